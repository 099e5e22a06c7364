r"""Derivations for the exponential moving average: its weights, its bias toward zero, its lag.

The moving average :math:`m_t = \beta m_{t-1} + (1 - \beta) g_t` is the first line of Adam's
update (and, with :math:`g_t^2`, the second). Every result here is derived by SymPy from the
unrolled sum :math:`m_t = \beta^t m_0 + (1 - \beta) \sum_{i=1}^t \beta^{t-i} g_i`, with
``summation``, ``solve`` and ``limit``; none is typed in. Each function takes SymPy symbols or
numbers and returns a SymPy expression. The symbols follow the book's notation page: a mean is
:math:`\nu` (:math:`\mu` is the momentum coefficient), :math:`m_t` is only the moving average.

=========================  ================  =================================================
symbol                     argument          meaning
=========================  ================  =================================================
:math:`\beta`              ``beta``          decay rate, in [0, 1)
:math:`t`                  ``t``             number of samples averaged (a positive integer)
:math:`g_i`                ``g[i]``          the i-th sample (``g`` a :class:`sympy.IndexedBase`)
:math:`m_0`                ``m0``            starting value of the average
:math:`\nu`                ``nu``            mean of every sample, for a stationary stream
:math:`\nu_0, \delta`      ``nu0, delta``    a drifting mean :math:`\nu_i = \nu_0 + \delta i`
:math:`\sigma`             ``sigma``         standard deviation of every (independent) sample
=========================  ================  =================================================

Geometric sums come back from SymPy as a ``Piecewise`` that separates :math:`\beta = 1` (or
:math:`|\beta| \ge 1` for infinite sums); every function here keeps the branch for
:math:`0 < \beta < 1`, the only case a moving average uses (:func:`branch_for_unit_interval`).
Limits :math:`t \to \infty` are taken with :math:`\beta = e^{-\tau}`, :math:`\tau > 0`, which
tells SymPy that :math:`\beta^t \to 0`. The general results are derived once per session and cached.

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 3
  (the bias of the zero-started averages and its correction).

Examples
--------
>>> import sympy as sp
>>> beta, t = sp.symbols("beta t", positive=True)
>>> ema_weights_sum(beta, t)
1 - beta**t
>>> bias_correction_factor(beta, t)
1/(1 - beta**t)
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "bias_corrected_lag",
    "bias_corrected_variance",
    "bias_correction_factor",
    "branch_for_unit_interval",
    "effective_window",
    "ema_by_recursion",
    "ema_expectation",
    "ema_expectation_drifting",
    "ema_recursion_residual",
    "ema_unrolled",
    "ema_variance",
    "ema_weight",
    "ema_weights_sum",
    "first_sample_unrolled",
    "first_sample_variance",
    "half_life",
    "steady_state_lag",
    "steady_state_variance",
]

# The symbols the general results are derived in, replaced by the caller's on the way out.
_BETA = sp.Symbol("beta", positive=True)
_T = sp.Symbol("t", integer=True, positive=True)
_I = sp.Symbol("i", integer=True, positive=True)
_K = sp.Symbol("k", integer=True, positive=True)
_NU, _NU0, _DELTA = sp.symbols("nu nu_0 delta", real=True)
_SIGMA = sp.Symbol("sigma", positive=True)
_G = sp.IndexedBase("g")
_TAU = sp.Symbol("tau", positive=True)


def ema_by_recursion(beta, g, n: int, m0=0) -> sp.Expr:
    r"""The moving average after ``n`` samples, by running the recursion ``n`` times.

    Starting from :math:`m_0`, applies :math:`m \leftarrow \beta m + (1 - \beta) g_k` for
    :math:`k = 1, \dots, n` and returns :math:`m_n` expanded and collected by sample: the
    unrolled form, obtained without guessing it.

    Parameters
    ----------
    beta : symbol or number
    g : sympy.IndexedBase
        The samples :math:`g_1, \dots, g_n` are ``g[1]``, ..., ``g[n]``.
    n : int
        Number of samples (a concrete integer >= 0).
    m0 : symbol or number, default 0

    Examples
    --------
    >>> import sympy as sp
    >>> beta, g = sp.Symbol("beta"), sp.IndexedBase("g")
    >>> ema_by_recursion(beta, g, 3)
    beta**2*(1 - beta)*g[1] + beta*(1 - beta)*g[2] + (1 - beta)*g[3]
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"Invalid n: {n!r} (must be an integer >= 0)")
    m = sp.sympify(m0)
    for k in range(1, n + 1):
        m = beta * m + (1 - beta) * g[k]
    terms = [m0] if sp.sympify(m0).free_symbols else []
    terms += [g[k] for k in range(1, n + 1)]
    return sp.collect(sp.expand(m), terms, lambda c: _tidy(sp.factor(c)))


