r"""Derivations for weight decay (chapter 10): L2 regularization against decoupled decay.

One step of a preconditioned method with a diagonal preconditioner :math:`P` (entries
:math:`p`; :math:`p = 1` is SGD, :math:`p = 1/(\sqrt{\hat v_t} + \epsilon)` is Adam with
:math:`\beta_1 = 0`), in the two ways of shrinking the weights:

.. math::

    \text{L2:}\quad \theta - \eta\, p\,(g + \omega'\theta), \qquad
    \text{decoupled decay:}\quad (1 - \eta\omega)\,\theta - \eta\, p\, g .

The decoupled form is PyTorch's and optax's convention, the decay multiplied by the learning
rate. Every result below is obtained by SymPy from those two lines (``expand``, ``solve``,
``limit``); none is typed in. Each function takes SymPy symbols or numbers and returns a SymPy
expression.

========================  ====================  ================================================
symbol                    argument              meaning
========================  ====================  ================================================
:math:`\theta`            ``theta``             one coordinate of the parameters
:math:`g`                 ``g``                 its gradient
:math:`\eta`              ``lr``                the learning rate (:math:`\alpha` for Adam)
:math:`\omega'`           ``l2``                the L2 coefficient, penalty
                                                :math:`\tfrac{\omega'}{2}\theta^2`
:math:`\omega`            ``weight_decay``      the decoupled decay coefficient (PyTorch's)
:math:`p`                 ``p``                 the coordinate's entry of :math:`P`
:math:`h, \theta^\star`   ``h, theta_star``     curvature and minimizer of
                                                :math:`\tfrac h2(\theta - \theta^\star)^2`
:math:`\tau_t`            ``multiplier``        a schedule multiplier (Loshchilov and Hutter's
                                                :math:`\eta_t`)
========================  ====================  ================================================

References
----------
- I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
- S. Xie and Z. Li, "Implicit Bias of AdamW: :math:`\ell_\infty` Norm Constrained
  Optimization", ICML 2024 (the limit of :func:`adamw_fixed_point`).

Examples
--------
>>> import sympy as sp
>>> lr, omega = sp.symbols("eta omega", positive=True)
>>> sgd_equivalent_l2(lr * omega, lr)
omega
>>> l2_fixed_point(2, 3, sp.Rational(1, 2))
12/5
>>> adamw_fixed_point(3, sp.Rational(1, 2))
2
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "adamw_fixed_point",
    "adamw_fixed_point_limit_form",
    "adamw_fixed_point_residual",
    "decay_after_step_difference",
    "decoupled_fixed_point",
    "decoupled_step",
    "l2_decoupled_difference",
    "l2_fixed_point",
    "l2_step",
    "lh_decay_coefficient",
    "matching_l2_coefficient",
    "sgd_equivalent_l2",
]

# The symbols the general results are derived in, replaced by the caller's on the way out.
_THETA, _G = sp.symbols("theta g", real=True)
_LR, _L2, _WD, _P, _H, _EPS, _TAU = sp.symbols("eta omega' omega p h epsilon tau", positive=True)
_D = sp.Symbol("d", positive=True)  # a per-step decay fraction
_THETA_STAR = sp.Symbol("theta^*", positive=True)
_X = sp.Symbol("x", positive=True)  # an unknown coordinate, in (0, theta^*)
_DIRECTION = sp.Symbol("D", real=True)  # Adam's direction mhat / (sqrt(vhat) + eps)


def l2_step(theta, g, lr, l2, p=1) -> sp.Expr:
    r"""One preconditioned step on :math:`f + \tfrac{\omega'}{2}\theta^2`:
    :math:`\theta - \eta p (g + \omega'\theta)`.

    Examples
    --------
    >>> import sympy as sp
    >>> theta, g, lr, l2 = sp.symbols("theta g eta omega'")
    >>> sp.expand(l2_step(theta, g, lr, l2))
    -eta*g - eta*omega'*theta + theta
    """
    return theta - lr * p * (g + l2 * theta)


def decoupled_step(theta, g, lr, weight_decay, p=1) -> sp.Expr:
    r"""One preconditioned step with decoupled decay: :math:`(1 - \eta\omega)\theta - \eta p g`.

    Examples
    --------
    >>> import sympy as sp
    >>> decoupled_step(1, 0, sp.Rational(1, 10), sp.Rational(1, 2))
    19/20
    """
    return (1 - lr * weight_decay) * theta - lr * p * g


def sgd_equivalent_l2(decay_fraction, lr) -> sp.Expr:
    r"""The L2 coefficient :math:`\omega'` that makes SGD's L2 step equal to decoupled decay.

    Decoupled decay that removes a given fraction of the weights per step (Loshchilov and
    Hutter's form of SGDW, their :math:`\lambda`), :math:`(1 - \text{fraction})\theta - \eta g`,
    equals :math:`\theta - \eta(g + \omega'\theta)` for every :math:`\theta` and :math:`g`
    exactly when :math:`\omega' = \text{fraction}/\eta`; in PyTorch's convention the fraction is
    :math:`\eta\omega` and so :math:`\omega' = \omega`.

    Examples
    --------
    >>> import sympy as sp
    >>> fraction, lr = sp.symbols("fraction eta", positive=True)
    >>> sgd_equivalent_l2(fraction, lr)
    fraction/eta
    """
    return _substitute(_general_sgd_equivalent_l2(), {_D: decay_fraction, _LR: lr})


@lru_cache(maxsize=1)
def _general_sgd_equivalent_l2() -> sp.Expr:
    difference = sp.expand(l2_step(_THETA, _G, _LR, _L2) - ((1 - _D) * _THETA - _LR * _G))
    # linear in theta with no g left: its coefficient must vanish
    (solution,) = sp.solve(sp.Poly(difference, _THETA).coeffs(), _L2, dict=True)
    return solution[_L2]


def l2_decoupled_difference(theta, lr, l2, weight_decay, p) -> sp.Expr:
    r"""L2's step minus decoupled decay's, one coordinate: :math:`\eta(\omega - p\,\omega')\theta`.

    The gradient cancels; what is left is linear in :math:`\theta` and vanishes for every
    :math:`\theta` only if :math:`p\,\omega' = \omega`.

    Examples
    --------
    >>> import sympy as sp
    >>> theta, lr, l2, wd, p = sp.symbols("theta eta omega' omega p")
    >>> sp.factor(l2_decoupled_difference(theta, lr, l2, wd, p))
    -eta*theta*(-omega + omega'*p)
    """
    general = sp.expand(
        l2_step(_THETA, _G, _LR, _L2, _P) - decoupled_step(_THETA, _G, _LR, _WD, _P)
    )
    return _substitute(general, {_THETA: theta, _LR: lr, _L2: l2, _WD: weight_decay, _P: p})


def matching_l2_coefficient(weight_decay, p) -> sp.Expr:
    r"""The L2 coefficient a coordinate with preconditioner entry :math:`p` would need:
    :math:`\omega/p`.

    Solves :func:`l2_decoupled_difference` = 0 for :math:`\omega'`. Coordinates with different
    :math:`p` need different coefficients, so no single L2 coefficient matches decoupled decay
    unless :math:`P` is a multiple of the identity.

    Examples
    --------
    >>> matching_l2_coefficient(0.1, 4)
    0.0250000000000000
    """
    (solution,) = sp.solve(l2_decoupled_difference(1, 1, _L2, _WD, _P), _L2)
    return _substitute(solution, {_WD: weight_decay, _P: p})


def l2_fixed_point(h, theta_star, l2) -> sp.Expr:
    r"""Where L2 regularization settles on :math:`\tfrac h2(\theta - \theta^\star)^2`, any
    :math:`p > 0`: :math:`h\theta^\star/(h + \omega')`.

    Solves :math:`\theta = \theta - \eta p (h(\theta - \theta^\star) + \omega'\theta)`; :math:`p`
    and :math:`\eta` drop out. It is the minimizer of the regularized loss (ridge).

    Examples
    --------
    >>> import sympy as sp
    >>> h, ts, l2 = sp.symbols("h theta^* omega'", positive=True)
    >>> l2_fixed_point(h, ts, l2)
    h*theta^*/(h + omega')
    """
    gradient = _H * (_THETA - _THETA_STAR)
    (solution,) = sp.solve(sp.Eq(l2_step(_THETA, gradient, _LR, _L2, _P), _THETA), _THETA)
    return _substitute(solution, {_H: h, _THETA_STAR: theta_star, _L2: l2})


def decoupled_fixed_point(h, theta_star, weight_decay, p) -> sp.Expr:
    r"""Where decoupled decay settles on :math:`\tfrac h2(\theta - \theta^\star)^2` with a fixed
    :math:`p`: :math:`p h\theta^\star/(p h + \omega)`.

    Solves :math:`\theta = (1 - \eta\omega)\theta - \eta p h(\theta - \theta^\star)`. It is
    the minimizer of :math:`\tfrac h2(\theta - \theta^\star)^2 + \tfrac{\omega}{2p}\theta^2`:
    an L2 penalty whose weight :math:`\omega/p` depends on the preconditioner.

    Examples
    --------
    >>> import sympy as sp
    >>> h, ts, wd, p = sp.symbols("h theta^* omega p", positive=True)
    >>> decoupled_fixed_point(h, ts, wd, p)
    h*p*theta^*/(h*p + omega)
    """
    gradient = _H * (_THETA - _THETA_STAR)
    step = decoupled_step(_THETA, gradient, _LR, _WD, _P)
    (solution,) = sp.solve(sp.Eq(step, _THETA), _THETA)
    return _substitute(solution, {_H: h, _THETA_STAR: theta_star, _WD: weight_decay, _P: p})


def adamw_fixed_point_residual(theta, h, theta_star, weight_decay, eps) -> sp.Expr:
    r"""AdamW's step at a fixed point of full-batch training, divided by :math:`-\alpha`.

    At a fixed point :math:`\hat m_t = g` and :math:`\hat v_t = g^2` (the gradient no longer
    changes), so the step is :math:`-\alpha(\omega\theta + g/(|g| + \epsilon))`; multiplied by
    :math:`-(|g| + \epsilon)/\alpha`, this returns :math:`\omega\theta(|g| + \epsilon) + g` with
    :math:`g = h(\theta - \theta^\star)`. A fixed point is a zero of it.

    Examples
    --------
    >>> adamw_fixed_point_residual(2, 1, 3, 0.5, 0)
    0
    """
    gradient = h * (theta - theta_star)
    return weight_decay * theta * (sp.Abs(gradient) + eps) + gradient


def adamw_fixed_point(theta_star, weight_decay) -> sp.Expr:
    r"""The limit as :math:`\epsilon \to 0` of AdamW's fixed point on
    :math:`\tfrac h2(\theta - \theta^\star)^2`: :math:`\min(\theta^\star, 1/\omega)` for
    :math:`\theta^\star > 0`.

    For :math:`\theta^\star > 0` the zero of :func:`adamw_fixed_point_residual` lies in
    :math:`(0, \theta^\star)`, where :math:`|g| = h(\theta^\star - \theta)`; there the residual
    is a quadratic in :math:`\theta`, its smaller root is the fixed point, and its limit is
    :math:`(\omega\theta^\star + 1 - |\omega\theta^\star - 1|)/(2\omega)
    = \min(\theta^\star, 1/\omega)`: the minimizer clipped to the box
    :math:`|\theta| \le 1/\omega`, whatever :math:`h`. By symmetry
    :math:`\max(\theta^\star, -1/\omega)` for :math:`\theta^\star < 0`. (Xie and Li prove a
    general full-batch statement: if AdamW converges with a non-increasing learning-rate
    schedule whose partial sums diverge, its limit is a KKT point of the loss under
    :math:`\|\theta\|_\infty \le 1/\omega`; see the paper for its conditions.)

    Examples
    --------
    >>> import sympy as sp
    >>> weight_decay = sp.Rational(1, 2)
    >>> adamw_fixed_point(3, weight_decay), adamw_fixed_point(-1, weight_decay)
    (2, -1)
    """
    _check_limit_is_min()
    return sp.sign(theta_star) * sp.Min(sp.Abs(theta_star), 1 / sp.sympify(weight_decay))


@lru_cache(maxsize=1)
def adamw_fixed_point_limit_form() -> sp.Expr:
    r"""The limit as :math:`\epsilon \to 0` of the smaller root, as SymPy derives it:
    :math:`(\omega\theta^\star + 1 - |\omega\theta^\star - 1|)/(2\omega)`, in the symbols
    ``omega`` and ``theta^*``.

    Examples
    --------
    >>> adamw_fixed_point_limit_form()
    (omega*theta^* - Abs(omega*theta^* - 1) + 1)/(2*omega)
    """
    # on (0, theta^*): |g| = h (theta^* - x), and the residual is a quadratic in x
    residual = _WD * _X * (_H * (_THETA_STAR - _X) + _EPS) - _H * (_THETA_STAR - _X)
    roots = sp.solve(residual, _X)
    at_a_point = {_WD: 1, _H: 1, _THETA_STAR: 2, _EPS: 1}
    smaller = min(roots, key=lambda root: float(root.subs(at_a_point)))
    limit = sp.limit(smaller, _EPS, 0, "+")
    # SymPy leaves sqrt(omega^2 theta^*^2 - 2 omega theta^* + 1): the root of a square
    square = sp.expand((_WD * _THETA_STAR - 1) ** 2)
    return sp.cancel(limit.subs(sp.sqrt(square), sp.Abs(_WD * _THETA_STAR - 1)))


@lru_cache(maxsize=1)
def _check_limit_is_min() -> None:
    """Assert that the derived limit is min(theta^*, 1/omega), either side of theta^* = 1/omega."""
    limit = adamw_fixed_point_limit_form()
    s = sp.Symbol("s", positive=True)
    below = (1 - s / (1 + s)) / _WD  # omega theta^* in (0, 1)
    above = (1 + s) / _WD  # omega theta^* > 1
    assert sp.simplify(limit.subs(_THETA_STAR, below) - below) == 0
    assert sp.simplify(limit.subs(_THETA_STAR, above) - 1 / _WD) == 0


def lh_decay_coefficient(lr, weight_decay) -> sp.Expr:
    r"""Loshchilov and Hutter's coefficient that reproduces PyTorch's AdamW: :math:`\alpha\omega`.

    Write :math:`D = \hat m_t/(\sqrt{\hat v_t} + \epsilon)` for Adam's direction. PyTorch, at
    the scheduled learning rate :math:`\alpha\tau_t`, takes
    :math:`(1 - \alpha\tau_t\omega)\theta - \alpha\tau_t D`; the paper takes
    :math:`\theta - \tau_t(\alpha D + \omega_{\mathrm{LH}}\theta)`. They are equal for every
    :math:`\theta`, :math:`D` and :math:`\tau_t` exactly when
    :math:`\omega_{\mathrm{LH}} = \alpha\omega`: the two conventions differ only in what is held
    fixed when :math:`\alpha` changes.

    Examples
    --------
    >>> lh_decay_coefficient(0.001, 0.01)
    1.00000000000000e-5
    """
    direction, omega_lh = sp.symbols("D omega_LH", real=True)
    torch_form = (1 - _LR * _TAU * _WD) * _THETA - _LR * _TAU * direction
    paper_form = _THETA - _TAU * (_LR * direction + omega_lh * _THETA)
    (solution,) = sp.solve(sp.expand(torch_form - paper_form), omega_lh)
    return _substitute(solution, {_LR: lr, _WD: weight_decay})


def decay_after_step_difference(theta, direction, lr, weight_decay) -> sp.Expr:
    r"""Decaying after the Adam step instead of before moves the result by
    :math:`\alpha^2\omega D`, with :math:`D = \hat m_t/(\sqrt{\hat v_t} + \epsilon)`.

    Before (PyTorch): :math:`(1 - \alpha\omega)\theta - \alpha D`; after:
    :math:`(1 - \alpha\omega)(\theta - \alpha D)`. Adam's direction :math:`D` does not depend
    on :math:`\theta`, yet the order matters, at second order in :math:`\alpha`.

    Examples
    --------
    >>> import sympy as sp
    >>> theta, direction, lr, wd = sp.symbols("theta D alpha omega")
    >>> decay_after_step_difference(theta, direction, lr, wd)
    D*alpha**2*omega
    """
    before = (1 - _LR * _WD) * _THETA - _LR * _DIRECTION
    after = (1 - _LR * _WD) * (_THETA - _LR * _DIRECTION)
    general = sp.expand(after - before)
    return _substitute(
        general, {_THETA: theta, _DIRECTION: direction, _LR: lr, _WD: weight_decay}
    )


def _substitute(expression: sp.Expr, values: dict) -> sp.Expr:
    """Replace the internal symbols by the caller's, all at once."""
    return sp.sympify(expression).subs(values, simultaneous=True)
