r"""Derivations for momentum (chapter 04): conventions, rates, stability and noise on a quadratic.

Notation (the names follow ``torch.optim.SGD``; the symbols follow ``chapters/notation.md``):

==========================  ==========================  ======================================
symbol                      argument                    meaning
==========================  ==========================  ======================================
:math:`\eta`                ``lr``                      learning rate of the buffer
:math:`\alpha`              ``alpha``                   learning rate of the average
:math:`\mu`                 ``momentum``                momentum, :math:`b = \mu b + g`
:math:`\beta`               ``beta``                    decay, :math:`m = \beta m + (1-\beta) g`
:math:`\lambda`             ``curvature``               an eigenvalue of the Hessian
:math:`\lambda_{\min}, L`   ``lambda_min, lambda_max``  smallest and largest eigenvalue
:math:`\kappa`              ``kappa``                   condition number
:math:`\sigma`              ``sigma``                   standard deviation of gradient noise
==========================  ==========================  ======================================

References
----------
- B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR
  Computational Mathematics and Mathematical Physics 4(5), 1964.
- Y. Nesterov, "A method for solving the convex programming problem with convergence rate
  O(1/k^2)", Soviet Mathematics Doklady 27, 1983.
- I. Sutskever, J. Martens, G. Dahl and G. Hinton, "On the importance of initialization and
  momentum in deep learning", ICML 2013, section 2.
- G. Goh, "Why Momentum Really Works", Distill, 2017.
- K. Yuan, B. Ying and A. H. Sayed, "On the Influence of Momentum Acceleration on Online
  Learning", JMLR 17, 2016 (momentum with a small constant step is SGD with a rescaled step).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "ema_momentum_as_heavy_ball",
    "ema_momentum_step",
    "heavy_ball_eigenvalues",
    "heavy_ball_iteration_matrix",
    "heavy_ball_jury_conditions",
    "heavy_ball_position_matrix",
    "heavy_ball_stability_limit",
    "heavy_ball_stationary_variance",
    "heavy_ball_step",
    "momentum_conventions_equivalence",
    "nesterov_iteration_matrix",
    "nesterov_lookahead_equivalence",
    "nesterov_step",
    "optimal_heavy_ball",
    "optimal_momentum",
    "steady_state_rate",
    "transient_rate",
    "varying_momentum_equivalence",
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
    r"""One averaged-momentum step: :math:`m = \beta m + (1-\beta) g`, :math:`\theta -= \alpha m`.

    The argument ``lr`` is the rate :math:`\alpha`.

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
    :math:`m_{t-1} = (1-\beta) b_{t-1}` (true at :math:`t - 1 = 0`, where both buffers are 0).
    Both then see the same gradient :math:`g`, whatever the objective; this function takes one
    step of each from such a state and returns

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


def ema_momentum_as_heavy_ball(alpha, beta, beta_previous):
    r"""The heavy ball's :math:`\eta_t, \mu_t` equal to the average with :math:`\alpha_t, \beta_t`.

    With a decay that changes over the steps, :math:`m_t = \beta_t m_{t-1} + (1-\beta_t) g_t`
    and :math:`\theta_t = \theta_{t-1} - \alpha_t m_t`, keep the invariant
    :math:`m_t = (1-\beta_t) b_t`. Substituting :math:`m_{t-1} = (1-\beta_{t-1}) b_{t-1}` and
    asking that :math:`m_t = (1-\beta_t)(\mu_t b_{t-1} + g_t)` for every :math:`b_{t-1}` gives
    (solved here for the coefficient of :math:`b_{t-1}`)

    .. math::

        \mu_t = \frac{\beta_t (1-\beta_{t-1})}{1-\beta_t}, \qquad
        \eta_t = \alpha_t (1-\beta_t).

    With a constant :math:`\beta` this is :math:`\mu = \beta`, :math:`\eta_t = \alpha_t(1-\beta)`.

    Returns
    -------
    lr, momentum : sympy expressions, :math:`\eta_t` and :math:`\mu_t`

    Examples
    --------
    >>> import sympy as sp
    >>> ema_momentum_as_heavy_ball(*sp.symbols("alpha beta_t beta_prev"))
    (alpha*(1 - beta_t), beta_t*(1 - beta_prev)/(1 - beta_t))
    >>> ema_momentum_as_heavy_ball(1, sp.Rational(9, 10), sp.Rational(9, 10))
    (1/10, 9/10)
    """
    decay, decay_previous = sp.symbols("beta_t beta_prev")
    general = _general_varying_momentum()
    return alpha * (1 - beta), general.subs({decay: beta, decay_previous: beta_previous},
                                            simultaneous=True)


