r"""Checker for the exercise on the size of Adam's step (chapter 08): the tight bound.

The reader writes ``fn(beta1, beta2, t)``, the exact supremum of :math:`|\Delta_t|/\alpha` over
all gradient histories, for :math:`\epsilon = 0` and with bias correction:

.. math::

    \frac{(1-\beta_1)\sqrt{1-\beta_2^t}}{(1-\beta_1^t)\sqrt{1-\beta_2}}
    \sqrt{\sum_{k=0}^{t-1}\gamma^k}, \qquad \gamma = \beta_1^2/\beta_2 .

The cases run from the simplest up and are ordered so that the classic slips fail early:
forgetting the bias correction, returning the paper's bound or the limit
:math:`t \to \infty` (all fail at :math:`t = 1`, where the answer is 1), counting :math:`t`
from 0 or summing one term too many (also :math:`t = 1`), taking :math:`\gamma` from the
paper's section 4 (:math:`\beta_1^2/\sqrt{\beta_2}`, second case), and dividing by
:math:`1-\gamma` when :math:`\gamma = 1` (the last cases).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._core import Case, CheckResult, check_against_reference

__all__ = ["check_step_bound"]


def tight_step_ratio(beta1: float, beta2: float, t: int) -> float:
    r"""The reference: :math:`\sup|\Delta_t|/\alpha` in floating point, accurate for every gamma.

    The geometric sum is computed as
    :math:`(\gamma^t - 1)/(\gamma - 1)
    = \operatorname{expm1}(t\ln\gamma)/\operatorname{expm1}(\ln\gamma)`,
    which stays accurate when :math:`\gamma` is close to 1, and as :math:`t` when
    :math:`\gamma = 1`; the powers :math:`1 - \beta^t` likewise use ``expm1``. Returns
    ``inf`` when :math:`\gamma^t` exceeds the range of a float.

    Examples
    --------
    >>> round(tight_step_ratio(0.9, 0.999, 1), 12)  # 1 - 1e-16 in floating point
    1.0
    >>> round(tight_step_ratio(0.9, 0.999, 10**6), 4)
    7.2703
    >>> round(tight_step_ratio(0.5, 0.25, 4), 4)   # gamma = 1: the sum is t = 4
    1.2293
    """
    if not (0 <= beta1 < 1 and 0 < beta2 < 1) or t < 1:
        raise ValueError(f"Invalid input: beta1={beta1!r}, beta2={beta2!r}, t={t!r}")
    if beta1 == 0:
        weights_sum = 1.0  # gamma = 0: only the newest gradient counts
    else:
        log_gamma = 2 * math.log(beta1) - math.log(beta2)
        if t * log_gamma > 700:  # gamma^t beyond the range of a float: so is the bound
            return math.inf
        weights_sum = t if log_gamma == 0 else math.expm1(t * log_gamma) / math.expm1(log_gamma)
    one_minus_beta1_t = 1.0 if beta1 == 0 else -math.expm1(t * math.log(beta1))
    one_minus_beta2_t = -math.expm1(t * math.log(beta2))
    bias = math.sqrt(one_minus_beta2_t) / one_minus_beta1_t
    return (1 - beta1) / math.sqrt(1 - beta2) * bias * math.sqrt(weights_sum)


def check_step_bound(fn: Callable[[float, float, int], float]) -> CheckResult:
    r"""Check ``fn(beta1, beta2, t)``: the tight bound on :math:`|\Delta_t|/\alpha`.

    Your function receives floats ``beta1`` in [0, 1) and ``beta2`` in (0, 1) and an int
    ``t >= 1``, and returns the supremum of :math:`|\Delta_t|/\alpha` over all gradient
    histories :math:`g_1, \dots, g_t` (not all zero), for Adam with :math:`\epsilon = 0` and
    bias correction. Mind :math:`\gamma = \beta_1^2/\beta_2 = 1`, where the geometric sum is
    :math:`t`.

    Examples
    --------
    >>> import math
    >>> def bound(beta1, beta2, t):
    ...     gamma = beta1**2 / beta2
    ...     total = t if gamma == 1 else (1 - gamma**t) / (1 - gamma)
    ...     return ((1 - beta1) * math.sqrt(1 - beta2**t)
    ...             / ((1 - beta1**t) * math.sqrt(1 - beta2)) * math.sqrt(total))
    >>> print(check_step_bound(bound))
    ✓ Correct: bound computes the supremum of |Delta_t|/alpha over all gradient
      histories on all 9 test cases.
    >>> def paper(beta1, beta2, t):  # the bound of the paper's section 2.1
    ...     return max(1.0, (1 - beta1) / math.sqrt(1 - beta2))
    >>> print(check_step_bound(paper))
    ✗ Not yet: for the first step with the default betas (inputs: 0.9, 0.999, 1),
      the supremum of |Delta_t|/alpha over all gradient histories should be 1, but
      your function returned 3.16228 (largest difference 2.16).
    """
    cases = [
        Case("the first step with the default betas", (0.9, 0.999, 1)),
        Case("step 2 with beta1 = 0.5, beta2 = 0.75", (0.5, 0.75, 2)),
        Case("step 10 with the default betas", (0.9, 0.999, 10)),
        Case("step 1000 with the default betas", (0.9, 0.999, 1000)),
        Case("beta1 = 0 (no momentum), beta2 = 0.99, step 50", (0.0, 0.99, 50)),
        Case("beta1 = beta2 = 0.9 at step 7", (0.9, 0.9, 7)),
        Case("a million steps with beta1 = 0.9, beta2 = 0.99", (0.9, 0.99, 1_000_000)),
        Case("gamma = beta1^2/beta2 = 1 exactly (beta1 = 0.5, beta2 = 0.25), step 6",
             (0.5, 0.25, 6)),  # fmt: skip
        Case("gamma > 1 (beta1 = 0.9, beta2 = 0.5), step 20", (0.9, 0.5, 20)),
    ]
    return check_against_reference(
        fn, tight_step_ratio, cases,
        what="the supremum of |Delta_t|/alpha over all gradient histories",
    )  # fmt: skip
