r"""Derivations for Adagrad (chapter 05): its shrinking rate, its preconditioner, its link to Adam.

Adagrad keeps, for every coordinate, the sum of the squared gradients so far,
:math:`s_t = s_{t-1} + g_t^2`, and steps :math:`\theta_t = \theta_{t-1} - \eta\, g_t/(\sqrt{s_t}
+ \epsilon)`. Every result here is derived by SymPy (``summation``, ``integrate``, ``solve``,
``limit``, ``series``), not typed in; each function takes SymPy symbols or numbers and returns
a SymPy expression.

==========================  ==============  ===================================================
symbol                      argument        meaning
==========================  ==============  ===================================================
:math:`\eta`                ``eta``         Adagrad's step size
:math:`\alpha`              ``alpha``       Adam's step size
:math:`g`, :math:`g_i`      ``g``           a gradient coordinate; ``g[i]`` when indexed
:math:`t`                   ``t``           the step, from 1
:math:`i`                   ``i``           the step of one past gradient, :math:`1 \le i \le t`
:math:`T`                   ``T``           the number of steps of a run
:math:`\lambda`             ``lam``         the curvature of a quadratic :math:`\lambda\theta^2/2`
:math:`s_{T,j}`             ``s``           a coordinate's accumulator at the end of a run
:math:`D_\infty`            ``D``           the largest distance to the optimum per coordinate
:math:`\beta_2`             ``beta2``       Adam's second-moment decay rate
:math:`\epsilon`            ``eps``         the constant added to a denominator
==========================  ==============  ===================================================

The derivations in general symbols are done once per session and cached.

References
----------
- J. Duchi, E. Hazan and Y. Singer, "Adaptive Subgradient Methods for Online Learning and
  Stochastic Optimization", JMLR 12, 2011 (the diagonal algorithm and its regret bound).
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 5
  (Adagrad as Adam with :math:`\beta_1 = 0`, :math:`1 - \beta_2 \to 0` and step
  :math:`\alpha/\sqrt t`).

Examples
--------
>>> import sympy as sp
>>> eta = sp.Symbol("eta", positive=True)
>>> g, t = sp.Symbol("g", real=True), sp.Symbol("t")
>>> adagrad_constant_gradient_step(eta, g, t)
-eta*sign(g)/sqrt(t)
>>> adam_bias_corrected_weight_limit(sp.Symbol("t"), sp.Symbol("i"))
1/t
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "adagrad_constant_gradient_step",
    "adagrad_quadratic_iterates",
    "adam_bias_corrected_weight",
    "adam_bias_corrected_weight_first_order",
    "adam_bias_corrected_weight_limit",
    "adam_epsilon_as_adagrad_epsilon",
    "adam_second_moment_limit",
    "adagrad_regret_best_step",
    "hindsight_best_rate",
    "hindsight_regret_bound",
    "rate_sum_bounds",
]

# The symbols the general results are derived in, replaced by the caller's on the way out.
_ETA = sp.Symbol("eta", positive=True)
_ALPHA = sp.Symbol("alpha", positive=True)
_G = sp.Symbol("g", real=True, nonzero=True)
_T = sp.Symbol("t", integer=True, positive=True)
_I = sp.Symbol("i", integer=True, positive=True)
_BIG_T = sp.Symbol("T", integer=True, positive=True)
_X = sp.Symbol("x", positive=True)
_S = sp.Symbol("s", positive=True)
_D = sp.Symbol("D", positive=True)
_P = sp.Symbol("P", positive=True)
_BETA2 = sp.Symbol("beta_2", positive=True)
_GAP = sp.Symbol("delta_2", positive=True)  # 1 - beta_2, for the series; not the book's delta
_EPS, _EPS_ADAGRAD = sp.symbols("epsilon epsilon_A", positive=True)


def adagrad_constant_gradient_step(eta, g, t) -> sp.Expr:
    r"""The step :math:`\Delta_t = -\eta\,\operatorname{sign}(g)/\sqrt t` for a constant gradient.

    With :math:`g_i = g \ne 0` at every step and :math:`s_0 = 0`, :math:`\epsilon = 0`, the
    accumulator is :math:`s_t = \sum_{i=1}^t g^2 = t g^2` (``summation``), and the step
    :math:`-\eta g/\sqrt{t g^2}` simplifies to :math:`-\eta\operatorname{sign}(g)/\sqrt t`: it does
    not depend on the size of :math:`g`, and shrinks like :math:`1/\sqrt t`.

    Parameters
    ----------
    eta, g, t : symbols or numbers
        :math:`\eta > 0`, the gradient :math:`g \ne 0` and the step :math:`t \ge 1`.

    Examples
    --------
    >>> adagrad_constant_gradient_step(0.1, -3.0, 4)
    0.0500000000000000
    """
    return _general_constant_gradient_step().subs({_ETA: eta, _G: g, _T: t})


def adagrad_quadratic_iterates(eta, lam, theta0, n: int) -> list[sp.Expr]:
    r"""Adagrad's first iterates :math:`\theta_0, \dots, \theta_n` on :math:`f = \lambda\theta^2/2`.

    Runs the recursion :math:`g_t = \lambda\theta_{t-1}`, :math:`s_t = s_{t-1} + g_t^2`,
    :math:`\theta_t = \theta_{t-1} - \eta g_t/\sqrt{s_t}` (:math:`s_0 = 0`, :math:`\epsilon = 0`)
    symbolically. For a positive curvature :math:`\lambda` every :math:`\lambda` cancels: the
    iterates do not depend on the curvature at all.

    Parameters
    ----------
    eta, lam, theta0 : symbols or numbers
        Step size, curvature :math:`\lambda > 0` and start :math:`\theta_0 \ne 0`; pass symbols
        declared positive so that :math:`\sqrt{\lambda^2 x} = \lambda\sqrt x` can be used.
    n : int
        Number of steps (a concrete integer >= 0).

    Examples
    --------
    >>> import sympy as sp
    >>> eta, lam, theta0 = sp.symbols("eta lambda theta_0", positive=True)
    >>> adagrad_quadratic_iterates(eta, lam, theta0, 1)
    [theta_0, -eta + theta_0]
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"Invalid n: {n!r} (must be an integer >= 0)")
    theta, accumulator, iterates = sp.sympify(theta0), sp.Integer(0), [sp.sympify(theta0)]
    for _ in range(n):
        gradient = lam * theta
        accumulator = accumulator + gradient**2
        theta = sp.simplify(theta - eta * gradient / sp.sqrt(accumulator))
        iterates.append(theta)
    return iterates


