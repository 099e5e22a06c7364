"""Tests of adamlib.symbolic.weight_decay: every closed form checked against adamlib's numbers."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.symbolic import weight_decay as sym

lr, l2, wd, p, h = sp.symbols("eta omega' omega p h", positive=True)
theta, g = sp.symbols("theta g", real=True)


def test_sgd_equivalence_forms():
    d = sp.Symbol("d", positive=True)
    assert sp.simplify(sym.sgd_equivalent_l2(d, lr) - d / lr) == 0
    assert sp.simplify(sym.sgd_equivalent_l2(lr * wd, lr) - wd) == 0
    # with that coefficient the two steps agree for every theta and g
    step_l2 = sym.l2_step(theta, g, lr, sym.sgd_equivalent_l2(d, lr))
    assert sp.expand(step_l2 - ((1 - d) * theta - lr * g)) == 0


@pytest.mark.parametrize("seed", range(4))
def test_sgd_weight_decay_is_decoupled_decay(seed):
    """adamlib.SGD's weight_decay (L2) equals decoupled decay at the same omega, per step."""
    rng = np.random.default_rng(seed)
    step_size, omega = float(10 ** rng.uniform(-3, -1)), float(10 ** rng.uniform(-3, 0))
    gradients = rng.normal(size=(50, 6))
    x = rng.normal(size=6)
    decoupled = x.copy()
    opt = adamlib.SGD(x, lr=step_size, weight_decay=omega)
    coefficient = float(sym.sgd_equivalent_l2(step_size * omega, step_size))
    for gradient in gradients:
        opt.step(gradient)
        decoupled = (1 - step_size * omega) * decoupled - step_size * gradient
    np.testing.assert_allclose(coefficient, omega, rtol=1e-12)
    np.testing.assert_allclose(x, decoupled, rtol=1e-10, atol=1e-12)


def test_difference_and_matching_coefficient():
    difference = sym.l2_decoupled_difference(theta, lr, l2, wd, p)
    assert sp.expand(difference - lr * (wd - p * l2) * theta) == 0
    assert sp.simplify(sym.matching_l2_coefficient(wd, p) - wd / p) == 0
    # two coordinates with different p need different coefficients: no common solution
    p1, p2 = sp.Rational(1, 3), sp.Rational(5, 2)
    equations = [sym.l2_decoupled_difference(1, lr, l2, wd, q) for q in (p1, p2)]
    assert sp.solve(equations, l2, dict=True) == []


@pytest.mark.parametrize("seed", range(4))
def test_one_adam_step_l2_vs_adamw_matches_the_difference(seed):
    """beta1 = 0: Adam+L2 and AdamW from the same state differ by lr (omega - p omega') theta,
    with p = 1/(sqrt(v_hat) + eps) computed from the L2 gradient, and omega' = omega."""
    rng = np.random.default_rng(seed)
    x0, gradient = rng.normal(size=(2, 5))
    v0 = rng.uniform(0.01, 1.0, size=5)
    step_size, omega, t = 0.01, float(rng.uniform(0.01, 1.0)), 4
    kwargs = dict(lr=step_size, beta1=0.0, beta2=0.9, eps=1e-8)
    l2_theta, *_ = adamlib.adam_update(x0, gradient, np.zeros(5), v0, t, weight_decay=omega,
                                       **kwargs)  # fmt: skip
    # AdamW with the same preconditioner: the same v as the L2 run, so feed its gradient's v
    v_l2 = 0.9 * v0 + 0.1 * (gradient + omega * x0) ** 2
    precond = 1 / (np.sqrt(v_l2 / (1 - 0.9**t)) + 1e-8)
    decoupled = (1 - step_size * omega) * x0 - step_size * precond * gradient
    difference = sp.lambdify((theta, lr, l2, wd, p), sym.l2_decoupled_difference(theta, lr, l2,
                                                                                 wd, p))
    np.testing.assert_allclose(l2_theta - decoupled,
                               difference(x0, step_size, omega, omega, precond),
                               rtol=1e-8, atol=1e-14)  # fmt: skip


def test_fixed_point_forms():
    theta_star = sp.Symbol("theta^*", positive=True)
    assert sp.simplify(sym.l2_fixed_point(h, theta_star, l2) - h * theta_star / (h + l2)) == 0
    frozen = sym.decoupled_fixed_point(h, theta_star, wd, p)
    assert sp.simplify(frozen - p * h * theta_star / (p * h + wd)) == 0
    # the frozen-P fixed point minimizes h/2 (x - x*)^2 + omega/(2p) x^2
    x = sp.Symbol("x", real=True)
    penalized = h / 2 * (x - theta_star) ** 2 + wd / (2 * p) * x**2
    (minimizer,) = sp.solve(sp.diff(penalized, x), x)
    assert sp.simplify(minimizer - frozen) == 0


