r"""Derivations for gradient descent (chapter 01), each returning SymPy expressions.

On a quadratic, gradient descent is a linear recursion, so everything about it can be solved
exactly: the factor each step multiplies the error by, the step sizes for which it converges, the
best fixed step and the rate it gives, and how long it takes to leave a saddle. Preconditioning
changes the matrix of that recursion: Newton's step lands on the minimum of a quadratic, and the
best diagonal preconditioner of a 2 x 2 Hessian leaves a condition number that only the Hessian's
off-diagonal entry keeps above 1. The last function derives the variance of a mini-batch gradient.

Each function takes SymPy symbols or plain numbers; with numbers the result is a number. Chapter 01
reaches each of these forms in visible steps before it calls them; later chapters and the tests
reuse them.

References
----------
- J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd edition, Springer, 2006, section 3.3
  (steepest descent on a quadratic, Newton's method).
- L. Bottou, F. E. Curtis and J. Nocedal, "Optimization Methods for Large-Scale Machine
  Learning", SIAM Review, 2018, section 4 (mini-batch gradients).
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

__all__ = [
    "best_contraction_rate",
    "best_diagonal_condition_number",
    "best_fixed_step",
    "contraction_rate",
    "gradient_descent_map",
    "gradient_descent_iterate",
    "iteration_factor",
    "minibatch_variance",
    "newton_map",
    "rotated_quadratic_hessian",
    "saddle_escape_steps",
    "stable_step_sizes",
]


def gradient_descent_map(
    expr: sp.Expr, symbols: Sequence[sp.Symbol], eta: sp.Expr
) -> tuple[sp.Expr, ...]:
    r"""The map :math:`x \mapsto x - \eta \nabla f(x)` of one gradient-descent step, per coordinate.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y, eta = sp.symbols("x y eta")
    >>> gradient_descent_map((x**2 - y**2) / 2, (x, y), eta)
    (-eta*x + x, eta*y + y)
    """
    return tuple(s - eta * sp.diff(expr, s) for s in symbols)


def iteration_factor(eta: sp.Expr, lam: sp.Expr) -> sp.Expr:
    r"""The factor :math:`1 - \eta\lambda` by which one step multiplies x on :math:`\lambda x^2/2`.

    Derived: the step maps :math:`x` to :math:`x - \eta\lambda x`; divide by :math:`x`.

    Examples
    --------
    >>> import sympy as sp
    >>> eta, lam = sp.symbols("eta lambda", positive=True)
    >>> iteration_factor(eta, lam)
    -eta*lambda + 1
    >>> iteration_factor(sp.Rational(1, 4), 10)
    -3/2
    """
    x = sp.Symbol("x", nonzero=True)
    (new_x,) = gradient_descent_map(lam * x**2 / 2, (x,), eta)
    return sp.expand(sp.cancel(new_x / x))


def gradient_descent_iterate(eta: sp.Expr, lam: sp.Expr, x0: sp.Expr, k: sp.Expr) -> sp.Expr:
    r"""The k-th iterate :math:`x_k = (1 - \eta\lambda)^k x_0` on :math:`\lambda x^2/2`.

    Derived by solving the recursion :math:`x_{k+1} = (1 - \eta\lambda) x_k` with
    :func:`sympy.rsolve`.

    Examples
    --------
    >>> import sympy as sp
    >>> eta, lam, x0 = sp.symbols("eta lambda x_0")
    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> gradient_descent_iterate(eta, lam, x0, k)
    x_0*(-eta*lambda + 1)**k
    """
    n = sp.Symbol("n", integer=True, nonnegative=True)
    a, b, start = sp.symbols("a b s")  # placeholders, so rsolve sees plain symbols
    x = sp.Function("x")
    solution = sp.rsolve(x(n + 1) - iteration_factor(a, b) * x(n), x(n), {x(0): start})
    return solution.subs({a: eta, b: lam, start: x0, n: k})


def stable_step_sizes(lam: sp.Expr) -> sp.Set:
    r"""The step sizes :math:`\eta > 0` for which gradient descent converges on
    :math:`\lambda x^2/2` (:math:`\lambda > 0`): the interval :math:`(0, 2/\lambda)`.

    Derived by solving :math:`|1 - \eta\lambda| < 1` for :math:`\eta > 0`.

    Examples
    --------
    >>> import sympy as sp
    >>> stable_step_sizes(sp.Symbol("L", positive=True))
    Interval.open(0, 2/L)
    >>> stable_step_sizes(4)
    Interval.open(0, 1/2)
    """
    eta = sp.Symbol("eta", positive=True)
    curvature = sp.Symbol("lambda", positive=True)
    interval = sp.solve_univariate_inequality(
        sp.Abs(iteration_factor(eta, curvature)) < 1, eta, relational=False
    )
    return interval.subs(curvature, lam)


def contraction_rate(eta: sp.Expr, lam_min: sp.Expr, L: sp.Expr) -> sp.Expr:
    r"""The worst factor :math:`\max(|1 - \eta\lambda_{\min}|, |1 - \eta L|)` per step on a
    quadratic whose Hessian has eigenvalues in :math:`[\lambda_{\min}, L]`.

    The error along each eigenvector is multiplied by :math:`1 - \eta\lambda`; since that factor
    is linear in :math:`\lambda`, its largest absolute value over :math:`[\lambda_{\min}, L]` is
    at an end.

    Examples
    --------
    >>> import sympy as sp
    >>> contraction_rate(sp.Rational(1, 10), 1, 10)
    9/10
    """
    return sp.Max(sp.Abs(iteration_factor(eta, lam_min)), sp.Abs(iteration_factor(eta, L)))


def best_fixed_step(lam_min: sp.Expr, L: sp.Expr) -> sp.Expr:
    r"""The step :math:`2/(\lambda_{\min} + L)` that minimizes :func:`contraction_rate`.

    Derived: :math:`|1-\eta\lambda_{\min}|` falls and :math:`|1-\eta L|` rises with
    :math:`\eta` between :math:`1/L` and :math:`1/\lambda_{\min}`, so the maximum is smallest
    where :math:`1 - \eta\lambda_{\min} = -(1 - \eta L)`.

    Examples
    --------
    >>> import sympy as sp
    >>> lam_min, L = sp.symbols("lambda_min L", positive=True)
    >>> best_fixed_step(lam_min, L)
    2/(L + lambda_min)
    """
    eta = sp.Symbol("eta", positive=True)
    (solution,) = sp.solve(
        sp.Eq(iteration_factor(eta, lam_min), -iteration_factor(eta, L)), eta
    )
    return solution


def best_contraction_rate(kappa: sp.Expr) -> sp.Expr:
    r"""The rate :math:`(\kappa - 1)/(\kappa + 1)` at the best fixed step, with
    :math:`\kappa = L/\lambda_{\min}`.

    Derived: substitute :math:`\eta = 2/(\lambda_{\min} + L)` and :math:`L = \kappa\lambda_{\min}`
    into :math:`1 - \eta\lambda_{\min}`.

    Examples
    --------
    >>> import sympy as sp
    >>> best_contraction_rate(sp.Symbol("kappa", positive=True))
    (kappa - 1)/(kappa + 1)
    >>> best_contraction_rate(100)
    99/101
    """
    lam_min, k = sp.symbols("lambda_min kappa", positive=True)
    rate = sp.factor(sp.simplify(iteration_factor(best_fixed_step(lam_min, k * lam_min), lam_min)))
    return rate.subs(k, kappa)


def saddle_escape_steps(eta: sp.Expr, y0: sp.Expr, radius: sp.Expr) -> sp.Expr:
    r"""The number of steps after which gradient descent on :math:`\tfrac12(x^2 - y^2)`, started
    at :math:`|y_0| > 0`, has :math:`|y_k| \ge r`: the real root
    :math:`k = \log(r/|y_0|) / \log(1 + \eta)`. The first integer step that gets there is its
    ceiling.

    Derived: along :math:`y` the iteration factor is :math:`1 + \eta` (the curvature is -1), so
    :math:`|y_k| = (1 + \eta)^k |y_0|`; solve :math:`(1+\eta)^k |y_0| = r` for :math:`k`. The time
    to escape grows like :math:`\log(1/|y_0|)`: each tenfold smaller start costs
    :math:`\log 10/\log(1+\eta)` more steps.

    Examples
    --------
    >>> import sympy as sp
    >>> eta, y0, r = sp.symbols("eta y_0 r", positive=True)
    >>> saddle_escape_steps(eta, y0, r)
    log(r/y_0)/log(eta + 1)
    """
    step, start, target = sp.symbols("eta y_0 r", positive=True)
    k = sp.Symbol("k", real=True)
    factor_y = iteration_factor(step, -1)
    (solution,) = sp.solve(sp.Eq(factor_y**k * start, target), k)
    numerator, denominator = sp.fraction(sp.together(solution))
    solution = sp.logcombine(numerator, force=True) / denominator  # log(r) - log(y0) = log(r/y0)
    return solution.subs({step: eta, start: sp.Abs(y0), target: radius})


def newton_map(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> tuple[sp.Expr, ...]:
    r"""Newton's step :math:`\theta \mapsto \theta - H(\theta)^{-1} \nabla f(\theta)`, per
    coordinate.

    It is gradient descent with step 1 and preconditioner :math:`P = H^{-1}`. On a quadratic
    :math:`\tfrac12\theta^\top H\theta - b^\top\theta` with :math:`H` positive definite the result
    no longer depends on :math:`\theta`: it is the minimizer :math:`H^{-1}b`, reached in one step.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> newton_map(x**2 / 2 + 5 * y**2 - x + 10 * y, (x, y))
    (1, -1)
    """
    theta = sp.Matrix(symbols)
    gradient = sp.Matrix([sp.diff(expr, s) for s in symbols])
    step = theta - sp.hessian(expr, symbols).inv() * gradient
    return tuple(sp.simplify(entry) for entry in step)


def rotated_quadratic_hessian(kappa: sp.Expr, angle: sp.Expr) -> sp.Matrix:
    r"""The Hessian :math:`R\,\mathrm{diag}(1, \kappa)\,R^\top` of the bowl
    :func:`adamlib.objectives.quadratic` with axes turned by ``angle`` :math:`\varphi`.

    :math:`R` is the rotation by :math:`\varphi`, so the curvature is 1 along
    :math:`(\cos\varphi, \sin\varphi)` and :math:`\kappa` across it.

    Examples
    --------
    >>> import sympy as sp
    >>> rotated_quadratic_hessian(10, 0)
    Matrix([
    [1,  0],
    [0, 10]])
    >>> rotated_quadratic_hessian(10, sp.pi / 4)
    Matrix([
    [11/2, -9/2],
    [-9/2, 11/2]])
    """
    rotation = sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])
    return sp.simplify(rotation * sp.diag(1, kappa) * rotation.T)


def best_diagonal_condition_number(h11: sp.Expr, h22: sp.Expr, h12: sp.Expr) -> sp.Expr:
    r"""The smallest condition number of :math:`PH` over positive diagonal :math:`P`, for a
    2 x 2 positive definite
    :math:`H = \begin{pmatrix} h_{11} & h_{12} \\ h_{12} & h_{22}\end{pmatrix}`:

    .. math::

        \min_{P \text{ diagonal}} \kappa(PH)
        = \frac{\sqrt{h_{11}h_{22}} + |h_{12}|}{\sqrt{h_{11}h_{22}} - |h_{12}|},

    attained by the Jacobi preconditioner :math:`P = \mathrm{diag}(1/h_{11}, 1/h_{22})`. It is 1
    exactly when :math:`h_{12} = 0`, an axis-aligned quadratic.

    Derived: :math:`PH = D(DHD)D^{-1}` has the eigenvalues of :math:`DHD` with
    :math:`D = P^{1/2}`. For a 2 x 2 matrix with eigenvalues :math:`\lambda_1 \le \lambda_2`,
    :math:`\mathrm{tr}^2/\det = (\kappa + 1)^2/\kappa`, which grows with :math:`\kappa \ge 1`.
    With :math:`\tau = h_{22}P_{22}/(h_{11}P_{11})`, :math:`\mathrm{tr}^2/\det` of :math:`DHD`
    is :math:`h_{11}h_{22}(1+\tau)^2/((h_{11}h_{22} - h_{12}^2)\tau)`, smallest at
    :math:`\tau = 1`; solve
    :math:`(\kappa+1)^2/\kappa` = that minimum for the root :math:`\kappa \ge 1`. Chapter 01
    does these steps in SymPy, and the tests repeat them against this closed form.

    Examples
    --------
    >>> import sympy as sp
    >>> best_diagonal_condition_number(1, 10, 0)
    1
    >>> best_diagonal_condition_number(
    ...     sp.Rational(11, 2), sp.Rational(11, 2), -sp.Rational(9, 2))
    10
    >>> a, b, c = sp.symbols("h_11 h_22 h_12", positive=True)
    >>> best_diagonal_condition_number(a, b, c)
    (sqrt(h_11)*sqrt(h_22) + h_12)/(sqrt(h_11)*sqrt(h_22) - h_12)
    """
    root_product, off_diagonal = sp.sqrt(h11) * sp.sqrt(h22), sp.Abs(h12)
    result = (root_product + off_diagonal) / (root_product - off_diagonal)
    return sp.simplify(result) if result.is_number else result


def minibatch_variance(sigma2: sp.Expr, batch: sp.Expr, n: sp.Expr | None = None) -> sp.Expr:
    r"""The variance of the mean of a mini-batch of B per-example gradients (one coordinate).

    With :math:`\sigma^2` the variance of one per-example gradient over the data set:

    - drawn with replacement (independent draws): :math:`\sigma^2 / B`;
    - drawn without replacement from n examples:
      :math:`\dfrac{\sigma^2}{B}\,\dfrac{n - B}{n - 1}`.

    Derived: :math:`\operatorname{Var}\big(\tfrac1B\sum_i g_i\big) = \tfrac1{B^2}\big(B\sigma^2 +
    B(B-1)c\big)`, where :math:`c` is the covariance of two different draws: 0 with replacement,
    and :math:`-\sigma^2/(n-1)` without (the n per-example deviations from the mean sum to zero).

    Examples
    --------
    >>> import sympy as sp
    >>> sigma2, B, n = sp.symbols("sigma^2 B n", positive=True)
    >>> minibatch_variance(sigma2, B)
    sigma^2/B
    >>> minibatch_variance(sigma2, B, n)
    sigma^2*(-B + n)/(B*(n - 1))
    """
    s2, b, size, c = sp.symbols("sigma2 B n c")
    if n is None:
        pair_covariance = 0
    else:
        # The whole data set has a fixed sum, so Var(sum of all n draws) = n s2 + n(n-1) c = 0.
        (pair_covariance,) = sp.solve(sp.Eq(size * s2 + size * (size - 1) * c, 0), c)
    variance = (b * s2 + b * (b - 1) * pair_covariance) / b**2
    variance = sp.factor(sp.simplify(variance))
    return variance.subs({s2: sigma2, b: batch, size: n if n is not None else size})
