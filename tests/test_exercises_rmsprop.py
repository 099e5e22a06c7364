"""Tests of adamlib.exercises.rmsprop: right answers pass, classic slips fail clearly."""

import numpy as np
import pytest

from adamlib.exercises import check_centered_rmsprop_step, check_rmsprop_step


# -- readers' plain RMSprop steps -------------------------------------------------------------
def rmsprop_step(theta, g, v, lr, beta, eps):
    v = beta * v + (1 - beta) * g**2
    return theta - lr * g / (np.sqrt(v) + eps), v


def rmsprop_step_loop(theta, g, v, lr, beta, eps):
    new_theta, new_v = np.empty_like(theta), np.empty_like(v)
    for index in np.ndindex(theta.shape):
        new_v[index] = beta * v[index] + (1 - beta) * g[index] ** 2
        new_theta[index] = theta[index] - lr * g[index] / (new_v[index] ** 0.5 + eps)
    return new_theta, new_v


@pytest.mark.parametrize("reader", [rmsprop_step, rmsprop_step_loop])
def test_check_rmsprop_step_passes_correct_implementations(reader):
    result = check_rmsprop_step(reader)
    assert result.passed, result.message
    assert result.message.startswith("✓") and "7 test cases" in result.message


def swapped_betas(theta, g, v, lr, beta, eps):
    return rmsprop_step(theta, g, v, lr, 1 - beta, eps)


def old_v_in_the_denominator(theta, g, v, lr, beta, eps):
    return theta - lr * g / (np.sqrt(v) + eps), beta * v + (1 - beta) * g**2


def bias_corrected_first_step(theta, g, v, lr, beta, eps):  # as if t = 1 always
    new_v = beta * v + (1 - beta) * g**2
    return theta - lr * g / (np.sqrt(new_v / (1 - beta)) + eps), new_v


def not_squared(theta, g, v, lr, beta, eps):
    new_v = beta * v + (1 - beta) * np.abs(g)
    return theta - lr * g / (np.sqrt(new_v) + eps), new_v


def no_square_root(theta, g, v, lr, beta, eps):
    new_v = beta * v + (1 - beta) * g**2
    return theta - lr * g / (new_v + eps), new_v


def adds_the_step(theta, g, v, lr, beta, eps):
    theta_new, v_new = rmsprop_step(theta, g, v, lr, beta, eps)
    return 2 * theta - theta_new, v_new


def returns_only_theta(theta, g, v, lr, beta, eps):
    return rmsprop_step(theta, g, v, lr, beta, eps)[0]


@pytest.mark.parametrize(
    "reader",
    [swapped_betas, old_v_in_the_denominator, bias_corrected_first_step, not_squared,
     no_square_root, adds_the_step, returns_only_theta],
)  # fmt: skip
def test_check_rmsprop_step_catches_classic_slips_on_the_first_case(reader):
    result = check_rmsprop_step(reader)
    assert not result.passed
    assert "the first step (v = 0), one coordinate" in result.message
    assert "inputs: [1], [2], [0], 0.1, 0.9, 1e-08" in result.message
    assert "([0.683772], [0.4])" in result.message  # the expected (theta, v) is shown


def test_check_rmsprop_step_catches_eps_inside_the_root_on_the_large_eps_case():
    def eps_inside(theta, g, v, lr, beta, eps):
        new_v = beta * v + (1 - beta) * g**2
        return theta - lr * g / np.sqrt(new_v + eps), new_v

    result = check_rmsprop_step(eps_inside)
    assert not result.passed
    assert "a later step with a large eps = 0.1" in result.message
    assert "in value 0 of the result" in result.message  # theta is wrong, v is right


def test_check_rmsprop_step_catches_a_sign_slip_on_negative_gradients():
    def uses_the_size_of_g(theta, g, v, lr, beta, eps):
        new_v = beta * v + (1 - beta) * g**2
        return theta - lr * np.abs(g) / (np.sqrt(new_v) + eps), new_v

    result = check_rmsprop_step(uses_the_size_of_g)
    assert not result.passed
    assert "a negative gradient after large ones" in result.message


def test_check_rmsprop_step_catches_a_scalar_only_implementation():
    def first_coordinate_only(theta, g, v, lr, beta, eps):
        new_v = beta * v[0] + (1 - beta) * g[0] ** 2
        return theta - lr * g[0] / (np.sqrt(new_v) + eps), np.full_like(v, new_v)

    result = check_rmsprop_step(first_coordinate_only)
    assert not result.passed
    assert "beta = 0 (no memory" in result.message


