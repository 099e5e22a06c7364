r"""Test functions for optimizers, each defined once in SymPy and evaluated with numpy.

An :class:`Objective` holds one SymPy expression. Its value, gradient and Hessian are generated
from that expression with :func:`sympy.lambdify`, so the formula a chapter displays and the numbers
an optimizer sees cannot disagree. Every method takes points of shape ``(d,)`` or ``(..., d)``: a
whole optimization path of shape ``(steps + 1, d)`` or a contour grid of shape ``(ny, nx, 2)`` is
evaluated in one call.

- :func:`quadratic`: :math:`\tfrac12(u^2 + \kappa v^2)` in axes turned by an angle; minimum 0
  at the origin.
- :func:`rosenbrock`: :math:`(a - x)^2 + b(y - x^2)^2`; minimum 0 at :math:`(a, a^2)`.
- :func:`beale`: :math:`\sum_{i=1}^3 (c_i - x + x y^i)^2`, :math:`c = (3/2, 9/4, 21/8)`; minimum 0
  at :math:`(3, 1/2)`.
- :func:`saddle`: :math:`\tfrac12(x^2 - y^2)`; no minimum.
- :func:`noisy_least_squares`: :math:`\tfrac1{2n}\lVert Xw - y\rVert^2` on synthetic data;
  minimum at the least-squares solution, with mini-batch gradients.

:func:`optimization_path` runs any adamlib optimizer on an objective and returns every iterate.

References
----------
- H. H. Rosenbrock, "An Automatic Method for Finding the Greatest or Least Value of a Function",
  The Computer Journal, 1960.
- E. M. L. Beale, "On an Iterative Method for Finding a Local Minimum of a Function of More than
  One Variable", Princeton technical report, 1958.
- J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd edition, Springer, 2006.

Examples
--------
>>> import numpy as np, adamlib
>>> from adamlib.objectives import rosenbrock, optimization_path
>>> f = rosenbrock()
>>> f.expr
(1 - x)**2 + 100*(-x**2 + y)**2
>>> f.grad(np.array([0.0, 0.0]))
array([-2.,  0.])
>>> path = optimization_path(f, adamlib.Adam, [-1.0, 1.0], steps=3, lr=0.1)
>>> path.shape
(4, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._extras import missing_course_extra

try:
    import sympy as sp
except ImportError as error:
    raise ImportError(missing_course_extra("sympy", "adamlib.objectives")) from error

from .data import design_matrix

__all__ = [
    "LeastSquares",
    "Objective",
    "beale",
    "noisy_least_squares",
    "optimization_path",
    "quadratic",
    "rosenbrock",
    "saddle",
]

Bounds = tuple[tuple[float, float], ...]


class Objective:
    r"""A function to minimize, defined by one SymPy expression.

    Parameters
    ----------
    name : str
        A short name for titles and legends.
    symbols : sequence of sympy.Symbol
        The variables, in the order of the coordinates of a point.
    expr : sympy.Expr
        The function of ``symbols``.
    minimum : array_like or None
        A known minimizer, or None if there is none (a saddle) or it is unknown.
    minimum_value : float or None
        The value at ``minimum``.
    bounds : ((xmin, xmax), (ymin, ymax)) or None
        A plotting window (for 2-D objectives).

    Attributes
    ----------
    gradient_expr : tuple of sympy.Expr
        :math:`\partial f/\partial s` for each symbol :math:`s`.
    hessian_expr : sympy.Matrix
        The matrix of second derivatives.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> f = Objective("bowl", (x, y), x**2 + 3 * y**2,
    ...               minimum=[0, 0], minimum_value=0.0)
    >>> f.gradient_expr
    (2*x, 6*y)
    >>> f.value(np.array([1.0, 1.0]))
    4.0
    >>> f.grad(np.zeros((5, 4, 2))).shape  # a grid of points
    (5, 4, 2)
    >>> f.hessian(np.array([0.3, -0.7]))
    array([[2., 0.],
           [0., 6.]])
    """

    def __init__(
        self,
        name: str,
        symbols: Sequence[sp.Symbol],
        expr: sp.Expr,
        minimum: Sequence[float] | np.ndarray | None = None,
        minimum_value: float | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.name = name
        self.symbols: tuple[sp.Symbol, ...] = tuple(symbols)
        self.expr: sp.Expr = sp.sympify(expr)
        self.minimum = None if minimum is None else np.asarray(minimum, dtype=float)
        self.minimum_value = None if minimum_value is None else float(minimum_value)
        self.bounds = bounds
        self.gradient_expr: tuple[sp.Expr, ...] = tuple(sp.diff(self.expr, s) for s in self.symbols)
        self.hessian_expr: sp.Matrix = sp.hessian(self.expr, self.symbols)
        self._value_fn = sp.lambdify(self.symbols, self.expr, "numpy")
        self._grad_fns = [sp.lambdify(self.symbols, e, "numpy") for e in self.gradient_expr]
        self._hessian_fns: list[list[Callable[..., Any]]] | None = None  # built on first use

    @property
    def dimension(self) -> int:
        """The number of variables d."""
        return len(self.symbols)

    def _coordinates(self, x: Any) -> tuple[np.ndarray, list[np.ndarray]]:
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.dimension:
            raise ValueError(
                f"{self.name} takes points of shape (..., {self.dimension}), got shape {x.shape}"
            )
        return x, [x[..., i] for i in range(self.dimension)]

    @staticmethod
    def _evaluate(fn: Callable[..., Any], coordinates: list[np.ndarray], shape) -> np.ndarray:
        # A constant derivative comes back as a plain number: give it the shape of the points.
        return np.broadcast_to(np.asarray(fn(*coordinates), dtype=float), shape)

    def value(self, x: Any) -> np.ndarray | float:
        """f at points of shape ``(d,)`` (returns a float) or ``(..., d)`` (returns ``(...)``)."""
        x, coordinates = self._coordinates(x)
        result = self._evaluate(self._value_fn, coordinates, x.shape[:-1])
        return float(result) if result.ndim == 0 else np.array(result)

    def grad(self, x: Any) -> np.ndarray:
        """The gradient at points of shape ``(..., d)``, of the same shape."""
        x, coordinates = self._coordinates(x)
        return np.stack([self._evaluate(g, coordinates, x.shape[:-1]) for g in self._grad_fns], -1)

    def hessian(self, x: Any) -> np.ndarray:
        """The Hessian at points of shape ``(..., d)``, of shape ``(..., d, d)``."""
        x, coordinates = self._coordinates(x)
        if self._hessian_fns is None:
            self._hessian_fns = [
                [sp.lambdify(self.symbols, e, "numpy") for e in row]
                for row in self.hessian_expr.tolist()
            ]
        rows = [
            np.stack([self._evaluate(h, coordinates, x.shape[:-1]) for h in row], -1)
            for row in self._hessian_fns
        ]
        return np.stack(rows, -2)

    def __repr__(self) -> str:
        return f"Objective({self.name!r}, f = {self.expr})"


def _exact(value: float) -> sp.Expr:
    """A SymPy number for ``value``: an integer or a short rational when the float is one."""
    number = sp.nsimplify(value, rational=True)
    return number if len(str(number)) <= 12 else sp.Float(value)


def quadratic(condition_number: float = 10.0, angle: float = 0.0) -> Objective:
    r"""The quadratic bowl :math:`\tfrac12(u^2 + \kappa v^2)` with axes turned by ``angle``.

    :math:`u = x\cos\varphi + y\sin\varphi` and :math:`v = -x\sin\varphi + y\cos\varphi`, so the
    Hessian has eigenvalues 1 (along :math:`(\cos\varphi, \sin\varphi)`) and :math:`\kappa`
    (across it): its condition number is :math:`\kappa`. Gradient descent needs a step
    :math:`\eta < 2/\kappa` here and then converges at a rate set by :math:`\kappa` (chapter 01).

    ======================  ======================  ===========================================
    symbol                  argument                meaning
    ======================  ======================  ===========================================
    :math:`\kappa`          ``condition_number``    largest over smallest eigenvalue (>= 1)
    :math:`\varphi`         ``angle``               rotation of the axes, in radians
    ======================  ======================  ===========================================

    Examples
    --------
    >>> f = quadratic(condition_number=10)
    >>> f.expr
    x**2/2 + 5*y**2
    >>> f.hessian([1.0, 2.0])
    array([[ 1.,  0.],
           [ 0., 10.]])
    """
    if not condition_number >= 1:
        raise ValueError(f"Invalid condition_number: {condition_number!r} (must be >= 1)")
    x, y = sp.symbols("x y")
    kappa = _exact(condition_number)
    phi = _exact(angle)
    u = sp.cos(phi) * x + sp.sin(phi) * y
    v = -sp.sin(phi) * x + sp.cos(phi) * y
    expr = sp.expand((u**2 + kappa * v**2) / 2)
    return Objective(
        f"quadratic (κ = {float(condition_number):g})",
        (x, y),
        expr,
        minimum=[0.0, 0.0],
        minimum_value=0.0,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
    )


def rosenbrock(a: float = 1, b: float = 100) -> Objective:
    r"""Rosenbrock's banana-shaped valley :math:`(a - x)^2 + b(y - x^2)^2`.

    The minimum, 0, is at :math:`(a, a^2)` at the end of a long curved valley whose floor is
    nearly flat: easy to find, slow to follow.

    References
    ----------
    - H. H. Rosenbrock, "An Automatic Method for Finding the Greatest or Least Value of a
      Function", The Computer Journal, 1960.

    Examples
    --------
    >>> f = rosenbrock()
    >>> f.minimum, f.value(f.minimum)
    (array([1., 1.]), 0.0)
    """
    x, y = sp.symbols("x y")
    a_, b_ = _exact(a), _exact(b)
    return Objective(
        "Rosenbrock",
        (x, y),
        (a_ - x) ** 2 + b_ * (y - x**2) ** 2,
        minimum=[float(a), float(a) ** 2],
        minimum_value=0.0,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
    )


def beale() -> Objective:
    r"""Beale's function :math:`\sum_{i=1}^3 (c_i - x + x y^i)^2`, :math:`c = (3/2, 9/4, 21/8)`.

    The minimum, 0, is at :math:`(3, 1/2)`; flat plateaus and steep walls surround it.

    References
    ----------
    - E. M. L. Beale, "On an Iterative Method for Finding a Local Minimum of a Function of More
      than One Variable", Princeton technical report, 1958.

    Examples
    --------
    >>> f = beale()
    >>> f.value([3.0, 0.5]), f.grad([3.0, 0.5])
    (0.0, array([0., 0.]))
    """
    x, y = sp.symbols("x y")
    constants = (sp.Rational(3, 2), sp.Rational(9, 4), sp.Rational(21, 8))
    expr = sum((c - x + x * y**i) ** 2 for i, c in enumerate(constants, start=1))
    return Objective(
        "Beale",
        (x, y),
        expr,
        minimum=[3.0, 0.5],
        minimum_value=0.0,
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
    )


def saddle() -> Objective:
    r"""The saddle :math:`\tfrac12(x^2 - y^2)`: a stationary point at 0 that is not a minimum.

    Along :math:`x` the origin attracts, along :math:`y` it repels; the function has no minimum
    (``minimum`` is None). Gradient descent started near the :math:`x` axis slows down near the
    origin, where the gradient is tiny, before escaping along :math:`y`.

    References
    ----------
    - Y. Dauphin et al., "Identifying and attacking the saddle point problem in high-dimensional
      non-convex optimization", NeurIPS 2014.

    Examples
    --------
    >>> f = saddle()
    >>> f.grad([1.0, 0.5]), f.minimum is None
    (array([ 1. , -0.5]), True)
    """
    x, y = sp.symbols("x y")
    return Objective(
        "saddle", (x, y), (x**2 - y**2) / 2, minimum=None, minimum_value=None,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
    )  # fmt: skip


class LeastSquares(Objective):
    r"""The mean squared error :math:`f(w) = \tfrac1{2n}\lVert Xw - y\rVert^2` of a data set.

    :math:`f` is the mean of the per-example losses :math:`f_i(w) = \tfrac12(x_i^\top w - y_i)^2`,
    so the mean of the per-example gradients :math:`\nabla f_i(w) = x_i(x_i^\top w - y_i)` is the
    full gradient, and the mean over a random mini-batch is an unbiased estimate of it.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        The inputs, one row per example.
    y : ndarray of shape (n,)
        The targets.
    name : str
        A short name.

    Attributes
    ----------
    X, y : ndarray
        The data.
    minimum : ndarray of shape (d,)
        The least-squares solution, computed with :func:`numpy.linalg.lstsq`.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, name: str = "least squares") -> None:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        n, d = X.shape
        if y.shape != (n,):
            raise ValueError(f"y has shape {y.shape}, expected ({n},)")
        self.X, self.y = X, y
        w = sp.symbols([f"w_{i}" for i in range(d)])
        A = X.T @ X / n
        b = X.T @ y / n
        c = y @ y / (2 * n)
        # f(w) = w^T A w / 2 - b^T w + c, the expanded form of |Xw - y|^2 / (2n).
        expr = sum(
            sp.Float(A[i, j]) * w[i] * w[j] / 2 for i in range(d) for j in range(d)
        ) - sum(sp.Float(b[i]) * w[i] for i in range(d)) + sp.Float(c)  # fmt: skip
        solution = np.linalg.lstsq(X, y, rcond=None)[0]
        residual = X @ solution - y
        radius = 2.0 + 0.5 * float(np.max(np.abs(solution)))
        bounds = tuple((float(s - radius), float(s + radius)) for s in solution[:2])
        super().__init__(
            name, w, expr, minimum=solution, minimum_value=residual @ residual / (2 * n),
            bounds=bounds if d == 2 else None,
        )  # fmt: skip

    @property
    def n_samples(self) -> int:
        """The number of examples n."""
        return self.X.shape[0]

    def per_example_grads(self, w: np.ndarray) -> np.ndarray:
        r"""The n gradients :math:`x_i(x_i^\top w - y_i)`, as an array of shape (n, d)."""
        w = np.asarray(w, dtype=float)
        return self.X * (self.X @ w - self.y)[:, None]

    def minibatch_grad(
        self,
        w: np.ndarray,
        batch_size: int,
        rng: np.random.Generator,
        *,
        replace: bool = True,
    ) -> np.ndarray:
        r"""The gradient on ``batch_size`` examples drawn at random: an unbiased estimate of grad.

        .. math::

            g_B(w) = \frac1B \sum_{i \in B} x_i (x_i^\top w - y_i)

        With ``replace=True`` (the default) the B indices are independent and uniform, so
        :math:`\operatorname{Cov} g_B = \Sigma / B`, with :math:`\Sigma` the covariance of one
        per-example gradient. Without replacement (one slice of a shuffled epoch) the covariance
        is smaller by the factor :math:`(n - B)/(n - 1)`.

        Examples
        --------
        >>> import numpy as np
        >>> f = noisy_least_squares(n_samples=100)
        >>> w, rng = np.zeros(2), np.random.default_rng(0)
        >>> draws = [f.minibatch_grad(w, 10, rng) for _ in range(20000)]
        >>> mean = np.mean(draws, axis=0)
        >>> bool(np.allclose(mean, f.grad(w), atol=0.05))
        True
        """
        if not 1 <= batch_size <= (np.inf if replace else self.n_samples):
            raise ValueError(
                f"Invalid batch_size: {batch_size!r} for {self.n_samples} examples",
            )
        rows = rng.choice(self.n_samples, size=batch_size, replace=replace)
        X, y = self.X[rows], self.y[rows]
        return X.T @ (X @ np.asarray(w, dtype=float) - y) / batch_size

    def gradient_covariance(self, w: np.ndarray) -> np.ndarray:
        r"""The covariance :math:`\Sigma(w)` of one per-example gradient drawn uniformly (1/n)."""
        grads = self.per_example_grads(w)
        centered = grads - grads.mean(axis=0)
        return centered.T @ centered / self.n_samples