@pytest.mark.parametrize("seed", range(3))
def test_frozen_preconditioner_iterations_reach_the_closed_forms(seed):
    rng = np.random.default_rng(seed)
    curvature, target = rng.uniform(0.5, 3, size=4), rng.normal(size=4) * 3
    precond, omega, step_size = rng.uniform(0.2, 2, size=4), 0.3, 0.05
    l2_iterate, decoupled_iterate = np.zeros(4), np.zeros(4)
    for _ in range(5000):
        l2_iterate = l2_iterate - step_size * precond * (curvature * (l2_iterate - target)
                                                         + omega * l2_iterate)
        decoupled_iterate = ((1 - step_size * omega) * decoupled_iterate
                             - step_size * precond * curvature * (decoupled_iterate - target))
    l2_form = sp.lambdify((h, "t", l2), sym.l2_fixed_point(h, sp.Symbol("t"), l2))
    frozen_form = sp.lambdify((h, "t", wd, p), sym.decoupled_fixed_point(h, sp.Symbol("t"),
                                                                         wd, p))
    np.testing.assert_allclose(l2_iterate, l2_form(curvature, target, omega), rtol=1e-9)
    np.testing.assert_allclose(decoupled_iterate, frozen_form(curvature, target, omega,
                                                              precond), rtol=1e-9)


def test_adamw_fixed_point_limit_form_and_clip():
    omega_s, star = sp.Symbol("omega", positive=True), sp.Symbol("theta^*", positive=True)
    form = sym.adamw_fixed_point_limit_form()
    assert sp.simplify(form - (omega_s * star + 1 - sp.Abs(omega_s * star - 1)) / (2 * omega_s)) == 0
    for value, decay, expected in [(3, sp.Rational(1, 2), 2), (sp.Rational(3, 2),
                                   sp.Rational(1, 2), sp.Rational(3, 2)), (-5, 1, -1)]:
        assert sym.adamw_fixed_point(value, decay) == expected
    # the residual vanishes at the clipped point when eps = 0
    assert sym.adamw_fixed_point_residual(2, 7, 3, sp.Rational(1, 2), 0) == 0


def test_adamw_and_adam_l2_settle_where_derived():
    """Full-batch runs on a diagonal quadratic: Adam+L2 at the ridge point, AdamW at the clip."""
    curvature = np.array([1.0, 4.0, 0.25, 2.0])
    target = np.array([3.0, -0.5, -4.0, 1.5])
    omega = 0.5
    ends = {}
    for cls in (adamlib.Adam, adamlib.AdamW):
        x = np.zeros(4)
        opt = cls(x, lr=1e-3, weight_decay=omega)
        for _ in range(30000):
            opt.step(curvature * (x - target))
        ends[cls.__name__] = x
    ridge = [float(sym.l2_fixed_point(c, s, omega)) for c, s in zip(curvature, target)]
    clip = [float(sym.adamw_fixed_point(s, sp.Rational(1, 2))) for s in target]
    np.testing.assert_allclose(ends["Adam"], ridge, atol=5e-3)
    np.testing.assert_allclose(ends["AdamW"], clip, atol=5e-3)


def test_lh_coefficient_reproduces_torch_adamw_under_a_schedule():
    rng = np.random.default_rng(5)
    base_lr, omega, steps = 3e-3, 0.2, 200
    multipliers = 0.5 * (1 + np.cos(np.pi * np.arange(steps) / steps))  # cosine
    omega_lh = float(sym.lh_decay_coefficient(base_lr, omega))
    assert omega_lh == pytest.approx(base_lr * omega, rel=1e-15)
    x = rng.normal(size=5)
    paper = x.copy()
    opt = adamlib.AdamW(x, lr=base_lr, weight_decay=omega)
    m, v = np.zeros(5), np.zeros(5)
    for t, multiplier in enumerate(multipliers, start=1):
        gradient = rng.normal(size=5) + x
        opt.lr = base_lr * multiplier
        opt.step(gradient)
        m = 0.9 * m + 0.1 * gradient
        v = 0.999 * v + 0.001 * gradient**2
        direction = (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        paper = paper - multiplier * (base_lr * direction + omega_lh * paper)
        np.testing.assert_allclose(x, paper, rtol=1e-10, atol=1e-13)


def test_decay_after_the_step_differs_by_the_derived_amount():
    u = sp.Symbol("u", real=True)
    assert sp.expand(sym.decay_after_step_difference(theta, u, lr, wd) - lr**2 * wd * u) == 0
    rng = np.random.default_rng(6)
    x, gradient = rng.normal(size=(2, 4))
    step_size, omega = 0.1, 0.5
    before, *_ = adamlib.adamw_update(x, gradient, np.zeros(4), np.zeros(4), 1, lr=step_size,
                                      beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=omega)
    plain, *_ = adamlib.adam_update(x, gradient, np.zeros(4), np.zeros(4), 1, lr=step_size,
                                    beta1=0.9, beta2=0.999, eps=1e-8)
    after = (1 - step_size * omega) * plain
    direction = (x - plain) / step_size
    predicted = sp.lambdify((theta, u, lr, wd), sym.decay_after_step_difference(theta, u, lr, wd))
    np.testing.assert_allclose(after - before, predicted(x, direction, step_size, omega),
                               rtol=1e-9, atol=1e-15)  # fmt: skip
