"""Steps to reach a target against batch size, with the learning rate and momentum tuned per batch
size (Shallue et al., "Measuring the effects of data parallelism on neural network training",
JMLR 2019, arXiv:1811.03600).

For each B the fewest steps over a grid of learning rates and momenta is kept. The curve has three
regions: perfect scaling (doubling B halves the steps), diminishing returns, and a plateau where a
larger batch no longer helps. McCandlish et al. ("An empirical model of large-batch training",
2018, arXiv:1812.06162) model it as S = S_min (1 + B_crit / B), i.e. (S / S_min - 1)(E / E_min - 1)
= 1 with E = B S the examples processed and B_crit = E_min / S_min; ``fit_tradeoff`` fits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..problems import Problem
from ._common import (
    MAX_STEPS,
    check_batch_sizes,
    check_flags,
    check_problem,
    default_problem,
    geometric_checkpoints,
    new_figure,
    powers_of_two,
    progress_bar,
    single_blas_thread,
    train,
)

__all__ = ["StepsToTargetResult", "fit_tradeoff", "steps_to_target"]


def fit_tradeoff(batch_sizes: Any, steps: Any) -> tuple[float, float]:
    """Fit S(B) = S_min + E_min / B to measured steps (finite entries only), minimising the
    relative error sum_B ((S_min + E_min / B) / S_B - 1)^2 (linear least squares).

    Returns (S_min, E_min); NaNs when fewer than two batch sizes reached the target or the fit
    is not positive. B_crit = E_min / S_min.
    """
    B = _checks.array("batch_sizes", batch_sizes, ndim=1, positive=True)
    S = _checks.array("steps", steps, ndim=1, finite=False)
    if S.shape != B.shape:
        raise ValueError(
            f"steps must have one entry per batch size: got {S.size} steps for {B.size} batch_sizes"
        )
    if np.isnan(S).any() or (S <= 0).any():
        raise ValueError(f"steps must be > 0 (inf where the target was not reached), got {S}")
    ok = np.isfinite(S)
    if ok.sum() < 2:
        return float("nan"), float("nan")
    B, S = B[ok], S[ok]
    A = np.stack([1.0 / S, 1.0 / (B * S)], axis=1)
    s_min, e_min = np.linalg.lstsq(A, np.ones_like(S), rcond=None)[0]
    if s_min <= 0 or e_min <= 0:
        return float("nan"), float("nan")
    return float(s_min), float(e_min)


@dataclass(frozen=True)
class StepsToTargetResult:
    """Fewest steps to the target for each batch size, tuned over ``lrs`` x ``momenta``.

    ``steps[i]``: fewest SGD steps with batch size ``batch_sizes[i]`` until the full training
    loss <= target (``metric="loss"``) or test accuracy >= target (``"accuracy"``), checked at
    steps growing geometrically by ``check_ratio`` (so a step count may overshoot by that factor);
    ``inf`` where no setting reached it within ``max_steps`` (``reached[i]`` False, ``best_lr``
    and ``best_momentum`` NaN). ``examples = steps * batch_sizes``. ``best_effective_lr`` =
    best_lr / (1 - best_momentum), the step size momentum SGD takes in the long run; it is what
    grows with B. ``steps_by_momentum`` / ``lr_by_momentum`` (batch size x momentum): the same,
    tuning the learning rate only, at each momentum. ``s_min``, ``e_min``,
    ``critical_batch`` (= e_min / s_min): the fit S = S_min + E_min / B (NaN if impossible).
    """

    problem: str
    metric: str
    target: float
    batch_sizes: np.ndarray
    lrs: np.ndarray
    momenta: np.ndarray
    max_steps: int
    check_ratio: float
    steps: np.ndarray
    reached: np.ndarray
    best_lr: np.ndarray
    best_momentum: np.ndarray
    steps_by_momentum: np.ndarray
    lr_by_momentum: np.ndarray
    examples: np.ndarray
    s_min: float
    e_min: float
    critical_batch: float

    @property
    def best_effective_lr(self) -> np.ndarray:
        return self.best_lr / (1.0 - self.best_momentum)

    def regions(self) -> list[str]:
        """Per batch size: "perfect scaling" (B <= B_crit / 4: within 25 % of halving the steps
        per doubling), "plateau" (B >= 4 B_crit: within 25 % of S_min), else "diminishing
        returns"; "not reached" where the target was missed, "unknown" if the fit failed."""
        out = []
        for b, ok in zip(self.batch_sizes, self.reached, strict=True):
            if not ok:
                out.append("not reached")
            elif not np.isfinite(self.critical_batch):
                out.append("unknown")
            elif b <= self.critical_batch / 4:
                out.append("perfect scaling")
            elif b >= 4 * self.critical_batch:
                out.append("plateau")
            else:
                out.append("diminishing returns")
        return out

    def plot(self) -> Any:
        """Left: steps vs B (log-log) with perfect scaling, the S_min plateau and the fit.
        Right: the tuned learning rate vs B."""
        fig, (ax, ax_lr) = new_figure(ncols=2, width=4.8, height=3.8)
        B, S, ok = self.batch_sizes, self.steps, self.reached
        what = "loss <=" if self.metric == "loss" else "test accuracy >="
        ax.plot(B[ok], S[ok], "o-", color="C0", label="measured (tuned lr, momentum)")
        if (~ok).any():
            ax.plot(B[~ok], np.full((~ok).sum(), self.max_steps), "x", color="C3",
                    label=f"not reached in {self.max_steps} steps")
        if ok.any():
            first = np.flatnonzero(ok)[0]
            fine = np.geomspace(B[0], B[-1], 200)
            ax.plot(fine, S[first] * B[first] / fine, ":", color="gray", label="perfect scaling")
            if np.isfinite(self.critical_batch):
                bc = self.critical_batch
                spans = ((B[0] / 1.5, bc / 4, "perfect\nscaling", "C2"),
                         (bc / 4, 4 * bc, "diminishing\nreturns", "C1"),
                         (4 * bc, B[-1] * 1.5, "plateau", "C3"))
                for lo_b, hi_b, text, color in spans:
                    lo_b, hi_b = max(lo_b, B[0] / 1.5), min(hi_b, B[-1] * 1.5)
                    if hi_b > lo_b:
                        ax.axvspan(lo_b, hi_b, color=color, alpha=0.07, lw=0)
                        ax.text(np.sqrt(lo_b * hi_b), 0.97, text, transform=ax.get_xaxis_transform(),
                                ha="center", va="top", fontsize=7, color=color)
                ax.plot(fine, self.s_min + self.e_min / fine, "--", color="C1",
                        label=rf"$S_{{min}}(1 + B_{{crit}}/B)$, $B_{{crit}}$ = "
                              f"{self.critical_batch:.0f}")
                ax.axhline(self.s_min, color="C2", lw=1, label=r"plateau $S_{min}$")
            lo = max(0.5 * min(S[ok].min(), self.s_min if np.isfinite(self.s_min) else np.inf), 0.5)
            ax.set_ylim(lo, 2 * S[ok].max())
        ax.set_xlim(B[0] / 1.5, B[-1] * 1.5)
        ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="steps to target",
               title=f"Steps to {what} {self.target:g} ({self.problem})")
        ax.legend(fontsize=7, loc="lower left")
        for j, m in enumerate(self.momenta):
            sel = np.isfinite(self.lr_by_momentum[:, j])
            ax_lr.plot(B[sel], self.lr_by_momentum[sel, j] / (1 - m), "o-", ms=4, lw=1,
                       color=f"C{j}", alpha=0.6, label=f"best for momentum {m:g}")
        ax_lr.plot(B[ok], self.best_effective_lr[ok], "*", ms=11, color="k", mfc="none",
                   label="best overall")
        ax_lr.set(xscale="log", yscale="log", xlabel="batch size B",
                  ylabel="effective lr = lr / (1 - momentum)", title="Tuned learning rate")
        ax_lr.legend(fontsize=7)
        return fig


