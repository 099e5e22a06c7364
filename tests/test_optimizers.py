"""Each optimizer against values computed by hand, and convergence on a parabola and Rosenbrock."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adamlib
from optimizer_cases import VARIANTS, variant_id


def run(cls, x0, grads, **kwargs):
    """Apply the gradients in turn to a copy of x0 and return the iterates after each step."""
    x = np.array(x0, dtype=float)
    opt = cls(x, **kwargs)
    path = []
    for g in grads:
        opt.step(np.array(g, dtype=float))
        path.append(x.copy())
    return path


# --- SGD -------------------------------------------------------------------------------------
def test_sgd_plain_step_is_lr_times_gradient():
    (x1,) = run(adamlib.SGD, [1.0, -2.0], [[0.5, 4.0]], lr=0.1)
    np.testing.assert_allclose(x1, [1.0 - 0.05, -2.0 - 0.4], rtol=0, atol=1e-15)


def test_sgd_momentum_buffer_starts_at_first_gradient():
    g1, g2, mu, lr = 0.5, -1.5, 0.9, 0.1
    x1, x2 = run(adamlib.SGD, [0.0], [[g1], [g2]], lr=lr, momentum=mu)
    assert x1[0] == pytest.approx(-lr * g1)  # b1 = g1, not (1 - mu) g1 or mu * 0 + g1 ...
    assert x2[0] == pytest.approx(-lr * g1 - lr * (mu * g1 + g2))


def test_sgd_dampening_and_weight_decay():
    g1, g2, mu, tau, wd, lr, x0 = 0.5, -1.5, 0.9, 0.3, 0.2, 0.1, 2.0
    x1, x2 = run(adamlib.SGD, [x0], [[g1], [g2]], lr=lr, momentum=mu, dampening=tau,
                 weight_decay=wd)  # fmt: skip
    b1 = g1 + wd * x0  # the first buffer is not dampened
    assert x1[0] == pytest.approx(x0 - lr * b1)
    b2 = mu * b1 + (1 - tau) * (g2 + wd * x1[0])
    assert x2[0] == pytest.approx(x1[0] - lr * b2)


def test_sgd_nesterov_looks_ahead():
    g1, g2, mu, lr = 0.5, -1.5, 0.9, 0.1
    x1, x2 = run(adamlib.SGD, [0.0], [[g1], [g2]], lr=lr, momentum=mu, nesterov=True)
    assert x1[0] == pytest.approx(-lr * (g1 + mu * g1))
    b2 = mu * g1 + g2
    assert x2[0] == pytest.approx(x1[0] - lr * (g2 + mu * b2))


# --- Adagrad ---------------------------------------------------------------------------------
def test_adagrad_two_steps_by_hand():
    g1, g2, lr, decay, eps = 3.0, -1.0, 0.5, 0.1, 1e-10
    x1, x2 = run(adamlib.Adagrad, [1.0], [[g1], [g2]], lr=lr, lr_decay=decay, eps=eps)
    assert x1[0] == pytest.approx(1.0 - lr * g1 / (abs(g1) + eps), rel=1e-15)
    s2 = g1**2 + g2**2
    assert x2[0] == pytest.approx(x1[0] - lr / (1 + decay) * g2 / (math.sqrt(s2) + eps), rel=1e-15)


def test_adagrad_initial_accumulator_value():
    (x1,) = run(adamlib.Adagrad, [0.0], [[2.0]], lr=1.0, initial_accumulator_value=5.0, eps=0.0)
    assert x1[0] == pytest.approx(-2.0 / 3.0)  # sqrt(5 + 4) = 3


# --- RMSprop ---------------------------------------------------------------------------------
def test_rmsprop_first_step_is_inflated_by_missing_bias_correction():
    g, lr, alpha = 0.2, 0.01, 0.99
    (x1,) = run(adamlib.RMSprop, [0.0], [[g]], lr=lr, alpha=alpha, eps=0.0)
    assert x1[0] == pytest.approx(-lr / math.sqrt(1 - alpha))  # 10 lr, whatever g is


def test_rmsprop_centered_first_step():
    g, lr, alpha = 0.2, 0.01, 0.9
    (x1,) = run(adamlib.RMSprop, [0.0], [[g]], lr=lr, alpha=alpha, eps=0.0, centered=True)
    # v - gbar^2 = (1 - alpha) g^2 - (1 - alpha)^2 g^2 = alpha (1 - alpha) g^2
    assert x1[0] == pytest.approx(-lr / math.sqrt(alpha * (1 - alpha)))


def test_rmsprop_momentum_buffer_starts_at_zero():
    g1, g2, lr, alpha, mu = 1.0, 2.0, 0.01, 0.5, 0.9
    x1, x2 = run(adamlib.RMSprop, [0.0], [[g1], [g2]], lr=lr, alpha=alpha, momentum=mu, eps=0.0)
    b1 = g1 / math.sqrt((1 - alpha) * g1**2)
    assert x1[0] == pytest.approx(-lr * b1)
    v2 = alpha * (1 - alpha) * g1**2 + (1 - alpha) * g2**2
    b2 = mu * b1 + g2 / math.sqrt(v2)
    assert x2[0] == pytest.approx(x1[0] - lr * b2)


# --- Adam family -----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [adamlib.Adam, adamlib.AdamW, adamlib.NAdam, adamlib.RAdam])
def test_adam_family_first_step_is_lr_sign_g(cls):
    """Adam's first step is lr * sign(g) up to eps; so is AdamW's (no decay); RAdam's is lr * g."""
    g = np.array([300.0, -2.0, 1e-3, -5e-6])
    kwargs = dict(lr=0.01, weight_decay=0.0) if cls is adamlib.AdamW else dict(lr=0.01)
    (x1,) = run(cls, np.zeros(4), [g], **kwargs)
    if cls is adamlib.RAdam:
        np.testing.assert_allclose(x1, -0.01 * g, rtol=1e-15)
    elif cls is adamlib.NAdam:
        # mhat_1 = (mu2 (1 - b1) / (1 - mu1 mu2) + (1 - mu1) / (1 - mu1)) g
        mu1 = 0.9 * (1 - 0.5 * 0.96**0.004)
        mu2 = 0.9 * (1 - 0.5 * 0.96**0.008)
        factor = mu2 * 0.1 / (1 - mu1 * mu2) + 1.0
        np.testing.assert_allclose(x1, -0.01 * factor * g / (np.abs(g) + 1e-8), rtol=1e-13)
    else:
        np.testing.assert_allclose(x1, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-13)
        np.testing.assert_allclose(x1[:3], -0.01 * np.sign(g[:3]), rtol=1e-5)