def ema_weight(beta, t, i) -> sp.Expr:
    r"""The weight :math:`(1 - \beta)\beta^{t-i}` of sample :math:`g_i` in :math:`m_t`.

    Read off the unrolled sum :func:`ema_unrolled` (with :math:`m_0 = 0`).

    Examples
    --------
    >>> import sympy as sp
    >>> beta, t, i = sp.symbols("beta t i")
    >>> ema_weight(beta, t, i)
    beta**(-i + t)*(1 - beta)
    """
    return beta ** (t - i) * (1 - beta)


def ema_unrolled(beta, t, g, m0=0, index=None) -> sp.Expr:
    r"""The unrolled moving average :math:`\beta^t m_0 + (1-\beta)\sum_{i=1}^t \beta^{t-i} g_i`.

    The sum is left unevaluated (a :class:`sympy.Sum`) so it prints as a formula; ``.doit()``
    expands it for a concrete ``t``. :func:`ema_recursion_residual` proves that it satisfies the
    recursion for every ``t``, and it agrees with :func:`ema_by_recursion` for each concrete one.

    Parameters
    ----------
    beta, t : symbols or numbers
    g : sympy.IndexedBase
    m0 : symbol or number, default 0
    index : sympy.Symbol, optional
        The summation index (default: a positive integer symbol ``i``).

    Examples
    --------
    >>> import sympy as sp
    >>> beta, g = sp.Symbol("beta"), sp.IndexedBase("g")
    >>> sp.expand(ema_unrolled(beta, 2, g).doit() - ema_by_recursion(beta, g, 2))
    0
    """
    i = _I if index is None else index
    return beta**t * m0 + (1 - beta) * sp.Sum(beta ** (t - i) * g[i], (i, 1, t))


def ema_recursion_residual(beta, t, g, m0=0) -> sp.Expr:
    r"""Induction step: :math:`U_t - \big(\beta U_{t-1} + (1-\beta) g_t\big)`, simplified.

    :math:`U_t` is :func:`ema_unrolled`. Its sum is split into the terms up to :math:`t - 1`
    and the last one (the definition of :math:`\sum_{i=1}^t`), and the difference simplifies to
    0 for a symbolic :math:`t`: together with :math:`U_0 = m_0`, this proves by induction that the
    unrolled form is the recursion's solution for every :math:`t`.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t", integer=True, positive=True)
    >>> beta, m0 = sp.Symbol("beta"), sp.Symbol("m_0")
    >>> ema_recursion_residual(beta, t, sp.IndexedBase("g"), m0)
    0
    """
    split = ema_unrolled(beta, t, g, m0).replace(
        lambda e: isinstance(e, sp.Sum), _split_off_last_term
    )
    return sp.simplify(split - (beta * ema_unrolled(beta, t - 1, g, m0) + (1 - beta) * g[t]))


def ema_weights_sum(beta, t) -> sp.Expr:
    r"""The total weight :math:`\sum_{i=1}^t (1-\beta)\beta^{t-i} = 1 - \beta^t` of the samples.

    Obtained with ``sympy.summation`` then ``simplify``. Less than 1: a zero-started average
    gives the starting value 0 the missing weight :math:`\beta^t`.

    Examples
    --------
    >>> import sympy as sp
    >>> ema_weights_sum(sp.Symbol("beta"), sp.Symbol("t"))
    1 - beta**t
    >>> ema_weights_sum(sp.Rational(1, 2), 3)
    7/8
    """
    return _substitute(_general_weights_sum(), {_BETA: beta, _T: t})


