r"""Closed forms for Reddi, Kale and Kumar's counterexample (chapter 09).

On the interval :math:`[-1, 1]` the losses are :math:`f_t(\theta) = C\theta` when
:math:`t \bmod 3 = 1` and :math:`-\theta` otherwise, :math:`C > 2`, so the gradients are the
fixed periodic sequence :math:`C, -1, -1, C, -1, -1, \dots`, whatever the iterate. With
:math:`\beta_1 = 0` the first moment estimate is the gradient itself, and the second,
:math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2` from :math:`v_0 = 0`, is a fixed sequence too.
It tends to a periodic orbit :math:`v^{(1)}_\infty, v^{(2)}_\infty, v^{(3)}_\infty` (the values
after the first, second and third step of a period), and the error shrinks by :math:`\beta_2`
each step:

.. math::

    v_{3k+j} = v^{(j)}_\infty - \beta_2^{3k+j}\, v^{(3)}_\infty, \qquad
    v^{(1)}_\infty = \frac{C^2 + \beta_2 + \beta_2^2}{1+\beta_2+\beta_2^2}

and cyclically for :math:`v^{(2)}_\infty` and :math:`v^{(3)}_\infty`
(:func:`periodic_second_moments`).

Period :math:`k` (from 0) is the steps :math:`3k+1, 3k+2, 3k+3`; its displacement is the sum of
its three steps before any projection onto the interval. The functions return SymPy expressions
in whatever symbols or numbers they are given; chapter 09 derives each of them with ``sympy.solve``
and ``sympy.limit`` before it uses them, and ``tests/test_amsgrad.py`` checks each against
numerical runs.

==========================  ===============  ==================================================
symbol                      argument         meaning
==========================  ===============  ==================================================
:math:`C`                   ``C``            the large gradient, every third step (:math:`C > 2`)
:math:`\beta_2`             ``beta2``        decay of the second moment estimate
:math:`\alpha`              ``alpha``        the step size
:math:`k`                   ``k``            the period, from 0: steps :math:`3k+1, 3k+2, 3k+3`
==========================  ===============  ==================================================

References
----------
- S. J. Reddi, S. Kale and S. Kumar, "On the Convergence of Adam and Beyond", ICLR 2018,
  section 3 (the problem, with :math:`\beta_1 = 0` and :math:`\beta_2 = 1/(1+C^2)`) and
  section 4 (AMSGrad).

Examples
--------
>>> import sympy as sp
>>> C = sp.Symbol("C", positive=True)
>>> periodic_second_moments(C, 1 / (1 + C**2))[0].equals(
...     (C**6 + 2*C**4 + 2*C**2 + 2) / (C**4 + 3*C**2 + 3))
True
>>> round(float(adam_period_displacement(1, 3, sp.Rational(1, 10))), 4)
0.6809
>>> round(float(amsgrad_period_displacement_limit(1, 3, sp.Rational(1, 10))), 4)
-0.3491
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "adam_period_displacement",
    "amsgrad_period_displacement",
    "amsgrad_period_displacement_limit",
    "counterexample_beta2",
    "counterexample_second_moment",
    "optax_amsgrad_period_displacement",
    "periodic_second_moments",
]


def counterexample_beta2(C) -> sp.Expr:
    r"""The paper's :math:`\beta_2 = 1/(1 + C^2)`, for which Adam drifts to the wrong end."""
    return 1 / (1 + sp.sympify(C) ** 2)


