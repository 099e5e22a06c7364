r"""Derivations for momentum (chapter 04): conventions, effective rate, rates on a quadratic.

Notation (the names follow ``torch.optim.SGD``):

==================  ==============  ====================================================
symbol              argument        meaning
==================  ==============  ====================================================
:math:`\eta`        ``lr``          learning rate
:math:`\mu`         ``momentum``    momentum factor of the buffer :math:`b = \mu b + g`
:math:`\beta`       ``beta``        factor of the average :math:`m = \beta m + (1-\beta) g`
:math:`\lambda`     ``curvature``   one eigenvalue of the Hessian of a quadratic
:math:`m, L`        ``mu_min, L``   smallest and largest eigenvalue
:math:`\kappa`      ``kappa``       condition number :math:`L/m`
==================  ==============  ====================================================

References
----------
- B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR
  Computational Mathematics and Mathematical Physics 4(5), 1964.
- Y. Nesterov, "A method for solving the convex programming problem with convergence rate
  O(1/k^2)", Soviet Mathematics Doklady 27, 1983.
- I. Sutskever, J. Martens, G. Dahl and G. Hinton, "On the importance of initialization and
  momentum in deep learning", ICML 2013, section 2.
- G. Goh, "Why Momentum Really Works", Distill, 2017.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "ema_momentum_step",
    "ema_noise_variance_ratio",
    "heavy_ball_eigenvalues",
    "heavy_ball_iteration_matrix",
    "heavy_ball_step",
    "momentum_conventions_equivalence",
    "nesterov_iteration_matrix",
    "nesterov_lookahead_equivalence",
    "nesterov_step",
    "optimal_heavy_ball",
    "optimal_momentum",
    "steady_state_rate",
    "transient_rate",
]


def heavy_ball_step(theta, buffer, g, lr, momentum):
    r"""One step of PyTorch's momentum: :math:`b = \mu b + g`, :math:`\theta -= \eta b`.

    With :math:`b_0 = 0` the first step gives :math:`b_1 = g_1`, which is PyTorch's start.

    Returns
    -------
    theta, buffer : sympy expressions after the step

    Examples
    --------
    >>> import sympy as sp
    >>> theta, b, g, eta, mu = sp.symbols("theta b g eta mu")
    >>> heavy_ball_step(theta, b, g, eta, mu)
    (-eta*(b*mu + g) + theta, b*mu + g)
    """
    buffer = momentum * buffer + g
    return theta - lr * buffer, buffer


def ema_momentum_step(theta, average, g, lr, beta):
    r"""One step of averaged momentum: :math:`m = \beta m + (1-\beta) g`, :math:`\theta -= \eta m`.

    Examples
    --------
    >>> import sympy as sp
    >>> theta, m, g, eta, beta = sp.symbols("theta m g eta beta")
    >>> ema_momentum_step(theta, m, g, eta, beta)
    (-eta*(beta*m + g*(1 - beta)) + theta, beta*m + g*(1 - beta))
    """
    average = beta * average + (1 - beta) * g
    return theta - lr * average, average


def nesterov_step(theta, buffer, g, lr, momentum):
    r"""One step of PyTorch's Nesterov momentum: :math:`\theta -= \eta (g + \mu b)`, new :math:`b`.

    Examples
    --------
    >>> import sympy as sp
    >>> theta, b, g, eta, mu = sp.symbols("theta b g eta mu")
    >>> nesterov_step(theta, b, g, eta, mu)[0]
    -eta*(g + mu*(b*mu + g)) + theta
    """
    buffer = momentum * buffer + g
    return theta - lr * (g + momentum * buffer), buffer


def momentum_conventions_equivalence(lr, beta):
    r"""The inductive step proving that the two momentum conventions give the same iterates.

    Run PyTorch's convention (:math:`b = \beta b + g`, rate :math:`\eta`) and the averaging
    convention (:math:`m = \beta m + (1-\beta) g`, rate :math:`\eta/(1-\beta)`) from the same
    start with :math:`b_0 = m_0 = 0`. Suppose after step :math:`t-1` the parameters agree and
    :math:`m_{t-1} = (1-\beta) b_{t-1}` (true at :math:`t = 1`). Both then see the same gradient
    :math:`g`, whatever the objective; this function takes one step of each from such a state and
    returns

    - the difference of the new parameters, and
    - :math:`m_t - (1-\beta) b_t`,

    simplified. Both are 0 for every :math:`\theta, b, g`, so the invariant holds at every step,
    and the iterates are identical for every objective and every gradient sequence.

    Returns
    -------
    parameter_difference, invariant_residual : sympy expressions (both 0)

    Examples
    --------
    >>> import sympy as sp
    >>> momentum_conventions_equivalence(sp.Symbol("eta"), sp.Symbol("beta"))
    (0, 0)
    """
    theta, b, g = sp.symbols("theta b g")
    theta_torch, b_new = heavy_ball_step(theta, b, g, lr, beta)
    theta_ema, m_new = ema_momentum_step(theta, (1 - beta) * b, g, lr / (1 - beta), beta)
    return sp.simplify(theta_ema - theta_torch), sp.simplify(m_new - (1 - beta) * b_new)


def transient_rate(lr, momentum, t):
    r"""The step per unit of a constant gradient after :math:`t` steps of PyTorch momentum.

    With :math:`g_i = g` for all :math:`i`, :math:`b_t = \sum_{k=0}^{t-1} \mu^k g`, so the step
    is :math:`\eta (1-\mu^t)/(1-\mu)\, g` (for :math:`\mu \ne 1`).

    Examples
    --------
    >>> import sympy as sp
    >>> transient_rate(sp.Symbol("eta"), sp.Symbol("mu", positive=True), 3)
    eta*(mu**2 + mu + 1)
    """
    k = sp.Symbol("k", integer=True, nonnegative=True)
    total = sp.summation(momentum**k, (k, 0, t - 1))
    if isinstance(total, sp.Piecewise):  # symbolic t: exclude momentum = 1
        total = total.args[-1][0]
    return lr * total


def steady_state_rate(lr, momentum):
    r"""The limit of :func:`transient_rate` as :math:`t \to \infty`: :math:`\eta/(1-\mu)`.

    Derived as the sum of the geometric series :math:`\eta \sum_{k \ge 0} \mu^k`, which converges
    for :math:`0 \le \mu < 1`.

    Examples
    --------
    >>> import sympy as sp
    >>> steady_state_rate(sp.Symbol("eta"), sp.Symbol("mu"))
    eta/(1 - mu)
    """
    k = sp.Symbol("k", integer=True, nonnegative=True)
    m = sp.Symbol("m", positive=True)  # a stand-in with 0 < m < 1 known to SymPy
    series = sp.summation(m**k, (k, 0, sp.oo))
    limit = series.args[0][0] if isinstance(series, sp.Piecewise) else series
    return lr * limit.subs(m, momentum)


def heavy_ball_iteration_matrix(lr, momentum, curvature):
    r"""The matrix :math:`A` of one momentum step on :math:`f = \lambda x^2/2`.

    The state is :math:`(x, b)`: :math:`(x_t, b_t) = A (x_{t-1}, b_{t-1})`.

    Derived by applying :func:`heavy_ball_step` with :math:`g = \lambda x` to a general state
    and reading off the coefficients. On a quadratic with Hessian :math:`H`, each eigen-direction
    of :math:`H` evolves on its own by this matrix with :math:`\lambda` its eigenvalue.

    Examples
    --------
    >>> import sympy as sp
    >>> heavy_ball_iteration_matrix(*sp.symbols("eta mu lambda"))
    Matrix([
    [-eta*lambda + 1, -eta*mu],
    [         lambda,      mu]])
    """
    x, b = sp.symbols("x b")
    new_state = heavy_ball_step(x, b, curvature * x, lr, momentum)
    return sp.Matrix([[sp.expand(e).coeff(v) for v in (x, b)] for e in new_state])


def nesterov_iteration_matrix(lr, momentum, curvature):
    r"""The matrix of one step of PyTorch's Nesterov momentum on :math:`f = \lambda x^2/2`.

    Examples
    --------
    >>> import sympy as sp
    >>> nesterov_iteration_matrix(*sp.symbols("eta mu lambda"))
    Matrix([
    [-eta*lambda*mu - eta*lambda + 1, -eta*mu**2],
    [                         lambda,         mu]])
    """
    x, b = sp.symbols("x b")
    new_state = nesterov_step(x, b, curvature * x, lr, momentum)
    return sp.Matrix([[sp.expand(e).coeff(v) for v in (x, b)] for e in new_state])


def heavy_ball_eigenvalues(lr, momentum, curvature):
    r"""The two eigenvalues of :func:`heavy_ball_iteration_matrix`, the ``+ sqrt`` root first.

    They are the roots of the characteristic polynomial
    :math:`z^2 - (1 + \mu - \eta\lambda) z + \mu`, so their product is :math:`\mu`: when they
    are complex both have modulus :math:`\sqrt{\mu}`.

    Examples
    --------
    >>> import sympy as sp
    >>> heavy_ball_eigenvalues(*sp.symbols("eta mu lambda"))[0]
    sqrt(-mu + (eta*lambda - mu - 1)**2/4) - (eta*lambda - mu - 1)/2
    >>> heavy_ball_eigenvalues(1, sp.Rational(1, 4), 1)  # complex: modulus sqrt(mu) = 1/2
    (1/8 + sqrt(15)*I/8, 1/8 - sqrt(15)*I/8)
    """
    z = sp.Symbol("z")
    polynomial = heavy_ball_iteration_matrix(lr, momentum, curvature).charpoly(z)
    a, b, c = polynomial.all_coeffs()
    half_trace = sp.factor(-b / (2 * a))
    root = sp.sqrt(half_trace**2 - c / a)
    return half_trace + root, half_trace - root


def optimal_heavy_ball(mu_min, L):
    r"""Polyak's tuning for eigenvalues in :math:`[m, L]`: :math:`(\eta^*, \mu^*, \text{rate})`.

    Derived from the eigenvalue condition. The eigenvalues at curvature :math:`\lambda` are
    complex, of modulus :math:`\sqrt\mu`, exactly when
    :math:`(1-\sqrt\mu)^2 \le \eta\lambda \le (1+\sqrt\mu)^2`; the smallest :math:`\mu` that
    fits the whole interval puts a double root at both ends:
    :math:`1 + \mu - \eta m = 2\sqrt\mu` and :math:`1 + \mu - \eta L = -2\sqrt\mu`. Solving
    gives

    .. math::

        \eta^* = \frac{4}{(\sqrt L + \sqrt m)^2}, \quad
        \mu^* = \Big(\frac{\sqrt L - \sqrt m}{\sqrt L + \sqrt m}\Big)^2, \quad
        \text{rate} = \sqrt{\mu^*} = \frac{\sqrt L - \sqrt m}{\sqrt L + \sqrt m}.

    Returns
    -------
    lr, momentum, rate : sympy expressions

    References
    ----------
    - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.

    Examples
    --------
    >>> import sympy as sp
    >>> optimal_heavy_ball(1, 9)
    (1/4, 1/4, 1/2)
    """
    a, c, eta, s = sp.symbols("a c eta s", positive=True)  # a = sqrt(m), c = sqrt(L), s = sqrt(mu)
    solutions = sp.solve(
        [1 + s**2 - eta * a**2 - 2 * s, 1 + s**2 - eta * c**2 + 2 * s], [eta, s], dict=True
    )
    # Two solutions; the momentum below 1 is the one that converges (test it at m = 1, L = 4).
    (best,) = [sol for sol in solutions if sol[s].subs({a: 1, c: 2}) < 1]
    rate = sp.factor(sp.simplify(best[s]))
    lr = sp.factor(sp.simplify(best[eta]))
    back = {a: sp.sqrt(mu_min), c: sp.sqrt(L)}
    return lr.subs(back), (rate**2).subs(back), rate.subs(back)


def optimal_momentum(kappa):
    r"""Polyak's best momentum and rate for condition number :math:`\kappa`.

    :func:`optimal_heavy_ball` with :math:`m = L/\kappa`; :math:`L` cancels:
    :math:`\mu^* = \big((\sqrt\kappa - 1)/(\sqrt\kappa + 1)\big)^2` and rate
    :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`.

    Returns
    -------
    momentum, rate : sympy expressions

    Examples
    --------
    >>> import sympy as sp
    >>> optimal_momentum(sp.Symbol("kappa", positive=True))
    ((sqrt(kappa) - 1)**2/(sqrt(kappa) + 1)**2, (sqrt(kappa) - 1)/(sqrt(kappa) + 1))
    >>> optimal_momentum(100)
    (81/121, 9/11)
    """
    L = sp.Symbol("L", positive=True)
    _, momentum, rate = optimal_heavy_ball(L / kappa, L)
    rate = sp.factor(sp.simplify(rate))
    return sp.factor(sp.simplify(momentum)), rate


def nesterov_lookahead_equivalence(lr, momentum):
    r"""The inductive step proving that PyTorch's Nesterov iterate is Sutskever's look-ahead point.

    Sutskever et al. (2013) write Nesterov momentum as
    :math:`v_t = \mu v_{t-1} - \eta \nabla f(\theta_{t-1} + \mu v_{t-1})`,
    :math:`\theta_t = \theta_{t-1} + v_t`: the gradient is taken at the look-ahead point
    :math:`\theta + \mu v`. PyTorch's update (:func:`nesterov_step`) takes it at its own iterate
    :math:`x`. Suppose :math:`x_{t-1} = \theta_{t-1} + \mu v_{t-1}` and
    :math:`v_{t-1} = -\eta b_{t-1}` (true at the start, with :math:`v_0 = b_0 = 0`). Then both
    use the same gradient :math:`g`; this function takes a step of each and returns

    - :math:`x_t - (\theta_t + \mu v_t)` and
    - :math:`v_t + \eta b_t`,

    simplified. Both are 0, so PyTorch's iterates are the look-ahead points, at every step.

    Returns
    -------
    lookahead_residual, velocity_residual : sympy expressions (both 0)

    Examples
    --------
    >>> import sympy as sp
    >>> nesterov_lookahead_equivalence(sp.Symbol("eta"), sp.Symbol("mu"))
    (0, 0)
    """
    theta, b, g = sp.symbols("theta b g")
    v = -lr * b
    x = theta + momentum * v
    x_new, b_new = nesterov_step(x, b, g, lr, momentum)
    v_new = momentum * v - lr * g  # g is the gradient at the look-ahead point x
    theta_new = theta + v_new
    return (
        sp.simplify(x_new - (theta_new + momentum * v_new)),
        sp.simplify(v_new + lr * b_new),
    )


def ema_noise_variance_ratio(beta, t=None):
    r"""Variance of :math:`m_t = \beta m_{t-1} + (1-\beta) g_t` over that of i.i.d. gradients.

    Unrolled from :math:`m_0 = 0`, :math:`m_t = (1-\beta)\sum_{k=0}^{t-1} \beta^k g_{t-k}`; with
    independent gradients of variance :math:`\sigma^2` the variances add:
    :math:`\operatorname{Var} m_t = \sigma^2 (1-\beta)^2 \sum_{k=0}^{t-1} \beta^{2k}`. With
    ``t=None`` this returns the limit :math:`(1-\beta)/(1+\beta)`.

    Examples
    --------
    >>> import sympy as sp
    >>> ema_noise_variance_ratio(sp.Symbol("beta"))
    (1 - beta)/(beta + 1)
    >>> ema_noise_variance_ratio(sp.Rational(1, 2), 2)
    5/16
    """
    k = sp.Symbol("k", integer=True, nonnegative=True)
    q = sp.Symbol("q", positive=True)  # stands for beta**2, with 0 < q < 1
    if t is None:
        series = sp.summation(q**k, (k, 0, sp.oo))
        total = series.args[0][0] if isinstance(series, sp.Piecewise) else series
    else:
        total = sp.summation(q**k, (k, 0, t - 1))
        total = total.args[-1][0] if isinstance(total, sp.Piecewise) else total
    return sp.simplify((1 - beta) ** 2 * total.subs(q, beta**2))
