"""Tests of check_adamax_step: right answers pass, the classic slips fail early and clearly."""

import numpy as np
import pytest

from adamlib.exercises import check_adamax_step
from adamlib.exercises.relatives import adamax_step_cases


# -- readers' AdaMax steps ---------------------------------------------------------------------
def adamax_step(theta, g, m, u, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    u = np.maximum(beta2 * u, np.abs(g) + eps)
    return theta - lr / (1 - beta1**t) * m / u, m, u


def adamax_step_with_copies(theta, g, m, u, t, lr, beta1, beta2, eps):
    m, u = m.copy(), u.copy()  # in place, but on copies: allowed
    m *= beta1
    m += (1 - beta1) * g
    u *= beta2
    np.maximum(u, np.abs(g) + eps, out=u)
    return theta - (lr / (1 - beta1**t)) * (m / u), m, u


def no_bias_correction(theta, g, m, u, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    u = np.maximum(beta2 * u, np.abs(g) + eps)
    return theta - lr * m / u, m, u


def corrects_u_too(theta, g, m, u, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    u = np.maximum(beta2 * u, np.abs(g) + eps)
    return theta - lr / (1 - beta1**t) * m / (u / (1 - beta2**t)), m, u


def no_absolute_value(theta, g, m, u, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    u = np.maximum(beta2 * u, g + eps)
    return theta - lr / (1 - beta1**t) * m / u, m, u


def no_decay_in_the_max(theta, g, m, u, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    u = np.maximum(u, np.abs(g) + eps)
    return theta - lr / (1 - beta1**t) * m / u, m, u


def eps_after_the_max(theta, g, m, u, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    u = np.maximum(beta2 * u, np.abs(g)) + eps
    return theta - lr / (1 - beta1**t) * m / u, m, u


def updates_theta_in_place(theta, g, m, u, t, lr, beta1, beta2, eps):
    theta_new, m, u = adamax_step(theta, g, m, u, t, lr, beta1, beta2, eps)
    theta[...] = theta_new
    return theta, m, u


def still_a_template(theta, g, m, u, t, lr, beta1, beta2, eps):
    raise NotImplementedError


# -- the tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [adamax_step, adamax_step_with_copies])
def test_correct_steps_pass(fn):
    result = check_adamax_step(fn)
    assert result.passed, result.message
    assert "6 test cases" in result.message


@pytest.mark.parametrize(
    "fn, failing_case",
    [
        (no_bias_correction, "the first step, t = 1, a negative gradient"),
        (corrects_u_too, "the first step, t = 1, a negative gradient"),
        (no_absolute_value, "the first step, t = 1, a negative gradient"),
        (no_decay_in_the_max, "step t = 2, the old maximum still wins"),
        (eps_after_the_max, "a large eps = 0.1, the old maximum still wins"),
    ],
)
def test_classic_slips_fail_on_the_case_that_shows_them(fn, failing_case):
    result = check_adamax_step(fn)
    assert not result.passed
    assert result.case.description == failing_case
    assert failing_case in result.message
    assert "should be" in result.message and "returned" in result.message


def test_changing_theta_in_place_is_named():
    result = check_adamax_step(updates_theta_in_place)
    assert not result.passed
    assert "`theta`" in result.message and "in place" in result.message


def test_template_is_reported_as_not_implemented():
    result = check_adamax_step(still_a_template)
    assert not result.passed and "Not implemented yet" in result.message


def test_cases_are_seeded_and_do_not_change():
    first, second = adamax_step_cases(), adamax_step_cases()
    for a, b in zip(first, second):
        assert a.description == b.description
        for x, y in zip(a.args, b.args):
            np.testing.assert_array_equal(x, y)
