"""adamlib: the optimizers of "Adam, from first principles", written to be read.

Every optimizer is one readable update function (``adam_update`` and so on, whose lines mirror
the paper's) and a small class that holds its state and calls it. Hyperparameter names, defaults
and update semantics follow ``torch.optim``.

>>> import numpy as np, adamlib
>>> x = np.array([1.0, -2.0])
>>> opt = adamlib.Adam(x, lr=0.1)
>>> opt.step(np.array([0.3, -5.0]))  # the first step is lr * sign(g), up to eps
>>> np.round(x, 6)
array([ 0.9, -1.9])
"""

from ._source import source_code
from ._validation import NonFiniteGradientError
from .adagrad import Adagrad, adagrad_update
from .adam import Adam, adam_update
from .adamax import Adamax, adamax_update
from .adamw import AdamW, adamw_update
from .nadam import NAdam, nadam_update
from .optimizer import Optimizer
from .radam import RAdam, radam_update
from .rmsprop import RMSprop, rmsprop_update
from .sgd import SGD, sgd_update

__version__ = "0.1.0"

_SUBMODULES = ("data", "ema", "exercises", "nn", "objectives", "plot", "schedules", "symbolic")


def __getattr__(name: str):
    """Import the larger submodules (``adamlib.plot`` loads matplotlib) on first use."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


OPTIMIZERS = (SGD, Adagrad, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam)
"""Every optimizer class, in the order the course introduces them."""

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "NonFiniteGradientError",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "adagrad_update",
    "adam_update",
    "adamax_update",
    "adamw_update",
    "nadam_update",
    "radam_update",
    "rmsprop_update",
    "sgd_update",
    "source_code",
]