def noisy_least_squares(
    n_samples: int = 256,
    n_features: int = 2,
    noise_std: float = 0.5,
    condition_number: float = 10.0,
    seed: int = 0,
) -> LeastSquares:
    r"""A synthetic linear regression whose Hessian has condition number ``condition_number``.

    The inputs are built so that :math:`X^\top X / n` (the Hessian) has exactly the eigenvalues
    ``np.geomspace(1, condition_number, n_features)`` along random orthogonal directions; the
    targets are :math:`y = X w_\star + \sigma \varepsilon` with :math:`w_\star` and
    :math:`\varepsilon` standard normal.

    ======================  ======================  ===========================================
    symbol                  argument                meaning
    ======================  ======================  ===========================================
    :math:`n`               ``n_samples``           number of examples
    :math:`d`               ``n_features``          number of weights
    :math:`\sigma`          ``noise_std``           standard deviation of the label noise
    :math:`\kappa`          ``condition_number``    condition number of the Hessian
    ======================  ======================  ===========================================

    Examples
    --------
    >>> import numpy as np
    >>> f = noisy_least_squares()
    >>> np.round(np.linalg.eigvalsh(f.hessian(f.minimum)), 6)
    array([ 1., 10.])
    >>> bool(np.allclose(f.grad(f.minimum), 0, atol=1e-12))
    True
    """
    if n_samples < n_features:
        raise ValueError(f"need n_samples >= n_features, got {n_samples} < {n_features}")
    rng = np.random.default_rng(seed)
    X = design_matrix(n_samples, np.geomspace(1.0, condition_number, n_features), rng)
    true_w = rng.normal(size=n_features)
    y = X @ true_w + noise_std * rng.normal(size=n_samples)
    return LeastSquares(X, y, name=f"noisy least squares (n = {n_samples})")


