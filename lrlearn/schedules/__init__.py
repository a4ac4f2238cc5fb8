"""Learning-rate schedules as pure functions ``step -> lr``, with PyTorch's names and numbers.

    >>> from lrlearn.schedules import step_lr, warmup_cosine
    >>> step_lr(0.1, step_size=10, gamma=0.5)(25)      # 0.1 halved every 10 steps
    0.025
    >>> s = warmup_cosine(0.1, warmup_steps=100, total_steps=1000)
    >>> lrs = s(np.arange(1000))                        # doctest: +SKIP

Each ``snake_case`` factory equals its ``torch.optim.lr_scheduler`` class (``StepLR`` ->
``step_lr``) with the same keyword arguments plus ``base_lr`` (the optimizer's lr in PyTorch):
``schedule(t)`` is ``scheduler.get_last_lr()[0]`` after ``t`` calls of ``scheduler.step()``.
``to_torch`` turns any schedule into a PyTorch scheduler; ``ReduceLROnPlateau`` is stateful.

Where PyTorch surprises, and what lrlearn does:

- Step 0 is set when the scheduler is *built*: ``get_last_lr()`` before any ``step()`` is
  ``schedule(0)``, the rate of the first update. Call ``scheduler.step()`` after
  ``optimizer.step()``; the other order skips ``schedule(0)``.
- ``CosineAnnealingLR`` does not stop at ``T_max``: it climbs back to ``base_lr`` at ``2 T_max``
  and oscillates. ``cosine_annealing_lr`` copies this; ``periodic=False`` (and the alias
  ``cosine``) holds ``eta_min`` instead.
- ``OneCycleLR`` accepts one step past ``total_steps - 1`` (an extrapolated value) and raises
  after that; ``one_cycle_lr`` is defined on the same steps ``0 .. total_steps`` and raises
  ``ValueError`` beyond.
- ``SequentialLR`` restarts each scheduler from its own step 0 at its milestone, from the
  optimizer's initial lr (not from where the previous one ended): so does ``sequential_lr``.
- ``OneCycleLR`` and ``CyclicLR`` take any momenta; ``one_cycle_lr`` and ``cyclic_lr`` refuse
  ``base_momentum`` or ``max_momentum`` outside [0, 1] when they are built. A momentum (or
  Adam's beta1) of 1 or more never forgets a gradient and diverges, and a negative one is not
  momentum, so such a value is a mistake to catch early; ``torch.optim.SGD`` itself refuses a
  negative momentum. ``one_cycle_lr`` also refuses a ``pct_start`` that leaves its last phase
  no step (PyTorch divides by zero when it reaches it), at construction.
- PyTorch updates most rates recursively (``lr_t = f(lr_{t-1})``); lrlearn uses the closed
  forms, equal to float rounding (1e-9 relative in the tests; PyTorch can leave ~1e-17 where the
  exact value is 0).
"""

from __future__ import annotations

from .aliases import cosine, warmup, warmup_cosine
from .base import Schedule, constant, sequential_lr
from .cyclic import cyclic_lr, one_cycle_lr
from .decay import (
    constant_lr,
    cosine_annealing_lr,
    cosine_annealing_warm_restarts,
    exponential_lr,
    linear_lr,
    multi_step_lr,
    polynomial_lr,
    step_lr,
)
from .plateau import ReduceLROnPlateau
from .plot import plot_schedules
from .torch_bridge import to_torch
from .wsd import inverse_sqrt, linear_decay, warmup_stable_decay

__all__ = [
    "ReduceLROnPlateau",
    "Schedule",
    "constant",
    "constant_lr",
    "cosine",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_lr",
    "exponential_lr",
    "inverse_sqrt",
    "linear_decay",
    "linear_lr",
    "multi_step_lr",
    "one_cycle_lr",
    "plot_schedules",
    "polynomial_lr",
    "sequential_lr",
    "step_lr",
    "to_torch",
    "warmup",
    "warmup_cosine",
    "warmup_stable_decay",
]