def test_adam_second_step_by_hand():
    g1, g2, lr, b1, b2, eps = 1.0, -3.0, 0.1, 0.9, 0.999, 1e-8
    x1, x2 = run(adamlib.Adam, [0.5], [[g1], [g2]], lr=lr, betas=(b1, b2), eps=eps)
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    step = lr * (m / (1 - b1**2)) / (math.sqrt(v / (1 - b2**2)) + eps)
    assert x2[0] == pytest.approx(x1[0] - step, rel=1e-14)


def test_adam_weight_decay_is_l2_through_the_preconditioner():
    # With L2 the decay term is divided by sqrt(vhat) too: a zero gradient still gives lr*sign(x).
    (x1,) = run(adamlib.Adam, [2.0], [[0.0]], lr=0.1, weight_decay=0.5)
    assert x1[0] == pytest.approx(2.0 - 0.1, rel=1e-8)


def test_adamw_decay_is_decoupled():
    (x1,) = run(adamlib.AdamW, [2.0], [[0.0]], lr=0.1, weight_decay=0.5)
    assert x1[0] == pytest.approx(2.0 * (1 - 0.1 * 0.5), rel=1e-15)
    assert adamlib.AdamW(np.zeros(1)).weight_decay == 1e-2  # PyTorch's default


def test_amsgrad_keeps_the_largest_second_moment():
    lr, b1, b2 = 0.1, 0.0, 0.5  # beta1 = 0 keeps the arithmetic short
    grads = [[4.0], [0.1]]
    plain = run(adamlib.Adam, [0.0], grads, lr=lr, betas=(b1, b2), eps=0.0)
    ams = run(adamlib.Adam, [0.0], grads, lr=lr, betas=(b1, b2), eps=0.0, amsgrad=True)
    v1 = (1 - b2) * 16.0
    v2 = b2 * v1 + (1 - b2) * 0.01
    assert v2 < v1  # so AMSGrad's denominator uses v1
    assert ams[1][0] - ams[0][0] == pytest.approx(-lr * 0.1 / math.sqrt(v1 / (1 - b2**2)))
    assert plain[1][0] - plain[0][0] == pytest.approx(-lr * 0.1 / math.sqrt(v2 / (1 - b2**2)))


def test_adamax_by_hand():
    g1, g2, lr, b1, b2, eps = -7.0, 2.0, 0.002, 0.9, 0.999, 1e-8
    x1, x2 = run(adamlib.Adamax, [0.0], [[g1], [g2]], lr=lr, betas=(b1, b2), eps=eps)
    assert x1[0] == pytest.approx(-lr * g1 / (abs(g1) + eps), rel=1e-15)
    m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2
    u2 = max(b2 * (abs(g1) + eps), abs(g2) + eps)
    assert x2[0] == pytest.approx(x1[0] - lr / (1 - b1**2) * m2 / u2, rel=1e-14)


