r"""Derivations for RMSprop (chapter 06): the uncorrected start, forgetting, the centered variant.

RMSprop from :math:`v_0 = 0` (and :math:`m_0 = 0` for the centered variant), as in
``torch.optim.RMSprop`` without momentum:

.. math::

    v_t = \beta v_{t-1} + (1-\beta) g_t^2, \quad
    m_t = \beta m_{t-1} + (1-\beta) g_t, \quad
    \theta_t = \theta_{t-1} - \eta\,\frac{g_t}{\sqrt{v_t} + \epsilon}
    \ \text{ or (centered) } \ \theta_{t-1} - \eta\,\frac{g_t}{\sqrt{v_t - m_t^2} + \epsilon}.

Both averages are exponential moving averages, so the results of :mod:`adamlib.symbolic.ema`
(chapter 03) apply with :math:`g_i^2` or :math:`g_i` as the samples; every result here is
derived from those with ``simplify``, ``solve``, ``summation``, ``integrate`` and ``limit``,
none typed in. Each function takes SymPy symbols or numbers and returns a SymPy expression.

======================  ================  =====================================================
symbol                  argument          meaning
======================  ================  =====================================================
:math:`\eta`            ``lr``            step size
:math:`\beta`           ``beta``          decay rate of the averages, in (0, 1) (torch: alpha)
:math:`\epsilon`        ``eps``           added to the square root
:math:`t`               ``t``             the step, counted from 1
:math:`g_1`             ``g1``            the first gradient (one coordinate)
:math:`\nu, \sigma`     ``nu, sigma``     mean and standard deviation of a stationary stream
:math:`k`               ``k``             steps since a change of the gradients' scale
:math:`q`               ``ratio``         the factor by which the second moment fell
:math:`\psi`            ``tolerance``     arrived when within a factor :math:`1 + \psi`
======================  ================  =====================================================

References
----------
- T. Tieleman and G. Hinton, Lecture 6.5 of "Neural Networks for Machine Learning", Coursera,
  2012 (RMSprop).
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, sections 3
  and 5 (the bias of :math:`v_t`; RMSprop's lack of bias correction).
- A. Graves, "Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850, 2013
  (the centered variant).

Examples
--------
>>> import sympy as sp
>>> beta = sp.Symbol("beta", positive=True)
>>> t = sp.Symbol("t", integer=True, positive=True)
>>> rmsprop_first_step_overshoot(beta)
1/sqrt(1 - beta)
>>> rmsprop_overshoot_ratio(beta, t)
1/sqrt(1 - beta**t)
>>> centered_steady_state(beta, sp.Symbol("sigma", positive=True))
2*beta*sigma**2/(beta + 1)
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .ema import branch_for_unit_interval, ema_expectation, ema_unrolled, ema_variance

__all__ = [
    "centered_first_step_overshoot",
    "centered_second_moment_expectation",
    "centered_steady_state",
    "rmsprop_first_step",
    "rmsprop_first_step_overshoot",
    "rmsprop_forgetting_time",
    "rmsprop_overshoot_duration",
    "rmsprop_overshoot_excess_steps",
    "rmsprop_overshoot_ratio",
    "second_moment_after_switch",
]

# The symbols the general results are derived in, replaced by the caller's on the way out.
_LR, _EPS = sp.symbols("eta epsilon", positive=True)
_BETA = sp.Symbol("beta", positive=True)
_C = sp.Symbol("c", positive=True)  # stands for 1 - beta, positive for 0 < beta < 1
_T = sp.Symbol("t", integer=True, positive=True)
_G1 = sp.Symbol("g_1", real=True)
_NU = sp.Symbol("nu", real=True)
_SIGMA = sp.Symbol("sigma", positive=True)
_K = sp.Symbol("k", integer=True, positive=True)
_V_BEFORE, _V_AFTER = sp.symbols("v_before v_after", positive=True)
_RATIO, _TOLERANCE = sp.symbols("q psi", positive=True)
_U = sp.Symbol("u", positive=True)


def rmsprop_first_step(lr, beta, g1, eps) -> sp.Expr:
    r"""The first step :math:`\Delta_1 = -\eta g_1/(\sqrt{1-\beta}\,|g_1| + \epsilon)`.

    One step of the recursion from :math:`v_0 = 0` gives :math:`v_1 = (1-\beta) g_1^2`, and
    :math:`\sqrt{(1-\beta) g_1^2} = \sqrt{1-\beta}\,|g_1|` (SymPy simplifies it with
    :math:`1-\beta` as a positive symbol). With :math:`\epsilon = 0` and :math:`g_1 \ne 0` the
    step is :math:`-\eta\operatorname{sign}(g_1)/\sqrt{1-\beta}`, whatever the size of
    :math:`g_1`.

    Examples
    --------
    >>> import sympy as sp
    >>> rmsprop_first_step(sp.Rational(1, 100), sp.Rational(99, 100), 2, 0)
    -1/10
    >>> lr, beta, eps = sp.symbols("eta beta epsilon", positive=True)
    >>> rmsprop_first_step(lr, beta, sp.Symbol("g_1", real=True), eps)
    -eta*g_1/(epsilon + sqrt(1 - beta)*Abs(g_1))
    """
    return _substitute(_general_first_step(), {_LR: lr, _BETA: beta, _G1: g1, _EPS: eps})


def rmsprop_first_step_overshoot(beta) -> sp.Expr:
    r"""The uncorrected first step over the corrected one, :math:`1/\sqrt{1-\beta}`.

    The bias-corrected first estimate is :math:`\hat v_1 = v_1/(1-\beta) = g_1^2`, so with
    :math:`\epsilon = 0` the corrected first step is :math:`-\eta\operatorname{sign}(g_1)`; the
    ratio of :func:`rmsprop_first_step` to it, simplified. It is also the largest
    :math:`|\Delta_t|/\eta` of any step (since :math:`v_t \ge (1-\beta) g_t^2`): 3.16 at
    :math:`\beta = 0.9`, 10 at 0.99, 31.6 at 0.999.

    Examples
    --------
    >>> import sympy as sp
    >>> rmsprop_first_step_overshoot(sp.Rational(99, 100))
    10
    """
    return _substitute(_general_first_step_overshoot(), {_BETA: beta})


def rmsprop_overshoot_ratio(beta, t) -> sp.Expr:
    r"""Uncorrected over bias-corrected step t, :math:`1/\sqrt{1-\beta^t}` (:math:`\epsilon = 0`).

    Dividing :math:`v_t` by :math:`1-\beta^t` divides the step by :math:`1/\sqrt{1-\beta^t}`,
    whatever the gradients were. For a constant gradient :math:`g`, :math:`v_t = (1-\beta^t)g^2`
    (chapter 03), so the corrected step is :math:`-\eta\operatorname{sign}(g)` at every step and
    the uncorrected one is this factor larger than the step it settles to. Derived as the ratio
    of the two steps on a constant gradient, with :func:`adamlib.symbolic.ema.ema_expectation`.

    Examples
    --------
    >>> import sympy as sp
    >>> rmsprop_overshoot_ratio(sp.Rational(1, 2), 2)
    2*sqrt(3)/3
    """
    return _substitute(_general_overshoot_ratio(), {_BETA: beta, _T: t})


def rmsprop_overshoot_duration(beta, tolerance) -> sp.Expr:
    r"""The step at which :func:`rmsprop_overshoot_ratio` falls to :math:`1 + \psi`.

    Solves :math:`1/\sqrt{1-\beta^t} = 1 + \psi` for :math:`t`:
    :math:`t = \ln\big(\psi(\psi+2)/(\psi+1)^2\big)/\ln\beta`. Round up for the first whole
    step at which the uncorrected step is within the factor :math:`1 + \psi` of the corrected
    one.

    Examples
    --------
    >>> round(float(rmsprop_overshoot_duration(0.99, 0.1)), 1)
    174.2
    """
    return _substitute(_general_overshoot_duration(), {_BETA: beta, _TOLERANCE: tolerance})


def rmsprop_overshoot_excess_steps(beta) -> sp.Expr:
    r"""The extra distance of the uncorrected start: about :math:`2\ln 2/(1-\beta)` steps of η.

    On a constant gradient (:math:`\epsilon = 0`) the uncorrected steps exceed the steady step
    :math:`\eta` by :math:`\eta\sum_{t\ge1}\big(1/\sqrt{1-\beta^t} - 1\big)`. With
    :math:`x = (1-\beta)t` and :math:`\beta^t \approx e^{-x}` the sum is close to
    :math:`\frac{1}{1-\beta}\int_0^\infty \big(1/\sqrt{1-e^{-x}} - 1\big)\,dx`. With
    :math:`u = e^{-x}` this is :math:`\int_0^1 \big((1-u)^{-1/2} - 1\big)/u\,du`, and with
    :math:`u = 1 - w^2` the integrand becomes :math:`2/(1+w)`, which SymPy integrates to
    :math:`2\ln 2`.
    The leading term as :math:`\beta \to 1`: about 1.39 effective windows of extra steps. It is
    not exact: the integrand behaves like :math:`x^{-1/2}` near 0, and the sum falls short of the
    integral by a term that grows like :math:`1/\sqrt{1-\beta}` (a relative error of about
    :math:`\sqrt{1-\beta}`: 10% at :math:`\beta = 0.99`, 3% at 0.999).

    Examples
    --------
    >>> import sympy as sp
    >>> rmsprop_overshoot_excess_steps(sp.Symbol("beta", positive=True))
    2*log(2)/(1 - beta)
    """
    return _substitute(_general_excess_steps(), {_BETA: beta})


def second_moment_after_switch(beta, k, v_before, v_after) -> sp.Expr:
    r"""The mean of :math:`v_{t_\mathrm{s}+k}` if :math:`E[g^2]` becomes ``v_after`` after step ts.

    The unrolled moving average (chapter 03) started at :math:`v_{t_\mathrm{s}}` instead of 0,
    with every later :math:`g_i^2` replaced by its mean:
    :math:`E[v_{t_\mathrm{s}+k}] = \beta^k v_{t_\mathrm{s}} + (1-\beta^k) E[g^2]_{\text{after}}`.
    The old value fades like :math:`\beta^k`.

    Examples
    --------
    >>> import sympy as sp
    >>> beta, k, a, b = sp.symbols("beta k v_before v_after", positive=True)
    >>> second_moment_after_switch(beta, k, a, b)
    beta**k*v_before + v_after*(1 - beta**k)
    """
    return _substitute(_general_after_switch(), {_BETA: beta, _K: k, _V_BEFORE: v_before,
                                                 _V_AFTER: v_after})  # fmt: skip


def rmsprop_forgetting_time(beta, ratio, tolerance) -> sp.Expr:
    r"""Steps until :math:`\sqrt{E[v]}` is within a factor :math:`1+\psi` of the new rms.

    With :math:`v_{t_\mathrm{s}} = q\,E[g^2]_{\text{after}}` (the second moment fell by the factor
    :math:`q > (1+\psi)^2`), solves
    :math:`\sqrt{E[v_{t_\mathrm{s}+k}]/E[g^2]_{\text{after}}} = 1 + \psi` with
    :func:`second_moment_after_switch`:
    :math:`k = \ln\big(((1+\psi)^2 - 1)/(q - 1)\big)/\ln\beta`, close to
    :math:`\ln\big((q-1)/(\psi(\psi+2))\big)/(1-\beta)` for :math:`\beta` near 1: the time
    grows with the logarithm of the fall. Gradients 100 times smaller (:math:`q = 10^4`) take
    about 8 windows to come within a factor 2 (:math:`r = 1`).

    Examples
    --------
    >>> round(float(rmsprop_forgetting_time(0.99, 10**4, 1)))
    807
    """
    return _substitute(_general_forgetting_time(), {_BETA: beta, _RATIO: ratio,
                                                    _TOLERANCE: tolerance})  # fmt: skip


def centered_second_moment_expectation(beta, t, nu, sigma) -> sp.Expr:
    r"""The mean of the centered denominator's square, :math:`E[v_t - m_t^2]`, for i.i.d. gradients.

    For independent gradients with mean :math:`\nu` and variance :math:`\sigma^2` and
    :math:`v_0 = m_0 = 0`: :math:`E[v_t] = (1-\beta^t)(\sigma^2 + \nu^2)` (chapters 02 and 03),
    :math:`E[m_t^2] = \operatorname{Var} m_t + (E m_t)^2` with
    :math:`\operatorname{Var} m_t = \sigma^2(1-\beta)(1-\beta^{2t})/(1+\beta)`, so

    .. math::

        E[v_t - m_t^2] = (1-\beta^t)\sigma^2 - \operatorname{Var} m_t + \beta^t(1-\beta^t)\nu^2
                       = \frac{(1-\beta^t)\big(2\beta - (1-\beta)\beta^t\big)}{1+\beta}\sigma^2
                         + \beta^t(1-\beta^t)\nu^2 .

    Not :math:`(1-\beta^t)\sigma^2`: the variance of the average itself is subtracted (as the
    :math:`1/n` sample variance of chapter 02 loses one sample's worth), and a transient in
    :math:`\nu^2` remains from the zero start. With :math:`\sigma = 0` it is exact:
    :math:`v_t - m_t^2 = \beta^t(1-\beta^t)g^2` for a constant gradient.

    Examples
    --------
    >>> import sympy as sp
    >>> beta = sp.Symbol("beta", positive=True)
    >>> nu, sigma = sp.Symbol("nu"), sp.Symbol("sigma")
    >>> t = sp.Symbol("t", integer=True, positive=True)
    >>> centered_second_moment_expectation(beta, t, 0, sigma)
    sigma**2*(1 - beta**t)*(beta*beta**t + 2*beta - beta**t)/(beta + 1)
    >>> # v_1 - m_1^2
    >>> sp.factor(centered_second_moment_expectation(beta, 1, nu, sigma))
    -beta*(beta - 1)*(nu**2 + sigma**2)
    """
    return _substitute(_general_centered_expectation(), {_BETA: beta, _T: t, _NU: nu,
                                                         _SIGMA: sigma})  # fmt: skip


def centered_steady_state(beta, sigma) -> sp.Expr:
    r"""The long-run :math:`E[v_t - m_t^2] = 2\beta\sigma^2/(1+\beta)`, the limit as t grows.

    The mean drops out. The factor :math:`2\beta/(1+\beta) = 1 - (1-\beta)/(1+\beta)` is that of
    the :math:`1/n` sample variance, :math:`(n-1)/n`, for :math:`n = (1+\beta)/(1-\beta)`, the
    number of samples an exponential average is worth in the long run (chapter 03).

    Examples
    --------
    >>> import sympy as sp
    >>> centered_steady_state(sp.Rational(9, 10), 1)
    18/19
    """
    return _substitute(_general_centered_steady_state(), {_BETA: beta, _SIGMA: sigma})


def centered_first_step_overshoot(beta) -> sp.Expr:
    r"""The centered first step over the corrected plain one, :math:`1/\sqrt{\beta(1-\beta)}`.

    :math:`v_1 - m_1^2 = (1-\beta) g_1^2 - (1-\beta)^2 g_1^2 = \beta(1-\beta) g_1^2`, so with
    :math:`\epsilon = 0` the first centered step is
    :math:`-\eta\operatorname{sign}(g_1)/\sqrt{\beta(1-\beta)}`, larger than the plain
    uncorrected one (:func:`rmsprop_first_step_overshoot`) by :math:`1/\sqrt\beta`.

    Examples
    --------
    >>> import sympy as sp
    >>> centered_first_step_overshoot(sp.Rational(1, 2))
    2
    """
    return _substitute(_general_centered_first_step_overshoot(), {_BETA: beta})


# -- the general derivations, in the internal symbols, each done once ------------------------


@lru_cache(maxsize=None)
def _general_first_step() -> sp.Expr:
    v1 = _BETA * 0 + (1 - _BETA) * _G1**2
    step = -_LR * _G1 / (sp.sqrt(v1) + _EPS)
    simplified = sp.simplify(step.subs(_BETA, 1 - _C))  # 1 - beta = c > 0: sqrt(c g^2) = sqrt(c)|g|
    return simplified.subs(_C, 1 - _BETA)


@lru_cache(maxsize=None)
def _general_first_step_overshoot() -> sp.Expr:
    g = sp.Symbol("g", positive=True)  # the ratio is the same for either sign of g_1
    uncorrected = _general_first_step().subs({_G1: g, _EPS: 0})
    v1 = (1 - _BETA) * g**2
    corrected = -_LR * g / sp.sqrt(sp.cancel(v1 / (1 - _BETA)))
    return sp.simplify((uncorrected / corrected).subs(_BETA, 1 - _C)).subs(_C, 1 - _BETA)


@lru_cache(maxsize=None)
def _general_overshoot_ratio() -> sp.Expr:
    g = sp.Symbol("g", positive=True)  # a constant gradient; the ratio is the same for g < 0
    d = sp.Symbol("d", positive=True)  # stands for 1 - beta^t, positive for t >= 1
    v_t = ema_expectation(_BETA, _T, g**2).subs(_BETA**_T, 1 - d)  # a constant is its own mean
    uncorrected = _LR * g / sp.sqrt(v_t)
    corrected = _LR * g / sp.sqrt(v_t / d)
    return sp.simplify(uncorrected / corrected).subs(d, 1 - _BETA**_T)


@lru_cache(maxsize=None)
def _general_overshoot_duration() -> sp.Expr:
    t = sp.Symbol("t", positive=True)
    ratio = _general_overshoot_ratio().subs(_T, t)
    # 1/sqrt(1 - beta^t) = 1 + psi  <=>  beta^t = 1 - 1/(1 + psi)^2 (both sides positive)
    target = 1 - 1 / (1 + _TOLERANCE) ** 2
    if sp.simplify(ratio.subs(_BETA**t, target) - (1 + _TOLERANCE)) != 0:
        raise ArithmeticError(f"unexpected overshoot ratio: {ratio}")
    (solution,) = sp.solve(sp.Eq(_BETA**t, target), t)
    return solution


@lru_cache(maxsize=None)
def _general_excess_steps() -> sp.Expr:
    # int_0^1 ((1-u)^(-1/2) - 1)/u du with u = 1 - w^2, du = -2w dw: the integrand becomes
    # rational, and u = 0..1 is w = 1..0 (the minus sign swaps the limits back).
    w = sp.Symbol("w", positive=True)
    integrand = (1 / sp.sqrt(1 - _U) - 1) / _U
    in_w = sp.factor(sp.cancel(integrand.subs(_U, 1 - w**2) * 2 * w))
    integral = sp.integrate(in_w, (w, 0, 1))
    return sp.expand_log(integral, force=True) / (1 - _BETA)  # log 4 as 2 log 2


@lru_cache(maxsize=None)
def _general_after_switch() -> sp.Expr:
    i = sp.Symbol("i", integer=True, positive=True)
    g2 = sp.IndexedBase("g2")  # the squared gradients after the switch
    unrolled = ema_unrolled(_BETA, _K, g2, m0=_V_BEFORE, index=i)
    expected = unrolled.xreplace({g2[i]: _V_AFTER}).doit()
    return sp.collect(sp.simplify(branch_for_unit_interval(expected, _BETA)), _V_AFTER)


@lru_cache(maxsize=None)
def _general_forgetting_time() -> sp.Expr:
    x = sp.Symbol("x", positive=True)  # stands for beta^k: the equation is linear in it
    mean_v = _general_after_switch().subs({_BETA**_K: x, _V_BEFORE: _RATIO * _V_AFTER})
    (beta_to_k,) = sp.solve(sp.Eq(mean_v / _V_AFTER, (1 + _TOLERANCE) ** 2), x)
    return sp.log(sp.factor(beta_to_k)) / sp.log(_BETA)


@lru_cache(maxsize=None)
def _general_centered_expectation() -> sp.Expr:
    mean_v = ema_expectation(_BETA, _T, _SIGMA**2 + _NU**2)  # E[g^2] = Var g + (E g)^2
    mean_m = ema_expectation(_BETA, _T, _NU)
    mean_m_squared = ema_variance(_BETA, _T, _SIGMA) + mean_m**2
    expectation = sp.expand(mean_v - mean_m_squared)
    by_moment = sp.collect(expectation, [_SIGMA**2, _NU**2], evaluate=False)
    if set(by_moment) != {_SIGMA**2, _NU**2}:
        raise ArithmeticError(f"E[v_t - m_t^2] is not linear in sigma^2 and nu^2: {expectation}")
    return sum(_one_minus_form(sp.factor(by_moment[moment] * moment))
               for moment in (_SIGMA**2, _NU**2))  # fmt: skip


@lru_cache(maxsize=None)
def _general_centered_steady_state() -> sp.Expr:
    tau = sp.Symbol("tau", positive=True)  # beta = e^(-tau), so that beta^t -> 0
    decaying = _general_centered_expectation().subs(_BETA, sp.exp(-tau))
    limit = sp.limit(decaying, _T, sp.oo)
    return sp.factor(sp.simplify(limit.subs(tau, -sp.log(_BETA))))


@lru_cache(maxsize=None)
def _general_centered_first_step_overshoot() -> sp.Expr:
    g = sp.Symbol("g", positive=True)
    v1, m1 = (1 - _BETA) * g**2, (1 - _BETA) * g
    centered = _LR * g / sp.sqrt(sp.factor(v1 - m1**2))
    corrected = _LR * g / sp.sqrt(sp.cancel(v1 / (1 - _BETA)))
    return sp.simplify((centered / corrected).subs(_BETA, 1 - _C)).subs(_C, 1 - _BETA)


def _one_minus_form(expr: sp.Expr) -> sp.Expr:
    """Write factors such as ``beta - 1`` as ``1 - beta``, the way the text writes them.

    Each flipped factor ``(-base)**n`` is paid for with ``(-1)**n``, so the value is unchanged;
    a minus sign left over goes into a factor that is mostly negative terms, if there is one.
    """
    coefficient, rest = expr.as_coeff_Mul()
    sign, factors = 1, []
    for factor in sp.Mul.make_args(rest):
        base, exponent = factor.as_base_exp()
        if isinstance(base, sp.Add) and base.as_coeff_add()[0] < 0 and exponent.is_integer:
            factors.append((-base) ** exponent)
            sign *= (-1) ** exponent
        else:
            factors.append(factor)
    sign *= 1 if coefficient > 0 else -1
    if sign < 0:
        for position, factor in enumerate(factors):
            base, exponent = factor.as_base_exp()
            if isinstance(base, sp.Add) and exponent.is_odd:
                negative = sum(term.could_extract_minus_sign() for term in base.args)
                if 2 * negative > len(base.args):
                    factors[position], sign = (-base) ** exponent, 1
                    break
    return sign * abs(coefficient) * sp.Mul(*factors)


def _substitute(expr: sp.Expr, values: dict) -> sp.Expr:
    """Put the caller's symbols or numbers in place of the internal ones."""
    replacements = {key: sp.sympify(value) for key, value in values.items()}
    return expr.subs(replacements, simultaneous=True)
