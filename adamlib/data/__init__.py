"""Data for the chapters' experiments: synthetic problems, gradient streams and a real data set.

Everything is generated from ``np.random.default_rng(seed)`` or read from files that ship with an
installed package, so the same arguments always give the same arrays and nothing is downloaded.

- :mod:`adamlib.data.synthetic`: least squares with a chosen conditioning, noisy and drifting
  streams (Part I).
- :mod:`adamlib.data.sparse`: a regression problem with rare but informative features
  (chapter 05, Adagrad).
- :mod:`adamlib.data.online`: a non-stationary on-line problem (chapter 06, RMSprop).
- :mod:`adamlib.data.digits`: the UCI handwritten digits, read from the copy inside scikit-learn
  (chapters 07 and 08).
"""

from . import digits, online, sparse, synthetic
from .digits import *  # noqa: F403
from .online import *  # noqa: F403
from .sparse import *  # noqa: F403
from .synthetic import *  # noqa: F403

__all__: list[str] = []
for _module in (synthetic, sparse, online, digits):
    __all__ += _module.__all__
del _module
