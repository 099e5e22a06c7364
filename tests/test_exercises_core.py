"""The machinery every checker shares: verdicts, messages, and protection of the inputs."""

from __future__ import annotations

import signal
import threading
import time

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.exercises import Case, CheckResult, check_against_reference
from adamlib.symbolic.momentum import nesterov_step


def reference_ema(samples, beta):
    out, m = np.empty_like(samples), 0.0
    for i, g in enumerate(samples):
        m = beta * m + (1 - beta) * g
        out[i] = m
    return out


CASES = [
    Case("three samples, beta = 0.5", (np.array([1.0, 2.0, 3.0]), 0.5)),
    Case("a constant stream", (np.ones(4), 0.9)),
]


def test_a_correct_function_passes_and_says_how_many_cases():
    result = check_against_reference(reference_ema, reference_ema, CASES, what="the EMA")
    assert result and result.passed
    assert result.message == "✓ Correct: reference_ema computes the EMA on all 2 test cases."
    result.raise_if_failed()


def test_a_wrong_value_names_the_case_the_input_and_both_values():
    def swapped(samples, beta):
        return reference_ema(samples, 1 - beta)

    result = check_against_reference(swapped, reference_ema, CASES, what="the EMA")
    assert not result
    text = result.message
    assert "three samples, beta = 0.5" not in text  # 0.5 and 1 - 0.5 agree: the first case passes
    assert "a constant stream" in text and "inputs: [1, 1, 1, 1], 0.9" in text
    assert "should be [0.1, 0.19, 0.271, 0.3439]" in text and "largest difference" in text
    assert result.case is CASES[1]
    with pytest.raises(AssertionError, match="a constant stream"):
        result.raise_if_failed()


def test_wrong_shape_wrong_type_and_exceptions_are_reported_not_raised():
    shape = check_against_reference(lambda s, b: reference_ema(s, b)[:-1], reference_ema, CASES,
                                     what="the EMA")  # fmt: skip
    assert "expected shape (3,), got shape (2,)" in shape.message
    text = check_against_reference(lambda s, b: "m", reference_ema, CASES, what="the EMA")
    assert "expected a number or array, got str" in text.message

    def crashes(samples, beta):
        return samples[10]

    crash = check_against_reference(crashes, reference_ema, CASES, what="the EMA")
    assert "crashes raised IndexError" in crash.message and isinstance(crash.got, IndexError)
    assert not check_against_reference(42, reference_ema, CASES, what="the EMA")


def test_tuple_results_are_compared_entry_by_entry():
    def reference(x):
        return x + 1, x * 2

    def second_wrong(x):
        return x + 1, x * 3

    result = check_against_reference(second_wrong, reference, [Case("x = 2", (2.0,))], what="f")
    assert "in value 1 of the result" in result.message
    short = check_against_reference(lambda x: (x + 1,), reference, [Case("x = 2", (2.0,))],
                                    what="f")  # fmt: skip
    assert "expected 2 values" in short.message


def test_a_function_that_modifies_its_input_cannot_spoil_the_reference():
    samples = np.array([1.0, 2.0, 3.0])
    case = [Case("three samples", (samples, 0.5))]

    def destructive(s, beta):
        result = reference_ema(s, beta)
        s[:] = 0.0
        return result

    assert check_against_reference(destructive, reference_ema, case, what="the EMA")
    assert np.array_equal(samples, [1.0, 2.0, 3.0])


def test_check_result_repr_is_its_message():
    result = CheckResult(False, "✗ Not yet: something")
    assert repr(result) == result.message == "✗ Not yet: something" and not result


def test_symbolic_nesterov_step_matches_sgd_update_numerically():
    rng = np.random.default_rng(11)
    theta, b, g, lr, mu = rng.normal(size=5)
    lr, mu = abs(lr), abs(mu) % 1
    expected_theta, expected_b = adamlib.sgd_update(
        np.array([theta]), np.array([g]), np.array([b]), 2, lr=lr, momentum=mu, nesterov=True
    )
    symbols = sp.symbols("theta b g eta mu")
    new_theta, new_b = nesterov_step(*symbols[:3], symbols[3], symbols[4])
    values = dict(zip(symbols, (theta, b, g, lr, mu)))
    assert float(new_theta.subs(values)) == pytest.approx(expected_theta[0], rel=1e-12)
    assert float(new_b.subs(values)) == pytest.approx(expected_b[0], rel=1e-12)


