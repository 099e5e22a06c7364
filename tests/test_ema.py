"""Tests of adamlib.ema, the numerical moving averages the chapter and the checkers rely on."""

import numpy as np
import pytest

import adamlib
from adamlib.ema import (
    bias_correct,
    bias_corrected_ema,
    effective_window,
    ema,
    ema_weights,
    half_life,
)


def closed_form(samples, beta, m0=0.0):
    """m_t = beta^t m0 + sum_i (1 - beta) beta^(t-i) g_i, as a lower-triangular matrix product."""
    n = len(samples)
    t = np.arange(1, n + 1)[:, None]
    i = np.arange(1, n + 1)[None, :]
    weights = np.where(i <= t, (1 - beta) * beta ** np.clip(t - i, 0, None), 0.0)
    return beta ** t[:, 0] * m0 + weights @ samples


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("m0", [0.0, 2.5])
def test_ema_matches_the_unrolled_sum(beta, m0):
    samples = np.random.default_rng(0).normal(size=40)
    np.testing.assert_allclose(ema(samples, beta, m0), closed_form(samples, beta, m0), rtol=1e-12)


def test_ema_averages_trailing_axes_independently():
    samples = np.random.default_rng(1).normal(size=(25, 3, 2))
    path = ema(samples, 0.8)
    assert path.shape == samples.shape
    for row in range(3):
        for col in range(2):
            np.testing.assert_allclose(path[:, row, col], closed_form(samples[:, row, col], 0.8))


def test_ema_broadcasts_an_array_m0():
    samples = np.random.default_rng(2).normal(size=(5, 3))
    path = ema(samples, 0.7, m0=samples[0])
    np.testing.assert_allclose(path[0], samples[0])  # starting at g_1 gives m_1 = g_1
    for col in range(3):
        np.testing.assert_allclose(path[:, col], closed_form(samples[:, col], 0.7, samples[0, col]))


def test_ema_is_adams_first_and_second_moment():
    grads = np.random.default_rng(3).normal(size=(30, 4))
    theta = np.zeros(4)
    opt = adamlib.Adam(theta, lr=0.0, betas=(0.85, 0.99))  # lr = 0: only the averages move
    for g in grads:
        opt.step(g)
    np.testing.assert_allclose(opt.m[0], ema(grads, 0.85)[-1], rtol=1e-12)
    np.testing.assert_allclose(opt.v[0], ema(grads**2, 0.99)[-1], rtol=1e-12)


def test_ema_does_not_modify_its_input_and_returns_float64():
    samples = np.arange(4, dtype=np.float32)
    before = samples.copy()
    path = ema(samples, 0.5)
    np.testing.assert_array_equal(samples, before)
    assert path.dtype == np.float64


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5, float("nan")])
def test_ema_rejects_beta_outside_the_unit_interval(beta):
    with pytest.raises(ValueError, match="beta"):
        ema(np.ones(3), beta)


def test_ema_needs_a_time_axis():
    with pytest.raises(ValueError, match="time axis"):
        ema(np.float64(1.0), 0.5)


@pytest.mark.parametrize("beta", [0.0, 0.6, 0.9, 0.999])
def test_bias_corrected_ema_of_a_constant_is_that_constant(beta):
    np.testing.assert_allclose(bias_corrected_ema(np.full(50, -3.0), beta), -3.0, rtol=1e-10)


def test_bias_corrected_ema_divides_by_one_minus_beta_to_the_t():
    samples = np.random.default_rng(4).normal(size=(12, 2))
    t = np.arange(1, 13)[:, None]
    np.testing.assert_allclose(
        bias_corrected_ema(samples, 0.9), ema(samples, 0.9) / (1 - 0.9**t), rtol=1e-12
    )


def test_bias_correct_matches_adam_m_hat_and_rejects_t_zero():
    assert bias_correct(0.1, 0.9, 1) == pytest.approx(1.0)
    assert bias_correct(np.array([0.19]), 0.9, 2)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="t"):
        bias_correct(0.1, 0.9, 0)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_ema_weights_are_the_impulse_responses(beta):
    t = 30
    impulses = ema(np.eye(t), beta)[-1]  # column j: the stream that is 1 at step j + 1, else 0
    np.testing.assert_allclose(ema_weights(beta, t), impulses, rtol=1e-12, atol=1e-300)
    assert ema_weights(beta, t).sum() == pytest.approx(1 - beta**t)


def test_effective_window_and_half_life():
    assert effective_window(0.9) == pytest.approx(10.0)
    assert effective_window(0.0) == pytest.approx(1.0)
    np.testing.assert_allclose(effective_window(np.array([0.99, 0.999])), [100.0, 1000.0])
    for beta in (0.5, 0.9, 0.99, 0.999):
        assert beta ** half_life(beta) == pytest.approx(0.5)
    assert half_life(0.5) == pytest.approx(1.0)


@pytest.mark.parametrize("function", [effective_window, half_life])
def test_window_functions_reject_invalid_beta(function):
    with pytest.raises(ValueError, match="beta"):
        function(1.0)
    with pytest.raises(ValueError, match="beta"):
        function(np.array([0.5, -0.5]))


def test_half_life_rejects_zero():
    with pytest.raises(ValueError, match="beta"):
        half_life(0.0)
