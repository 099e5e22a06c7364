"""Tests of adamlib.symbolic.adam: every closed form checked against adamlib's numbers."""

import math

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.symbolic import adam as sym

alpha, eps, eps_hat = sp.symbols("alpha epsilon epsilonhat", positive=True)
beta1, beta2, t = sp.symbols("beta_1 beta_2 t", positive=True)
g, g1, g2 = sp.symbols("g g_1 g_2", real=True)


def random_settings(n=6, seed=0):
    """Seeded (lr, beta1, beta2, eps) with each in a range Adam is used with."""
    rng = np.random.default_rng(seed)
    return [
        (float(10 ** rng.uniform(-4, 0)), float(rng.uniform(0.0, 0.99)),
         float(rng.uniform(0.5, 0.9999)), float(10 ** rng.uniform(-10, -2)))
        for _ in range(n)
    ]  # fmt: skip


def test_first_step_forms():
    assert sp.simplify(sym.adam_first_step(alpha, g, eps) + alpha * g / (sp.Abs(g) + eps)) == 0
    deviation = sym.adam_first_step_deviation(alpha, g, eps)
    assert sp.simplify(deviation - alpha * sp.sign(g) * eps / (sp.Abs(g) + eps)) == 0
    # the deviation is what separates the step from -alpha sign(g), for either sign of g
    for value in (sp.Rational(3, 7), -sp.Rational(5, 2)):
        first = sym.adam_first_step(alpha, value, eps)
        assert sp.simplify(first + alpha * sp.sign(value) - deviation.subs(g, value)) == 0
    assert sp.limit(sym.adam_first_step(alpha, sp.Rational(-3, 2), eps), eps, 0) == alpha


@pytest.mark.parametrize("setting", random_settings(seed=1))
def test_first_step_matches_adam(setting):
    lr, b1, b2, e = setting
    rng = np.random.default_rng(2)
    gradient = rng.normal(size=8) * 10.0 ** rng.uniform(-9, 3, size=8)
    x = np.zeros(8)
    adamlib.Adam(x, lr=lr, betas=(b1, b2), eps=e).step(gradient)
    first = sp.lambdify((alpha, g, eps), sym.adam_first_step(alpha, g, eps))
    np.testing.assert_allclose(x, first(lr, gradient, e), rtol=1e-12, atol=0)
    deviation = sp.lambdify((alpha, g, eps), sym.adam_first_step_deviation(alpha, g, eps))
    np.testing.assert_allclose(x + lr * np.sign(gradient), deviation(lr, gradient, e),
                               rtol=1e-6, atol=lr * 1e-15)  # fmt: skip


def test_faster_ordering_forms():
    stated = alpha * sp.sqrt(1 - beta2**t) / (1 - beta1**t)
    assert sp.simplify(sym.faster_ordering_step_size(alpha, beta1, beta2, t) - stated) == 0
    eps_hat_form = sym.faster_ordering_eps_hat(eps, beta2, t)
    assert sp.simplify(eps_hat_form - eps * sp.sqrt(1 - beta2**t)) == 0
    assert sp.simplify(sym.algorithm1_eps(eps_hat, beta2, t) - eps_hat / sp.sqrt(1 - beta2**t)) == 0
    # the two are inverse to each other
    round_trip = sym.algorithm1_eps(sym.faster_ordering_eps_hat(eps, beta2, t), beta2, t)
    assert sp.simplify(round_trip - eps) == 0


@pytest.mark.parametrize("setting", random_settings(seed=3))
def test_faster_ordering_with_its_eps_hat_reproduces_adam(setting):
    lr, b1, b2, e = setting
    rng = np.random.default_rng(4)
    gradients = rng.normal(size=(60, 5)) * 10.0 ** rng.uniform(-6, 1, size=5)
    x = np.zeros(5)
    opt = adamlib.Adam(x, lr=lr, betas=(b1, b2), eps=e)
    step_size = sp.lambdify((alpha, beta1, beta2, t), sym.faster_ordering_step_size(alpha, beta1,
                                                                                    beta2, t))
    eps_hat_at = sp.lambdify((eps, beta2, t), sym.faster_ordering_eps_hat(eps, beta2, t))
    theta, m, v = np.zeros(5), np.zeros(5), np.zeros(5)
    for step, gradient in enumerate(gradients, start=1):
        opt.step(gradient)
        m = b1 * m + (1 - b1) * gradient
        v = b2 * v + (1 - b2) * gradient**2
        theta = theta - step_size(lr, b1, b2, step) * m / (np.sqrt(v) + eps_hat_at(e, b2, step))
        np.testing.assert_allclose(theta, x, rtol=1e-11, atol=1e-14)