@lru_cache(maxsize=None)
def _general_varying_momentum() -> sp.Expr:
    beta, beta_previous = sp.symbols("beta_t beta_prev")
    b_previous, g, momentum = sp.symbols("b_previous g momentum")
    average = beta * (1 - beta_previous) * b_previous + (1 - beta) * g
    wanted = (1 - beta) * (momentum * b_previous + g)
    (solution,) = sp.solve(sp.expand(average - wanted).coeff(b_previous), momentum)
    stated = beta * (1 - beta_previous) / (1 - beta)
    assert sp.simplify(solution - stated) == 0  # SymPy prints it with both signs flipped
    return stated


def varying_momentum_equivalence(alpha, beta, beta_previous):
    r"""The inductive step for the two conventions when the decay and the rate change each step.

    Suppose after step :math:`t-1` the parameters agree and
    :math:`m_{t-1} = (1-\beta_{t-1}) b_{t-1}`. Take one step of the average with
    :math:`(\alpha_t, \beta_t)` and one of the heavy ball with the :math:`(\eta_t, \mu_t)` of
    :func:`ema_momentum_as_heavy_ball`, from the same :math:`\theta` and gradient :math:`g`, and
    return the difference of the new parameters and :math:`m_t - (1-\beta_t) b_t`, simplified.

    Returns
    -------
    parameter_difference, invariant_residual : sympy expressions (both 0)

    Examples
    --------
    >>> import sympy as sp
    >>> varying_momentum_equivalence(*sp.symbols("alpha beta_t beta_prev"))
    (0, 0)
    """
    theta, b, g = sp.symbols("theta b g")
    lr, momentum = ema_momentum_as_heavy_ball(alpha, beta, beta_previous)
    theta_torch, b_new = heavy_ball_step(theta, b, g, lr, momentum)
    theta_ema, m_new = ema_momentum_step(theta, (1 - beta_previous) * b, g, alpha, beta)
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
    r"""The matrix :math:`A` of one momentum step on :math:`f = \lambda\theta^2/2`.

    The state is :math:`(\theta, b)`: :math:`(\theta_t, b_t) = A (\theta_{t-1}, b_{t-1})`.

    Derived by applying :func:`heavy_ball_step` with :math:`g = \lambda\theta` to a general state
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
    r"""The matrix of one step of PyTorch's Nesterov momentum on :math:`f = \lambda\theta^2/2`.

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
    >>> # complex: modulus sqrt(mu) = 1/2
    >>> heavy_ball_eigenvalues(1, sp.Rational(1, 4), 1)
    (1/8 + sqrt(15)*I/8, 1/8 - sqrt(15)*I/8)
    """
    z = sp.Symbol("z")
    polynomial = heavy_ball_iteration_matrix(lr, momentum, curvature).charpoly(z)
    a, b, c = polynomial.all_coeffs()
    half_trace = sp.factor(-b / (2 * a))
    root = sp.sqrt(half_trace**2 - c / a)
    return half_trace + root, half_trace - root


def heavy_ball_jury_conditions(lr, momentum, curvature):
    r"""The three quantities that must all be positive for the heavy ball to converge.

    A monic quadratic :math:`\chi(z)` with real coefficients has both roots inside the unit
    circle exactly when :math:`\chi(1) > 0`, :math:`\chi(-1) > 0` and
    :math:`1 - \chi(0)^2 > 0` (the Jury, or Schur-Cohn, conditions for degree 2). For the
    characteristic polynomial :math:`z^2 - (1+\mu-\eta\lambda) z + \mu` of
    :func:`heavy_ball_iteration_matrix` they are :math:`\eta\lambda > 0`,
    :math:`2(1+\mu) - \eta\lambda > 0` and :math:`1 - \mu^2 > 0`.

    Returns
    -------
    chi_at_one, chi_at_minus_one, one_minus_chi_at_zero_squared : sympy expressions

    Examples
    --------
    >>> import sympy as sp
    >>> heavy_ball_jury_conditions(*sp.symbols("eta mu lambda"))
    (eta*lambda, -eta*lambda + 2*mu + 2, 1 - mu**2)
    """
    z = sp.Symbol("z")
    polynomial = heavy_ball_iteration_matrix(lr, momentum, curvature).charpoly(z).as_expr()
    a0 = polynomial.subs(z, 0)
    return (
        sp.expand(polynomial.subs(z, 1)),
        sp.expand(polynomial.subs(z, -1)),
        sp.expand(1 - a0**2),
    )


def heavy_ball_stability_limit(momentum):
    r"""The largest :math:`\eta\lambda` for which the heavy ball converges: :math:`2(1+\mu)`.

    Solved from the one condition of :func:`heavy_ball_jury_conditions` that involves the step:
    :math:`\chi(-1) = 2(1+\mu) - \eta\lambda > 0`. With :math:`0 \le \mu < 1` the heavy ball
    converges exactly when :math:`0 < \eta\lambda < 2(1+\mu)`; at :math:`\mu = 0` this is
    gradient descent's :math:`\eta\lambda < 2`.

    Examples
    --------
    >>> import sympy as sp
    >>> heavy_ball_stability_limit(sp.Symbol("mu"))
    2*mu + 2
    >>> heavy_ball_stability_limit(sp.Rational(9, 10))
    19/5
    """
    step = sp.Symbol("step", positive=True)  # the product eta * lambda
    _, p_at_minus_one, _ = heavy_ball_jury_conditions(step, momentum, 1)
    (limit,) = sp.solve(p_at_minus_one, step)
    return limit


def optimal_heavy_ball(lambda_min, lambda_max):
    r"""Polyak's tuning, :math:`\eta^*, \mu^*` and the rate, for eigenvalues in an interval.

    Derived from the eigenvalue condition. The eigenvalues at curvature :math:`\lambda` are
    complex, of modulus :math:`\sqrt\mu`, exactly when
    :math:`(1-\sqrt\mu)^2 \le \eta\lambda \le (1+\sqrt\mu)^2`; the smallest :math:`\mu` that
    fits the whole interval puts a double root at both ends:
    :math:`1 + \mu - \eta\lambda_{\min} = 2\sqrt\mu` and :math:`1 + \mu - \eta L = -2\sqrt\mu`.
    Solving gives

    .. math::

        \eta^* = \frac{4}{(\sqrt L + \sqrt{\lambda_{\min}})^2}, \quad
        \mu^* = \Big(\frac{\sqrt L - \sqrt{\lambda_{\min}}}{\sqrt L + \sqrt{\lambda_{\min}}}\Big)^2,
        \quad \text{rate} = \sqrt{\mu^*}
        = \frac{\sqrt L - \sqrt{\lambda_{\min}}}{\sqrt L + \sqrt{\lambda_{\min}}}.

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
    # a = sqrt(lambda_min), c = sqrt(lambda_max), s = sqrt(mu)
    a, c, eta, s = sp.symbols("a c eta s", positive=True)
    solutions = sp.solve(
        [1 + s**2 - eta * a**2 - 2 * s, 1 + s**2 - eta * c**2 + 2 * s], [eta, s], dict=True
    )
    # Two solutions; the momentum below 1 is the one that converges (test it at 1 and 4).
    (best,) = [sol for sol in solutions if sol[s].subs({a: 1, c: 2}) < 1]
    rate = sp.factor(sp.simplify(best[s]))
    lr = sp.factor(sp.simplify(best[eta]))
    back = {a: sp.sqrt(lambda_min), c: sp.sqrt(lambda_max)}
    return lr.subs(back), (rate**2).subs(back), rate.subs(back)


