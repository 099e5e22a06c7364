r"""Closed forms for Adam's relatives (chapter 11): AdaMax's limit, NAdam's schedule, RAdam's rectifier.

Chapter 11 derives each of these on the page with SymPy (a limit, a centre of mass, the moments
of a chi-square variable); this module holds the results for later chapters and for the tests,
which derive them again independently and check them against ``adamlib.Adamax``,
``adamlib.NAdam`` and ``adamlib.RAdam``. Each function takes SymPy symbols or numbers.

======================  ====================  ===============================================
symbol                  argument              meaning
======================  ====================  ===============================================
:math:`\beta_1`         ``beta1``             decay of the first moment estimate
:math:`\beta_2`         ``beta2``             decay of the second moment (or of AdaMax's norm)
:math:`t`               ``t``                 the step, from 1
:math:`p`               ``p``                 order of the :math:`L^p` average (AdaMax)
:math:`|g_i|`           ``magnitudes[i-1]``   gradient magnitudes :math:`|g_1|, \dots, |g_t|`
:math:`u_t`             (returned)            AdaMax's exponentially weighted maximum
:math:`\bar\mu_t`       (returned)            NAdam's momentum schedule in PyTorch
:math:`\varsigma`       ``momentum_decay``    the speed of that schedule (PyTorch's name)
:math:`\varrho_t`       (returned)            RAdam's length of the approximating simple average
:math:`\varrho_\infty`  (returned)            its limit as :math:`t \to \infty`
:math:`R_t`             (returned)            RAdam's rectifier
:math:`\sigma`          ``sigma``             standard deviation of the gradient (RAdam's model)
======================  ====================  ===============================================

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 7.1
  (AdaMax).
- T. Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop (NAdam);
  ``torch.optim.NAdam`` for the schedule :math:`\bar\mu_t`.
- L. Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020 (RAdam).

Examples
--------
>>> import sympy as sp
>>> beta2, t = sp.symbols("beta_2 t", positive=True)
>>> radam_rho_inf(beta2)
-1 + 2/(1 - beta_2)
>>> [radam_rho(sp.Rational(999, 1000), n) > 5 for n in (5, 6)]
[False, True]
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

__all__ = [
    "adamax_norm",
    "lp_moving_average",
    "lp_norm",
    "nadam_momentum",
    "radam_rate_variance",
    "radam_rectifier",
    "radam_rho",
    "radam_rho_inf",
]

_I = sp.Symbol("i", integer=True, positive=True)


def lp_moving_average(beta2, p, g, t, index=None) -> sp.Expr:
    r"""The unrolled :math:`L^p` moving average :math:`v^{(p)}_t` started at 0.

    .. math::

        v^{(p)}_t = \beta_2^p v^{(p)}_{t-1} + (1-\beta_2^p)|g_t|^p
        = (1-\beta_2^p)\sum_{i=1}^t \beta_2^{p(t-i)} |g_i|^p ,

    chapter 03's unrolled average with decay :math:`\beta_2^p` applied to :math:`|g_i|^p`.
    The sum is left unevaluated; ``.doit()`` expands it for a concrete ``t``.

    Parameters
    ----------
    beta2, p, t : symbols or numbers
    g : sympy.IndexedBase
        The gradients :math:`g_1, \dots, g_t` are ``g[1]``, ..., ``g[t]``.
    index : sympy.Symbol, optional
        The summation index (default: a positive integer symbol ``i``).

    Examples
    --------
    >>> import sympy as sp
    >>> beta2, p = sp.symbols("beta_2 p", positive=True)
    >>> lp_moving_average(beta2, p, sp.IndexedBase("g"), 1).doit()
    (1 - beta_2**p)*Abs(g[1])**p
    """
    i = _I if index is None else index
    return (1 - beta2**p) * sp.Sum(beta2 ** (p * (t - i)) * sp.Abs(g[i]) ** p, (i, 1, t))


def lp_norm(beta2, p, magnitudes: Sequence) -> sp.Expr:
    r"""The :math:`p`-th root of the :math:`L^p` average, for given magnitudes :math:`|g_1|, \dots, |g_t|`.

    .. math::

        \big(v^{(p)}_t\big)^{1/p}
        = \Big((1-\beta_2^p)\sum_{i=1}^t \beta_2^{p(t-i)} |g_i|^p\Big)^{1/p}

    It lies between :math:`(1-\beta_2^p)^{1/p}\, u_t` and :math:`t^{1/p}\, u_t`, with
    :math:`u_t` from :func:`adamax_norm`, so it tends to :math:`u_t` as :math:`p \to \infty`.

    Examples
    --------
    >>> import sympy as sp
    >>> lp_norm(sp.Rational(1, 2), 1, [4, 2])
    2
    """
    t = len(magnitudes)
    total = sum(beta2 ** (p * (t - i)) * sp.Abs(sp.sympify(a)) ** p
                for i, a in enumerate(magnitudes, start=1))  # fmt: skip
    return ((1 - beta2**p) * total) ** (1 / sp.sympify(p))


def adamax_norm(beta2, magnitudes: Sequence) -> sp.Expr:
    r"""AdaMax's :math:`u_t = \max_{i \le t} \beta_2^{t-i}|g_i|`, the limit of :func:`lp_norm`.

    As :math:`p \to \infty` the :math:`p`-th root of the :math:`L^p` average tends to the largest
    of its discounted terms (Kingma and Ba, section 7.1). It satisfies
    :math:`u_t = \max(\beta_2 u_{t-1}, |g_t|)` from :math:`u_0 = 0`.

    Examples
    --------
    >>> import sympy as sp
    >>> adamax_norm(sp.Rational(1, 2), [4, 1, 1])
    1
    >>> adamax_norm(sp.Rational(9, 10), [4, 1, 1])
    81/25
    """
    t = len(magnitudes)
    return sp.Max(*[beta2 ** (t - i) * sp.Abs(sp.sympify(a))
                    for i, a in enumerate(magnitudes, start=1)])  # fmt: skip


def nadam_momentum(beta1, t, momentum_decay) -> sp.Expr:
    r"""PyTorch's NAdam momentum schedule :math:`\bar\mu_t = \beta_1(1 - \tfrac12\,0.96^{t\varsigma})`.

    It starts near :math:`\beta_1/2` and rises to :math:`\beta_1`; ``torch.optim.NAdam``'s
    default :math:`\varsigma` (``momentum_decay``) is 0.004.

    Examples
    --------
    >>> import sympy as sp
    >>> beta1, t, decay = sp.symbols("beta_1 t varsigma", positive=True)
    >>> nadam_momentum(beta1, t, decay)
    beta_1*(1 - 0.5*0.96**(t*varsigma))
    >>> nadam_momentum(beta1, 0, decay)
    0.5*beta_1
    """
    return beta1 * (1 - sp.Float(0.5) * sp.Float(0.96) ** (t * momentum_decay))


def radam_rho_inf(beta2) -> sp.Expr:
    r"""RAdam's :math:`\varrho_\infty = 2/(1-\beta_2) - 1`, the limit of :func:`radam_rho`.

    Examples
    --------
    >>> import sympy as sp
    >>> radam_rho_inf(sp.Rational(999, 1000))
    1999
    """
    return 2 / (1 - beta2) - 1


def radam_rho(beta2, t) -> sp.Expr:
    r"""RAdam's :math:`\varrho_t = \varrho_\infty - 2t\beta_2^t/(1-\beta_2^t)`.

    The length of the simple moving average whose centre of mass is that of the bias-corrected
    exponential average of :math:`g_1^2, \dots, g_t^2` (Liu et al.). :math:`\varrho_1 = 1`, and
    :math:`\varrho_t` rises to :func:`radam_rho_inf`. ``adamlib.radam.radam_rho(t, beta2)`` is
    the float version, returning :math:`(\varrho_\infty, \varrho_t)`.

    Examples
    --------
    >>> import sympy as sp
    >>> radam_rho(sp.Symbol("beta_2"), 1).simplify()
    1
    >>> # the first step with rho_t > 5
    >>> round(float(radam_rho(sp.Rational(999, 1000), 6)), 4)
    5.9942
    """
    return radam_rho_inf(beta2) - 2 * t * beta2**t / (1 - beta2**t)


def radam_rate_variance(varrho, sigma=1) -> sp.Expr:
    r"""First-order variance of the adaptive rate :math:`1/\sqrt{\hat v}` under RAdam's model.

    If :math:`\hat v = \sigma^2 X/\varrho` with :math:`X \sim \chi^2_\varrho` (the mean of
    :math:`\varrho` squared independent :math:`N(0, \sigma^2)` gradients), then
    :math:`Y = 1/\hat v` has :math:`E[Y] = \varrho/((\varrho-2)\sigma^2)` and
    :math:`\operatorname{Var} Y = 2\varrho^2/((\varrho-2)^2(\varrho-4)\sigma^4)`, and the first-order
    (delta-method) approximation :math:`\operatorname{Var}\sqrt Y \approx \operatorname{Var} Y/(4E[Y])` is

    .. math::

        \frac{\varrho}{2(\varrho - 2)(\varrho - 4)\sigma^2}, \qquad \varrho > 4 .

    Examples
    --------
    >>> import sympy as sp
    >>> radam_rate_variance(sp.Integer(6))
    3/8
    """
    return varrho / (2 * (varrho - 2) * (varrho - 4) * sigma**2)


def radam_rectifier(beta2, t) -> sp.Expr:
    r"""RAdam's rectifier :math:`R_t`, valid where :math:`\varrho_t > 4`.

    .. math::

        R_t = \sqrt{\frac{(\varrho_t - 4)(\varrho_t - 2)\,\varrho_\infty}
                         {(\varrho_\infty - 4)(\varrho_\infty - 2)\,\varrho_t}}
            = \sqrt{\frac{\operatorname{Var}_{\varrho_\infty}}{\operatorname{Var}_{\varrho_t}}},

    the ratio of :func:`radam_rate_variance` at :math:`\varrho_\infty` and at :math:`\varrho_t`,
    so that :math:`R_t/\sqrt{\hat v_t}` has (to first order) the variance of the limit.
    ``torch.optim.RAdam`` and ``adamlib.RAdam`` use it only when :math:`\varrho_t > 5`.

    Examples
    --------
    >>> import sympy as sp
    >>> round(float(radam_rectifier(sp.Rational(999, 1000), 6)), 6)
    0.025821
    """
    rho_t, rho_inf = radam_rho(beta2, t), radam_rho_inf(beta2)
    return sp.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