def ema_expectation(beta, t, nu) -> sp.Expr:
    r"""The mean :math:`E[m_t] = (1 - \beta^t)\nu` of a zero-started average of a stationary stream.

    Derived from the unrolled sum by linearity of expectation: every :math:`g_i` in
    :func:`ema_unrolled` (with :math:`m_0 = 0`) is replaced by its mean :math:`\nu`, and the sum
    evaluated.

    Examples
    --------
    >>> import sympy as sp
    >>> beta, t, nu = sp.symbols("beta t nu")
    >>> ema_expectation(beta, t, nu)
    nu*(1 - beta**t)
    """
    return _substitute(_general_expectation(), {_BETA: beta, _T: t, _NU: nu})


def ema_expectation_drifting(beta, t, nu0, delta) -> sp.Expr:
    r"""The mean :math:`E[m_t]` of a zero-started average when :math:`E[g_i] = \nu_0 + \delta i`.

    Derived like :func:`ema_expectation`, with each :math:`g_i` replaced by
    :math:`\nu_0 + \delta i`. The result is :math:`(1 - \beta^t)\nu_t + \zeta_t` with
    :math:`\nu_t = \nu_0 + \delta t` and the drift term
    :math:`\zeta_t = -\delta\big(\beta(1 - \beta^t)/(1 - \beta) - t\beta^t\big)`, the
    :math:`\zeta` of Kingma and Ba's section 3 for this stream.

    Examples
    --------
    >>> import sympy as sp
    >>> beta, t, nu0, delta = sp.symbols("beta t nu_0 delta")
    >>> no_drift = ema_expectation_drifting(beta, t, nu0, 0)
    >>> sp.simplify(no_drift - ema_expectation(beta, t, nu0))
    0
    """
    return _substitute(_general_expectation_drifting(), {_BETA: beta, _T: t, _NU0: nu0,
                                                         _DELTA: delta})  # fmt: skip


def bias_correction_factor(beta, t) -> sp.Expr:
    r"""The constant :math:`c = 1/(1 - \beta^t)` for which :math:`c\, m_t` is unbiased.

    Solves :math:`c\, E[m_t] = \nu` for :math:`c` with ``sympy.solve``, using
    :func:`ema_expectation`; the solution does not depend on :math:`\nu`, so one factor corrects
    every stationary stream. Adam divides by :math:`1 - \beta^t`.

    Examples
    --------
    >>> import sympy as sp
    >>> bias_correction_factor(sp.Symbol("beta"), sp.Symbol("t"))
    1/(1 - beta**t)
    """
    return _substitute(_general_correction_factor(), {_BETA: beta, _T: t})


def bias_corrected_lag(beta, t, delta) -> sp.Expr:
    r"""How far the corrected average trails a linearly drifting mean: :math:`\nu_t - E[\hat m_t]`.

    With :math:`E[g_i] = \nu_0 + \delta i` and :math:`\hat m_t = m_t / (1 - \beta^t)`, the lag is
    :math:`\delta\big(\beta/(1 - \beta) - t\beta^t/(1 - \beta^t)\big)`, derived from
    :func:`ema_expectation_drifting`; it does not depend on :math:`\nu_0`, is 0 at :math:`t = 1`
    and grows to :func:`steady_state_lag`.

    Examples
    --------
    >>> import sympy as sp
    >>> beta, delta = sp.symbols("beta delta")
    >>> bias_corrected_lag(beta, 1, delta)
    0
    """
    return _substitute(_general_lag(), {_BETA: beta, _T: t, _DELTA: delta})