def test_radam_is_momentum_sgd_until_rho_exceeds_five():
    g, lr = 0.5, 0.01
    path = run(adamlib.RAdam, [0.0], [[g]] * 7, lr=lr)
    # constant gradient: mhat_t = g exactly, so the first five steps move by lr * g each
    np.testing.assert_allclose([p[0] for p in path[:5]], [-lr * g * t for t in range(1, 6)])
    rho_inf = 2 / (1 - 0.999) - 1
    rho_6 = rho_inf - 2 * 6 * 0.999**6 / (1 - 0.999**6)
    assert rho_6 > 5
    r6 = math.sqrt((rho_6 - 4) * (rho_6 - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_6))
    v6 = (1 - 0.999**6) * g**2
    step6 = lr * g * r6 * math.sqrt(1 - 0.999**6) / (math.sqrt(v6) + 1e-8)
    assert path[5][0] - path[4][0] == pytest.approx(-step6, rel=1e-12)


# --- convergence -----------------------------------------------------------------------------
def rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


ROSENBROCK_SETTINGS = {
    "SGD": dict(lr=1e-3, momentum=0.9),
    "Adagrad": dict(lr=0.3),
    "RMSprop": dict(lr=1e-3),
    "Adam": dict(lr=1e-2),
    "AdamW": dict(lr=1e-2, weight_decay=0.0),
    "Adamax": dict(lr=2e-2),
    "NAdam": dict(lr=1e-2),
    "RAdam": dict(lr=1e-2),
}


@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
def test_converges_on_a_parabola(cls):
    target = np.array([1.0, -2.0, 3.0])
    x = np.zeros(3)
    opt = cls(x, lr=0.5 if cls is adamlib.Adagrad else 0.05)  # Adagrad's steps shrink like 1/sqrt(t)
    if cls is adamlib.AdamW:
        opt.weight_decay = 0.0  # decay would move the minimum away from the target
    for _ in range(4000):
        opt.step(2 * (x - target))
    np.testing.assert_allclose(x, target, atol=2e-2)


@pytest.mark.parametrize("name", ROSENBROCK_SETTINGS)
def test_converges_on_rosenbrock(name):
    x = np.array([-1.0, 1.0])
    opt = getattr(adamlib, name)(x, **ROSENBROCK_SETTINGS[name])
    for _ in range(20000):
        opt.step(rosenbrock_grad(x))
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-2)


# --- interface -------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_list_of_params_equals_separate_optimizers(variant):
    """Each parameter in a list is updated exactly as if it were optimized alone."""
    cls, kwargs = variant
    rng = np.random.default_rng(3)
    together = [rng.normal(size=(2, 3)), rng.normal(size=4)]
    alone = [p.copy() for p in together]
    opt = cls(together, **kwargs)
    singles = [cls(p, **kwargs) for p in alone]
    for _ in range(8):
        grads = [rng.normal(size=p.shape) for p in together]
        opt.step(grads)
        for single, g in zip(singles, grads):
            single.step(g)
    for a, b in zip(together, alone):
        assert np.array_equal(a, b)


def test_defaults_match_torch_optim():
    expected = {
        adamlib.SGD: dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
        adamlib.Adagrad: dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                              initial_accumulator_value=0.0, eps=1e-10),  # fmt: skip
        adamlib.RMSprop: dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                              centered=False),  # fmt: skip
        adamlib.Adam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                           amsgrad=False),  # fmt: skip
        adamlib.AdamW: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                            amsgrad=False),  # fmt: skip
        adamlib.Adamax: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
        adamlib.NAdam: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                            momentum_decay=4e-3, decoupled_weight_decay=False),  # fmt: skip
        adamlib.RAdam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                            decoupled_weight_decay=False),  # fmt: skip
    }
    assert set(expected) == set(adamlib.OPTIMIZERS)
    for cls, defaults in expected.items():
        assert cls(np.zeros(1)).hyperparameters() == defaults, cls.__name__


def test_repr_names_the_optimizer_and_its_hyperparameters():
    text = repr(adamlib.Adam([np.zeros(2), np.zeros((3, 1))], lr=0.5))
    assert text.startswith("Adam(2 parameter(s) [(2,), (3, 1)], t=0, lr=0.5")


def test_zero_dimensional_and_empty_params():
    scalar, empty = np.array(1.0), np.zeros((0, 3))
    opt = adamlib.Adam([scalar, empty], lr=0.1)
    opt.step([np.array(2.0), np.zeros((0, 3))])
    assert scalar == pytest.approx(0.9)
    assert empty.shape == (0, 3)
