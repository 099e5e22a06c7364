"""Tests of check_adam_step: right answers pass, the classic slips fail early and clearly."""

import numpy as np
import pytest

from adamlib.exercises import check_adam_step
from adamlib.exercises.adam import adam_step_cases


# -- readers' Adam steps ----------------------------------------------------------------------
def adam_step(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_step_with_copies(theta, g, m, v, t, lr, beta1, beta2, eps):
    m, v = m.copy(), v.copy()  # in place, but on copies: allowed
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta - step, m, v


def adam_step_faster_ordering(theta, g, m, v, t, lr, beta1, beta2, eps):
    """The paper's section 2 ordering with eps_hat = eps sqrt(1 - beta2^t): equal to rounding."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    alpha_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - alpha_t * m / (np.sqrt(v) + eps * np.sqrt(1 - beta2**t)), m, v


def no_bias_correction(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def t_counted_from_zero(theta, g, m, v, t, lr, beta1, beta2, eps):
    return adam_step(theta, g, m, v, t - 1, lr, beta1, beta2, eps)


def eps_inside_the_root(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v


def eps_outside_the_division(theta, g, m, v, t, lr, beta1, beta2, eps):  # d2l's slip
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * (m_hat / np.sqrt(v_hat) + eps), m, v


def corrects_the_stored_averages(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m /= 1 - beta1**t  # the averages the next step needs are now corrected ones
    v /= 1 - beta2**t
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def beta_and_one_minus_beta_swapped(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = (1 - beta1) * m + beta1 * g
    v = (1 - beta2) * v + beta2 * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def changes_m_in_place(theta, g, m, v, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def changes_theta_in_place(theta, g, m, v, t, lr, beta1, beta2, eps):
    new_theta, m, v = adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)
    theta[...] = new_theta
    return theta, m, v


def changes_v_in_place(theta, g, m, v, t, lr, beta1, beta2, eps):
    new_theta, m, new_v = adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)
    v[...] = new_v
    return new_theta, m, v


def returns_corrected_averages(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


def returns_only_theta(theta, g, m, v, t, lr, beta1, beta2, eps):
    return adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)[0]


def python_floats_and_t_from_zero(theta, g, m, v, t, lr, beta1, beta2, eps):
    correction = lr / (1 - beta1 ** (t - 1))  # ZeroDivisionError at t = 1
    return adam_step(theta, g, m, v, t, correction, beta1, beta2, eps)


@pytest.mark.parametrize("reader", [adam_step, adam_step_with_copies, adam_step_faster_ordering])
def test_correct_implementations_pass(reader):
    result = check_adam_step(reader)
    assert result.passed, result.message
    assert result.message == (
        f"✓ Correct: {reader.__name__} computes one Adam step (new theta, new m, new v) "
        f"on all {len(adam_step_cases())} test cases."
    )


FIRST_CASE = "the first step, t = 1, one coordinate"
SMALL_GRADIENTS = "a first step with gradients as small as eps"


@pytest.mark.parametrize(
    "reader, failing_case, says",
    [
        (no_bias_correction, FIRST_CASE, "in value 0 of the result"),
        (t_counted_from_zero, FIRST_CASE, "returned ([nan]"),
        (python_floats_and_t_from_zero, FIRST_CASE, "raised ZeroDivisionError"),
        (eps_inside_the_root, SMALL_GRADIENTS, "in value 0 of the result"),
        (eps_outside_the_division, SMALL_GRADIENTS, "in value 0 of the result"),
        (corrects_the_stored_averages, FIRST_CASE, "in value 1 of the result"),
        (returns_corrected_averages, FIRST_CASE, "in value 1 of the result"),
        (beta_and_one_minus_beta_swapped, FIRST_CASE, "in value 0 of the result"),
        (changes_m_in_place, FIRST_CASE, "modified its input `m` in place"),
        (changes_theta_in_place, FIRST_CASE, "modified its input `theta` in place"),
        (changes_v_in_place, FIRST_CASE, "modified its input `v` in place"),
        (returns_only_theta, FIRST_CASE, "expected 3 values (a tuple)"),
    ],
)
def test_classic_slips_fail_on_the_expected_case(reader, failing_case, says):
    result = check_adam_step(reader)
    assert not result.passed
    assert result.case.description == failing_case
    assert result.message.startswith(f"✗ Not yet: for {failing_case} (inputs: ")
    assert says in result.message


def test_failure_message_names_input_expected_and_returned():
    message = check_adam_step(no_bias_correction).message
    assert "(inputs: [1], [0.5], [0], [0], 1, 0.1, 0.9, 0.999, 1e-08)" in message
    assert "should be ([0.9], [0.05], [0.00025])" in message
    assert "your function returned ([0.683772], [0.05], [0.00025])" in message


def test_exchanging_beta1_and_beta2_fails():
    result = check_adam_step(
        lambda theta, g, m, v, t, lr, beta1, beta2, eps: adam_step(theta, g, m, v, t, lr, beta2,
                                                                   beta1, eps)
    )  # fmt: skip
    assert not result.passed and result.case.description == FIRST_CASE


def test_a_slip_that_only_shows_at_later_steps_is_caught():
    """Bias correction with the wrong power (beta^(t+1) after the first step) shows at t = 2."""

    def wrong_power_later(theta, g, m, v, t, lr, beta1, beta2, eps):
        return adam_step(theta, g, m, v, t if t == 1 else t + 1, lr, beta1, beta2, eps)

    result = check_adam_step(wrong_power_later)
    assert not result.passed
    assert result.case.description == "the second step, t = 2, one coordinate"


def test_no_warning_escapes_from_a_division_by_zero():
    with np.errstate(all="raise"):  # would raise FloatingPointError if the checker let it through
        result = check_adam_step(t_counted_from_zero)
    assert not result.passed


def test_not_a_function():
    result = check_adam_step("adam")
    assert not result.passed and "Expected a function" in result.message


def test_cases_do_not_change_between_calls():
    first, second = adam_step_cases(), adam_step_cases()
    for a, b in zip(first, second):
        assert a.description == b.description
        for x, y in zip(a.args, b.args):
            assert np.array_equal(x, y)
