"""Each derivation of adamlib.symbolic.gradient_descent against numerics (adamlib.SGD runs)."""

import math

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib import objectives
from adamlib.symbolic import gradient_descent as gd

RNG = np.random.default_rng(20260101)
POINTS = [(float(RNG.uniform(0.01, 0.5)), float(RNG.uniform(0.5, 8.0))) for _ in range(6)]


def run_sgd(grad, x0, lr, steps):
    x = np.array(x0, dtype=float)
    opt = adamlib.SGD(x, lr=lr)
    for _ in range(steps):
        opt.step(grad(x))
    return x


def test_gradient_descent_map_is_what_sgd_does():
    x, y, eta = sp.symbols("x y eta")
    f = objectives.rosenbrock()
    update = gd.gradient_descent_map(f.expr, f.symbols, eta)
    rng = np.random.default_rng(0)
    for _ in range(5):
        point, lr = rng.uniform(-1.5, 1.5, size=2), float(rng.uniform(1e-4, 1e-2))
        expected = run_sgd(f.grad, point, lr, 1)
        got = [float(u.subs({f.symbols[0]: point[0], f.symbols[1]: point[1], eta: lr}))
               for u in update]  # fmt: skip
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(("lr", "lam"), POINTS)
def test_iteration_factor_is_the_ratio_of_successive_sgd_iterates(lr, lam):
    factor = float(gd.iteration_factor(lr, lam))
    assert factor == pytest.approx(1 - lr * lam)
    x0 = float(RNG.normal())
    x1 = run_sgd(lambda x: lam * x, [x0], lr, 1)[0]
    assert x1 / x0 == pytest.approx(factor, rel=1e-12)


def test_iteration_factor_symbolic_form():
    eta, lam = sp.symbols("eta lambda")
    assert sp.simplify(gd.iteration_factor(eta, lam) - (1 - eta * lam)) == 0


@pytest.mark.parametrize(("lr", "lam"), POINTS)
def test_kth_iterate_matches_k_sgd_steps(lr, lam):
    x0, k = float(RNG.normal()), int(RNG.integers(1, 40))
    closed_form = float(gd.gradient_descent_iterate(lr, lam, x0, k))
    assert run_sgd(lambda x: lam * x, [x0], lr, k)[0] == pytest.approx(closed_form, rel=1e-10)


def test_stable_step_sizes_symbolic():
    L = sp.Symbol("L", positive=True)
    assert gd.stable_step_sizes(L) == sp.Interval.open(0, 2 / L)
    assert gd.stable_step_sizes(sp.Integer(10)) == sp.Interval.open(0, sp.Rational(1, 5))


@pytest.mark.parametrize("lam", [0.5, 3.0, 10.0, 47.0])
def test_stable_step_sizes_separate_converging_from_diverging_sgd(lam):
    interval = gd.stable_step_sizes(lam)
    edge = float(interval.sup)
    assert edge == pytest.approx(2 / lam)
    for fraction in [0.05, 0.5, 0.9, 0.99]:
        lr = fraction * edge
        assert interval.contains(lr) == sp.true
        assert abs(run_sgd(lambda x: lam * x, [1.0], lr, 2000)[0]) < 1e-3
    for fraction in [1.01, 1.1, 2.0]:
        lr = fraction * edge
        assert interval.contains(lr) == sp.false
        assert abs(run_sgd(lambda x: lam * x, [1.0], lr, 200)[0]) > 1.0
    # exactly at the edge the iterate flips sign forever without shrinking
    assert abs(run_sgd(lambda x: lam * x, [1.0], edge, 101)[0]) == pytest.approx(1.0)


def test_contraction_rate_on_a_two_dimensional_quadratic():
    rng = np.random.default_rng(3)
    for _ in range(6):
        kappa = float(rng.uniform(1.5, 50))
        f = objectives.quadratic(kappa, angle=float(rng.uniform(0, np.pi)))
        lr = float(rng.uniform(0.1, 1.9)) / kappa
        rate = float(gd.contraction_rate(lr, 1, kappa))
        # started on the eigenvector with the worst factor, the error shrinks by exactly the rate
        eigenvalues, eigenvectors = np.linalg.eigh(f.hessian(np.zeros(2)))
        worst = int(np.argmax(np.abs(1 - lr * eigenvalues)))
        path = objectives.optimization_path(f, adamlib.SGD, eigenvectors[:, worst], 10, lr=lr)
        norms = np.linalg.norm(path, axis=1)
        np.testing.assert_allclose(norms[1:] / norms[:-1], rate, rtol=1e-7)
        # from anywhere, no step shrinks the error by less
        path = objectives.optimization_path(f, adamlib.SGD, rng.normal(size=2), 10, lr=lr)
        norms = np.linalg.norm(path, axis=1)
        assert np.all(norms[1:] <= rate * norms[:-1] * (1 + 1e-9))


def test_best_fixed_step_symbolic():
    lam_min, L = sp.symbols("lambda_min L", positive=True)
    assert sp.simplify(gd.best_fixed_step(lam_min, L) - 2 / (lam_min + L)) == 0