def periodic_second_moments(C, beta2) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""The periodic orbit :math:`(v^{(1)}_\infty, v^{(2)}_\infty, v^{(3)}_\infty)` of :math:`v_t`.

    Each is an average of :math:`C^2` and 1 with the weights :math:`1, \beta_2, \beta_2^2`
    (normalized): the large gradient has weight 1 right after it arrives, :math:`\beta_2` one
    step later and :math:`\beta_2^2` two steps later.

    .. math::

        v^{(1)}_\infty = \frac{C^2 + \beta_2 + \beta_2^2}{1+\beta_2+\beta_2^2},\quad
        v^{(2)}_\infty = \frac{\beta_2 C^2 + 1 + \beta_2^2}{1+\beta_2+\beta_2^2},\quad
        v^{(3)}_\infty = \frac{\beta_2^2 C^2 + 1 + \beta_2}{1+\beta_2+\beta_2^2}.

    Examples
    --------
    >>> import sympy as sp
    >>> [str(v) for v in periodic_second_moments(3, sp.Rational(1, 10))]
    ['911/111', '191/111', '119/111']
    """
    C, beta2 = sp.sympify(C), sp.sympify(beta2)
    total = 1 + beta2 + beta2**2
    return (
        (C**2 + beta2 + beta2**2) / total,
        (beta2 * C**2 + 1 + beta2**2) / total,
        (beta2**2 * C**2 + 1 + beta2) / total,
    )


def counterexample_second_moment(C, beta2, k, position) -> sp.Expr:
    r"""The exact :math:`v_t` at step :math:`t = 3k + j` (``position`` :math:`j \in \{1, 2, 3\}`).

    .. math:: v_{3k+j} = v^{(j)}_\infty - \beta_2^{3k+j}\, v^{(3)}_\infty

    Examples
    --------
    >>> import sympy as sp
    >>> counterexample_second_moment(3, sp.Rational(1, 10), 0, 1)  # (1 - beta2) C^2
    81/10
    """
    if position not in (1, 2, 3):
        raise ValueError(f"Invalid position: {position!r} (must be 1, 2 or 3)")
    orbit = periodic_second_moments(C, beta2)
    beta2 = sp.sympify(beta2)
    return orbit[position - 1] - beta2 ** (3 * sp.sympify(k) + position) * orbit[2]


def adam_period_displacement(alpha, C, beta2) -> sp.Expr:
    r"""Adam's displacement over one period on the periodic orbit (:math:`\beta_1 = \epsilon = 0`).

    .. math::

        \Delta^{\mathrm{per}}_\infty = \alpha\Big(\frac{1}{\sqrt{v^{(2)}_\infty}}
        + \frac{1}{\sqrt{v^{(3)}_\infty}} - \frac{C}{\sqrt{v^{(1)}_\infty}}\Big)

    Positive (toward +1) for every :math:`C > 2` when :math:`\beta_2 = 1/(1+C^2)`. Bias
    correction does not change it: it divides :math:`v_t` by :math:`1-\beta_2^t \to 1`.
    """
    v1, v2, v3 = periodic_second_moments(C, beta2)
    return sp.sympify(alpha) * (1 / sp.sqrt(v2) + 1 / sp.sqrt(v3) - sp.sympify(C) / sp.sqrt(v1))


def amsgrad_period_displacement(alpha, C, beta2, k) -> sp.Expr:
    r"""The paper's AMSGrad: its exact displacement over period :math:`k` (no beta1, no eps).

    The running maximum within period :math:`k` is the :math:`v` of its first step,
    :math:`v_{3k+1}`, so all three steps share one divisor:

    .. math:: \Delta^{\mathrm{per}}_k = \alpha\,\frac{2 - C}{\sqrt{v_{3k+1}}}
    """
    v_first = counterexample_second_moment(C, beta2, k, 1)
    return sp.sympify(alpha) * (2 - sp.sympify(C)) / sp.sqrt(v_first)


def amsgrad_period_displacement_limit(alpha, C, beta2) -> sp.Expr:
    r"""The limit of :func:`amsgrad_period_displacement` as :math:`k \to \infty`.

    .. math:: \alpha\,(2 - C)/\sqrt{v^{(1)}_\infty}

    PyTorch's AMSGrad has the same limit (its extra factor :math:`1-\beta_2^t` tends to 1).
    """
    v1 = periodic_second_moments(C, beta2)[0]
    return sp.sympify(alpha) * (2 - sp.sympify(C)) / sp.sqrt(v1)


def optax_amsgrad_period_displacement(alpha, C) -> sp.Expr:
    r"""Optax's AMSGrad: the displacement over every period, :math:`\alpha(2 - C)/C`.

    Its maximum of the bias-corrected :math:`\hat v_t` is :math:`\hat v_1 = C^2` from the first
    step on (no weighted average of :math:`C^2` and 1 exceeds :math:`C^2`), so it is SGD with the
    step size :math:`\alpha/C`, whatever :math:`\beta_2`.
    """
    C = sp.sympify(C)
    return sp.sympify(alpha) * (2 - C) / C