def steady_state_lag(beta, delta) -> sp.Expr:
    r"""The long-run lag :math:`\delta\beta/(1 - \beta)`: :func:`bias_corrected_lag` as t grows.

    The average trails the drifting mean by :math:`\beta/(1 - \beta)` steps of drift: it
    estimates the mean as it was :math:`\beta/(1 - \beta)` steps ago, the mean age (counting
    the newest sample as 0) of the samples it averages.

    Examples
    --------
    >>> import sympy as sp
    >>> steady_state_lag(sp.Rational(9, 10), 1)
    9
    """
    return _substitute(_general_steady_state_lag(), {_BETA: beta, _DELTA: delta})


def effective_window(beta) -> sp.Expr:
    r"""The effective window :math:`1/(1 - \beta)`: the mean age of a sample in the average.

    Counting the newest sample as age 1, the weights of ages :math:`k = 1, 2, \dots` are
    :math:`(1 - \beta)\beta^{k-1}` (in the long run, when they sum to 1) and their mean age is
    :math:`\sum_{k\ge1} k(1 - \beta)\beta^{k-1}`, summed by SymPy.

    Examples
    --------
    >>> import sympy as sp
    >>> effective_window(sp.Symbol("beta"))
    1/(1 - beta)
    >>> effective_window(sp.Rational(999, 1000))
    1000
    """
    return _substitute(_general_effective_window(), {_BETA: beta})


def half_life(beta) -> sp.Expr:
    r"""The half-life :math:`h` of the weights, the solution of :math:`\beta^h = 1/2`.

    A weight halves every :math:`h = -\ln 2/\ln\beta` steps, and in the long run the newest
    :math:`h` samples carry half of the total weight (:math:`1 - \beta^h = 1/2`).

    Examples
    --------
    >>> import sympy as sp
    >>> half_life(sp.Symbol("beta"))
    -log(2)/log(beta)
    >>> half_life(sp.Rational(1, 2))
    1
    """
    return _substitute(_general_half_life(), {_BETA: beta})


def first_sample_unrolled(beta, t, g, index=None) -> sp.Expr:
    r"""The average started at the first sample, :math:`m_0 = g_1`, unrolled.

    Taking :func:`ema_unrolled` with :math:`m_0 = g_1` and splitting off the sum's first term
    gives :math:`\beta^{t-1} g_1 + (1 - \beta)\sum_{i=2}^t \beta^{t-i} g_i`: the weights sum to
    1, but the first sample keeps the weight :math:`\beta^{t-1}`, which fades only as fast as
    the average forgets.

    Examples
    --------
    >>> import sympy as sp
    >>> beta, t, g = sp.Symbol("beta"), sp.Symbol("t"), sp.IndexedBase("g")
    >>> first_sample_unrolled(beta, t, g)
    beta**(t - 1)*g[1] + (1 - beta)*Sum(beta**(-i + t)*g[i], (i, 2, t))
    """
    i = _I if index is None else index
    unrolled = ema_unrolled(beta, t, g, m0=g[1], index=i)
    split = unrolled.replace(lambda e: isinstance(e, sp.Sum), _split_off_first_term)
    sums = [term for term in sp.Add.make_args(sp.expand(split)) if term.has(sp.Sum)]
    first = sp.powsimp(sp.expand(split - sp.Add(*sums)))  # the terms in g_1 alone
    coefficient = sp.factor(first.coeff(g[1]))
    return coefficient * g[1] + (1 - beta) * sp.Sum(beta ** (t - i) * g[i], (i, 2, t))


def ema_variance(beta, t, sigma) -> sp.Expr:
    r"""Variance of the zero-started :math:`m_t` of independent samples of variance :math:`\sigma^2`.

    :math:`\operatorname{Var} m_t = \sigma^2 \sum_{i=1}^t \big((1-\beta)\beta^{t-i}\big)^2`, summed
    by SymPy: :math:`\sigma^2 (1-\beta)(1-\beta^{2t})/(1+\beta)`. It tends to
    :func:`steady_state_variance`, :math:`\sigma^2(1-\beta)/(1+\beta)`.

    Examples
    --------
    >>> import sympy as sp
    >>> ema_variance(sp.Symbol("beta"), sp.Symbol("t"), sp.Symbol("sigma"))
    sigma**2*(1 - beta)*(1 - beta**(2*t))/(beta + 1)
    >>> ema_variance(sp.Rational(1, 2), 1, 1)
    1/4
    """
    return _substitute(_general_ema_variance(), {_BETA: beta, _T: t, _SIGMA: sigma})


