r"""Derivations for the size of Adam's step (chapter 08): scale invariance, bounds, annealing.

With :math:`\epsilon = 0` Adam's step on one coordinate is
:math:`\Delta_t = -\alpha\,\hat m_t/\sqrt{\hat v_t}`, and unrolling the two moving averages
(chapter 03) writes it in terms of the whole gradient history :math:`g_1, \dots, g_t`:

.. math::

    \frac{\Delta_t}{\alpha} = -\frac{(1-\beta_1)\sum_{i=1}^t \beta_1^{t-i} g_i \,/\, (1-\beta_1^t)}
    {\sqrt{(1-\beta_2)\sum_{i=1}^t \beta_2^{t-i} g_i^2 \,/\, (1-\beta_2^t)}} .

Cauchy-Schwarz bounds the ratio of the two sums, and the bound is reached by the history
:math:`g_i \propto (\beta_1/\beta_2)^{t-i}`. The geometric sum in it is done by
``sympy.summation``, its limit by ``sympy.limit`` and the single spike's step by substituting
that history in the unrolled step; each derived form is checked against the textbook form
returned. Only :func:`step_bound_paper` is typed in: it is the paper's statement.

=======================  ===============  ==================================================
symbol                   argument         meaning
=======================  ===============  ==================================================
:math:`\alpha`           ``alpha``        Adam's step size
:math:`\beta_1`          ``beta1``        decay of the first moment estimate, in [0, 1)
:math:`\beta_2`          ``beta2``        decay of the second moment estimate, in (0, 1)
:math:`t`                ``t``            the step, counted from 1
:math:`\gamma`           ``gamma``        :math:`\beta_1^2/\beta_2`, sets the tight bound
:math:`\epsilon`         ``eps``          added to :math:`\sqrt{\hat v_t}`
:math:`\nu, \sigma`      ``nu, sigma``    mean and standard deviation of a gradient stream
=======================  ===============  ==================================================

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 2.1
  (the bound :func:`step_bound_paper` and the signal-to-noise reading).
- J. Ma and D. Yarats, "Quasi-hyperbolic momentum and Adam for deep learning", ICLR 2019,
  appendix F, Fact F.1 (the tight bound for eps = 0 without bias correction, assuming
  :math:`0 < \beta_1 < \sqrt{\beta_2} < 1`, and its limit as :math:`t \to \infty`).

Examples
--------
>>> import sympy as sp
>>> step_bound_paper(1, sp.Rational(9, 10), sp.Rational(999, 1000))
sqrt(10)
>>> round(float(step_bound_tight(1, 0.9, 0.999, 10**6)), 4)
7.2703
>>> round(float(step_bound_tight_limit(1, 0.9, 0.999)), 4)
7.2703
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .ema import steady_state_variance

__all__ = [
    "adam_step_from_moments",
    "adam_step_unrolled",
    "bias_correction_ratio",
    "geometric_weights_sum",
    "noisy_step_rms",
    "signal_to_noise_step",
    "single_spike_step",
    "step_bound_paper",
    "step_bound_tight",
    "step_bound_tight_limit",
    "worst_case_gradient",
]

# The symbols the general results are derived in, replaced by the caller's on the way out.
_ALPHA, _BETA1, _BETA2, _GAMMA = sp.symbols("alpha beta_1 beta_2 gamma", positive=True)
_T = sp.Symbol("t", integer=True, positive=True)
_K = sp.Symbol("k", integer=True, nonnegative=True)
_I = sp.Symbol("i", integer=True, positive=True)


def adam_step_from_moments(alpha, m_hat, v_hat, eps=0) -> sp.Expr:
    r"""Adam's step :math:`\Delta_t = -\alpha\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)`.

    The last line of Algorithm 1 of Kingma and Ba, as :math:`\theta_t - \theta_{t-1}`.

    Examples
    --------
    >>> import sympy as sp
    >>> alpha, m, v, eps = sp.symbols("alpha m v epsilon", positive=True)
    >>> adam_step_from_moments(alpha, m, v, eps)
    -alpha*m/(epsilon + sqrt(v))
    """
    return -alpha * m_hat / (sp.sqrt(v_hat) + eps)


def adam_step_unrolled(alpha, beta1, beta2, t, g, eps=0, index=None) -> sp.Expr:
    r"""Adam's step at step :math:`t` written with the whole gradient history.

    The moving averages started at zero are
    :math:`m_t = (1-\beta_1)\sum_{i=1}^t \beta_1^{t-i} g_i` and
    :math:`v_t = (1-\beta_2)\sum_{i=1}^t \beta_2^{t-i} g_i^2` (chapter 03); dividing them by
    :math:`1-\beta_1^t` and :math:`1-\beta_2^t` and putting them in :func:`adam_step_from_moments` gives the
    step. The sums are left unevaluated (``.doit()`` expands them for a concrete ``t``).

    Parameters
    ----------
    alpha, beta1, beta2, t, eps : symbols or numbers
    g : sympy.IndexedBase
        The gradients :math:`g_1, \dots, g_t` are ``g[1]``, ..., ``g[t]``.
    index : sympy.Symbol, optional
        The summation index (default: a positive integer symbol ``i``).

    Examples
    --------
    >>> import sympy as sp
    >>> g = sp.IndexedBase("g")
    >>> # -sign(g_1)
    >>> adam_step_unrolled(1, sp.Rational(1, 2), sp.Rational(1, 2), 1, g).doit()
    -g[1]/sqrt(g[1]**2)
    """
    i = _I if index is None else index
    m = (1 - beta1) * sp.Sum(beta1 ** (t - i) * g[i], (i, 1, t))
    v = (1 - beta2) * sp.Sum(beta2 ** (t - i) * g[i] ** 2, (i, 1, t))
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)  # bias corrections
    return adam_step_from_moments(alpha, m_hat, v_hat, eps)


def step_bound_paper(alpha, beta1, beta2) -> sp.Expr:
    r"""The bound of Kingma and Ba's section 2.1 on :math:`|\Delta_t|`, as a ``Piecewise``.

    .. math::

        |\Delta_t| \le \begin{cases}
            \alpha\,(1-\beta_1)/\sqrt{1-\beta_2} & \text{if } 1-\beta_1 > \sqrt{1-\beta_2},\\
            \alpha & \text{otherwise,}
        \end{cases}

    stated for :math:`\epsilon = 0`. It is the value of :math:`|m_t|/\sqrt{v_t}` for a single
    non-zero gradient at the current step, without the bias-correction factors; it is *not*
    the supremum over all gradient histories (see :func:`step_bound_tight`).

    Examples
    --------
    >>> import sympy as sp
    >>> alpha, beta1, beta2 = sp.symbols("alpha beta_1 beta_2", positive=True)
    >>> # SymPy writes the condition as beta_1 < ...
    >>> step_bound_paper(alpha, beta1, beta2)
    Piecewise((alpha*(1 - beta_1)/sqrt(1 - beta_2),
               beta_1 < 1 - sqrt(1 - beta_2)), (alpha, True))
    >>> step_bound_paper(1, 0.9, 0.99)   # the boundary case: the second branch
    1
    """
    sparse_case = alpha * (1 - beta1) / sp.sqrt(1 - beta2)
    first_case = 1 - beta1 > sp.sqrt(1 - beta2)
    return sp.Piecewise((sparse_case, first_case), (alpha, True))


def bias_correction_ratio(beta1, beta2, t) -> sp.Expr:
    r"""The factor :math:`\sqrt{1-\beta_2^t}/(1-\beta_1^t)` that bias correction puts on a step.

    :math:`\hat m_t/\sqrt{\hat v_t} = (m_t/\sqrt{v_t})\cdot\sqrt{1-\beta_2^t}/(1-\beta_1^t)`.
    With the default betas it is :math:`\sqrt{0.001}/0.1 \approx 0.32` at :math:`t = 1`, below
    1 at every step, and tends to 1.

    Examples
    --------
    >>> bias_correction_ratio(0.5, 0.75, 1)
    1.00000000000000
    """
    return sp.sqrt(1 - beta2**t) / (1 - beta1**t)


def single_spike_step(alpha, beta1, beta2, t) -> sp.Expr:
    r""":math:`|\Delta_t|` when every gradient is zero except the current one, :math:`g_t \ne 0`.

    Substituting that history in :func:`adam_step_unrolled` leaves
    :math:`m_t = (1-\beta_1) g_t` and :math:`v_t = (1-\beta_2) g_t^2`, so

    .. math::

        |\Delta_t| = \alpha\,\frac{1-\beta_1}{\sqrt{1-\beta_2}}\,
        \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t},

    the first branch of :func:`step_bound_paper` times :func:`bias_correction_ratio`.

    Examples
    --------
    >>> import sympy as sp
    >>> single_spike_step(1, sp.Rational(9, 10), sp.Rational(999, 1000), 1)
    1
    """
    return _general_single_spike().subs(
        {_ALPHA: alpha, _BETA1: beta1, _BETA2: beta2, _T: t}, simultaneous=True
    )


def geometric_weights_sum(gamma, t) -> sp.Expr:
    r"""The sum :math:`\sum_{k=0}^{t-1}\gamma^k`, summed by SymPy: two cases.

    .. math::

        \sum_{k=0}^{t-1}\gamma^k = \begin{cases} t & \gamma = 1,\\
        (1-\gamma^t)/(1-\gamma) & \gamma \ne 1. \end{cases}

    Examples
    --------
    >>> import sympy as sp
    >>> gamma = sp.Symbol("gamma", positive=True)
    >>> t = sp.Symbol("t", integer=True, positive=True)
    >>> geometric_weights_sum(gamma, t)
    Piecewise((t, Eq(gamma, 1)), ((1 - gamma**t)/(1 - gamma), True))
    >>> geometric_weights_sum(1, 5), geometric_weights_sum(sp.Rational(1, 2), 3)
    (5, 7/4)
    """
    return _general_geometric_sum().subs({_GAMMA: gamma, _T: t}, simultaneous=True)


def step_bound_tight(alpha, beta1, beta2, t) -> sp.Expr:
    r"""The exact supremum of :math:`|\Delta_t|` over all gradient histories, for eps = 0.

    Bias correction included. With :math:`\gamma = \beta_1^2/\beta_2`,

    .. math::

        \sup_{g_1,\dots,g_t} |\Delta_t| = \alpha\,
        \frac{(1-\beta_1)\sqrt{1-\beta_2^t}}{(1-\beta_1^t)\sqrt{1-\beta_2}}
        \sqrt{\sum_{k=0}^{t-1}\gamma^k},

    the sum being :func:`geometric_weights_sum`. The supremum is a maximum, attained exactly by
    the histories :math:`g_i = c\,(\beta_1/\beta_2)^{t-i}`, :math:`c \ne 0`
    (:func:`worst_case_gradient`). It needs :math:`0 \le \beta_1 < 1`, :math:`0 < \beta_2 < 1`
    and a history that is not all zero.

    Derivation: write :math:`\beta_1^{t-i} g_i = (\beta_1^{t-i}\beta_2^{-(t-i)/2})
    (\beta_2^{(t-i)/2} g_i)`; Cauchy-Schwarz gives
    :math:`|\sum_i \beta_1^{t-i} g_i| \le \sqrt{\sum_i \gamma^{t-i}}
    \sqrt{\sum_i \beta_2^{t-i} g_i^2}`, with equality iff the two vectors are proportional.

    Examples
    --------
    >>> step_bound_tight(1, 0.9, 0.999, 1)   # the first step is alpha sign(g_1)
    1.00000000000000
    >>> round(float(step_bound_tight(1, 0.9, 0.999, 1000)), 4)
    5.7812
    >>> step_bound_tight(1, 0.5, 0.5, 7)     # beta1 = beta2: never more than alpha
    1.00000000000000
    """
    gamma = beta1**2 / beta2
    # the single spike's step, alpha (1 - beta1) sqrt(1 - beta2^t)
    # / ((1 - beta1^t) sqrt(1 - beta2)), times the root of the geometric sum
    spike = single_spike_step(alpha, beta1, beta2, t)
    return spike * sp.sqrt(geometric_weights_sum(gamma, t))


def step_bound_tight_limit(alpha, beta1, beta2) -> sp.Expr:
    r"""The limit of :func:`step_bound_tight` as t grows: finite iff :math:`\gamma < 1`.

    .. math::

        \lim_{t\to\infty} \sup |\Delta_t| = \begin{cases}
        \alpha\,(1-\beta_1)\big/\sqrt{(1-\beta_2)(1-\gamma)} & \gamma < 1,\\
        \infty & \gamma \ge 1. \end{cases}

    For :math:`\gamma < 1` the limit is taken by SymPy with :math:`\beta_2 = e^{-\tau_2}` and
    :math:`\gamma = e^{-\tau_\gamma}` (both :math:`\tau > 0`, so that
    :math:`\beta_1 = e^{-(\tau_2+\tau_\gamma)/2}`): every
    power :math:`\beta_1^t, \beta_2^t, \gamma^t` then visibly tends to 0. For
    :math:`\gamma \ge 1` the sum :math:`\sum_{k<t}\gamma^k \ge t` grows without bound while the
    other factor tends to :math:`(1-\beta_1)/\sqrt{1-\beta_2} > 0`.

    Examples
    --------
    >>> import sympy as sp
    >>> step_bound_tight_limit(1, sp.Rational(9, 10), sp.Rational(999, 1000))
    sqrt(2590)/7
    >>> step_bound_tight_limit(1, sp.Rational(9, 10), sp.Rational(1, 2))
    oo
    """
    return _general_tight_limit().subs(
        {_ALPHA: alpha, _BETA1: beta1, _BETA2: beta2}, simultaneous=True
    )


def worst_case_gradient(beta1, beta2, t, i) -> sp.Expr:
    r"""The gradient :math:`g_i = (\beta_1/\beta_2)^{t-i}` of a history that attains the bound.

    Any non-zero multiple of this history attains :func:`step_bound_tight` at step :math:`t`
    (Adam's step does not change when every gradient is multiplied by the same
    :math:`c > 0`, and flips sign for :math:`c < 0`). The gradients keep one sign and grow by
    the factor :math:`\beta_2/\beta_1` per step towards step :math:`t` (1.11 for the default
    betas); for :math:`\beta_1 = 0` only :math:`g_t` is non-zero (a single spike).

    Examples
    --------
    >>> import sympy as sp
    >>> beta1, beta2 = sp.Rational(1, 2), sp.Rational(3, 4)
    >>> [worst_case_gradient(beta1, beta2, 3, i) for i in (1, 2, 3)]
    [4/9, 2/3, 1]
    """
    return (beta1 / beta2) ** (t - i)


def signal_to_noise_step(nu, sigma) -> sp.Expr:
    r"""The idealized step over alpha, :math:`|E[g]|/\sqrt{E[g^2]} = |\nu|/\sqrt{\nu^2+\sigma^2}`.

    Replacing :math:`\hat m_t` and :math:`\hat v_t` by the moments they estimate, and using
    :math:`E[g^2] = \nu^2 + \sigma^2` (chapter 02), gives the step over :math:`\alpha` that
    Kingma and Ba read as a signal-to-noise ratio (section 2.1): near 1 when the mean dominates,
    near 0 when the noise does.

    Examples
    --------
    >>> import sympy as sp
    >>> signal_to_noise_step(3, 4)
    3/5
    """
    return sp.Abs(nu) / sp.sqrt(nu**2 + sigma**2)


def noisy_step_rms(beta1, nu, sigma) -> sp.Expr:
    r"""The root-mean-square of :math:`\hat m_t/\sqrt{\hat v_t}` in the long run, approximately.

    For independent gradients of mean :math:`\nu` and variance :math:`\sigma^2`, in the long run
    :math:`E[\hat m_t^2] = \nu^2 + \sigma^2(1-\beta_1)/(1+\beta_1)` (the steady-state variance of
    chapter 03 plus the squared mean), while :math:`\hat v_t`, an average over about
    :math:`1/(1-\beta_2)` squared gradients, stays close to :math:`\nu^2+\sigma^2`. Treating
    :math:`\hat v_t` as that constant gives

    .. math::

        \sqrt{\frac{\nu^2 + \sigma^2(1-\beta_1)/(1+\beta_1)}{\nu^2 + \sigma^2}},

    which does not fall below :math:`\sqrt{(1-\beta_1)/(1+\beta_1)}` (0.23 at
    :math:`\beta_1 = 0.9`) however small the signal. An approximation: chapter 08 checks it.

    Examples
    --------
    >>> import sympy as sp
    >>> noisy_step_rms(sp.Rational(9, 10), 0, 1)
    sqrt(19)/19
    """
    second_moment_of_m = nu**2 + steady_state_variance(beta1, sigma)
    return sp.sqrt(second_moment_of_m / (nu**2 + sigma**2))


# -- the general derivations, in the internal symbols, each done once ------------------------

# beta2 = e^(-tau_2), gamma = e^(-tau_gamma) in the limit
_TAU2, _TAU_GAMMA = sp.symbols("tau_2 tau_gamma", positive=True)


@lru_cache(maxsize=None)
def _general_geometric_sum() -> sp.Expr:
    return sp.summation(_GAMMA**_K, (_K, 0, _T - 1))


@lru_cache(maxsize=None)
def _general_tight_limit() -> sp.Expr:
    # gamma < 1: beta2 = e^(-tau_2), gamma = e^(-tau_gamma), beta1 = sqrt(gamma beta2).
    gamma_below_one = step_bound_tight(_ALPHA, _BETA1, _BETA2, _T).subs(
        {_BETA2: sp.exp(-_TAU2), _BETA1: sp.exp(-(_TAU2 + _TAU_GAMMA) / 2)}
    ).replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1].expr)
    limit = sp.limit(sp.powsimp(gamma_below_one, force=True), _T, sp.oo)
    limit = limit.subs({_TAU2: -sp.log(_BETA2), _TAU_GAMMA: -sp.log(_BETA1**2 / _BETA2)})
    stated = _ALPHA * (1 - _BETA1) / sp.sqrt((1 - _BETA2) * (1 - _BETA1**2 / _BETA2))
    _assert_equal(limit, stated, "the limit of the tight bound")
    # gamma >= 1: the geometric sum is at least its value t at gamma = 1, which grows unboundedly.
    growing = sp.limit(_general_geometric_sum().subs(_GAMMA, 1), _T, sp.oo)
    return sp.Piecewise((stated, _BETA1**2 < _BETA2), (growing, True))


@lru_cache(maxsize=None)
def _general_single_spike() -> sp.Expr:
    g, spike = sp.IndexedBase("g"), sp.Symbol("G", positive=True)
    step = adam_step_unrolled(_ALPHA, _BETA1, _BETA2, _T, g, index=_I)
    last_term_apart = step.replace(lambda e: isinstance(e, sp.Sum), _split_off_last_term)
    earlier_zero = last_term_apart.xreplace({g[_I]: 0}).doit().xreplace({g[_T]: spike})
    magnitude = sp.simplify(-earlier_zero)
    stated = _ALPHA * (1 - _BETA1) / sp.sqrt(1 - _BETA2) * bias_correction_ratio(
        _BETA1, _BETA2, _T)  # fmt: skip
    _assert_equal(magnitude, stated, "the single-spike step")
    return stated


def _split_off_last_term(total: sp.Sum) -> sp.Expr:
    summand, (index, low, high) = total.function, total.limits[0]
    return sp.Sum(summand, (index, low, high - 1)) + summand.subs(index, high)


def _assert_equal(derived: sp.Expr, stated: sp.Expr, what: str) -> None:
    """Check that a derived step size equals the textbook form the module returns.

    Both are non-negative (sizes of steps), so comparing their squares is enough, and squaring
    removes the square roots whose arguments SymPy cannot tell are positive.
    """
    if sp.simplify(sp.expand(derived**2 - stated**2)) != 0:
        raise ArithmeticError(f"{what} came out as {derived}, not {stated}")
