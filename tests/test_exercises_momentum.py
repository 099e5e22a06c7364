"""Tests of adamlib.exercises.momentum: right answers pass, each classic mistake fails by name."""

import numpy as np
import pytest

from adamlib.exercises import check_momentum_step, check_nesterov_step


def heavy_ball(theta, g, buffer, lr, momentum, first_step):
    buffer = g.copy() if first_step else momentum * buffer + g
    return theta - lr * buffer, buffer


def nesterov(theta, g, buffer, lr, momentum, first_step):
    buffer = g.copy() if first_step else momentum * buffer + g
    return theta - lr * (g + momentum * buffer), buffer


def ema_without_rescaling(theta, g, buffer, lr, momentum, first_step):
    buffer = g.copy() if first_step else momentum * buffer + (1 - momentum) * g
    return theta - lr * buffer, buffer


def ema_from_zero(theta, g, buffer, lr, momentum, first_step):
    buffer = np.zeros_like(g) if first_step else buffer
    buffer = momentum * buffer + (1 - momentum) * g
    return theta - lr * buffer, buffer


def step_with_old_buffer(theta, g, buffer, lr, momentum, first_step):
    old = np.zeros_like(g) if first_step else buffer
    return theta - lr * old, (g.copy() if first_step else momentum * buffer + g)


def ignores_first_step(theta, g, buffer, lr, momentum, first_step):
    buffer = momentum * buffer + g  # fails on None
    return theta - lr * buffer, buffer


def wrong_sign(theta, g, buffer, lr, momentum, first_step):
    buffer = g.copy() if first_step else momentum * buffer + g
    return theta + lr * buffer, buffer


def nesterov_with_old_buffer(theta, g, buffer, lr, momentum, first_step):
    old = np.zeros_like(g) if first_step else buffer
    buffer = g.copy() if first_step else momentum * buffer + g
    return theta - lr * (g + momentum * old), buffer


def nesterov_look_ahead_on_gradient(theta, g, buffer, lr, momentum, first_step):
    buffer = g.copy() if first_step else momentum * buffer + g
    return theta - lr * (buffer + momentum * g), buffer


def nesterov_returns_lookahead_buffer(theta, g, buffer, lr, momentum, first_step):
    buffer = g.copy() if first_step else momentum * buffer + g
    return theta - lr * (g + momentum * buffer), g + momentum * buffer


def test_correct_heavy_ball_passes():
    result = check_momentum_step(heavy_ball)
    assert result.passed and "✓ Correct" in result.message


def test_correct_nesterov_passes():
    assert check_nesterov_step(nesterov).passed


@pytest.mark.parametrize(
    "wrong, failing_case",
    [
        (ema_without_rescaling, "a second step, one coordinate"),
        (ema_from_zero, "the first step, one coordinate"),
        (step_with_old_buffer, "the first step, one coordinate"),
        (ignores_first_step, "the first step, one coordinate"),
        (wrong_sign, "the first step, one coordinate"),
        (nesterov, "the first step, one coordinate"),
    ],
)
def test_wrong_momentum_steps_fail_naming_the_input(wrong, failing_case):
    result = check_momentum_step(wrong)
    assert not result.passed
    message = result.message
    assert message.startswith("✗ Not yet")
    assert failing_case in message and "inputs:" in message
    assert result.case.description == failing_case


@pytest.mark.parametrize(
    "wrong, failing_case",
    [
        (heavy_ball, "the first step, one coordinate"),
        (nesterov_with_old_buffer, "the first step, one coordinate"),
        (nesterov_look_ahead_on_gradient, "a second step, one coordinate"),
        (nesterov_returns_lookahead_buffer, "the first step, one coordinate"),
        (ema_without_rescaling, "the first step, one coordinate"),
    ],
)
def test_wrong_nesterov_steps_fail_naming_the_input(wrong, failing_case):
    result = check_nesterov_step(wrong)
    assert not result.passed
    assert failing_case in result.message and "inputs:" in result.message
    assert result.case.description == failing_case


def test_message_names_values_and_expected():
    message = check_momentum_step(ema_without_rescaling).message
    # second case: theta 0.95, g 0.4, buffer 0.5, lr 0.1, momentum 0.9 -> buffer 0.85, theta 0.865
    assert "[0.95], [0.4], [0.5], 0.1, 0.9, False" in message
    assert "[0.865]" in message and "[0.85]" in message


def in_place_heavy_ball(theta, g, buffer, lr, momentum, first_step):
    if first_step:
        buffer = g.copy()
    else:
        buffer *= momentum
        buffer += g
    theta -= lr * buffer
    return theta, buffer


def in_place_buffer_only(theta, g, buffer, lr, momentum, first_step):
    if first_step:
        buffer = g.copy()
    else:
        buffer *= momentum  # the right values, but the caller's buffer is overwritten
        buffer += g
    return theta - lr * buffer, buffer


@pytest.mark.parametrize("check", [check_momentum_step, check_nesterov_step])
def test_a_function_that_changes_theta_in_place_fails_naming_theta(check):
    # The exercise asks for new arrays; the values are right, so only the in-place check can fail.
    result = check(in_place_heavy_ball)
    assert not result.passed
    assert "modified its input `theta` in place" in result.message
    assert result.case.description == "the first step, one coordinate"


def test_a_function_that_changes_the_buffer_in_place_fails_naming_the_buffer():
    result = check_momentum_step(in_place_buffer_only)
    assert not result.passed
    assert "modified its input `buffer` in place" in result.message
    assert result.case.description == "a second step, one coordinate"