def rate_sum_bounds(T, power) -> tuple[sp.Expr, sp.Expr]:
    r"""Lower and upper bounds on :math:`\sum_{t=1}^T t^{-p}` by integrals, for :math:`p > 0`.

    :math:`t^{-p}` decreases, so each term lies between the integral over the interval after it
    and the one before it: :math:`\int_1^{T+1} x^{-p}\,dx \le \sum_{t=1}^T t^{-p} \le
    1 + \int_1^T x^{-p}\,dx`. For :math:`p = 1/2` (the sum of Adagrad's rates under a constant
    gradient) both bounds grow like :math:`2\sqrt T`; for :math:`p = 1` (the sum of their squares)
    like :math:`\log T`. Both sums diverge.

    Parameters
    ----------
    T : symbol or number
        The number of terms.
    power : number
        :math:`p` (0.5 or 1 in the chapter; exact rationals give exact forms).

    Examples
    --------
    >>> import sympy as sp
    >>> T = sp.Symbol("T", positive=True)
    >>> rate_sum_bounds(T, sp.Rational(1, 2))
    (2*sqrt(T + 1) - 2, 2*sqrt(T) - 1)
    >>> rate_sum_bounds(T, 1)
    (log(T + 1), log(T) + 1)
    """
    power = sp.nsimplify(power)
    if not power.is_positive:
        raise ValueError(f"Invalid power: {power} (must be > 0)")
    lower, upper = _general_rate_sum_bounds(power)
    return lower.subs(_BIG_T, T), upper.subs(_BIG_T, T)


def hindsight_best_rate(D, s) -> sp.Expr:
    r"""The fixed per-coordinate rate :math:`P_{jj} = D_\infty/\sqrt{s_{T,j}}` best in hindsight.

    For convex losses and steps :math:`\theta_t = \theta_{t-1} - P g_t` with a fixed diagonal
    :math:`P`, the usual regret bound has, per coordinate, the two terms
    :math:`D_\infty^2/(2P_{jj}) + P_{jj}\, s_{T,j}/2`, where :math:`D_\infty` bounds the distance
    to the optimum along the coordinate and :math:`s_{T,j} = \sum_{t \le T} g_{t,j}^2`. Setting
    the derivative in :math:`P_{jj}` to zero (``solve``) gives :math:`D_\infty/\sqrt{s_{T,j}}`:
    Adagrad's rate, with :math:`\eta = D_\infty`, frozen at the end of the run.

    Examples
    --------
    >>> import sympy as sp
    >>> hindsight_best_rate(*sp.symbols("D s", positive=True))
    D/sqrt(s)
    """
    return _general_hindsight()[0].subs({_D: D, _S: s})


