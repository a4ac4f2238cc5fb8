"""Throughput and peak memory of a training step against the batch size on whatever device is
found (CUDA, then MPS, then CPU), then the powers-of-two comparison.

    python benchmarks/bench_deep_throughput.py                # defaults: MLP 64-512-512-10
    python benchmarks/bench_deep_throughput.py --threads 1 --max-log2 12
    python benchmarks/bench_deep_throughput.py --device cuda --max-log2 20 --width 4096

Numbers are printed as measured; nothing here decides in advance which batch size wins.
"""

from __future__ import annotations

import argparse
import platform


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: best found)")
    parser.add_argument("--max-log2", type=int, default=12, help="largest batch is 2**this")
    parser.add_argument("--width", type=int, default=512, help="hidden width of the MLP")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--ks", default="5,6,7,8", help="powers of two to compare, e.g. 5,6,7")
    parser.add_argument("--amp", action="store_true", help="autocast (bfloat16/float16)")
    args = parser.parse_args()

    import torch

    from lrlearn.deep.device import resolve_device
    from lrlearn.deep.models import mlp
    from lrlearn.deep.throughput import measure_throughput, powers_of_two

    device = resolve_device(args.device, verbose=True)
    print(f"torch {torch.__version__}, python {platform.python_version()}, "
          f"MLP 64-{args.width}-{args.width}-10, amp={args.amp}")
    common = {"steps": args.steps, "repeats": args.repeats, "threads": args.threads,
              "device": device, "amp": args.amp}
    sizes = [2**k for k in range(args.max_log2 + 1)]
    result = measure_throughput(sizes, model=mlp(64, (args.width, args.width), 10), **common)
    print(result.table())
    print()
    ks = [int(k) for k in args.ks.split(",")]
    p2 = powers_of_two(ks, model=mlp(64, (args.width, args.width), 10), memory=False, **common)
    print(p2.summary())


if __name__ == "__main__":
    main()
