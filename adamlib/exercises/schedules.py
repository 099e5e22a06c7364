r"""Checker for the exercise on learning-rate warm-up (chapter 12).

:func:`check_warmup_schedule` calls your warm-up function and the reference
(:func:`adamlib.schedules.linear_warmup` of a constant rate) on the same steps, from the first
step up, and returns a :class:`~adamlib.exercises.CheckResult` naming the first step on which
they disagree. The first case already catches the classic slips: counting steps from 0, ramping
towards :math:`T_{\rm w} + 1` instead of :math:`T_{\rm w}`, and integer division
``t // warmup_steps``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..schedules import linear_warmup
from ._core import Case, CheckResult, check_against_reference

__all__ = ["check_warmup_schedule"]


def _warmup_reference(t: int, base_lr: float, warmup_steps: int) -> float:
    return linear_warmup(base_lr, warmup_steps)(t)


def check_warmup_schedule(fn: Callable[[int, float, int], float]) -> CheckResult:
    r"""Check ``fn(t, base_lr, warmup_steps)``: the rate of step ``t`` under a linear warm-up.

    Your function receives the step ``t`` (an int, counted from 1: ``t = 1`` is the first step),
    the rate ``base_lr`` to reach (a float > 0) and the length :math:`T_{\rm w}` = ``warmup_steps``
    of the warm-up (an int >= 1), and returns the float

    .. math:: \eta_t = \eta\,\min\bigl(1, t/T_{\rm w}\bigr):

    :math:`\eta/T_{\rm w}` at the first step, rising by :math:`\eta/T_{\rm w}` a step, exactly
    :math:`\eta` at step :math:`T_{\rm w}` and for ever after.

    Examples
    --------
    >>> print(check_warmup_schedule(lambda t, base_lr, warmup_steps:
    ...                             base_lr * min(1.0, t / warmup_steps)))
    ✓ Correct: <lambda> computes the rate of step t under a linear warm-up on all 6
      test cases.
    >>> # counts steps from 0: the first rate is 0
    >>> def from_zero(t, base_lr, warmup_steps):
    ...     return base_lr * min(1.0, (t - 1) / warmup_steps)
    >>> print(check_warmup_schedule(from_zero))
    ✗ Not yet: for the first step of a 4-step warm-up to 0.1 (inputs: 1, 0.1, 4),
      the rate of step t under a linear warm-up should be 0.025, but your function
      returned 0 (largest difference 0.025).
    """
    cases = [
        Case("the first step of a 4-step warm-up to 0.1", (1, 0.1, 4)),
        Case("the last step of the warm-up, t = warmup_steps = 4", (4, 0.1, 4)),
        Case("the middle of a 6-step warm-up to 3e-4, t = 3", (3, 3e-4, 6)),
        Case("after the warm-up, t = 10 > warmup_steps = 4", (10, 0.1, 4)),
        Case("no warm-up at all, warmup_steps = 1, at step 1", (1, 0.02, 1)),
        Case("a long warm-up, t = 1234 of 4000 steps, to 1e-3", (1234, 1e-3, 4000)),
    ]
    return check_against_reference(
        fn, _warmup_reference, cases, what="the rate of step t under a linear warm-up",
        rtol=1e-9, atol=1e-15,
    )  # fmt: skip