# -- inputs that must not change -------------------------------------------------------------
def reference_step(theta, g, lr):
    return theta - lr * g


STEP_CASES = [
    Case("lr = 0 (nothing moves)", (np.array([0.3, 0.7]), np.array([1.0, 2.0]), 0.0)),
    Case("one coordinate", (np.array([1.0]), np.array([0.5]), 0.1)),
]


def in_place_step(theta, g, lr):
    theta -= lr * g
    return theta


def test_an_in_place_update_fails_when_inputs_must_not_change_and_names_the_argument():
    result = check_against_reference(in_place_step, reference_step, STEP_CASES, what="a step",
                                     inputs_must_not_change=True)  # fmt: skip
    assert not result
    # lr = 0 leaves theta as it was, so the first case passes; the second names theta
    assert result.case is STEP_CASES[1]
    assert result.message == (
        "✗ Not yet: for one coordinate (inputs: [1], [0.5], 0.1), your function modified its "
        "input `theta` in place; return a new array instead."
    )
    assert np.array_equal(STEP_CASES[1].args[0], [1.0])  # the case itself is untouched


def test_by_default_an_in_place_update_is_judged_on_its_result_alone():
    assert check_against_reference(in_place_step, reference_step, STEP_CASES, what="a step")


def test_the_changed_argument_is_named_for_keywords_lists_and_lambdas():
    def clears_gradient(theta, g, lr):
        new = theta - lr * g
        g[:] = 0.0
        return new

    result = check_against_reference(clears_gradient, reference_step, STEP_CASES[1:],
                                     what="a step", inputs_must_not_change=True)  # fmt: skip
    assert "modified its input `g` in place" in result.message

    keyword_case = [Case("lr as a keyword", (np.array([1.0]), np.array([0.5])), {"lr": 0.1})]
    result = check_against_reference(lambda theta, g, lr: in_place_step(theta, g, lr),
                                     reference_step, keyword_case, what="a step",
                                     inputs_must_not_change=True)  # fmt: skip
    assert "modified its input `theta` in place" in result.message

    def mean_of_list(arrays):
        return np.mean(arrays, axis=0)

    def appends(arrays):
        arrays.append(arrays[0])
        return mean_of_list(arrays[:-1])

    list_case = [Case("two arrays", ([np.ones(2), np.zeros(2)],))]
    result = check_against_reference(appends, mean_of_list, list_case, what="the mean",
                                     inputs_must_not_change=True)  # fmt: skip
    assert "modified its input `arrays` in place" in result.message
    assert len(list_case[0].args[0]) == 2  # the list in the case was copied, not changed


def test_arrays_inside_lists_are_copied_so_the_reader_cannot_spoil_later_cases():
    shared = [np.array([1.0, 2.0])]
    cases = [Case("first", (shared,)), Case("second", (shared,))]

    def zeroes_then_sums(arrays):
        total = arrays[0].sum()
        arrays[0][:] = 0.0
        return total

    assert check_against_reference(zeroes_then_sums, lambda a: a[0].sum(), cases, what="sum")
    assert np.array_equal(shared[0], [1.0, 2.0])


# -- a template not filled in, a missing return --------------------------------------------------
def test_not_implemented_yet_is_said_plainly():
    def gradient_descent_step(theta, g, lr):
        raise NotImplementedError("write this")

    result = check_against_reference(gradient_descent_step, reference_step, STEP_CASES,
                                     what="a step")  # fmt: skip
    assert not result and isinstance(result.got, NotImplementedError)
    assert result.message == (
        "✗ Not implemented yet: gradient_descent_step still raises NotImplementedError. Replace "
        "that line with your code, then run the checker again."
    )
    assert "Traceback" not in result.message and "raised" not in result.message


def test_a_missing_return_is_named():
    def forgets_return(theta, g, lr):
        theta - lr * g  # noqa: B018

    result = check_against_reference(forgets_return, reference_step, STEP_CASES, what="a step")
    assert "it returned None: is a `return` statement missing?" in result.message


# -- the time limit ------------------------------------------------------------------------------
def never_returns(theta, g, lr):
    while True:
        theta = theta + 0.0


