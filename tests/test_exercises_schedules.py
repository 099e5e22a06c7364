"""Tests of the warm-up checker: right answers pass, the classic slips fail on the case that shows
them, with a message naming the input, the expected and the returned rate."""

import numpy as np
import pytest

from adamlib.exercises import check_warmup_schedule


def warmup_min(t, base_lr, warmup_steps):
    return base_lr * min(1.0, t / warmup_steps)


def warmup_branches(t, base_lr, warmup_steps):
    if t < warmup_steps:
        return base_lr * t / warmup_steps
    return base_lr


def warmup_numpy(t, base_lr, warmup_steps):
    return float(base_lr * np.minimum(1, t / warmup_steps))


@pytest.mark.parametrize("fn", [warmup_min, warmup_branches, warmup_numpy])
def test_correct_warmups_pass(fn):
    result = check_warmup_schedule(fn)
    assert result.passed, result.message
    assert "on all 6 test cases" in result.message


def counts_from_zero(t, base_lr, warmup_steps):
    return base_lr * min(1.0, (t - 1) / warmup_steps)


def integer_division(t, base_lr, warmup_steps):
    return base_lr * min(1, t // warmup_steps)


def never_reaches(t, base_lr, warmup_steps):  # ramps towards W + 1
    return base_lr * min(1.0, t / (warmup_steps + 1))


def no_clamp(t, base_lr, warmup_steps):  # keeps rising after the warm-up
    return base_lr * t / warmup_steps


def ignores_base(t, base_lr, warmup_steps):
    return min(1.0, t / warmup_steps)


def returns_nothing(t, base_lr, warmup_steps):
    base_lr * min(1.0, t / warmup_steps)


def template(t, base_lr, warmup_steps):
    raise NotImplementedError


@pytest.mark.parametrize(
    "fn, case, expected, got",
    [
        (counts_from_zero, "the first step of a 4-step warm-up", "0.025", "returned 0 "),
        (integer_division, "the first step of a 4-step warm-up", "0.025", "returned 0 "),
        (never_reaches, "the first step of a 4-step warm-up", "0.025", "returned 0.02 "),
        (no_clamp, "after the warm-up, t = 10", "0.1", "returned 0.25 "),
        (ignores_base, "the first step of a 4-step warm-up", "0.025", "returned 0.25 "),
    ],
)
def test_classic_slips_fail_on_the_case_that_shows_them(fn, case, expected, got):
    result = check_warmup_schedule(fn)
    assert not result.passed
    assert case in result.message
    assert f"should be {expected}" in result.message and got in result.message


def test_never_reaching_is_also_caught_at_the_last_warmup_step():
    def ramps_to_w_plus_one_but_right_at_one(t, base_lr, warmup_steps):
        return base_lr / warmup_steps if t == 1 else never_reaches(t, base_lr, warmup_steps)

    result = check_warmup_schedule(ramps_to_w_plus_one_but_right_at_one)
    assert not result.passed and "t = warmup_steps = 4" in result.message


def test_missing_return_and_template_are_named():
    assert "return` statement missing" in check_warmup_schedule(returns_nothing).message
    assert "Not implemented yet" in check_warmup_schedule(template).message
