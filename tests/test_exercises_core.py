"""The machinery every checker shares: verdicts, messages, and protection of the inputs."""

from __future__ import annotations

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
    assert str(result) == "✓ Correct: reference_ema computes the EMA on all 2 test cases."
    result.raise_if_failed()


def test_a_wrong_value_names_the_case_the_input_and_both_values():
    def swapped(samples, beta):
        return reference_ema(samples, 1 - beta)

    result = check_against_reference(swapped, reference_ema, CASES, what="the EMA")
    assert not result
    text = str(result)
    assert "three samples, beta = 0.5" not in text  # 0.5 and 1 - 0.5 agree: the first case passes
    assert "a constant stream" in text and "inputs: [1, 1, 1, 1], 0.9" in text
    assert "should be [0.1, 0.19, 0.271, 0.3439]" in text and "largest difference" in text
    assert result.case is CASES[1]
    with pytest.raises(AssertionError, match="a constant stream"):
        result.raise_if_failed()


def test_wrong_shape_wrong_type_and_exceptions_are_reported_not_raised():
    shape = check_against_reference(lambda s, b: reference_ema(s, b)[:-1], reference_ema, CASES,
                                     what="the EMA")  # fmt: skip
    assert "expected shape (3,), got shape (2,)" in str(shape)
    text = check_against_reference(lambda s, b: "m", reference_ema, CASES, what="the EMA")
    assert "expected a number or array, got str" in str(text)

    def crashes(samples, beta):
        return samples[10]

    crash = check_against_reference(crashes, reference_ema, CASES, what="the EMA")
    assert "crashes raised IndexError" in str(crash) and isinstance(crash.got, IndexError)
    assert not check_against_reference(42, reference_ema, CASES, what="the EMA")


def test_tuple_results_are_compared_entry_by_entry():
    def reference(x):
        return x + 1, x * 2

    def second_wrong(x):
        return x + 1, x * 3

    result = check_against_reference(second_wrong, reference, [Case("x = 2", (2.0,))], what="f")
    assert "in value 1 of the result" in str(result)
    short = check_against_reference(lambda x: (x + 1,), reference, [Case("x = 2", (2.0,))],
                                    what="f")  # fmt: skip
    assert "expected 2 values" in str(short)


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
    assert repr(result) == str(result) == "✗ Not yet: something" and not result


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
