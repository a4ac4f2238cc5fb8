"""Overhead of lrlearn.deep.train over a hand-written PyTorch loop doing the same work.

Both train the same MLP on the digits with SGD (momentum 0.9) for the same epochs, the same
batches in the same order; the hand-written loop is the textbook one (zero_grad, forward, loss,
backward, step, and nothing else). Runs of the two alternate (``--repeats`` each) and the fastest
run of each is kept (the least disturbed by other load; as timeit does); "paired" is the
median over repeats of the ratio of two adjacent runs, a second estimate. On a CPU the time is the
process's CPU time (``time.process_time``), which other programs on a busy machine disturb far
less than the wall clock; on a GPU it is wall-clock time with synchronisation.

    python benchmarks/bench_trainer_overhead.py            # default sizes
    python benchmarks/bench_trainer_overhead.py --threads 1 --epochs 15

Target: overhead under 5% (it records loss, accuracy and lr per step and draws a progress bar).
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each loop")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default=None)
    parser.add_argument("--progress", action="store_true", help="show the trainer's tqdm bar")
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F

    from lrlearn.deep.device import resolve_device
    from lrlearn.deep.models import digits_tensors, mlp
    from lrlearn.deep.train import _sync, train

    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device, verbose=True)
    clock = time.process_time if device.type == "cpu" else time.perf_counter
    X, y = digits_tensors(device=device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"{len(y)} training digits")
    print(f"{'model':>22} {'batch':>6} {'hand ms/epoch':>14} {'train() ms/epoch':>17} "
          f"{'overhead':>9} {'paired':>9}")
    for hidden, batch in [((64,), 32), ((256, 256), 32), ((512, 512), 128), ((1024, 1024), 256)]:
        model_a = mlp(64, hidden, 10, seed=0).to(device)
        model_b = mlp(64, hidden, 10, seed=0).to(device)
        opt_a = torch.optim.SGD(model_a.parameters(), lr=0.01, momentum=0.9)
        opt_b = torch.optim.SGD(model_b.parameters(), lr=0.01, momentum=0.9)
        gen = torch.Generator().manual_seed(0)

        def hand_epoch(model=model_a, opt=opt_a, batch=batch, gen=gen):
            for _ in range(args.epochs):
                order = torch.randperm(len(y), generator=gen).to(device)
                for i in range(0, len(y), batch):
                    idx = order[i:i + batch]
                    opt.zero_grad(set_to_none=True)
                    loss = F.cross_entropy(model(X[idx]), y[idx])
                    loss.backward()
                    opt.step()
            _sync(device)

        def lib_epoch(model=model_b, opt=opt_b, batch=batch):
            train(model, (X, y), opt, batch_size=batch, epochs=args.epochs, device=device,
                  progress=args.progress)

        hand, lib = [], []
        hand_epoch()  # warm-up
        lib_epoch()
        for _ in range(args.repeats):
            for fn, times in ((hand_epoch, hand), (lib_epoch, lib)):
                _sync(device)
                t = clock()
                fn()
                _sync(device)
                times.append(clock() - t)
        h = min(hand) / args.epochs
        w = min(lib) / args.epochs
        paired = statistics.median(b / a for a, b in zip(hand, lib, strict=True))
        name = "MLP 64-" + "-".join(map(str, hidden)) + "-10"
        print(f"{name:>22} {batch:>6} {1e3 * h:>14.2f} {1e3 * w:>17.2f} "
              f"{100 * (w / h - 1):>8.1f}% {100 * (paired - 1):>8.1f}%")


if __name__ == "__main__":
    main()
