"""Tests of check_amsgrad_step: right answers pass, the classic slips fail early and clearly."""

import numpy as np
import pytest

from adamlib.exercises import check_amsgrad_step
from adamlib.exercises.amsgrad import amsgrad_step_cases


# -- readers' AMSGrad steps ----------------------------------------------------------------------
def amsgrad_step(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_max = np.maximum(v_max, v)
    m_hat, v_hat = m / (1 - beta1**t), v_max / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max


def amsgrad_step_on_copies(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    m, v, v_max = m.copy(), v.copy(), v_max.copy()  # in place, but on copies: allowed
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    np.maximum(v_max, v, out=v_max)
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v_max / (1 - beta2**t)) + eps)
    return theta - step, m, v, v_max


def max_of_corrected_v(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):  # optax's version
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_max = np.maximum(v_max, v / (1 - beta2**t))
    return theta - lr * m / (1 - beta1**t) / (np.sqrt(v_max) + eps), m, v, v_max


def no_bias_correction(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):  # the paper's version
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_max = np.maximum(v_max, v)
    return theta - lr * m / (np.sqrt(v_max) + eps), m, v, v_max


def max_with_m(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_max = np.maximum(v_max, m)
    m_hat, v_hat = m / (1 - beta1**t), v_max / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max


def forgets_the_max_in_the_step(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_max = np.maximum(v_max, v)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)  # plain Adam's divisor
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max


def returns_v_as_the_max(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v


def changes_v_max_in_place(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    np.maximum(v_max, v, out=v_max)
    m_hat, v_hat = m / (1 - beta1**t), v_max / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max


def t_counted_from_zero(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    return amsgrad_step(theta, g, m, v, v_max, t - 1, lr, beta1, beta2, eps)


def todo(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    raise NotImplementedError


# -- the tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [amsgrad_step, amsgrad_step_on_copies])
def test_correct_steps_pass(fn):
    result = check_amsgrad_step(fn)
    assert result.passed, result.message
    assert "on all 8 test cases" in result.message


@pytest.mark.parametrize(
    "fn, failing_case, named",
    [
        (max_of_corrected_v, "the first step, t = 1", "value 3 of the result"),
        (no_bias_correction, "the first step, t = 1", "value 0 of the result"),
        (max_with_m, "the first step, t = 1", "value 0 of the result"),
        (t_counted_from_zero, "the first step, t = 1", "value 0 of the result"),
        (forgets_the_max_in_the_step, "the stored maximum exceeds v_t", "value 0 of the result"),
        (returns_v_as_the_max, "the stored maximum exceeds v_t", "value 0 of the result"),
    ],
)
def test_classic_slips_fail_early_and_say_where(fn, failing_case, named):
    result = check_amsgrad_step(fn)
    assert not result.passed
    assert failing_case in result.case.description
    assert failing_case in result.message and named in result.message


def test_changing_an_argument_in_place_is_named():
    result = check_amsgrad_step(changes_v_max_in_place)
    assert not result.passed
    assert "modified its input `v_max` in place" in result.message
    assert result.case.description.startswith("the first step")


def test_the_template_is_reported_as_not_implemented():
    assert "Not implemented yet" in check_amsgrad_step(todo).message


def test_cases_hold_a_valid_running_maximum():
    for case in amsgrad_step_cases():
        theta, g, m, v, v_max, t, *_ = case.args
        assert np.all(v_max >= v) and t >= 1
        assert theta.shape == g.shape == m.shape == v.shape == v_max.shape