def optimization_path(
    objective: Objective,
    optimizer_class: type,
    x0: Sequence[float] | np.ndarray,
    steps: int,
    *,
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
    nan_on_divergence: bool = False,
    **hyperparameters: Any,
) -> np.ndarray:
    """Run an adamlib optimizer from ``x0`` and return every iterate, ``x0`` included.

    Parameters
    ----------
    objective : Objective
        The function to minimize; its ``grad`` is used unless ``grad`` is given.
    optimizer_class : type
        An adamlib optimizer class (``adamlib.SGD``, ``adamlib.Adam``, ...).
    x0 : array_like of shape (d,)
        The starting point (copied, never modified).
    steps : int
        The number of optimizer steps.
    grad : callable, optional
        ``grad(x) -> array of shape (d,)`` used instead of ``objective.grad``: a stochastic
        gradient such as ``lambda w: f.minibatch_grad(w, 8, rng)``.
    nan_on_divergence : bool, default False
        If a gradient overflows to infinity or NaN, stop quietly and fill the remaining rows
        with NaN (which plots leave out) instead of raising.
    **hyperparameters
        Passed to the optimizer (``lr=0.1``, ``momentum=0.9``, ...).

    Returns
    -------
    ndarray of shape (steps + 1, d)
        Row k is the point after k steps.

    Raises
    ------
    adamlib.NonFiniteGradientError
        If the run diverges far enough for a gradient to overflow (unless
        ``nan_on_divergence``).

    Examples
    --------
    >>> import adamlib
    >>> path = optimization_path(quadratic(4.0), adamlib.SGD, [1.0, 1.0],
    ...                          steps=2, lr=0.25)
    >>> path
    array([[1.    , 1.    ],
           [0.75  , 0.    ],
           [0.5625, 0.    ]])
    >>> far = optimization_path(quadratic(4.0), adamlib.SGD, [1.0, 1.0],
    ...                         steps=400, lr=2.0, nan_on_divergence=True)
    >>> bool(np.isnan(far[-1]).all()), bool(np.isfinite(far[1]).all())
    (True, True)
    """
    gradient = objective.grad if grad is None else grad
    x = np.array(x0, dtype=float)
    if x.shape != (objective.dimension,):
        raise ValueError(
            f"x0 has shape {x.shape}, expected ({objective.dimension},)",
        )
    optimizer = optimizer_class(x, **hyperparameters)
    path = np.empty((steps + 1, x.size))
    path[0] = x
    if not nan_on_divergence:
        for k in range(1, steps + 1):
            optimizer.step(np.asarray(gradient(x), dtype=float))
            path[k] = x
        return path
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            g = np.asarray(gradient(x), dtype=float)
            if np.all(np.isfinite(g)):
                optimizer.step(g)
            if not (np.all(np.isfinite(g)) and np.all(np.isfinite(x))):
                path[k:] = np.nan
                break
            path[k] = x
    return path