def test_a_function_that_never_returns_is_stopped_and_the_input_named():
    start = time.monotonic()
    result = check_against_reference(never_returns, reference_step, STEP_CASES, what="a step",
                                     time_limit=0.3)  # fmt: skip
    assert time.monotonic() - start < 3.0
    assert not result and result.case is STEP_CASES[0]
    assert result.message == (
        "✗ Not yet: never_returns did not return within 0.3 s for lr = 0 (nothing moves) "
        "(inputs: [0.3, 0.7], [1, 2], 0). Does a loop never end (a while condition that stays "
        "true)?"
    )


def test_the_time_limit_is_not_swallowed_by_except_exception():
    def stubborn(theta, g, lr):
        try:
            while True:
                pass
        except Exception:  # a reader's catch-all must not hide the time limit
            return theta

    result = check_against_reference(stubborn, reference_step, STEP_CASES, what="a step",
                                     time_limit=0.2)  # fmt: skip
    assert "did not return within 0.2 s" in result.message


def test_a_fast_function_passes_under_the_time_limit_and_the_alarm_is_put_back():
    calls = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: calls.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)  # someone else's timer, running
        assert check_against_reference(reference_step, reference_step, STEP_CASES, what="a step",
                                       time_limit=0.2)  # fmt: skip
        result = check_against_reference(never_returns, reference_step, STEP_CASES,
                                          what="a step", time_limit=0.2)  # fmt: skip
        assert "did not return within 0.2 s" in result.message
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left < 0.6  # the other timer still runs, with what it had left
        time.sleep(left + 0.2)
        assert calls == [signal.SIGALRM]  # and it reached its own handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_a_worker_thread_enforces_the_limit():
    def slow(theta, g, lr):
        time.sleep(1.0)  # returns in the end, so the worker thread does not outlive the test
        return theta - lr * g

    results = {}

    def check_from_a_thread():
        results["slow"] = check_against_reference(slow, reference_step, STEP_CASES, what="a step",
                                                   time_limit=0.2)  # fmt: skip
        results["fast"] = check_against_reference(reference_step, reference_step, STEP_CASES,
                                                   what="a step", time_limit=1.0)  # fmt: skip

        def todo(theta, g, lr):
            raise NotImplementedError

        results["todo"] = check_against_reference(todo, reference_step, STEP_CASES, what="a step")

    thread = threading.Thread(target=check_from_a_thread)
    thread.start()
    thread.join(10.0)
    assert "slow did not return within 0.2 s for lr = 0" in results["slow"].message
    assert results["fast"].passed
    assert "Not implemented yet" in results["todo"].message
    time.sleep(1.0)  # let the slow call finish in its worker


def test_no_time_limit_and_an_invalid_one():
    assert check_against_reference(reference_step, reference_step, STEP_CASES, what="a step",
                                   time_limit=None)  # fmt: skip
    with pytest.raises(ValueError, match="Invalid time_limit"):
        check_against_reference(reference_step, reference_step, STEP_CASES, what="a step",
                                time_limit=0)  # fmt: skip


def test_printed_verdicts_fold_to_the_notebook_column_and_keep_every_word():
    slow = check_against_reference(lambda s, b: reference_ema(s, b) * 1.5, reference_ema, CASES,
                                   what="the exponential moving averages of the samples")  # fmt: skip
    assert len(slow.message) > 80 and "\n" not in slow.message
    printed = str(slow)
    assert all(len(line) <= 80 for line in printed.splitlines())
    assert len(printed.splitlines()) >= 2
    assert printed.split() == slow.message.split()  # only spaces became line breaks
    assert repr(slow) == printed


def test_random_moment_state_is_seeded_and_draws_the_second_moment_in_its_range():
    from adamlib.exercises._core import random_moment_state

    first = random_moment_state(np.random.default_rng(3), (0.5, 2.0))
    again = random_moment_state(np.random.default_rng(3), (0.5, 2.0))
    other = random_moment_state(np.random.default_rng(4), (0.5, 2.0))
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["theta3"], other["theta3"])
    for key in ("s3", "s_grid"):
        assert first[key].min() >= 0.5 and first[key].max() < 2.0
    assert first["theta_grid"].shape == first["m_grid"].shape == (2, 3)