def test_check_rmsprop_step_reports_a_crash_with_its_input():
    def crashes_on_matrices(theta, g, v, lr, beta, eps):
        if theta.ndim > 1:
            raise IndexError("only vectors")
        return rmsprop_step(theta, g, v, lr, beta, eps)

    result = check_rmsprop_step(crashes_on_matrices)
    assert not result.passed
    assert "a 3 x 4 matrix of parameters" in result.message
    assert "IndexError: only vectors" in result.message


def test_check_rmsprop_step_fails_in_place_updates_and_names_the_argument():
    def updates_v_in_place(theta, g, v, lr, beta, eps):
        v *= beta
        v += (1 - beta) * g * g
        return theta - lr * g / (np.sqrt(v) + eps), v

    def updates_theta_in_place(theta, g, v, lr, beta, eps):
        v = beta * v + (1 - beta) * g**2
        theta -= lr * g / (np.sqrt(v) + eps)
        return theta, v

    for reader, name in ((updates_v_in_place, "`v`"), (updates_theta_in_place, "`theta`")):
        result = check_rmsprop_step(reader)
        assert not result.passed
        assert "the first step (v = 0), one coordinate" in result.message
        assert f"modified its input {name} in place" in result.message


def test_check_centered_rmsprop_step_fails_an_in_place_update_of_m():
    def updates_m_in_place(theta, g, v, m, lr, beta, eps):
        v = beta * v + (1 - beta) * g**2
        m *= beta
        m += (1 - beta) * g
        return theta - lr * g / (np.sqrt(v - m**2) + eps), v, m

    result = check_centered_rmsprop_step(updates_m_in_place)
    assert not result.passed
    assert "modified its input `m` in place" in result.message


def test_check_rmsprop_step_rejects_a_non_function():
    assert not check_rmsprop_step("rmsprop")


# -- readers' centered steps ------------------------------------------------------------------
def centered_step(theta, g, v, m, lr, beta, eps):
    v = beta * v + (1 - beta) * g**2
    m = beta * m + (1 - beta) * g
    return theta - lr * g / (np.sqrt(v - m**2) + eps), v, m


def test_check_centered_rmsprop_step_passes_a_correct_implementation():
    result = check_centered_rmsprop_step(centered_step)
    assert result.passed, result.message
    assert "4 test cases" in result.message


@pytest.mark.parametrize(
    "reader",
    [
        lambda theta, g, v, m, lr, beta, eps: (  # squares the difference v - m
            theta - lr * g / (np.sqrt((beta * v + (1 - beta) * g**2
                                       - beta * m - (1 - beta) * g) ** 2) + eps),
            beta * v + (1 - beta) * g**2, beta * m + (1 - beta) * g),
        lambda theta, g, v, m, lr, beta, eps: (  # sqrt(v) - m
            theta - lr * g / (np.sqrt(beta * v + (1 - beta) * g**2)
                              - (beta * m + (1 - beta) * g) + eps),
            beta * v + (1 - beta) * g**2, beta * m + (1 - beta) * g),
        lambda theta, g, v, m, lr, beta, eps: (  # centers with the old m
            theta - lr * g / (np.sqrt(beta * v + (1 - beta) * g**2 - m**2) + eps),
            beta * v + (1 - beta) * g**2, beta * m + (1 - beta) * g),
        lambda theta, g, v, m, lr, beta, eps: (  # forgets to centre: the plain step
            theta - lr * g / (np.sqrt(beta * v + (1 - beta) * g**2) + eps),
            beta * v + (1 - beta) * g**2, beta * m + (1 - beta) * g),
        lambda theta, g, v, m, lr, beta, eps: (  # returns the old m
            centered_step(theta, g, v, m, lr, beta, eps)[:2] + (m,)),
    ],
    ids=["squared-difference", "sqrt-minus-mean", "old-mean", "not-centered", "m-not-returned"],
)  # fmt: skip
def test_check_centered_rmsprop_step_catches_slips_on_the_first_case(reader):
    result = check_centered_rmsprop_step(reader)
    assert not result.passed
    assert "the first step (v = m = 0), one coordinate" in result.message
    assert "([0.666667], [0.4], [0.2])" in result.message


def test_check_centered_rmsprop_step_catches_eps_inside_the_root():
    def eps_inside(theta, g, v, m, lr, beta, eps):
        v = beta * v + (1 - beta) * g**2
        m = beta * m + (1 - beta) * g
        return theta - lr * g / np.sqrt(v - m**2 + eps), v, m

    result = check_centered_rmsprop_step(eps_inside)
    assert not result.passed
    assert "a large eps = 0.1" in result.message


def test_check_centered_rmsprop_step_wants_three_values():
    def two_values(theta, g, v, m, lr, beta, eps):
        return centered_step(theta, g, v, m, lr, beta, eps)[:2]

    result = check_centered_rmsprop_step(two_values)
    assert not result.passed
    assert "expected 3 values" in result.message
