"""Checkers for the exercises: pass your own function, get a plain verdict.

Each checker runs your function and a reference on the same inputs and returns a
:class:`CheckResult` that prints as a sentence: either that every case agreed, or the first input
on which your function went wrong, what was expected there and what came back.

>>> from adamlib import exercises
>>> cases = [exercises.Case("x = -2", (-2.0,))]
>>> result = exercises.check_against_reference(abs, abs, cases, what="|x|")
>>> result.passed
True
"""

from . import (
    adagrad, adam, amsgrad, ema, gradient_descent, moments, momentum, relatives, rmsprop,
    schedules, step_size, weight_decay,
)  # fmt: skip
from ._core import Case, CheckResult, check_against_reference
from .adagrad import *  # noqa: F403
from .adam import *  # noqa: F403
from .amsgrad import *  # noqa: F403
from .ema import *  # noqa: F403
from .gradient_descent import *  # noqa: F403
from .moments import *  # noqa: F403
from .momentum import *  # noqa: F403
from .relatives import *  # noqa: F403
from .rmsprop import *  # noqa: F403
from .schedules import *  # noqa: F403
from .step_size import *  # noqa: F403
from .weight_decay import *  # noqa: F403

__all__ = ["Case", "CheckResult", "check_against_reference"]
for _module in (
    gradient_descent, moments, ema, momentum, adagrad, rmsprop, adam, step_size, amsgrad,
    weight_decay, relatives, schedules,
):
    __all__ += _module.__all__
del _module
