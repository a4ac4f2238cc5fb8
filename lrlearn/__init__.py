"""lrlearn: learn, see and be quizzed on the learning rate and the batch size.

The core (landscapes, optimizers, simulation, stability) needs only numpy. PyTorch is imported only
by ``lrlearn.deep``; matplotlib only when something is plotted.
"""

from __future__ import annotations

from . import data, landscapes, lr_finder, optimizers, plots, schedules, stability
from .landscapes import DoubleWell, Landscape, Quadratic, Ravine, Rosenbrock, Saddle
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop, make_optimizer
from .simulate import SweepResult, Trajectory, simulate, sweep
from .stability import Verdict, classify, critical_lr, optimal_lr

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "DoubleWell",
    "Landscape",
    "Quadratic",
    "RMSprop",
    "Ravine",
    "Rosenbrock",
    "Saddle",
    "SweepResult",
    "Trajectory",
    "Verdict",
    "classify",
    "critical_lr",
    "data",
    "landscapes",
    "lr_finder",
    "make_optimizer",
    "optimal_lr",
    "optimizers",
    "plots",
    "schedules",
    "simulate",
    "stability",
    "sweep",
]