def test_best_fixed_step_minimizes_the_contraction_rate():
    rng = np.random.default_rng(4)
    for _ in range(5):
        lam_min, L = sorted(rng.uniform(0.1, 20, size=2))
        best = float(gd.best_fixed_step(lam_min, L))
        grid = np.linspace(1e-3, 2 / L, 2001)
        rates = np.maximum(np.abs(1 - grid * lam_min), np.abs(1 - grid * L))
        assert grid[np.argmin(rates)] == pytest.approx(best, abs=2 * (grid[1] - grid[0]))
        assert float(gd.contraction_rate(best, lam_min, L)) == pytest.approx(rates.min(), abs=1e-3)


def test_best_contraction_rate_symbolic_and_numeric():
    kappa = sp.Symbol("kappa", positive=True)
    assert sp.simplify(gd.best_contraction_rate(kappa) - (kappa - 1) / (kappa + 1)) == 0
    rng = np.random.default_rng(5)
    for _ in range(5):
        k = float(rng.uniform(2, 200))
        f = objectives.quadratic(k, angle=float(rng.uniform(0, np.pi)))
        lr = float(gd.best_fixed_step(1, k))
        path = objectives.optimization_path(f, adamlib.SGD, rng.normal(size=2), 50, lr=lr)
        norms = np.linalg.norm(path, axis=1)
        measured = (norms[-1] / norms[0]) ** (1 / 50)
        # at the best step both eigen-directions shrink by exactly this factor every step
        assert measured == pytest.approx(float(gd.best_contraction_rate(k)), rel=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_saddle_escape_steps_matches_sgd_on_the_saddle(seed):
    rng = np.random.default_rng(seed)
    lr, y0, radius = float(rng.uniform(0.05, 0.5)), float(10 ** rng.uniform(-9, -1)), 1.0
    k_real = float(gd.saddle_escape_steps(lr, y0, radius))
    f = objectives.saddle()
    path = objectives.optimization_path(f, adamlib.SGD, [1.5, y0], math.ceil(k_real) + 1, lr=lr)
    escaped = np.flatnonzero(np.abs(path[:, 1]) >= radius)
    assert escaped[0] == math.ceil(k_real)
    y, eta = sp.symbols("y_0 eta", positive=True)
    assert gd.saddle_escape_steps(eta, -y, 1) == gd.saddle_escape_steps(eta, y, 1)


def test_saddle_escape_steps_grow_like_the_log_of_one_over_the_offset():
    eta = sp.Rational(1, 10)
    steps = [float(gd.saddle_escape_steps(eta, 10.0**-p, 1)) for p in (2, 4, 8)]
    per_decade = math.log(10) / math.log(1.1)
    np.testing.assert_allclose(np.diff(steps), [2 * per_decade, 4 * per_decade])


def test_minibatch_variance_symbolic():
    s2, B, n = sp.symbols("sigma2 B n", positive=True)
    assert sp.simplify(gd.minibatch_variance(s2, B) - s2 / B) == 0
    assert sp.simplify(gd.minibatch_variance(s2, B, n) - s2 / B * (n - B) / (n - 1)) == 0
    assert gd.minibatch_variance(s2, n, n) == 0  # the whole data set: no noise


@pytest.mark.parametrize("replace", [True, False])
def test_minibatch_variance_matches_exact_enumeration(replace):
    # all ordered batches of size 3 from 6 values: the exact variance of the batch mean
    import itertools

    values = np.random.default_rng(6).normal(size=6)
    sigma2 = values.var()
    if replace:
        batches = itertools.product(range(6), repeat=3)
    else:
        batches = itertools.permutations(range(6), 3)
    means = np.array([values[list(b)].mean() for b in batches])
    predicted = float(gd.minibatch_variance(sigma2, 3, None if replace else 6))
    assert means.var() == pytest.approx(predicted, rel=1e-12)


def test_minibatch_variance_matches_least_squares_gradients():
    f = objectives.noisy_least_squares(n_samples=128, seed=7)
    w, rng = np.zeros(2), np.random.default_rng(8)
    sigma2 = float(f.gradient_covariance(w)[0, 0])
    for batch in (1, 8, 32):
        samples = np.array([f.minibatch_grad(w, batch, rng)[0] for _ in range(20000)])
        predicted = float(gd.minibatch_variance(sigma2, batch))
        assert samples.var() == pytest.approx(predicted, rel=0.05)


# -- preconditioning ------------------------------------------------------------------------------
def test_newton_map_lands_on_the_minimum_of_random_quadratics():
    rng = np.random.default_rng(9)
    x, y = sp.symbols("x y")
    for _ in range(5):
        A = rng.normal(size=(2, 2))
        H = A @ A.T + 0.1 * np.eye(2)  # positive definite
        b = rng.normal(size=2)
        H_exact = sp.Matrix(2, 2, [sp.nsimplify(v, rational=True) for v in H.ravel()])
        b_exact = [sp.nsimplify(v, rational=True) for v in b]
        theta = sp.Matrix([x, y])
        expr = (theta.T * H_exact * theta)[0] / 2 - b_exact[0] * x - b_exact[1] * y
        landing = gd.newton_map(expr, (x, y))
        assert all(not entry.free_symbols for entry in landing)  # wherever it starts
        np.testing.assert_allclose([float(v) for v in landing], np.linalg.solve(H, b), rtol=1e-10)
        # one SGD step of size 1 on the preconditioned gradient H^{-1} grad lands there too
        start = rng.normal(size=2)
        stepped = run_sgd(lambda th: np.linalg.solve(H, H @ th - b), start, 1.0, 1)
        np.testing.assert_allclose(stepped, np.linalg.solve(H, b), rtol=1e-9, atol=1e-12)


def test_newton_map_on_rosenbrock_is_one_newton_step():
    f = objectives.rosenbrock()
    step = gd.newton_map(f.expr, f.symbols)
    point = np.array([-0.7, 1.3])
    expected = point - np.linalg.solve(f.hessian(point), f.grad(point))
    got = [float(e.subs(dict(zip(f.symbols, point)))) for e in step]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_rotated_quadratic_hessian_is_the_hessian_of_objectives_quadratic(seed):
    rng = np.random.default_rng(seed)
    kappa, angle = float(rng.uniform(1, 50)), float(rng.uniform(-np.pi, np.pi))
    symbolic = np.array(gd.rotated_quadratic_hessian(kappa, angle), dtype=float)
    numeric = objectives.quadratic(kappa, angle=angle).hessian(np.zeros(2))
    np.testing.assert_allclose(symbolic, numeric, rtol=1e-9, atol=1e-9)


def condition_number(M):
    eigenvalues = np.linalg.eigvals(M).real
    return eigenvalues.max() / eigenvalues.min()


@pytest.mark.parametrize("seed", range(6))
def test_best_diagonal_condition_number_beats_every_other_diagonal_and_jacobi_attains_it(seed):
    rng = np.random.default_rng(100 + seed)
    A = rng.normal(size=(2, 2))
    H = A @ A.T + 0.05 * np.eye(2)
    predicted = float(gd.best_diagonal_condition_number(H[0, 0], H[1, 1], H[0, 1]))
    jacobi = np.diag(1 / np.diag(H))
    assert condition_number(jacobi @ H) == pytest.approx(predicted, rel=1e-9)
    ratios = np.geomspace(1e-3, 1e3, 4001)  # only the ratio of the two entries matters
    on_grid = [condition_number(np.diag([1.0, r]) @ H) for r in ratios]
    assert min(on_grid) >= predicted * (1 - 1e-9)
    assert min(on_grid) == pytest.approx(predicted, rel=1e-3)
    assert 1.0 <= predicted <= condition_number(H) * (1 + 1e-9)


def test_best_diagonal_condition_number_on_the_rotated_bowl():
    kappa, phi = sp.Symbol("kappa", positive=True), sp.Symbol("varphi", real=True)
    H = gd.rotated_quadratic_hessian(kappa, phi)
    entries = (H[0, 0], H[1, 1], H[0, 1])
    assert gd.best_diagonal_condition_number(*(e.subs(phi, 0) for e in entries)) == 1
    at_45 = gd.best_diagonal_condition_number(*(e.subs(phi, sp.pi / 4) for e in entries))
    excess = sp.Symbol("excess", positive=True)  # kappa = 1 + excess > 1
    assert sp.simplify((at_45 - kappa).subs(kappa, 1 + excess)) == 0  # at 45 degrees no diagonal
    # preconditioner helps at all
    value = float(gd.best_diagonal_condition_number(
        *(e.subs({kappa: 10, phi: 0.5}) for e in entries)))  # fmt: skip
    Hn = objectives.quadratic(10, angle=0.5).hessian(np.zeros(2))
    assert value == pytest.approx(condition_number(np.diag(1 / np.diag(Hn)) @ Hn), rel=1e-9)
    assert 1 < value < 10


def test_best_diagonal_condition_number_is_what_minimizing_trace_squared_over_det_gives():
    # the derivation of chapter 01, step by step, against the closed form
    a, b, c, s, d1, d2, kappa = sp.symbols("a b c s d_1 d_2 kappa", positive=True)
    scaled = sp.diag(d1, d2) * sp.Matrix([[a, c], [c, b]]) * sp.diag(d1, d2)
    ratio = sp.simplify((scaled.trace() ** 2 / scaled.det()).subs(d2, sp.sqrt(s * a / b) * d1))
    (s_best,) = sp.solve(sp.diff(ratio, s), s)
    assert s_best == 1  # the Jacobi preconditioner
    roots = sp.solve(sp.Eq((kappa + 1) ** 2 / kappa, ratio.subs(s, s_best)), kappa)
    closed_form = gd.best_diagonal_condition_number(a, b, c)
    assert any(sp.simplify(root - closed_form) == 0 for root in roots)
    assert gd.best_diagonal_condition_number(a, b, -c) == closed_form  # only |h_12| matters