def test_a_constant_eps_hat_is_algorithm1_with_eps_over_root():
    """Keras's convention (a fixed eps_hat) is Algorithm 1 with eps_t = eps_hat/sqrt(1-beta2^t)."""
    lr, b1, b2, constant = 0.01, 0.9, 0.999, 1e-3
    rng = np.random.default_rng(5)
    gradients = rng.normal(size=(30, 4)) * 1e-3
    effective = sp.lambdify((eps_hat, beta2, t), sym.algorithm1_eps(eps_hat, beta2, t))
    theta, m, v = np.zeros(4), np.zeros(4), np.zeros(4)  # the faster ordering, eps_hat fixed
    x, adam_m, adam_v = np.zeros(4), np.zeros(4), np.zeros(4)  # Algorithm 1 with eps_t
    for step, gradient in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * gradient
        v = b2 * v + (1 - b2) * gradient**2
        alpha_t = lr * math.sqrt(1 - b2**step) / (1 - b1**step)
        theta = theta - alpha_t * m / (np.sqrt(v) + constant)
        x, adam_m, adam_v, _ = adamlib.adam_update(
            x, gradient, adam_m, adam_v, step, lr=lr, beta1=b1, beta2=b2,
            eps=float(effective(constant, b2, step)),
        )  # fmt: skip
        np.testing.assert_allclose(x, theta, rtol=1e-11, atol=1e-15)
    assert float(effective(constant, b2, 1)) == pytest.approx(constant / math.sqrt(1 - b2))


def test_momentum_order_difference_matches_the_two_orders_computed_numerically():
    expr = sym.momentum_order_difference(alpha, beta1, beta2, g1, g2)
    difference = sp.lambdify((alpha, beta1, beta2, g1, g2), expr)
    rng = np.random.default_rng(6)
    for _ in range(20):
        lr, b1, b2 = rng.uniform(0.01, 1), rng.uniform(0.05, 0.95), rng.uniform(0.5, 0.999)
        grads = rng.normal(size=2) * 10.0 ** rng.uniform(-3, 3, size=2)
        # Adam, eps = 0: the step is minus the update, so the difference is Adam's - the other's
        x = np.zeros(1)
        opt = adamlib.Adam(x, lr=lr, betas=(b1, b2), eps=0.0)
        for gradient in grads:
            before = x.copy()
            opt.step(np.array([gradient]))
        adam_update_size = (before - x)[0]
        # normalize each gradient by its bias-corrected root mean square, then average
        v, normalized = 0.0, 0.0
        for step, gradient in enumerate(grads, start=1):
            v = b2 * v + (1 - b2) * gradient**2
            normalized = b1 * normalized + (1 - b1) * gradient / math.sqrt(v / (1 - b2**step))
        other_update_size = lr * normalized / (1 - b1**2)
        assert other_update_size - adam_update_size == pytest.approx(
            difference(lr, b1, b2, *grads), rel=1e-9, abs=1e-12
        )
    # equal magnitudes: no difference
    assert sp.simplify(expr.subs({g1: 2, g2: -2})) == 0
    assert sp.simplify(expr.subs({g1: 2, g2: 3})) != 0


@pytest.mark.parametrize("momentum, b2", [(0.9, 0.999), (0.5, 0.99), (0.0, 0.9)])
def test_rmsprop_momentum_constant_gradient_step_matches_rmsprop(momentum, b2):
    lr, gradient = 0.01, np.array([0.7, -3.0])
    x = np.zeros(2)
    opt = adamlib.RMSprop(x, lr=lr, alpha=b2, eps=0.0, momentum=momentum)
    k_sym = sp.Symbol("steps", integer=True, positive=True)
    size = sym.rmsprop_momentum_constant_gradient_step(lr, momentum, b2, k_sym)
    for step in range(1, 41):
        before = x.copy()
        opt.step(gradient)
        predicted = float(size.subs(k_sym, step).doit())
        np.testing.assert_allclose(np.abs(x - before), predicted, rtol=1e-10)
    assert float(size.subs(k_sym, 1).doit()) == pytest.approx(lr / math.sqrt(1 - b2))


def test_adam_step_is_algorithm1():
    m, v = sp.symbols("m v", positive=True)
    step = sym.adam_step(alpha, m, v, beta1, beta2, t, eps)
    numbers = {alpha: 0.01, m: 0.3, v: 0.2, beta1: 0.9, beta2: 0.999, t: 4, eps: 1e-8}
    theta, *_ = adamlib.adam_update(np.zeros(1), np.array([0.0]), np.array([0.3 / 0.9]),
                                    np.array([0.2 / 0.999]), 4, lr=0.01, beta1=0.9,
                                    beta2=0.999, eps=1e-8)  # fmt: skip
    # with g = 0 the averages become exactly beta * (previous), i.e. 0.3 and 0.2 (to rounding)
    assert float(step.subs(numbers)) == pytest.approx(theta[0], rel=1e-12)
