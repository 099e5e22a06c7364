r"""A regression problem with rare but informative features, for chapter 05 (Adagrad).

Each example has :math:`d` binary features; feature :math:`j` is 1 with probability
:math:`p_j` (its *frequency*) and 0 otherwise, independently of the others, and the target is
linear in the features plus noise. By default the frequencies are spread evenly on a log scale
over three orders of magnitude, and the true weights grow as the frequencies fall,
:math:`|w_j| \propto p_j^{-1/2}`, so that every feature carries the same share of the signal:
the rare ones are rarely seen but as informative as the common ones. This is the situation in
which Duchi, Hazan and Singer expect a per-coordinate step size to help ("needles in
haystacks").

The loss is the mean squared error over the data set,
:math:`f(w) = \frac{1}{2n}\|Xw - y\|^2`. Its minimizer :math:`w^\star` is computed exactly, so
the *excess loss* :math:`f(w) - f(w^\star) = \tfrac12 (w - w^\star)^\top H (w - w^\star)`,
:math:`H = X^\top X / n`, measures how far an optimizer still is from the optimum.

>>> import numpy as np
>>> problem = rare_feature_regression(n_samples=2000, n_features=5, seed=0)
>>> problem.X.shape, problem.y.shape, problem.frequencies.shape
((2000, 5), (2000,), (5,))
>>> np.round(problem.frequencies, 4)
array([0.5   , 0.0889, 0.0158, 0.0028, 0.0005])
>>> bool(np.allclose(problem.grad(problem.w_star), 0.0))
True

References
----------
- J. Duchi, E. Hazan and Y. Singer, "Adaptive Subgradient Methods for Online Learning and
  Stochastic Optimization", JMLR 12, 2011 (the abstract: rare but predictive features).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["RareFeatureData", "rare_feature_regression"]


@dataclass(frozen=True, eq=False)
class RareFeatureData:
    r"""A least-squares problem whose binary features appear with very different frequencies.

    Build one with :func:`rare_feature_regression`. The arrays are read-only. Every method that
    takes weights ``w`` accepts one vector of shape (d,) or a stack of them, shape (k, d), and
    answers for each row (so many runs can share one loop).

    Attributes
    ----------
    X : ndarray, shape (n, d)
        The features, 0.0 or 1.0; column :math:`j` is 1 in about a fraction :math:`p_j` of rows.
    y : ndarray, shape (n,)
        Targets, :math:`y = X w_{\text{true}} + \text{noise}`.
    w_true : ndarray, shape (d,)
        The weights that generated ``y``.
    frequencies : ndarray, shape (d,)
        :math:`p_j`, the probability that feature :math:`j` is 1 in an example.
    w_star : ndarray, shape (d,)
        The exact minimizer of the loss on this data set (least squares).

    Notes
    -----
    =========================  =============================  ===============================
    symbol                     code                           meaning
    =========================  =============================  ===============================
    :math:`n`, :math:`d`       ``n_samples``, ``n_features``  number of examples, features
    :math:`p_j`                ``frequencies[j]``             frequency of feature :math:`j`
    :math:`f(w)`               ``loss(w)``                    :math:`\frac1{2n}\|Xw - y\|^2`
    :math:`\nabla f(w)`        ``grad(w)``                    :math:`\frac1n X^\top(Xw - y)`
    :math:`g_B(w)`             ``minibatch_grad(w, rows)``    the same over the given rows
    :math:`H`                  ``hessian``                    :math:`\frac1n X^\top X`
    :math:`f(w) - f(w^\star)`  ``excess_loss(w)``             distance to the optimum in loss
    =========================  =============================  ===============================
    """

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray
    frequencies: np.ndarray
    w_star: np.ndarray

    @property
    def n_samples(self) -> int:
        """The number of examples :math:`n`."""
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        """The number of features (and weights) :math:`d`."""
        return self.X.shape[1]

    @cached_property
    def hessian(self) -> np.ndarray:
        r"""The Hessian :math:`H = X^\top X / n` of the loss (the same at every :math:`w`)."""
        hessian = self.X.T @ self.X / self.n_samples
        hessian.flags.writeable = False
        return hessian

    def loss(self, w: np.ndarray) -> np.ndarray | float:
        r"""The loss :math:`\frac{1}{2n}\|Xw - y\|^2`, for a vector w or each row of a stack."""
        residual = np.asarray(w, dtype=float) @ self.X.T - self.y
        loss = 0.5 * np.mean(residual**2, axis=-1)
        return float(loss) if np.ndim(loss) == 0 else loss

    def grad(self, w: np.ndarray) -> np.ndarray:
        r"""The full-batch gradient :math:`\frac1n X^\top (Xw - y)`."""
        return self.minibatch_grad(w, np.arange(self.n_samples))

    def minibatch_grad(self, w: np.ndarray, rows: np.ndarray) -> np.ndarray:
        r"""The gradient on the examples ``rows``: :math:`\frac1B X_B^\top(X_B w - y_B)`.

        Parameters
        ----------
        w : ndarray, shape (d,) or (k, d)
            One weight vector, or a stack of k of them.
        rows : ndarray of int, shape (B,)
            Row indices of the mini-batch (they may repeat).

        Returns
        -------
        ndarray, the shape of ``w``

        Examples
        --------
        With every row in the batch, the mini-batch gradient is the full gradient:

        >>> import numpy as np
        >>> problem = rare_feature_regression(n_samples=100, n_features=3, seed=1)
        >>> rows = np.arange(100)
        >>> w = np.ones(3)
        >>> bool(np.allclose(problem.minibatch_grad(w, rows), problem.grad(w)))
        True
        """
        rows = np.asarray(rows)
        X_batch, y_batch = self.X[rows], self.y[rows]
        residual = np.asarray(w, dtype=float) @ X_batch.T - y_batch  # shape (B,) or (k, B)
        return residual @ X_batch / len(rows)

    def excess_loss(self, w: np.ndarray) -> np.ndarray | float:
        r"""The excess loss :math:`f(w) - f(w^\star) = \tfrac12 (w - w^\star)^\top H (w - w^\star)`.

        Exact for a quadratic, and computed without subtracting two nearly equal losses.

        Examples
        --------
        >>> problem = rare_feature_regression(n_samples=500, n_features=4, seed=2)
        >>> w = problem.w_star + 0.1
        >>> difference = problem.loss(w) - problem.loss(problem.w_star)
        >>> bool(abs(problem.excess_loss(w) - difference) < 1e-12)
        True
        """
        offset = np.asarray(w, dtype=float) - self.w_star
        excess = 0.5 * np.sum((offset @ self.hessian) * offset, axis=-1)
        return float(excess) if np.ndim(excess) == 0 else excess


def rare_feature_regression(
    n_samples: int = 20_000,
    n_features: int = 40,
    *,
    frequencies: np.ndarray | None = None,
    max_frequency: float = 0.5,
    min_frequency: float = 5e-4,
    weight_scale: float = 0.3,
    weight_exponent: float = 0.5,
    noise_std: float = 0.5,
    seed: int = 0,
) -> RareFeatureData:
    r"""A regression data set with binary features of widely different frequencies.

    Feature :math:`j` of each example is 1 with probability :math:`p_j` and 0 otherwise,
    independently; the true weights are
    :math:`w_{\text{true},j} = \pm\, c\, p_j^{-a}` with random signs, and the targets are
    :math:`y = X w_{\text{true}} + \sigma z` with :math:`z` standard normal. A feature then
    contributes the variance :math:`p_j(1 - p_j)\, c^2 p_j^{-2a}` to the targets: with the default
    :math:`a = 1/2` every feature carries about the same share :math:`c^2(1 - p_j)` of the signal
    however rarely it appears (rare but informative); with :math:`a = 0` the rare features carry
    almost none.

    Parameters
    ----------
    n_samples, n_features : int
        :math:`n` and :math:`d`.
    frequencies : array of d floats in (0, 1], optional
        The :math:`p_j`. By default they are spaced evenly on a log scale from
        ``max_frequency`` down to ``min_frequency`` (three orders of magnitude).
    max_frequency, min_frequency : float
        The range of the default frequencies.
    weight_scale : float
        :math:`c`.
    weight_exponent : float
        :math:`a`: the true weights scale like :math:`p_j^{-a}`.
    noise_std : float
        :math:`\sigma`, the standard deviation of the noise on the targets.
    seed : int
        Seed of ``np.random.default_rng``; the same arguments always give the same arrays.

    Returns
    -------
    RareFeatureData

    Notes
    -----
    A feature of frequency :math:`p_j` appears in about :math:`n p_j` examples (10 for the
    defaults' rarest feature); one that happens never to appear has a zero column, a zero
    gradient, and the weight 0 in the minimum-norm solution ``w_star``.

    Examples
    --------
    >>> import numpy as np
    >>> problem = rare_feature_regression(seed=3)
    >>> observed = problem.X.mean(axis=0)     # how often each feature is 1
    >>> bool(np.all(np.abs(observed - problem.frequencies)
    ...             < 4 * np.sqrt(problem.frequencies / problem.n_samples)))
    True
    >>> # the rarest feature has the largest weight
    >>> np.round(np.abs(problem.w_true[[0, -1]]), 3)
    array([ 0.424, 13.416])
    """
    if n_samples < 1 or n_features < 1:
        raise ValueError(
            f"Invalid sizes: n_samples={n_samples!r}, n_features={n_features!r}"
        )
    if frequencies is None:
        if not 0 < min_frequency <= max_frequency <= 1:
            raise ValueError(
                "Invalid frequency range: "
                f"[{min_frequency!r}, {max_frequency!r}] "
                "(must satisfy 0 < min_frequency <= max_frequency <= 1)"
            )
        frequencies = np.geomspace(max_frequency, min_frequency, n_features)
    frequencies = np.array(frequencies, dtype=float)
    in_range = np.all((frequencies > 0) & (frequencies <= 1))
    if frequencies.shape != (n_features,) or not in_range:
        raise ValueError(
            f"Invalid frequencies: need {n_features} values in (0, 1]"
        )  # fmt: skip
    if noise_std < 0:
        raise ValueError(f"Invalid noise_std: {noise_std!r} (must be >= 0)")

    rng = np.random.default_rng(seed)
    X = (rng.random((n_samples, n_features)) < frequencies).astype(float)
    signs = rng.choice([-1.0, 1.0], size=n_features)
    w_true = signs * weight_scale * frequencies**-weight_exponent
    y = X @ w_true + noise_std * rng.standard_normal(n_samples)
    w_star, *_ = np.linalg.lstsq(X, y, rcond=None)
    for array in (X, y, w_true, frequencies, w_star):
        array.flags.writeable = False
    return RareFeatureData(X, y, w_true, frequencies, w_star)
