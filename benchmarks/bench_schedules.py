"""Speed of evaluating schedules at 1e6 steps at once (vectorised), and of stepping the PyTorch
equivalent, for scale.

    .venv/bin/python benchmarks/bench_schedules.py [--steps 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lrlearn import schedules as S

CASES = {
    "step_lr": lambda n: S.step_lr(0.1, step_size=n // 10, gamma=0.5),
    "multi_step_lr": lambda n: S.multi_step_lr(0.1, [n // 3, 2 * n // 3]),
    "exponential_lr": lambda n: S.exponential_lr(0.1, gamma=1 - 1 / n),
    "polynomial_lr": lambda n: S.polynomial_lr(0.1, total_iters=n, power=2.0),
    "cosine_annealing_lr": lambda n: S.cosine_annealing_lr(0.1, T_max=n),
    "cosine_annealing_warm_restarts": lambda n: S.cosine_annealing_warm_restarts(0.1, T_0=n // 31, T_mult=2),
    "linear_lr": lambda n: S.linear_lr(0.1, start_factor=0.01, total_iters=n // 10),
    "warmup_cosine": lambda n: S.warmup_cosine(0.1, warmup_steps=n // 20, total_steps=n),
    "one_cycle_lr": lambda n: S.one_cycle_lr(0.1, total_steps=n),
    "cyclic_lr": lambda n: S.cyclic_lr(0.01, 0.1, step_size_up=n // 20, mode="triangular2"),
}


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def torch_steps_per_second(n=20_000):
    try:
        import torch
    except ImportError:
        return None
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n)
    t0 = time.perf_counter()
    for _ in range(n):
        opt.step()  # no gradient: a no-op, but the order PyTorch expects
        sched.step()
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.steps
    t = np.arange(n)
    print(f"evaluating each schedule at {n:,} steps at once (best of {args.repeat})")
    print(f"{'schedule':34s} {'ms':>8s} {'ns/step':>8s} {'one step (us)':>14s}")
    for name, make in CASES.items():
        s = make(n)
        whole = best_of(lambda s=s: s(t), args.repeat)
        single = best_of(lambda s=s: [s(k) for k in range(0, n, n // 1000)], args.repeat) / 1000
        print(f"{name:34s} {whole * 1e3:8.1f} {whole / n * 1e9:8.1f} {single * 1e6:14.1f}")
    rate = torch_steps_per_second()
    if rate is not None:
        print(f"torch CosineAnnealingLR.step(): {rate:,.0f} steps/s "
              f"({n / rate:.1f} s for {n:,} steps)")


if __name__ == "__main__":
    main()
