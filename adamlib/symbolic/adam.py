r"""Derivations for Adam (chapter 07): the first step, the faster ordering, where momentum acts.

Algorithm 1 of Kingma and Ba, from :math:`m_0 = v_0 = 0`:

.. math::

    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
    v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
    \theta_t = \theta_{t-1} - \alpha\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}.

Every result here is obtained by SymPy from those lines (running them, ``simplify``, ``solve``);
none is typed in. Each function takes SymPy symbols or numbers and returns a SymPy expression.

========================  ================  =================================================
symbol                    argument          meaning
========================  ================  =================================================
:math:`\alpha`            ``alpha``         step size
:math:`\beta_1, \beta_2`  ``beta1, beta2``  decay rates of the two moving averages, in [0, 1)
:math:`\epsilon`          ``eps``           added to :math:`\sqrt{\hat v_t}` (Algorithm 1)
:math:`\hat\epsilon`      ``eps_hat``       added to :math:`\sqrt{v_t}` (the faster ordering)
:math:`t`                 ``t``             the step, counted from 1
:math:`g, g_1, g_2`       ``g, g1, g2``     gradients (one coordinate)
:math:`\eta, \mu`         ``lr, momentum``  RMSprop's step size and momentum (torch.optim)
========================  ================  =================================================

The bias-correction denominators :math:`1-\beta_1^t` and :math:`1-\beta_2^t` are positive for
:math:`0 \le \beta < 1` and :math:`t \ge 1`; the derivations are done with positive symbols
:math:`c_1, c_2` in their place (so that :math:`\sqrt{v/c_2} = \sqrt v/\sqrt{c_2}` is allowed)
and the denominators substituted back at the end.

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1,
  section 2 (the faster ordering) and section 5 (RMSprop with momentum).

Examples
--------
>>> import sympy as sp
>>> alpha, eps = sp.symbols("alpha epsilon", positive=True)
>>> g = sp.Symbol("g", real=True)
>>> adam_first_step(alpha, g, eps)
-alpha*g/(epsilon + Abs(g))
>>> beta2, t = sp.symbols("beta_2 t", positive=True)
>>> faster_ordering_eps_hat(eps, beta2, t)
epsilon*sqrt(1 - beta_2**t)
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "adam_first_step",
    "adam_first_step_deviation",
    "adam_step",
    "algorithm1_eps",
    "faster_ordering_eps_hat",
    "faster_ordering_step_size",
    "momentum_order_difference",
    "rmsprop_momentum_constant_gradient_step",
]

# The symbols the general results are derived in, replaced by the caller's on the way out.
_ALPHA, _EPS, _EPS_HAT = sp.symbols("alpha epsilon epsilonhat", positive=True)
_BETA1, _BETA2 = sp.symbols("beta_1 beta_2", positive=True)
_T = sp.Symbol("t", integer=True, positive=True)
_K = sp.Symbol("k", integer=True, positive=True)
_G, _G1, _G2, _M = sp.symbols("g g_1 g_2 m_t", real=True)
_V = sp.Symbol("v_t", positive=True)
_C1, _C2 = sp.symbols("c_1 c_2", positive=True)  # stand for 1 - beta1^t, 1 - beta2^t
_LR, _MU = sp.symbols("eta mu", positive=True)


def adam_step(alpha, m, v, beta1, beta2, t, eps) -> sp.Expr:
    r"""Algorithm 1's step :math:`\Delta_t = -\alpha\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)`.

    From the (biased) moving averages :math:`m_t, v_t`, with :math:`\hat m_t = m_t/(1-\beta_1^t)`
    and :math:`\hat v_t = v_t/(1-\beta_2^t)`: the last three lines of the loop, as written.

    Examples
    --------
    >>> import sympy as sp
    >>> alpha, m, v, b1, b2, t, eps = sp.symbols(
    ...     "alpha m v beta_1 beta_2 t epsilon")
    >>> adam_step(alpha, m, v, b1, b2, t, eps)
    -alpha*m/((1 - beta_1**t)*(epsilon + sqrt(v/(1 - beta_2**t))))
    """
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return -alpha * m_hat / (sp.sqrt(v_hat) + eps)


def adam_first_step(alpha, g, eps) -> sp.Expr:
    r"""The first step of Adam, :math:`\Delta_1 = -\alpha\, g/(|g| + \epsilon)`.

    Runs Algorithm 1 once from :math:`m_0 = v_0 = 0` with symbolic :math:`\beta_1, \beta_2`:
    :math:`m_1 = (1-\beta_1) g` and :math:`v_1 = (1-\beta_2) g^2`, whose corrections cancel to
    :math:`\hat m_1 = g`, :math:`\hat v_1 = g^2`, and :math:`\sqrt{g^2} = |g|`. The decay rates
    drop out. As :math:`\epsilon \to 0` the step tends to :math:`-\alpha\operatorname{sign}(g)`
    (for :math:`g \ne 0`).

    Examples
    --------
    >>> import sympy as sp
    >>> adam_first_step(sp.Rational(1, 10), 3, 0)
    -1/10
    >>> adam_first_step(1, -2, 2)
    1/2
    """
    return _substitute(_general_first_step(), {_ALPHA: alpha, _G: g, _EPS: eps})


def adam_first_step_deviation(alpha, g, eps) -> sp.Expr:
    r"""How far the first step falls short of :math:`-\alpha\operatorname{sign}(g)`.

    :math:`\Delta_1 - (-\alpha\operatorname{sign} g) = \alpha\operatorname{sign}(g)\,
    \epsilon/(|g| + \epsilon)`, derived from :func:`adam_first_step` separately for
    :math:`g = a > 0` and :math:`g = -a < 0`. It is below :math:`\alpha\epsilon/|g|` in size:
    negligible unless :math:`|g|` is within a few orders of magnitude of :math:`\epsilon`.

    Examples
    --------
    >>> import sympy as sp
    >>> alpha, eps = sp.symbols("alpha epsilon", positive=True)
    >>> adam_first_step_deviation(alpha, sp.Symbol("g", real=True), eps)
    alpha*epsilon*sign(g)/(epsilon + Abs(g))
    """
    return _substitute(_general_first_step_deviation(), {_ALPHA: alpha, _G: g, _EPS: eps})


def faster_ordering_step_size(alpha, beta1, beta2, t) -> sp.Expr:
    r"""The paper's :math:`\alpha_t = \alpha\sqrt{1-\beta_2^t}/(1-\beta_1^t)` (section 2).

    Derived as the factor by which Algorithm 1's step with :math:`\epsilon = 0`,
    :math:`\alpha\hat m_t/\sqrt{\hat v_t}`, exceeds :math:`m_t/\sqrt{v_t}`: both corrections
    move into one scalar per step.

    Examples
    --------
    >>> import sympy as sp
    >>> alpha, b1, b2, t = sp.symbols("alpha beta_1 beta_2 t", positive=True)
    >>> faster_ordering_step_size(alpha, b1, b2, t)
    alpha*sqrt(1 - beta_2**t)/(1 - beta_1**t)
    >>> faster_ordering_step_size(1, sp.Rational(1, 2), sp.Rational(3, 4), 1)
    1
    """
    return _substitute(_general_step_size(), {_ALPHA: alpha, _BETA1: beta1, _BETA2: beta2, _T: t})


def faster_ordering_eps_hat(eps, beta2, t) -> sp.Expr:
    r"""The :math:`\hat\epsilon` for which the faster ordering equals Algorithm 1 exactly.

    Solves :math:`\alpha\hat m_t/(\sqrt{\hat v_t} + \epsilon) = \alpha_t m_t/(\sqrt{v_t} +
    \hat\epsilon)` for :math:`\hat\epsilon` with ``sympy.solve``: the unique solution (for
    :math:`m_t \ne 0`) is :math:`\hat\epsilon = \epsilon\sqrt{1-\beta_2^t}`, which changes with
    :math:`t`. The paper does not define :math:`\hat\epsilon`.

    Examples
    --------
    >>> import sympy as sp
    >>> eps, b2, t = sp.symbols("epsilon beta_2 t", positive=True)
    >>> faster_ordering_eps_hat(eps, b2, t)
    epsilon*sqrt(1 - beta_2**t)
    """
    return _substitute(_general_eps_hat(), {_EPS: eps, _BETA2: beta2, _T: t})


def algorithm1_eps(eps_hat, beta2, t) -> sp.Expr:
    r"""The :math:`\epsilon` of Algorithm 1 that a fixed :math:`\hat\epsilon` amounts to at step t.

    The same equation as :func:`faster_ordering_eps_hat`, solved for :math:`\epsilon`:
    :math:`\epsilon_t = \hat\epsilon/\sqrt{1-\beta_2^t}`. A library that adds a constant
    :math:`\hat\epsilon` to :math:`\sqrt{v_t}` (TensorFlow and Keras) runs Algorithm 1 with this
    :math:`\epsilon_t`, which starts at :math:`\hat\epsilon/\sqrt{1-\beta_2}` and falls to
    :math:`\hat\epsilon`.

    Examples
    --------
    >>> import sympy as sp
    >>> eps_hat, b2, t = sp.symbols("epsilonhat beta_2 t", positive=True)
    >>> algorithm1_eps(eps_hat, b2, t)
    epsilonhat/sqrt(1 - beta_2**t)
    >>> algorithm1_eps(1, sp.Rational(3, 4), 1)
    2
    """
    return _substitute(_general_algorithm1_eps(), {_EPS_HAT: eps_hat, _BETA2: beta2, _T: t})


def momentum_order_difference(alpha, beta1, beta2, g1, g2) -> sp.Expr:
    r"""Second step: normalizing each gradient before averaging, minus Adam (both corrected).

    Adam averages the raw gradients and then divides: :math:`\alpha\hat m_2/\sqrt{\hat v_2}`.
    RMSprop with momentum (here given bias correction too, and :math:`\epsilon = 0`) averages
    the already divided gradients :math:`g_k/\sqrt{\hat v_k}` with the weights of
    :math:`\hat m_2`. The difference of the two steps at :math:`t = 2` is

    .. math::

        \frac{\alpha\beta_1}{1+\beta_1}\left(\operatorname{sign}(g_1)
        - \frac{g_1}{\sqrt{\hat v_2}}\right), \qquad
        \hat v_2 = \frac{\beta_2 g_1^2 + g_2^2}{1+\beta_2},

    zero exactly when :math:`|g_2| = |g_1|` (for :math:`g_1 \ne 0`, :math:`\beta_1 > 0`): the
    two orders agree only while the gradient's magnitude does not change.

    Examples
    --------
    >>> import sympy as sp
    >>> momentum_order_difference(1, sp.Rational(1, 2), sp.Rational(1, 2), 3, -3)
    0
    """
    return _substitute(
        _general_order_difference(), {_ALPHA: alpha, _BETA1: beta1, _BETA2: beta2, _G1: g1, _G2: g2}
    )


def rmsprop_momentum_constant_gradient_step(lr, momentum, beta2, t) -> sp.Expr:
    r"""Size of step t of RMSprop with momentum (torch.optim, eps = 0) on a constant gradient.

    With :math:`g_k = g`, the average of squares is :math:`v_k = (1-\beta_2^k) g^2`
    (chapter 03), so each rescaled gradient is :math:`\operatorname{sign}(g)/\sqrt{1-\beta_2^k}`
    and the buffer :math:`b_t = \mu b_{t-1} + g_t/\sqrt{v_t}` unrolls to

    .. math::

        |\Delta_t| = \eta\sum_{k=1}^t \frac{\mu^{t-k}}{\sqrt{1-\beta_2^k}},

    returned as an unevaluated :class:`sympy.Sum` (``.doit()`` for a concrete t). It tends to
    :math:`\eta/(1-\mu)`, but its early terms are up to :math:`1/\sqrt{1-\beta_2}` times
    larger: no bias correction.

    Examples
    --------
    >>> import sympy as sp
    >>> step = rmsprop_momentum_constant_gradient_step(
    ...     1, sp.Rational(1, 2), sp.Rational(3, 4), 1)
    >>> step.doit()
    2
    """
    k = _K
    return lr * sp.Sum(momentum ** (t - k) / sp.sqrt(1 - beta2**k), (k, 1, t))


# -- the general derivations, in the internal symbols, each done once ------------------------


@lru_cache(maxsize=None)
def _general_first_step() -> sp.Expr:
    m1 = _BETA1 * 0 + (1 - _BETA1) * _G
    v1 = _BETA2 * 0 + (1 - _BETA2) * _G**2
    m_hat, v_hat = sp.cancel(m1 / (1 - _BETA1**1)), sp.cancel(v1 / (1 - _BETA2**1))
    return sp.simplify(-_ALPHA * m_hat / (sp.sqrt(v_hat) + _EPS))


@lru_cache(maxsize=None)
def _general_first_step_deviation() -> sp.Expr:
    a = sp.Symbol("a", positive=True)  # |g|
    step = _general_first_step()
    above = sp.simplify(step.subs(_G, a) + _ALPHA)  # g = a > 0: sign(g) = 1
    below = sp.simplify(step.subs(_G, -a) - _ALPHA)  # g = -a < 0: sign(g) = -1
    if sp.simplify(above + below) != 0:
        raise ArithmeticError("the deviation is not odd in g")
    return (above * sp.sign(_G)).subs(a, sp.Abs(_G))


def _algorithm1_and_faster_ordering() -> tuple[sp.Expr, sp.Expr]:
    """Both steps in terms of m_t, v_t, with c_1, c_2 for the two correction denominators."""
    algorithm1 = _ALPHA * (_M / _C1) / (sp.sqrt(_V / _C2) + _EPS)
    alpha_t = _ALPHA * sp.sqrt(_C2) / _C1
    faster = alpha_t * _M / (sp.sqrt(_V) + _EPS_HAT)
    return algorithm1, faster


def _back_to_betas(expr: sp.Expr) -> sp.Expr:
    return expr.subs({_C1: 1 - _BETA1**_T, _C2: 1 - _BETA2**_T})


@lru_cache(maxsize=None)
def _general_step_size() -> sp.Expr:
    algorithm1, _ = _algorithm1_and_faster_ordering()
    return _back_to_betas(sp.simplify(algorithm1.subs(_EPS, 0) / (_M / sp.sqrt(_V))))


@lru_cache(maxsize=None)
def _general_eps_hat() -> sp.Expr:
    algorithm1, faster = _algorithm1_and_faster_ordering()
    (solution,) = sp.solve(sp.Eq(algorithm1, faster), _EPS_HAT)
    return _back_to_betas(solution)


@lru_cache(maxsize=None)
def _general_algorithm1_eps() -> sp.Expr:
    algorithm1, faster = _algorithm1_and_faster_ordering()
    (solution,) = sp.solve(sp.Eq(algorithm1, faster), _EPS)
    return _back_to_betas(solution)


@lru_cache(maxsize=None)
def _general_order_difference() -> sp.Expr:
    m, v, normalized = 0, 0, 0  # Adam's two averages; the average of normalized gradients
    for t, g in ((1, _G1), (2, _G2)):
        m = _BETA1 * m + (1 - _BETA1) * g
        v = _BETA2 * v + (1 - _BETA2) * g**2
        v_hat = sp.factor(v / (1 - _BETA2**t))
        normalized = _BETA1 * normalized + (1 - _BETA1) * g / sp.sqrt(v_hat)
    adam = _ALPHA * (m / (1 - _BETA1**2)) / sp.sqrt(v_hat)
    rescaled_first = _ALPHA * normalized / (1 - _BETA1**2)
    difference = sp.factor(sp.simplify(rescaled_first - adam))
    v_hat_2 = (_BETA2 * _G1**2 + _G2**2) / (1 + _BETA2)
    stated = _ALPHA * _BETA1 / (1 + _BETA1) * (sp.sign(_G1) - _G1 / sp.sqrt(v_hat_2))
    a = sp.Symbol("a", positive=True)  # |g_1|: compare the two forms for g_1 > 0 and g_1 < 0
    for g1 in (a, -a):
        if sp.simplify((difference - stated).subs(_G1, g1)) != 0:
            raise ArithmeticError(f"unexpected form of the difference: {difference}")
    return stated


def _substitute(expr: sp.Expr, values: dict) -> sp.Expr:
    """Put the caller's symbols or numbers in place of the internal ones, simultaneously."""
    return expr.subs(values, simultaneous=True)
