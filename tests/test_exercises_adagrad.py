"""Tests of adamlib.exercises.adagrad: right answers pass, each classic slip fails, by name."""

import warnings

import numpy as np
import pytest

from adamlib.exercises import adagrad_step_cases, check_adagrad_accumulator


# -- readers' Adagrad steps: fn(theta, g, s, lr, eps) -> (new_theta, new_s) --------------------
def adagrad_step(theta, g, s, lr, eps):
    s = s + g**2
    return theta - lr * g / (np.sqrt(s) + eps), s


def adagrad_step_ufuncs(theta, g, s, lr, eps):
    new_s = np.add(s, np.square(g))
    return np.subtract(theta, lr * g / np.add(np.sqrt(new_s), eps)), new_s


def eps_inside_root(theta, g, s, lr, eps):
    s = s + g**2
    return theta - lr * g / np.sqrt(s + eps), s


def forgets_to_square(theta, g, s, lr, eps):
    s = s + g
    with np.errstate(invalid="ignore"):
        return theta - lr * g / (np.sqrt(s) + eps), s


def absolute_value_instead_of_square(theta, g, s, lr, eps):
    s = s + np.abs(g)
    return theta - lr * g / (np.sqrt(s) + eps), s


def old_accumulator(theta, g, s, lr, eps):
    return theta - lr * g / (np.sqrt(s) + eps), s + g**2


def divides_by_s(theta, g, s, lr, eps):
    s = s + g**2
    return theta - lr * g / (s + eps), s


def updates_s_in_place(theta, g, s, lr, eps):
    s += g**2
    return theta - lr * g / (np.sqrt(s) + eps), s.copy()


def updates_theta_in_place(theta, g, s, lr, eps):
    s = s + g**2
    theta -= lr * g / (np.sqrt(s) + eps)
    return theta.copy(), s


def returns_only_theta(theta, g, s, lr, eps):
    s = s + g**2
    return theta - lr * g / (np.sqrt(s) + eps)


def returns_swapped(theta, g, s, lr, eps):
    s = s + g**2
    return s, theta - lr * g / (np.sqrt(s) + eps)


def ascends(theta, g, s, lr, eps):
    s = s + g**2
    return theta + lr * g / (np.sqrt(s) + eps), s


@pytest.mark.parametrize("fn", [adagrad_step, adagrad_step_ufuncs])
def test_correct_steps_pass(fn):
    result = check_adagrad_accumulator(fn)
    assert result.passed, result.message
    assert result.message == (
        f"✓ Correct: {fn.__name__} computes one Adagrad step (new theta, new s) on all 6 test "
        "cases."
    )


@pytest.mark.parametrize(
    ("fn", "failing_case"),
    [
        (forgets_to_square, "the first step, one coordinate, eps = 0"),
        (absolute_value_instead_of_square, "the first step, one coordinate, eps = 0"),
        (old_accumulator, "the first step, one coordinate, eps = 0"),
        (divides_by_s, "the first step, one coordinate, eps = 0"),
        (ascends, "the first step, one coordinate, eps = 0"),
        (returns_swapped, "the first step, one coordinate, eps = 0"),
        (returns_only_theta, "the first step, one coordinate, eps = 0"),
        (eps_inside_root, "eps = 0.5, added after the square root"),
    ],
)
def test_classic_slips_fail_on_the_expected_case(fn, failing_case):
    result = check_adagrad_accumulator(fn)
    assert not result.passed
    assert result.case.description == failing_case
    message = result.message
    assert message.startswith("✗ Not yet")
    assert failing_case in message  # the message names the input ...
    assert "should be" in message  # ... and what was expected


def test_first_case_message_shows_input_expected_and_returned_values():
    message = check_adagrad_accumulator(divides_by_s).message
    assert "inputs: [0], [2], [0], 0.1, 0" in message
    assert "should be ([-0.1], [4])" in message
    assert "returned ([-0.05], [4])" in message


@pytest.mark.parametrize(("fn", "argument"), [(updates_s_in_place, "s"),
                                              (updates_theta_in_place, "theta")])
def test_changing_an_input_in_place_fails_and_names_it(fn, argument):
    result = check_adagrad_accumulator(fn)
    assert not result.passed
    assert f"modified its input `{argument}` in place" in result.message


def test_eps_inside_the_root_is_caught_by_tiny_gradients_too():
    cases = adagrad_step_cases()
    tiny = next(case for case in cases if case.description.startswith("tiny gradients"))
    theta, g, s, lr, eps = tiny.args
    right = adagrad_step(theta, g, s, lr, eps)[0]
    wrong = eps_inside_root(theta, g, s, lr, eps)[0]
    assert not np.allclose(right, wrong, rtol=1e-7, atol=1e-10)


def test_a_division_by_zero_in_the_readers_code_leaves_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning would raise here
        result = check_adagrad_accumulator(old_accumulator)
    assert not result.passed


def test_not_a_function():
    result = check_adagrad_accumulator("adagrad")
    assert not result.passed
    assert "Expected a function" in result.message