def bias_corrected_variance(beta, t, sigma) -> sp.Expr:
    r"""Variance of :math:`\hat m_t` for independent samples of variance :math:`\sigma^2`.

    :math:`\operatorname{Var}\hat m_t = \sigma^2 \sum_i w_i^2` with the corrected weights
    :math:`w_i = (1-\beta)\beta^{t-i}/(1-\beta^t)`, summed by SymPy:
    :math:`\sigma^2 (1-\beta)(1+\beta^t)/\big((1+\beta)(1-\beta^t)\big)`. It is
    :math:`\sigma^2` at :math:`t = 1`, close to :math:`\sigma^2/t` while :math:`t` is small
    against :math:`1/(1-\beta)`, and tends to :func:`steady_state_variance`.

    Examples
    --------
    >>> import sympy as sp
    >>> bias_corrected_variance(sp.Symbol("beta"), 1, sp.Symbol("sigma"))
    sigma**2
    """
    return _substitute(_general_corrected_variance(), {_BETA: beta, _T: t, _SIGMA: sigma})


def first_sample_variance(beta, t, sigma) -> sp.Expr:
    r"""Variance of the average started at :math:`m_0 = g_1`, for independent samples.

    :math:`\sigma^2` times the sum of the squared weights of :func:`first_sample_unrolled`:
    :math:`\sigma^2\big((1 - \beta) + 2\beta^{2t-1}\big)/(1 + \beta)`. The first sample alone
    contributes :math:`\sigma^2\beta^{2(t-1)}`, which for :math:`\beta` near 1 dominates for
    hundreds of steps.

    Examples
    --------
    >>> import sympy as sp
    >>> first_sample_variance(sp.Rational(1, 2), 2, 1)
    1/2
    """
    return _substitute(_general_first_sample_variance(), {_BETA: beta, _T: t, _SIGMA: sigma})


def steady_state_variance(beta, sigma) -> sp.Expr:
    r"""The long-run variance :math:`\sigma^2(1 - \beta)/(1 + \beta)` of the average.

    The limit of :func:`bias_corrected_variance` (and of :func:`first_sample_variance`): an
    average with decay :math:`\beta` is as noisy, in the long run, as the plain mean of
    :math:`(1 + \beta)/(1 - \beta)` samples.

    Examples
    --------
    >>> import sympy as sp
    >>> steady_state_variance(sp.Symbol("beta"), sp.Symbol("sigma"))
    sigma**2*(1 - beta)/(beta + 1)
    """
    return _substitute(_general_steady_state_variance(), {_BETA: beta, _SIGMA: sigma})


def branch_for_unit_interval(expr: sp.Expr, beta: sp.Symbol) -> sp.Expr:
    r"""Keep, in every ``Piecewise`` of ``expr``, the branch that holds for :math:`0 < \beta < 1`.

    SymPy sums a geometric series as a ``Piecewise``: one formula for :math:`\beta = 1` (or
    :math:`|\beta| \ge 1`) and one for the rest. A moving average has :math:`0 < \beta < 1`. The
    conditions SymPy attaches (``Eq(beta, 1)``, ``Abs(beta) < 1``, ``beta < 1``) do not change
    inside that open interval, so deciding each at :math:`\beta = 1/2` decides it on the whole
    interval; the first branch whose condition holds there is kept.

    Examples
    --------
    >>> import sympy as sp
    >>> beta = sp.Symbol("beta", positive=True)
    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> series = sp.summation(beta**k, (k, 1, sp.oo))
    >>> series.has(sp.Piecewise), branch_for_unit_interval(series, beta)
    (True, beta/(1 - beta))
    """

    def branch(*pairs):
        for value, condition in pairs:
            decided = sp.sympify(condition).subs(beta, sp.Rational(1, 2))
            if decided is sp.true:
                return value
            if decided is not sp.false:
                raise ValueError(
                    f"cannot decide the condition {condition} for 0 < beta < 1"
                )  # fmt: skip
        raise ValueError("no branch of the Piecewise holds for 0 < beta < 1")

    return expr.replace(
        lambda e: isinstance(e, sp.Piecewise), lambda e: branch(*e.args)
    )  # fmt: skip