@single_blas_thread
def steps_to_target(
    problem: Problem | None = None,
    batch_sizes: Any = None,
    *,
    target: float | None = None,
    metric: str = "loss",
    lrs: Any = None,
    momenta: Any = (0.0, 0.9),
    max_steps: int | None = None,
    check_ratio: float | None = None,
    fast: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> StepsToTargetResult:
    """For each batch size, run minibatch SGD for every (lr, momentum) in the grid on the same
    minibatches, and record the fewest steps until the target is met.

    Defaults: softmax regression on the digits, target training loss 0.25, B = 1, 4, 16, ... N
    (fast) or 1, 2, 4, ..., N; lrs 14 (fast) or 20 log-spaced values in [0.01, 30]; max_steps
    4000; check_ratio 1.05 (fast) or 1.02. All runs for a B stop as soon as one reaches the
    target (only the fewest steps matter), so the cost is set by the best setting.
    """
    fast, progress = check_flags(fast, progress)
    problem = check_problem(default_problem() if problem is None else problem)
    N = problem.n_examples
    metric = _checks.choice("metric", metric, ["loss", "accuracy"])
    if target is None:
        target = 0.25 if metric == "loss" else 0.9
    target = _checks.positive("target", target)
    if metric == "accuracy" and target > 1:
        raise ValueError(f"target must be in (0, 1] for metric='accuracy', got {target!r}")
    if batch_sizes is None:
        sizes = powers_of_two(N)
        batch_sizes = [b for b in sizes if b == N or np.log2(b) % 2 == 0] if fast else sizes
    B = check_batch_sizes("batch_sizes", batch_sizes, N)
    lrs = np.geomspace(0.01, 30, 14 if fast else 20) if lrs is None else lrs
    lrs = np.sort(_checks.positive_array("lrs", lrs))
    momenta = np.atleast_1d(_checks.array("momenta", momenta, min_size=1))
    if momenta.ndim != 1 or momenta.size == 0:
        raise ValueError(f"momenta must be a non-empty 1-D sequence, got {momenta!r}")
    for i, m in enumerate(momenta):
        _checks.in_range(f"momenta[{i}]", m, 0.0, 1.0, high_open=True)
    max_steps = _checks.integer("max_steps", 4000 if max_steps is None else max_steps, minimum=1,
                                maximum=MAX_STEPS)
    check_ratio = (1.05 if fast else 1.02) if check_ratio is None else check_ratio
    check_ratio = _checks.in_range("check_ratio", check_ratio, 1.0, 2.0, low_open=True)
    seed = _checks.integer("seed", seed, minimum=0)
    checks = geometric_checkpoints(max_steps, check_ratio)

    by_m = np.full((B.size, momenta.size), np.inf)
    lr_by_m = np.full((B.size, momenta.size), np.nan)
    with progress_bar(B.size * momenta.size, "steps to target", progress) as bar:
        for i, b in enumerate(B):
            for j, m in enumerate(momenta):
                runs = train(problem, int(b), lrs, max_steps, checks, momentum=float(m),
                             target=target, metric=metric, seed=seed, stop_at_first=True)
                bar.update(1)
                hit = runs.reached_at >= 0
                if not hit.any():
                    continue
                s = runs.reached_at[hit].min()
                # among the settings that hit first, the one with the lowest loss there
                col = int(np.searchsorted(runs.eval_steps, s))
                cand = np.flatnonzero(hit & (runs.reached_at == s))
                k = cand[np.argmin(runs.losses[cand, col])]
                by_m[i, j], lr_by_m[i, j] = s, lrs[k]
    steps = by_m.min(axis=1)
    reached = np.isfinite(steps)
    j_best = np.argmin(by_m, axis=1)
    best_lr = np.where(reached, lr_by_m[np.arange(B.size), j_best], np.nan)
    best_mom = np.where(reached, momenta[j_best], np.nan)
    s_min, e_min = fit_tradeoff(B, steps)
    return StepsToTargetResult(
        problem=problem.name, metric=metric, target=target, batch_sizes=B, lrs=lrs,
        momenta=momenta, max_steps=max_steps, check_ratio=check_ratio, steps=steps,
        reached=reached, best_lr=best_lr, best_momentum=best_mom, steps_by_momentum=by_m,
        lr_by_momentum=lr_by_m,
        examples=steps * B, s_min=s_min, e_min=e_min, critical_batch=e_min / s_min,
    )