def optimal_momentum(kappa):
    r"""Polyak's best momentum and rate for condition number :math:`\kappa`.

    :func:`optimal_heavy_ball` with :math:`\lambda_{\min} = L/\kappa`; :math:`L` cancels:
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
    :math:`\tilde\Delta_t = \mu \tilde\Delta_{t-1} - \eta \nabla f(\tilde\theta_{t-1} + \mu
    \tilde\Delta_{t-1})`, :math:`\tilde\theta_t = \tilde\theta_{t-1} + \tilde\Delta_t`: the
    gradient is taken at the look-ahead point :math:`\tilde\theta + \mu\tilde\Delta`. PyTorch's
    update (:func:`nesterov_step`) takes it at its own iterate :math:`\theta`. Suppose
    :math:`\theta_{t-1} = \tilde\theta_{t-1} + \mu \tilde\Delta_{t-1}` and
    :math:`\tilde\Delta_{t-1} = -\eta b_{t-1}` (true at the start, with
    :math:`\tilde\Delta_0 = b_0 = 0`). Then both use the same gradient :math:`g`; this function
    takes a step of each and returns

    - :math:`\theta_t - (\tilde\theta_t + \mu \tilde\Delta_t)` and
    - :math:`\tilde\Delta_t + \eta b_t`,

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


def heavy_ball_position_matrix(lr, momentum, curvature):
    r"""The heavy ball on :math:`\lambda\theta^2/2` as a map of :math:`(\theta_t, \theta_{t-1})`.

    Since :math:`\eta b_{t-1} = \theta_{t-2} - \theta_{t-1}`, the step
    :math:`\theta_t = \theta_{t-1} - \eta(\mu b_{t-1} + g_t)` is
    :math:`\theta_t = \theta_{t-1} - \eta g_t + \mu(\theta_{t-1} - \theta_{t-2})`. With
    :math:`g_t = \lambda\theta_{t-1} + \xi_t`,

    .. math::

        \begin{pmatrix}\theta_t\\ \theta_{t-1}\end{pmatrix} =
        \begin{pmatrix}1+\mu-\eta\lambda & -\mu\\ 1 & 0\end{pmatrix}
        \begin{pmatrix}\theta_{t-1}\\ \theta_{t-2}\end{pmatrix}
        + \begin{pmatrix}-\eta\\ 0\end{pmatrix}\xi_t .

    It is :func:`heavy_ball_iteration_matrix` (:math:`A`) in other coordinates: the state
    :math:`(\theta_t, \theta_{t-1})` is :math:`(\theta_t, \theta_t + \eta b_t)`, an invertible
    linear map of :math:`(\theta_t, b_t)`, so this matrix :math:`A'` is similar to :math:`A` and
    has the same eigenvalues.

    Examples
    --------
    >>> import sympy as sp
    >>> heavy_ball_position_matrix(*sp.symbols("eta mu lambda"))
    Matrix([
    [-eta*lambda + mu + 1, -mu],
    [                   1,   0]])
    """
    change = sp.Matrix([[1, 0], [1, lr]])
    return sp.simplify(change * heavy_ball_iteration_matrix(lr, momentum, curvature) * change.inv())


def heavy_ball_stationary_variance(lr, momentum, curvature, sigma):
    r"""The stationary variance of :math:`\theta` for the heavy ball on a noisy quadratic.

    On :math:`f = \lambda\theta^2/2` with gradients :math:`g_t = \lambda\theta_{t-1} + \xi_t`,
    :math:`\xi_t` independent with mean 0 and variance :math:`\sigma^2`, the state
    :math:`(\theta_t, \theta_{t-1})` is :math:`A'` times the previous state plus
    :math:`(-\eta, 0)\xi_t` (:func:`heavy_ball_position_matrix`). Inside the stability region
    (:func:`heavy_ball_stability_limit`) its covariance tends to the solution :math:`\Sigma` of
    the discrete Lyapunov equation
    :math:`\Sigma = A'\Sigma A'^\top + \operatorname{diag}(\eta^2\sigma^2, 0)`. Solving its three
    equations for the symmetric :math:`\Sigma` gives

    .. math::

        \operatorname{Var}\theta = \frac{\eta\sigma^2 (1+\mu)}
        {\lambda (1-\mu)\big(2(1+\mu) - \eta\lambda\big)} .

    At :math:`\mu = 0` this is SGD's :math:`\eta\sigma^2/(\lambda(2-\eta\lambda))`.

    References
    ----------
    - K. Yuan, B. Ying and A. H. Sayed, "On the Influence of Momentum Acceleration on Online
      Learning", JMLR 17, 2016.

    Examples
    --------
    >>> import sympy as sp
    >>> eta, mu, lam, sigma = sp.symbols("eta mu lambda sigma", positive=True)
    >>> heavy_ball_stationary_variance(eta, mu, lam, sigma)
    eta*sigma**2*(mu + 1)/(lambda*(1 - mu)*(-eta*lambda + 2*mu + 2))
    >>> # SGD: 0.1/(2 - 0.1)
    >>> heavy_ball_stationary_variance(sp.Rational(1, 10), 0, 1, 1)
    1/19
    """
    general = _general_stationary_variance()
    symbols = sp.symbols("eta mu lambda sigma", positive=True)
    return general.subs(dict(zip(symbols, (lr, momentum, curvature, sigma))), simultaneous=True)


@lru_cache(maxsize=None)
def _general_stationary_variance() -> sp.Expr:
    eta, mu, lam, noise = sp.symbols("eta mu lambda sigma", positive=True)
    matrix = heavy_ball_position_matrix(eta, mu, lam)
    var_theta, covariance, var_previous = sp.symbols("var_theta covariance var_previous")
    state = sp.Matrix([[var_theta, covariance], [covariance, var_previous]])
    forcing = sp.Matrix([[eta**2 * noise**2, 0], [0, 0]])
    residual = state - matrix * state * matrix.T - forcing
    (solution,) = sp.solve([residual[0, 0], residual[0, 1], residual[1, 1]],
                           [var_theta, covariance, var_previous], dict=True)  # fmt: skip
    stated = eta * noise**2 * (1 + mu) / (lam * (1 - mu) * (2 * (1 + mu) - eta * lam))
    assert sp.simplify(solution[var_theta] - stated) == 0  # the textbook form of the solution
    return stated
