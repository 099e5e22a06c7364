"""Tests of check_adamw_step: right answers pass, the classic slips fail early and clearly."""

import numpy as np
import pytest

from adamlib.exercises import check_adamw_step
from adamlib.exercises.weight_decay import adamw_step_cases


def adam_part(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# -- readers' AdamW steps ---------------------------------------------------------------------
def adamw_step(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta * (1 - lr * weight_decay)
    return adam_part(theta, g, m, v, t, lr, beta1, beta2, eps)


def adamw_step_paper_form(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """theta - lr (direction + omega theta): the same numbers as decaying first."""
    stepped, m, v = adam_part(theta, g, m, v, t, lr, beta1, beta2, eps)
    return stepped - lr * weight_decay * theta, m, v


def adamw_step_in_place_on_copies(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta.copy()
    theta *= 1 - lr * weight_decay
    return adam_part(theta, g, m, v, t, lr, beta1, beta2, eps)


def l2_inside_the_gradient(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adam_part(theta, g + weight_decay * theta, m, v, t, lr, beta1, beta2, eps)


def decay_not_scaled_by_lr(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adam_part(theta * (1 - weight_decay), g, m, v, t, lr, beta1, beta2, eps)


def no_decay(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adam_part(theta, g, m, v, t, lr, beta1, beta2, eps)


def decay_twice(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adamw_step(theta, g + weight_decay * theta, m, v, t, lr, beta1, beta2, eps,
                      weight_decay)  # fmt: skip


def decay_after_the_step(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    stepped, m, v = adam_part(theta, g, m, v, t, lr, beta1, beta2, eps)
    return stepped * (1 - lr * weight_decay), m, v


def no_bias_correction(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def decays_theta_in_place(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta *= 1 - lr * weight_decay
    return adam_part(theta, g, m, v, t, lr, beta1, beta2, eps)


def updates_m_in_place(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    new_theta, new_m, new_v = adamw_step(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay)
    m[...] = new_m
    return new_theta, m, new_v


def returns_only_theta(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adamw_step(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay)[0]


@pytest.mark.parametrize("reader", [adamw_step, adamw_step_paper_form,
                                    adamw_step_in_place_on_copies])  # fmt: skip
def test_correct_implementations_pass(reader):
    result = check_adamw_step(reader)
    assert result.passed, result.message
    assert result.message == (
        f"✓ Correct: {reader.__name__} computes one AdamW step (new theta, new m, new v) "
        f"on all {len(adamw_step_cases())} test cases."
    )


ZERO_GRADIENT = "a first step with a zero gradient: only the decay acts"
LARGE_STEP = "a first step with lr = 0.1 and weight_decay = 0.5"


@pytest.mark.parametrize(
    "reader, failing_case, says",
    [
        (l2_inside_the_gradient, ZERO_GRADIENT, "should be ([0.95], [0], [0])"),
        (decay_not_scaled_by_lr, ZERO_GRADIENT, "your function returned ([0.5]"),
        (no_decay, ZERO_GRADIENT, "your function returned ([1]"),
        (decay_twice, ZERO_GRADIENT, "in value 0 of the result"),
        (decay_after_the_step, LARGE_STEP, "in value 0 of the result"),
        (no_bias_correction, LARGE_STEP, "in value 0 of the result"),
        (decays_theta_in_place, ZERO_GRADIENT, "modified its input `theta` in place"),
        (updates_m_in_place, LARGE_STEP, "modified its input `m` in place"),
        (returns_only_theta, ZERO_GRADIENT, "expected 3 values (a tuple)"),
    ],
)
def test_classic_slips_fail_on_the_expected_case(reader, failing_case, says):
    result = check_adamw_step(reader)
    assert not result.passed
    assert result.case.description == failing_case
    assert result.message.startswith(f"✗ Not yet: for {failing_case} (inputs: ")
    assert says in result.message


def test_decay_after_the_step_is_caught_by_a_difference_of_lr_squared_omega():
    """The slip's error on the second case is lr^2 omega times Adam's first direction (1)."""
    result = check_adamw_step(decay_after_the_step)
    expected_theta, got_theta = result.expected[0], result.got[0]
    np.testing.assert_allclose(got_theta - expected_theta, 0.1**2 * 0.5 * 1.0, rtol=1e-6)


def test_failure_message_names_input_expected_and_returned():
    message = check_adamw_step(decay_not_scaled_by_lr).message
    assert "inputs: [1], [0], [0], [0], 1, 0.1, 0.9, 0.999, 1e-08, 0.5" in message
    assert "should be ([0.95], [0], [0])" in message
    assert "returned ([0.5], [0], [0])" in message


def test_not_implemented_template_is_reported():
    def template(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        raise NotImplementedError

    result = check_adamw_step(template)
    assert not result.passed
    assert "Not implemented yet" in result.message
