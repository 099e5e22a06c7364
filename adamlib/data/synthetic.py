r"""Small synthetic data sets and gradient streams for the chapters' experiments.

Everything here is generated from ``np.random.default_rng(seed)``: the same arguments always give
the same float64 arrays, on every machine, so a chapter's numbers and figures are reproducible.

- :func:`least_squares`: a linear regression problem with a chosen conditioning, its exact
  solution, and full-batch and mini-batch gradients (mini-batch gradients are unbiased estimates
  of the full gradient).
- :func:`noisy_stream`: i.i.d. normal samples, a stationary stream (a stand-in for the gradients an
  optimizer sees).
- :func:`drifting_stream`: samples whose mean moves (linearly, in one jump, or in a sine wave),
  returned with the true means, for testing how well an average tracks a moving target.

>>> import numpy as np
>>> problem = least_squares(n_samples=64, n_features=3, seed=1)
>>> problem.X.shape, problem.y.shape
((64, 3), (64,))
>>> bool(np.allclose(problem.grad(problem.w_star), 0.0))
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["LeastSquaresData", "design_matrix", "drifting_stream", "least_squares", "noisy_stream"]

DRIFT_KINDS = ("linear", "step", "sine")


@dataclass(frozen=True, eq=False)
class LeastSquaresData:
    r"""A least-squares problem :math:`\min_w L(w)`, :math:`L(w) = \frac{1}{2n}\|Xw - y\|^2`.

    Build one with :func:`least_squares`. The arrays are read-only.

    Attributes
    ----------
    X : ndarray, shape (n, d)
        Design matrix, one example per row.
    y : ndarray, shape (n,)
        Targets, :math:`y = X w_{\text{true}} + \text{noise}`.
    w_true : ndarray, shape (d,)
        The weights that generated ``y``.
    w_star : ndarray, shape (d,)
        The exact minimizer of :math:`L` (the least-squares solution, which differs from
        ``w_true`` because of the noise).

    Notes
    -----
    ==================================  ==========================  ============================
    symbol                              code                        meaning
    ==================================  ==========================  ============================
    :math:`n`, :math:`d`                ``n_samples``,              number of examples and of
                                        ``n_features``              weights
    :math:`L(w)`                        ``loss(w)``                 mean squared error over 2
    :math:`\nabla L(w)`                 ``grad(w)``                 :math:`\frac1n X^\top(Xw-y)`
    :math:`\nabla L_B(w)`               ``batch_grad(w, B)``        the same over the rows in B
    :math:`H`                           ``hessian``                 :math:`\frac1n X^\top X`
    ==================================  ==========================  ============================
    """

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray
    w_star: np.ndarray

    @property
    def n_samples(self) -> int:
        """The number of examples :math:`n`."""
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        """The number of weights :math:`d`."""
        return self.X.shape[1]

    @property
    def hessian(self) -> np.ndarray:
        r"""The constant Hessian :math:`H = \frac1n X^\top X` of the loss."""
        return self.X.T @ self.X / self.n_samples

    def loss(self, w: np.ndarray) -> float:
        r"""The loss :math:`L(w) = \frac{1}{2n}\|Xw - y\|^2`."""
        residual = self.X @ w - self.y
        return float(residual @ residual / (2 * self.n_samples))

    def grad(self, w: np.ndarray) -> np.ndarray:
        r"""The full gradient :math:`\nabla L(w) = \frac1n X^\top (Xw - y)`."""
        return self.batch_grad(w, np.arange(self.n_samples))

    def batch_grad(self, w: np.ndarray, indices: np.ndarray) -> np.ndarray:
        r"""The gradient of the loss on the rows ``indices`` only, :math:`\frac1b X_B^\top(X_B w - y_B)`.

        Examples
        --------
        >>> problem = least_squares(n_samples=8, n_features=2, seed=0)
        >>> w = np.zeros(2)
        >>> halves = [problem.batch_grad(w, np.arange(4)),
        ...           problem.batch_grad(w, np.arange(4, 8))]
        >>> bool(np.allclose((halves[0] + halves[1]) / 2, problem.grad(w)))
        True
        """
        indices = np.asarray(indices)
        if indices.ndim != 1 or indices.size == 0:
            raise ValueError("indices must be a non-empty 1-d array of row numbers")
        X_batch, y_batch = self.X[indices], self.y[indices]
        return X_batch.T @ (X_batch @ w - y_batch) / indices.size

    def minibatch_grad(
        self, w: np.ndarray, batch_size: int, rng: np.random.Generator
    ) -> np.ndarray:
        r"""The gradient on ``batch_size`` rows drawn uniformly without replacement.

        Every row is in the batch with probability :math:`b/n`, so the expectation over the
        draw is :math:`\frac1b \sum_i \frac bn \nabla\ell_i(w) = \nabla L(w)`: an unbiased
        estimate of :meth:`grad`.

        Examples
        --------
        >>> problem = least_squares(n_samples=32, n_features=2, seed=0)
        >>> rng = np.random.default_rng(0)
        >>> g = problem.minibatch_grad(np.zeros(2), 32, rng)   # the whole data set
        >>> bool(np.allclose(g, problem.grad(np.zeros(2))))
        True
        """
        batch_size = _check_batch_size(batch_size, self.n_samples)
        indices = rng.choice(self.n_samples, size=batch_size, replace=False)
        return self.batch_grad(w, indices)

    def minibatches(self, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
        """Yield the index arrays of one epoch: a shuffle of all rows cut into batches.

        Every row appears exactly once; the last batch is smaller when ``batch_size`` does not
        divide ``n_samples`` (as PyTorch's ``DataLoader`` with ``drop_last=False``).

        Examples
        --------
        >>> problem = least_squares(n_samples=10, n_features=2, seed=0)
        >>> batches = list(problem.minibatches(4, np.random.default_rng(0)))
        >>> [len(b) for b in batches]
        [4, 4, 2]
        >>> sorted(np.concatenate(batches).tolist()) == list(range(10))
        True
        """
        batch_size = _check_batch_size(batch_size, self.n_samples)
        order = rng.permutation(self.n_samples)
        for start in range(0, self.n_samples, batch_size):
            yield order[start : start + batch_size]


def least_squares(
    n_samples: int = 512,
    n_features: int = 5,
    noise_std: float = 0.5,
    condition_number: float = 10.0,
    seed: int = 0,
) -> LeastSquaresData:
    r"""A random linear regression problem whose Hessian has a chosen condition number.

    The design matrix is built as :math:`X = \sqrt{n}\, Q\, \operatorname{diag}(\sqrt{\lambda})
    V^\top` with :math:`Q` (n x d) having orthonormal columns and :math:`V` a random rotation,
    so the Hessian of the loss is exactly :math:`H = \frac1n X^\top X = V \operatorname{diag}
    (\lambda) V^\top` with eigenvalues :math:`\lambda` spaced geometrically from 1 down to
    :math:`1/\kappa`. Hence the smoothness constant is :math:`L = 1` (gradient descent is stable
    for step sizes below 2) and the condition number is :math:`\kappa`. The weights
    :math:`w_{\text{true}}` are standard normal and :math:`y = X w_{\text{true}} + \sigma
    \varepsilon` with :math:`\varepsilon` standard normal.

    Parameters
    ----------
    n_samples : int, default 512
        Number of examples :math:`n` (at least ``n_features``).
    n_features : int, default 5
        Number of weights :math:`d` (at least 1).
    noise_std : float, default 0.5
        Standard deviation :math:`\sigma` of the noise on the targets (>= 0).
    condition_number : float, default 10
        Condition number :math:`\kappa \ge 1` of the Hessian :math:`\frac1n X^\top X`.
    seed : int, default 0
        Seed of ``np.random.default_rng``.

    Returns
    -------
    LeastSquaresData

    Examples
    --------
    >>> problem = least_squares(
    ...     n_samples=100, n_features=4, condition_number=50.0, seed=3)
    >>> eigenvalues = np.linalg.eigvalsh(problem.hessian)
    >>> float(eigenvalues.max()), float(eigenvalues.max() / eigenvalues.min())
    (1.0, 50.0)
    >>> problem.loss(problem.w_star) <= problem.loss(problem.w_true)
    True
    """
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"Invalid n_features: {n_features!r} (must be an integer >= 1)")
    if not isinstance(n_samples, (int, np.integer)) or n_samples < n_features:
        raise ValueError(f"Invalid n_samples: {n_samples!r} (must be an integer >= n_features)")
    if not math.isfinite(noise_std) or noise_std < 0:
        raise ValueError(f"Invalid noise_std: {noise_std!r} (must be a finite number >= 0)")
    if not math.isfinite(condition_number) or condition_number < 1:
        raise ValueError(
            f"Invalid condition_number: {condition_number!r} (must be a finite number >= 1)"
        )
    rng = np.random.default_rng(seed)
    X = design_matrix(n_samples, np.geomspace(1.0, 1.0 / condition_number, n_features), rng)
    w_true = rng.standard_normal(n_features)
    y = X @ w_true + noise_std * rng.standard_normal(n_samples)
    w_star = np.linalg.solve(X.T @ X, X.T @ y)
    for array in (X, y, w_true, w_star):
        array.setflags(write=False)
    return LeastSquaresData(X=X, y=y, w_true=w_true, w_star=w_star)


def noisy_stream(
    n_steps: int,
    mean: float = 1.0,
    std: float = 1.0,
    seed: int = 0,
    shape: tuple[int, ...] = (),
) -> np.ndarray:
    r"""A stationary stream: ``n_steps`` i.i.d. samples :math:`g_t \sim \mathcal N(\nu, \sigma^2)`.

    Parameters
    ----------
    n_steps : int
        Length of the stream.
    mean, std : float (or arrays broadcastable to ``shape``)
        Mean :math:`\nu` and standard deviation :math:`\sigma \ge 0` of every sample.
    seed : int, default 0
        Seed of ``np.random.default_rng``.
    shape : tuple of int, default ()
        Shape of one sample; the result has shape ``(n_steps, *shape)``.

    Examples
    --------
    >>> g = noisy_stream(100_000, mean=2.0, std=0.5, seed=0)
    >>> g.shape, round(float(g.mean()), 2), round(float(g.std()), 2)
    ((100000,), 2.0, 0.5)
    >>> noisy_stream(3, shape=(2,)).shape
    (3, 2)
    """
    n_steps = _check_n_steps(n_steps)
    if np.any(np.asarray(std) < 0):
        raise ValueError(f"Invalid std: {std!r} (must be >= 0)")
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_steps, *tuple(shape)))
    return np.asarray(mean, dtype=np.float64) + np.asarray(std, dtype=np.float64) * noise


def drifting_stream(
    n_steps: int,
    start: float = 0.0,
    drift: float = 0.01,
    std: float = 1.0,
    seed: int = 0,
    kind: str = "linear",
    period: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""A non-stationary stream: normal samples around a moving mean, and that mean.

    With :math:`k = 0, 1, \dots, n-1` the position in the stream (step :math:`t = k + 1`), the
    true mean :math:`\nu_k` is

    - ``"linear"``: :math:`\nu_k = \nu_0 + \delta k` (the mean moves by :math:`\delta` per step);
    - ``"step"``: :math:`\nu_k = \nu_0` for :math:`k < \lfloor n/2 \rfloor`, then
      :math:`\nu_0 + \delta` (one jump of size :math:`\delta` halfway);
    - ``"sine"``: :math:`\nu_k = \nu_0 + \delta \sin(2\pi k / P)` (amplitude :math:`\delta`,
      period :math:`P`, one full wave over the stream by default);

    and the samples are :math:`g_k = \nu_k + \sigma \varepsilon_k`, :math:`\varepsilon_k` i.i.d.
    standard normal.

    Parameters
    ----------
    n_steps : int
        Length :math:`n` of the stream.
    start : float, default 0
        Initial mean :math:`\nu_0`.
    drift : float, default 0.01
        :math:`\delta`: the change per step (linear), the jump (step) or the amplitude (sine).
    std : float, default 1
        Noise standard deviation :math:`\sigma \ge 0`.
    seed : int, default 0
        Seed of ``np.random.default_rng``.
    kind : {"linear", "step", "sine"}, default "linear"
        How the mean moves.
    period : float, optional
        Period :math:`P` in steps, only for ``kind="sine"``; defaults to ``n_steps``.

    Returns
    -------
    samples, true_means : ndarray, shape (n_steps,)

    Examples
    --------
    >>> samples, means = drifting_stream(5, start=1.0, drift=0.5, std=0.0)
    >>> means
    array([1. , 1.5, 2. , 2.5, 3. ])
    >>> drifting_stream(6, drift=2.0, std=0.0, kind="step")[1]
    array([0., 0., 0., 2., 2., 2.])
    >>> np.round(drifting_stream(4, drift=1.0, std=0.0, kind="sine")[1], 12)
    array([ 0.,  1.,  0., -1.])
    """
    n_steps = _check_n_steps(n_steps)
    if kind not in DRIFT_KINDS:
        raise ValueError(f"Invalid kind: {kind!r} (must be one of {DRIFT_KINDS})")
    if period is not None and kind != "sine":
        raise ValueError("period is only used with kind='sine'")
    if not math.isfinite(std) or std < 0:
        raise ValueError(f"Invalid std: {std!r} (must be a finite number >= 0)")
    k = np.arange(n_steps, dtype=np.float64)
    if kind == "linear":
        true_means = start + drift * k
    elif kind == "step":
        true_means = np.where(k < n_steps // 2, start, start + drift).astype(np.float64)
    else:
        period = float(n_steps if period is None else period)
        if not math.isfinite(period) or period <= 0:
            raise ValueError(f"Invalid period: {period!r} (must be a finite number > 0)")
        true_means = start + drift * np.sin(2 * np.pi * k / period)
    rng = np.random.default_rng(seed)
    samples = true_means + std * rng.standard_normal(n_steps)
    return samples, true_means


def design_matrix(n_samples: int, eigenvalues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""Inputs :math:`X` (n x d) whose Hessian :math:`\frac1n X^\top X` has the given eigenvalues.

    :math:`X = \sqrt{n}\, Q \operatorname{diag}(\sqrt{\lambda}) V^\top`, with :math:`Q` having
    orthonormal columns and :math:`V` a rotation, both random (drawn from ``rng`` in that order),
    so that :math:`\frac1n X^\top X = V \operatorname{diag}(\lambda) V^\top` exactly.

    >>> X = design_matrix(50, np.array([4.0, 1.0]), np.random.default_rng(0))
    >>> np.round(np.linalg.eigvalsh(X.T @ X / 50), 12)
    array([1., 4.])
    """
    n_features = len(eigenvalues)
    Q, _ = np.linalg.qr(rng.standard_normal((n_samples, n_features)))
    V, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    return math.sqrt(n_samples) * (Q * np.sqrt(eigenvalues)) @ V.T


def _check_n_steps(n_steps: int) -> int:
    if not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"Invalid n_steps: {n_steps!r} (must be an integer >= 1)")
    return int(n_steps)


def _check_batch_size(batch_size: int, n_samples: int) -> int:
    if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= n_samples:
        raise ValueError(
            f"Invalid batch_size: {batch_size!r} (must be an integer from 1 to {n_samples})"
        )
    return int(batch_size)
