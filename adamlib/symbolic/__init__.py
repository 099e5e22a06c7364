"""The derivations the chapters rely on, as functions that return SymPy expressions.

Each function takes the symbols (or numbers) to express its result in, so a chapter can show the
symbolic result and a test can check it against numerics at random points.
"""

from . import ema, gradient_descent, moments, momentum
from .ema import *  # noqa: F403
from .gradient_descent import *  # noqa: F403
from .moments import *  # noqa: F403
from .momentum import *  # noqa: F403

__all__: list[str] = []
for _module in (gradient_descent, moments, ema, momentum):
    __all__ += _module.__all__
del _module
