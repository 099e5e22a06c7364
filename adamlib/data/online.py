r"""An on-line, non-stationary problem: a regression whose scale and target switch (chapter 06).

An on-line learner sees one sample at a time and takes one step per sample. Here the samples
come from a linear model whose regime changes at fixed steps: in each regime the true weights
are drawn afresh and the whole sample is multiplied by :math:`\sqrt\lambda`, where
:math:`\lambda` is the regime's curvature (the Hessian of the expected loss is
:math:`\lambda I`), so the gradients are :math:`\lambda` times those of the same problem at
:math:`\lambda = 1`. A switch from :math:`\lambda = 1` to :math:`\lambda = 0.01` therefore
leaves the problem unchanged except that every gradient is 100 times smaller: exactly the change
that a method which forgets old gradients (RMSprop) can absorb and one which never forgets
(Adagrad) cannot. The true weights at every step come with the samples,
so the tracking error :math:`\|w_t - w^\star_t\|` can be measured.

>>> stream = online_regression(
...     regime_length=4, curvatures=(1.0, 0.01), n_features=2)
>>> stream.X.shape, stream.y.shape, stream.w_true.shape
((8, 2), (8,), (8, 2))
>>> stream.regime_starts
(1, 5)
>>> stream.grad(np.zeros(2), t=1).shape
(2,)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["OnlineRegression", "online_regression"]


@dataclass(frozen=True, eq=False)
class OnlineRegression:
    r"""A stream of linear-regression samples :math:`(x_t, y_t)`, one per step, and its truth.

    Build one with :func:`online_regression`. Step :math:`t` (from 1) brings the loss
    :math:`\ell_t(w) = \frac12 (x_t^\top w - y_t)^2` and the learner's gradient
    :math:`g_t = \nabla\ell_t(w_{t-1}) = x_t (x_t^\top w_{t-1} - y_t)`. With several streams (one
    per seed) every array has a stream axis after the step axis, and the methods take weights of
    shape ``(n_streams, n_features)``, one row per stream, so that one elementwise optimizer run
    on that array is ``n_streams`` independent runs. The arrays are read-only.

    Attributes
    ----------
    X : ndarray, shape (T, d) or (T, S, d)
        The features :math:`x_t = \sqrt{\lambda_t}\, z_t`, :math:`z_t` standard normal.
    y : ndarray, shape (T,) or (T, S)
        The targets :math:`y_t = \sqrt{\lambda_t}\,(z_t^\top w^\star_t + \sigma e_t)`, :math:`e_t`
        standard normal.
    w_true : ndarray, shape (T, d) or (T, S, d)
        The true weights :math:`w^\star_t` at every step.
    curvature : ndarray, shape (T,)
        The curvature :math:`\lambda_t` of the regime that step :math:`t` belongs to (shared by
        all streams).
    regime_starts : tuple of int
        The first step :math:`t` (from 1) of each regime.
    noise_std : float
        :math:`\sigma`, the noise on the targets in units of :math:`\sqrt{\lambda_t}`.

    Notes
    -----
    The expected loss at step :math:`t` is
    :math:`E[\ell_t(w)] = \frac12 \lambda_t (\|w - w^\star_t\|^2 + \sigma^2)`, so its Hessian
    is :math:`\lambda_t I` and its minimizer is :math:`w^\star_t`.

    ==========================  ==========================  ====================================
    symbol                      code                        meaning
    ==========================  ==========================  ====================================
    :math:`x_t`, :math:`y_t`    ``X[t-1]``, ``y[t-1]``      the sample of step :math:`t`
    :math:`w^\star_t`           ``w_true[t-1]``             the true weights at step :math:`t`
    :math:`\lambda_t`           ``curvature[t-1]``          curvature of the regime
    :math:`\sigma`              ``noise_std``               target noise, over
                                                            :math:`\sqrt{\lambda_t}`
    :math:`g_t`                 ``grad(w, t)``              :math:`x_t(x_t^\top w - y_t)`
    :math:`\ell_t(w)`           ``loss(w, t)``              :math:`\frac12(x_t^\top w - y_t)^2`
    :math:`\|w - w^\star_t\|`   ``tracking_error(w, t)``    distance to the true weights
    ==========================  ==========================  ====================================
    """

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray
    curvature: np.ndarray
    regime_starts: tuple[int, ...]
    noise_std: float

    @property
    def n_steps(self) -> int:
        """The length :math:`T` of the stream."""
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        """The number of weights :math:`d`."""
        return self.X.shape[-1]

    @property
    def n_streams(self) -> int | None:
        """The number of stacked streams, or None for a single stream."""
        return self.X.shape[1] if self.X.ndim == 3 else None

    def grad(self, w: np.ndarray, t: int) -> np.ndarray:
        r"""The gradient :math:`g_t = x_t (x_t^\top w - y_t)` of the loss of step ``t`` at ``w``.

        Examples
        --------
        >>> stream = online_regression(
        ...     regime_length=3, curvatures=(1.0,), n_features=2)
        >>> w, t, h = np.array([0.3, -0.2]), 2, 1e-6
        >>> def central_difference(e):
        ...     rise = stream.loss(w + h * e, t) - stream.loss(w - h * e, t)
        ...     return rise / (2 * h)
        >>> numeric = [central_difference(e) for e in np.eye(2)]
        >>> bool(np.allclose(stream.grad(w, t), numeric))
        True
        """
        x, y = self._sample(w, t)
        residual = np.sum(x * w, axis=-1) - y
        return x * residual[..., None]

    def loss(self, w: np.ndarray, t: int) -> np.ndarray | float:
        r"""The loss :math:`\ell_t(w) = \frac12 (x_t^\top w - y_t)^2` of the sample of step t."""
        x, y = self._sample(w, t)
        residual = np.sum(x * w, axis=-1) - y
        return 0.5 * residual**2 if residual.ndim else float(0.5 * residual**2)

    def tracking_error(self, w: np.ndarray, t: int) -> np.ndarray | float:
        r"""The distance :math:`\|w - w^\star_t\|` to the true weights of step t (per stream)."""
        self._sample(w, t)
        distance = np.linalg.norm(w - self.w_true[t - 1], axis=-1)
        return distance if distance.ndim else float(distance)

    def _sample(self, w: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(t, (int, np.integer)) or not 1 <= t <= self.n_steps:
            raise ValueError(f"Invalid step t: {t!r} (must be an integer from 1 to {self.n_steps})")
        sample_shape = self.X.shape[1:]  # (d,) or (S, d); w may have more axes in front
        if np.shape(w)[max(np.ndim(w) - len(sample_shape), 0):] != sample_shape:
            raise ValueError(
                f"w has shape {np.shape(w)}, expected {self.X.shape[1:]} (after any leading axes)"
            )
        return self.X[t - 1], self.y[t - 1]


def online_regression(
    regime_length: int = 1500,
    curvatures: Sequence[float] = (1.0, 0.01),
    n_features: int = 5,
    noise_std: float = 0.5,
    drift_std: float = 0.0,
    seed: int | Sequence[int] = 0,
) -> OnlineRegression:
    r"""An on-line linear regression whose curvature and true weights switch between regimes.

    The stream has one regime per entry of ``curvatures``, each ``regime_length`` steps long.
    Step :math:`t` belongs to a regime with curvature :math:`\lambda_t` and weights
    :math:`w^{\mathrm{reg}}_t \sim \mathcal N(0, I_d)`, drawn afresh for each regime, and

    .. math::

        x_t = \sqrt{\lambda_t}\, z_t, \qquad
        y_t = \sqrt{\lambda_t}\,\big(z_t^\top w^\star_t + \sigma e_t\big),
        \qquad w^\star_t = w^{\mathrm{reg}}_t + \tau \sum_{k=2}^{t} u_k ,

    with :math:`z_t`, :math:`e_t`, :math:`u_k` independent standard normal and
    :math:`\tau` = ``drift_std`` (0 by default: the weights are constant within a regime and
    jump at a switch). Because the whole sample is scaled, the gradient
    :math:`x_t(x_t^\top w - y_t) = \lambda_t z_t(z_t^\top w - z_t^\top w^\star_t - \sigma
    e_t)` is :math:`\lambda_t` times that of the same problem at :math:`\lambda = 1`: a switch
    from 1 to 0.01 makes every gradient 100 times smaller and changes nothing else. The expected
    loss is :math:`\frac12\lambda_t(\|w - w^\star_t\|^2 + \sigma^2)`.

    Parameters
    ----------
    regime_length : int, default 1500
        Steps per regime (>= 1).
    curvatures : sequence of float, default (1.0, 0.01)
        The curvature :math:`\lambda_t > 0` of each regime, in order.
    n_features : int, default 5
        Number of weights :math:`d` (>= 1).
    noise_std : float, default 0.5
        :math:`\sigma \ge 0`, the target noise in units of :math:`\sqrt{\lambda_t}`.
    drift_std : float, default 0
        :math:`\tau \ge 0`, the standard deviation of the random walk of the true weights per
        step (it runs on through the switches).
    seed : int or sequence of int, default 0
        Seed of ``np.random.default_rng``. A sequence of seeds gives one independent stream per
        seed, stacked on axis 1 of every array; stream ``k`` is exactly the stream of
        ``seed=seeds[k]``.

    Returns
    -------
    OnlineRegression

    Examples
    --------
    >>> stream = online_regression(
    ...     regime_length=1000, curvatures=(1.0, 0.01), seed=[0, 1, 2])
    >>> stream.n_steps, stream.n_streams, stream.n_features
    (2000, 3, 5)
    >>> w = np.zeros((3, 5))
    >>> before, after = stream.grad(w, 1000), stream.grad(w, 1001)
    >>> ratio = np.linalg.norm(after) / np.linalg.norm(before)
    >>> # gradients about 100 times smaller after the switch
    >>> bool(0.0001 < ratio < 0.1)
    True
    >>> one_stream = online_regression(1000, (1.0, 0.01), seed=1)
    >>> bool(np.array_equal(stream.X[:, 1], one_stream.X))
    True
    """
    if not isinstance(regime_length, (int, np.integer)) or regime_length < 1:
        raise ValueError(f"Invalid regime_length: {regime_length!r} (must be an integer >= 1)")
    curvature_values = np.asarray(curvatures, dtype=np.float64)
    if (curvature_values.ndim != 1 or curvature_values.size == 0
            or not np.all(np.isfinite(curvature_values) & (curvature_values > 0))):  # fmt: skip
        raise ValueError(
            f"Invalid curvatures: {curvatures!r} (must be a non-empty sequence of finite "
            "numbers > 0)"
        )
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"Invalid n_features: {n_features!r} (must be an integer >= 1)")
    for name, value in (("noise_std", noise_std), ("drift_std", drift_std)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"Invalid {name}: {value!r} (must be a finite number >= 0)")
    if isinstance(seed, (int, np.integer)):
        X, y, w_true = _one_stream(int(regime_length), curvature_values, int(n_features),
                                   noise_std, drift_std, int(seed))  # fmt: skip
    else:
        seeds = list(seed)
        if not seeds or not all(isinstance(s, (int, np.integer)) for s in seeds):
            raise ValueError(f"Invalid seed: {seed!r} (must be an int or a sequence of ints)")
        parts = [_one_stream(int(regime_length), curvature_values, int(n_features), noise_std,
                             drift_std, int(s)) for s in seeds]  # fmt: skip
        X, y, w_true = (np.stack(arrays, axis=1) for arrays in zip(*parts))
    curvature = np.repeat(curvature_values, regime_length)
    for array in (X, y, w_true, curvature):
        array.setflags(write=False)
    starts = tuple(1 + r * int(regime_length) for r in range(curvature_values.size))
    return OnlineRegression(X=X, y=y, w_true=w_true, curvature=curvature, regime_starts=starts,
                            noise_std=float(noise_std))  # fmt: skip


def _one_stream(
    regime_length: int, curvatures: np.ndarray, n_features: int,
    noise_std: float, drift_std: float, seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The arrays of one stream; the draws come in a fixed order, drift last."""
    rng = np.random.default_rng(seed)
    n_steps = regime_length * curvatures.size
    regime_weights = rng.standard_normal((curvatures.size, n_features))
    z = rng.standard_normal((n_steps, n_features))
    noise = rng.standard_normal(n_steps)
    w_true = np.repeat(regime_weights, regime_length, axis=0)
    if drift_std > 0:
        steps = rng.standard_normal((n_steps, n_features))
        steps[0] = 0.0  # w*_1 is the first regime's weights
        w_true = w_true + drift_std * np.cumsum(steps, axis=0)
    scale = np.sqrt(np.repeat(curvatures, regime_length))
    X = scale[:, None] * z
    y = scale * (np.sum(z * w_true, axis=1) + noise_std * noise)
    return X, y, w_true
