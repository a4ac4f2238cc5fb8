"""Checkers for the notebooks' coding exercises.

Each ``check_*`` runs the learner's function against an independent reference (a closed form,
``torch.optim``, or lrlearn's own tested implementation) and returns a
:class:`~lrlearn.exercises._core.Report`: "correct", "wrong" (what differed, on which input) or
"not done yet". A checker never raises, so a notebook with unfinished exercises still runs.

>>> from lrlearn import exercises
>>> def my_step(x, grad, lr):
...     raise NotImplementedError
>>> exercises.check_gd_step(my_step).status
'not done yet'
"""

from __future__ import annotations

from . import adam, basics, batch, scale
from ._core import NOT_DONE, Report
from .adam import *  # noqa: F403
from .basics import *  # noqa: F403
from .batch import *  # noqa: F403
from .scale import *  # noqa: F403

__all__ = ["NOT_DONE", "Report", *adam.__all__, *basics.__all__, *batch.__all__, *scale.__all__]