def hindsight_regret_bound(D, s) -> sp.Expr:
    r"""The per-coordinate bound :math:`D_\infty\sqrt{s_{T,j}}` at the best rate in hindsight.

    The two terms of :func:`hindsight_best_rate`'s bound, evaluated at its minimizer: they are
    then equal, and their sum is :math:`D_\infty\sqrt{s_{T,j}}`.

    Examples
    --------
    >>> import sympy as sp
    >>> hindsight_regret_bound(2, 9)
    6
    """
    return _general_hindsight()[1].subs({_D: D, _S: s})


def adagrad_regret_best_step(D) -> tuple[sp.Expr, sp.Expr]:
    r"""The step size :math:`D_\infty/\sqrt2` best for Adagrad's regret bound, and the bound there.

    Adagrad with clipping to a box of side :math:`D_\infty` has regret at most
    :math:`\big(D_\infty^2/(2\eta) + \eta\big)\sum_j \sqrt{s_{T,j}}`. Setting the derivative in
    :math:`\eta` to zero (``solve``) gives :math:`\eta = D_\infty/\sqrt2`, where the factor is
    :math:`\sqrt2\, D_\infty`: a factor :math:`\sqrt2` above the best fixed diagonal in hindsight,
    :func:`hindsight_regret_bound`.

    Returns
    -------
    (best step size, factor of :math:`\sum_j \sqrt{s_{T,j}}` at that step size)

    Examples
    --------
    >>> adagrad_regret_best_step(2)
    (sqrt(2), 2*sqrt(2))
    """
    best, factor = _general_best_step()
    return best.subs(_D, D), factor.subs(_D, D)


def adam_bias_corrected_weight(beta2, t, i) -> sp.Expr:
    r"""The weight :math:`(1-\beta_2)\beta_2^{t-i}/(1-\beta_2^t)` of :math:`g_i^2` in Adam's v-hat.

    Chapter 03's unrolled moving average, divided by the bias correction :math:`1 - \beta_2^t`.

    Examples
    --------
    >>> import sympy as sp
    >>> adam_bias_corrected_weight(sp.Rational(1, 2), 2, 1)
    1/3
    """
    return (1 - beta2) * beta2 ** (t - i) / (1 - beta2**t)


def adam_bias_corrected_weight_limit(t, i) -> sp.Expr:
    r"""The limit :math:`1/t` of the weight of :math:`g_i^2` in v-hat as :math:`\beta_2 \to 1`.

    ``limit`` of :func:`adam_bias_corrected_weight` at :math:`\beta_2 = 1` (from below): every
    one of the :math:`t` squared gradients gets the same weight, so :math:`\hat v_t` becomes
    their plain mean.

    Examples
    --------
    >>> adam_bias_corrected_weight_limit(4, 2)
    1/4
    """
    return _general_weight_limit().subs({_T: t, _I: i})


def adam_second_moment_limit(g, t, i) -> sp.Expr:
    r"""The limit :math:`\frac1t\sum_{i=1}^t g_i^2 = s_t/t` of v-hat as :math:`\beta_2 \to 1`.

    :math:`\hat v_t = \sum_{i=1}^t w_i\, g_i^2` is a finite sum, so its limit is the sum of the
    limits of its weights, :func:`adam_bias_corrected_weight_limit`. The result is returned as an
    unevaluated sum; ``.doit()`` expands it for a concrete ``t``.

    Parameters
    ----------
    g : sympy.IndexedBase
        The gradients are ``g[1]``, ..., ``g[t]``.
    t : symbol or number
    i : sympy.Symbol
        The summation index.

    Examples
    --------
    >>> import sympy as sp
    >>> g, i = sp.IndexedBase("g"), sp.Symbol("i", integer=True, positive=True)
    >>> adam_second_moment_limit(g, 2, i).doit()
    g[1]**2/2 + g[2]**2/2
    """
    return sp.Sum(adam_bias_corrected_weight_limit(t, i) * g[i] ** 2, (i, 1, t))


