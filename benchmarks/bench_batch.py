"""Wall time of each batch-size experiment, fast and full setting (target: full < 120 s on 2 cores).

Run: .venv/bin/python benchmarks/bench_batch.py [--full-only | --fast-only]
Prints one line per experiment and setting, plus the headline numbers each one measured.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from lrlearn.batch import (
    compare_regimes,
    generalization,
    gradient_noise,
    gradient_noise_scale,
    linear_scaling,
    steps_to_target,
)
from lrlearn.data import digits


def headline(name: str, r) -> str:
    if name == "gradient_noise":
        return f"max |z| with/without = {np.abs(r.z_with).max():.2f}/{np.abs(r.z_without).max():.2f}"
    if name == "compare_regimes":
        return "final losses " + ", ".join(f"B={b}: {loss[-1]:.3f}" for b, loss in
                                           zip(r.batch_sizes, r.losses, strict=True))
    if name == "steps_to_target":
        return (f"steps {r.steps.astype(int).tolist()} for B {r.batch_sizes.tolist()}; "
                f"B_crit = {r.critical_batch:.0f}")
    if name == "gradient_noise_scale":
        return (f"B_simple at target = {r.b_simple_at_target:.0f}, B_crit = "
                f"{r.critical_batch:.0f}, ratio = {r.ratio:.2f}")
    if name == "linear_scaling":
        return f"breaks at k = {r.break_factor} (no warmup), {r.break_factor_warmup} (warmup)"
    if name == "generalization":
        acc, sh = r.test_accuracy[0], r.sharpness[0]
        return (f"equal loss: test acc {acc[0]:.3f} vs {acc[1]:.3f}, sharpness {sh[0]:.2f} vs "
                f"{sh[1]:.2f} (B = {r.batch_sizes.tolist()})")
    return ""


def main() -> None:
    digits()  # load scikit-learn and the data once, outside the timings
    settings = [True, False]
    if "--full-only" in sys.argv:
        settings = [False]
    if "--fast-only" in sys.argv:
        settings = [True]
    experiments = [
        ("gradient_noise", gradient_noise),
        ("compare_regimes", compare_regimes),
        ("steps_to_target", steps_to_target),
        ("gradient_noise_scale", gradient_noise_scale),
        ("linear_scaling", linear_scaling),
        ("generalization", generalization),
    ]
    for fast in settings:
        for name, fn in experiments:
            t0 = time.perf_counter()
            result = fn(fast=fast, progress=False)
            dt = time.perf_counter() - t0
            print(f"{name:22s} {'fast' if fast else 'full'}  {dt:7.2f} s   {headline(name, result)}",
                  flush=True)


if __name__ == "__main__":
    main()
