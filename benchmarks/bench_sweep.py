"""Speed of ``sweep``: 1,000 learning rates x 1,000 steps on a 2-D quadratic, every loss recorded.

Targets: under 50 ms, and at least 50x faster than a per-learning-rate Python loop (``simulate``
called once per rate) in the same run. Prints the median of several repeats.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from lrlearn import Quadratic, simulate, sweep


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    q = Quadratic(curvatures=[10.0, 1.0], center=[1.0, -0.5])
    x0 = np.array([-2.0, 2.0])
    lrs = np.logspace(-4, np.log10(0.5), 1000)
    steps = 1000
    result = sweep(q, x0, lrs, steps)
    assert result.losses.shape == (1000, 1001)
    t_sweep = timed(lambda: sweep(q, x0, lrs, steps), repeats=15)

    def loop() -> np.ndarray:
        return np.array([simulate(q, x0, lr, steps).final_loss for lr in lrs])

    t0 = time.perf_counter()
    finals = loop()
    t_loop = time.perf_counter() - t0
    ok = ~result.diverged
    assert np.allclose(finals[ok], result.final_losses[ok], rtol=1e-12, atol=0)

    print("sweep: 1000 learning rates x 1000 steps, 2-D quadratic, all losses recorded")
    print(f"  vectorised sweep (median of 15): {t_sweep * 1e3:8.1f} ms   (target < 50 ms)")
    print(f"  per-lr Python loop (simulate):   {t_loop * 1e3:8.1f} ms")
    print(f"  speed-up:                        {t_loop / t_sweep:8.0f}x   (target >= 50x)")
    print(f"  diverged runs: {int(result.diverged.sum())}, best lr: {result.best_lr:.4g}")


if __name__ == "__main__":
    main()