# -- the general derivations, in the internal symbols, each done once ------------------------


@lru_cache(maxsize=None)
def _general_weights_sum() -> sp.Expr:
    return sp.simplify(_sum(ema_weight(_BETA, _T, _I), 1, _T))


@lru_cache(maxsize=None)
def _general_expectation() -> sp.Expr:
    return _expectation_of_unrolled(_NU)


@lru_cache(maxsize=None)
def _general_expectation_drifting() -> sp.Expr:
    expectation = _expectation_of_unrolled(_NU0 + _DELTA * _I)
    parts = sp.collect(sp.expand(expectation), [_NU0, _DELTA], evaluate=False)
    if set(parts) != {_NU0, _DELTA}:
        raise ArithmeticError(f"E[m_t] is not linear in nu_0 and delta: {expectation}")
    return sum(_tidy(symbol * sp.factor(parts[symbol])) for symbol in (_NU0, _DELTA))


@lru_cache(maxsize=None)
def _general_correction_factor() -> sp.Expr:
    c = sp.Symbol("c")
    (solution,) = sp.solve(sp.Eq(c * _general_expectation(), _NU), c)
    return sp.simplify(solution)


@lru_cache(maxsize=None)
def _general_lag() -> sp.Expr:
    corrected = _general_correction_factor() * _general_expectation_drifting()
    lag = sp.factor(sp.simplify(_NU0 + _DELTA * _T - corrected))
    return lag


@lru_cache(maxsize=None)
def _general_steady_state_lag() -> sp.Expr:
    return _limit_in_t(_general_lag())


@lru_cache(maxsize=None)
def _general_effective_window() -> sp.Expr:
    mean_age = _sum(_K * (1 - _BETA) * _BETA ** (_K - 1), 1, sp.oo)
    return sp.simplify(mean_age)


@lru_cache(maxsize=None)
def _general_half_life() -> sp.Expr:
    h = sp.Symbol("h")
    (solution,) = sp.solve(sp.Eq(_BETA**h, sp.Rational(1, 2)), h)
    return solution


@lru_cache(maxsize=None)
def _general_ema_variance() -> sp.Expr:
    summed = sp.expand(_SIGMA**2 * _sum(ema_weight(_BETA, _T, _I) ** 2, 1, _T), power_exp=True)
    return _factor_holding(summed, _BETA ** (2 * _T))


@lru_cache(maxsize=None)
def _general_corrected_variance() -> sp.Expr:
    # m_hat_t = m_t / (1 - beta^t): the variance is divided by (1 - beta^t)^2
    corrected = _general_ema_variance() * _general_correction_factor() ** 2
    return _factor_holding(sp.expand(corrected, power_exp=True), _BETA**_T)


@lru_cache(maxsize=None)
def _general_first_sample_variance() -> sp.Expr:
    unrolled = first_sample_unrolled(_BETA, _T, _G, index=_I)
    first_weight = unrolled.coeff(_G[1])  # beta^(t-1)
    # g_2..g_t keep the weights (1 - beta) beta^(t-i), i.e. those of m_{t-1} on g_1..g_{t-1}:
    # their squares sum to Var m_{t-1} / sigma^2
    later = _general_ema_variance().subs(_T, _T - 1)
    return sp.factor(sp.simplify(_SIGMA**2 * first_weight**2 + later))


@lru_cache(maxsize=None)
def _general_steady_state_variance() -> sp.Expr:
    return sp.factor(_limit_in_t(_general_ema_variance()))


