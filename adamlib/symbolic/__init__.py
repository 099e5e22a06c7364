"""The derivations the chapters rely on, as functions that return SymPy expressions.

Each function takes the symbols (or numbers) to express its result in, so a chapter can show the
symbolic result and a test can check it against numerics at random points.
"""

from .._extras import missing_course_extra

try:
    import sympy  # noqa: F401  (every module below needs it)
except ImportError as error:
    raise ImportError(missing_course_extra("sympy", "adamlib.symbolic")) from error

from . import (
    adagrad, adam, amsgrad, ema, gradient_descent, moments, momentum, relatives, rmsprop,
    step_size, weight_decay,
)  # fmt: skip
from .adagrad import *  # noqa: F403
from .adam import *  # noqa: F403
from .amsgrad import *  # noqa: F403
from .ema import *  # noqa: F403
from .gradient_descent import *  # noqa: F403
from .moments import *  # noqa: F403
from .momentum import *  # noqa: F403
from .relatives import *  # noqa: F403
from .rmsprop import *  # noqa: F403
from .step_size import *  # noqa: F403
from .weight_decay import *  # noqa: F403

__all__: list[str] = []
for _module in (
    gradient_descent, moments, ema, momentum, adagrad, rmsprop, adam, step_size, amsgrad,
    weight_decay, relatives,
):
    __all__ += _module.__all__
del _module