def adam_bias_corrected_weight_first_order(beta2, t, i) -> sp.Expr:
    r"""The weight of :math:`g_i^2` in :math:`\hat v_t` to first order in :math:`1 - \beta_2`.

    ``series`` of :func:`adam_bias_corrected_weight` in :math:`1 - \beta_2` about 0:
    :math:`\frac1t + (1-\beta_2)\frac{2i - t - 1}{2t}`. Relative to the limit :math:`1/t` the
    weights differ by :math:`(1-\beta_2)(2i - t - 1)/2`, at most :math:`(1-\beta_2)(t-1)/2` in
    size: how far Adam with :math:`\beta_2` near 1 is from Adagrad.

    Examples
    --------
    >>> import sympy as sp
    >>> # exact: 0.32999...
    >>> adam_bias_corrected_weight_first_order(sp.Rational(99, 100), 3, 1)
    33/100
    """
    return _general_weight_first_order().subs({_GAP: 1 - beta2, _T: t, _I: i})


def adam_epsilon_as_adagrad_epsilon(eps, t) -> sp.Expr:
    r"""The Adagrad constant :math:`\epsilon\sqrt t` that Adam's :math:`\epsilon` becomes.

    In the limit Adam's step is :math:`\frac{\alpha}{\sqrt t}\, g_t/(\sqrt{s_t/t} + \epsilon)`;
    equating it with Adagrad's :math:`\alpha\, g_t/(\sqrt{s_t} + \epsilon_A)` and solving for
    :math:`\epsilon_A` (``solve``) gives :math:`\epsilon\sqrt t`: the correspondence is exact
    only for :math:`\epsilon = 0`.

    Examples
    --------
    >>> import sympy as sp
    >>> adam_epsilon_as_adagrad_epsilon(sp.Symbol("epsilon"), sp.Symbol("t"))
    epsilon*sqrt(t)
    """
    return _general_epsilon_map().subs({_EPS: eps, _T: t})


# -- the general derivations, in the internal symbols, each done once ------------------------


@lru_cache(maxsize=None)
def _general_constant_gradient_step() -> sp.Expr:
    accumulator = sp.summation(_G**2, (_I, 1, _T))  # t g^2
    step = -_ETA * _G / sp.sqrt(accumulator)
    signed = -_ETA * sp.sign(_G) / sp.sqrt(_T)
    if sp.simplify(step - signed) != 0:
        raise ArithmeticError(f"the constant-gradient step {step} is not {signed}")
    return signed


@lru_cache(maxsize=None)
def _general_rate_sum_bounds(power: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    term = _X ** (-power)
    lower = sp.simplify(sp.integrate(term, (_X, 1, _BIG_T + 1)))
    upper = sp.simplify(1 + sp.integrate(term, (_X, 1, _BIG_T)))
    return lower, upper


@lru_cache(maxsize=None)
def _general_hindsight() -> tuple[sp.Expr, sp.Expr]:
    bound = _D**2 / (2 * _P) + _P * _S / 2
    (best,) = sp.solve(sp.diff(bound, _P), _P)
    return best, sp.simplify(bound.subs(_P, best))


@lru_cache(maxsize=None)
def _general_best_step() -> tuple[sp.Expr, sp.Expr]:
    factor = _D**2 / (2 * _ETA) + _ETA
    (best,) = sp.solve(sp.diff(factor, _ETA), _ETA)
    return best, sp.simplify(factor.subs(_ETA, best))


@lru_cache(maxsize=None)
def _general_weight_limit() -> sp.Expr:
    return sp.limit(adam_bias_corrected_weight(_BETA2, _T, _I), _BETA2, 1, "-")


@lru_cache(maxsize=None)
def _general_weight_first_order() -> sp.Expr:
    weight = adam_bias_corrected_weight(1 - _GAP, _T, _I)
    return sp.simplify(sp.series(weight, _GAP, 0, 2).removeO())


@lru_cache(maxsize=None)
def _general_epsilon_map() -> sp.Expr:
    limit_step = _ALPHA / sp.sqrt(_T) * _G / (sp.sqrt(_S / _T) + _EPS)
    adagrad_step = _ALPHA * _G / (sp.sqrt(_S) + _EPS_ADAGRAD)
    (solution,) = sp.solve(sp.Eq(limit_step, adagrad_step), _EPS_ADAGRAD)
    return sp.simplify(solution)