def _factor_holding(expr: sp.Expr, power: sp.Expr) -> sp.Expr:
    """Factor ``expr`` with ``power`` (such as beta^t) held as one symbol: 1 - beta^t stays whole."""
    held = sp.Dummy("power")
    return sp.factor(expr.subs(power, held)).subs(held, power)


# -- helpers ----------------------------------------------------------------------------------


def _expectation_of_unrolled(mean_of_sample_i: sp.Expr) -> sp.Expr:
    """E[m_t] by linearity: replace each g_i in the zero-started unrolled sum by its mean."""
    unrolled = ema_unrolled(_BETA, _T, _G, m0=0, index=_I)
    expected = unrolled.xreplace({_G[_I]: mean_of_sample_i})
    summed = expected.replace(lambda e: isinstance(e, sp.Sum),
                              lambda e: _sum(e.function, *e.limits[0][1:]))  # fmt: skip
    return sp.simplify(summed)


def _sum(summand: sp.Expr, low, high) -> sp.Expr:
    """Sum over the index (k or i) term by term, constants outside, for 0 < beta < 1.

    Linearity first: SymPy sums ``beta**(t - i)`` alone far faster than ``(1 - beta)**2 *
    beta**(2*(t - i))``, which it expands into several geometric sums of its own.
    """
    index = _K if summand.has(_K) else _I
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(summand)):
        constant, varying = term.as_independent(index, as_Add=False)
        total += constant * sp.summation(varying, (index, low, high))
    return branch_for_unit_interval(total, _BETA)


def _limit_in_t(expr: sp.Expr) -> sp.Expr:
    """The limit t -> oo, for 0 < beta < 1, written again in terms of beta."""
    decaying = expr.subs(_BETA, sp.exp(-_TAU))  # beta = e^(-tau), tau > 0
    limit = sp.limit(decaying, _T, sp.oo)
    return sp.simplify(limit.subs(_TAU, -sp.log(_BETA)))


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Write factors such as ``beta - 1`` as ``1 - beta``, the way the text writes them.

    Only signs move between factors (each flip is a multiplication by -1 twice), so the
    expression's value is unchanged.
    """
    coefficient, rest = expr.as_coeff_Mul()
    if coefficient == 0:
        return expr
    sign, factors = sp.sign(coefficient), [abs(coefficient)]
    for factor in sp.Mul.make_args(rest):
        base, exponent = factor.as_base_exp()
        constant = base.as_coeff_add()[0] if isinstance(base, sp.Add) else 0
        if isinstance(base, sp.Add) and constant < 0 and exponent.is_integer:
            factors.append((-base) ** exponent)
            sign *= (-1) ** exponent
        else:
            factors.append(factor)
    if sign < 0:  # move a leading minus into a factor with at least half negative terms, if any
        for position, factor in enumerate(factors):
            base, exponent = factor.as_base_exp()
            if isinstance(base, sp.Add) and exponent.is_odd and base.as_coeff_add()[0] <= 0:
                negative = sum(term.could_extract_minus_sign() for term in base.args)
                if 2 * negative >= len(base.args):
                    factors[position] = (-base) ** exponent
                    sign = -sign
                    break
    return sign * sp.Mul(*factors)


def _split_off_last_term(total: sp.Sum) -> sp.Expr:
    summand, (index, low, high) = total.function, total.limits[0]
    return sp.Sum(summand, (index, low, high - 1)) + summand.subs(index, high)


def _split_off_first_term(total: sp.Sum) -> sp.Expr:
    summand, (index, low, high) = total.function, total.limits[0]
    return summand.subs(index, low) + sp.Sum(summand, (index, low + 1, high))


def _substitute(expr: sp.Expr, values: dict) -> sp.Expr:
    """Put the caller's symbols or numbers in place of the internal ones."""
    replacements = {key: sp.sympify(value) for key, value in values.items()}
    return _tidy(expr).subs(replacements, simultaneous=True)
