"""Tests of adamlib.objectives: values, derivatives, minima, mini-batch gradients and paths."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib import objectives
from adamlib.objectives import Objective, optimization_path

ALL = {
    "quadratic": objectives.quadratic(10.0),
    "rotated quadratic": objectives.quadratic(25.0, angle=0.7),
    "rosenbrock": objectives.rosenbrock(),
    "rosenbrock a=2 b=10": objectives.rosenbrock(a=2, b=10),
    "beale": objectives.beale(),
    "saddle": objectives.saddle(),
    "least squares": objectives.noisy_least_squares(),
    "least squares d=4": objectives.noisy_least_squares(n_samples=64, n_features=4, seed=3),
}


def numerical_gradient(fn, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (fn(x + e) - fn(x - e)) / (2 * h)
    return grad


@pytest.mark.parametrize("name", ALL)
def test_gradient_and_hessian_match_finite_differences(name):
    f = ALL[name]
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(-1.5, 1.5, size=f.dimension)
        np.testing.assert_allclose(f.grad(x), numerical_gradient(f.value, x), rtol=1e-5, atol=1e-5)
        hessian = np.stack([numerical_gradient(lambda z: f.grad(z)[i], x) for i in range(x.size)])
        np.testing.assert_allclose(f.hessian(x), hessian, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", ALL)
def test_evaluation_on_grids_matches_pointwise(name):
    f = ALL[name]
    points = np.random.default_rng(1).normal(size=(3, 4, f.dimension))
    values, grads, hessians = f.value(points), f.grad(points), f.hessian(points)
    assert values.shape == (3, 4)
    assert grads.shape == (3, 4, f.dimension)
    assert hessians.shape == (3, 4, f.dimension, f.dimension)
    for index in np.ndindex(3, 4):
        assert values[index] == pytest.approx(f.value(points[index]))
        np.testing.assert_allclose(grads[index], f.grad(points[index]))
        np.testing.assert_allclose(hessians[index], f.hessian(points[index]))
    assert isinstance(f.value(points[0, 0]), float)


@pytest.mark.parametrize("name", [n for n in ALL if ALL[n].minimum is not None])
def test_known_minimum_is_a_minimum(name):
    f = ALL[name]
    np.testing.assert_allclose(f.grad(f.minimum), 0.0, atol=1e-10)
    assert f.value(f.minimum) == pytest.approx(f.minimum_value, abs=1e-10)
    assert np.all(np.linalg.eigvalsh(f.hessian(f.minimum)) > 0)
    rng = np.random.default_rng(2)
    for _ in range(20):
        assert f.value(f.minimum + 0.1 * rng.normal(size=f.dimension)) > f.minimum_value


def test_known_minima_are_the_textbook_ones():
    np.testing.assert_array_equal(objectives.rosenbrock().minimum, [1.0, 1.0])
    np.testing.assert_array_equal(objectives.rosenbrock(a=2, b=10).minimum, [2.0, 4.0])
    np.testing.assert_array_equal(objectives.beale().minimum, [3.0, 0.5])
    x, y = objectives.beale().symbols
    assert sp.simplify(objectives.beale().expr.subs({x: 3, y: sp.Rational(1, 2)})) == 0


@pytest.mark.parametrize("kappa", [1.0, 10.0, 250.0])
@pytest.mark.parametrize("angle", [0.0, 0.3, np.pi / 4, 2.0])
def test_quadratic_has_eigenvalues_one_and_kappa(kappa, angle):
    f = objectives.quadratic(kappa, angle)
    eigenvalues, eigenvectors = np.linalg.eigh(f.hessian(np.array([0.4, -1.2])))
    np.testing.assert_allclose(eigenvalues, [1.0, kappa])
    direction = np.array([np.cos(angle), np.sin(angle)])
    if kappa > 1:  # otherwise every direction is an eigenvector
        assert abs(eigenvectors[:, 0] @ direction) == pytest.approx(1.0)
    assert f.value(np.zeros(2)) == 0.0


def test_quadratic_is_exact_for_whole_numbers():
    x, y = sp.symbols("x y")
    assert sp.simplify(objectives.quadratic(4).expr - (x**2 / 2 + 2 * y**2)) == 0
    with pytest.raises(ValueError, match="condition_number"):
        objectives.quadratic(0.5)


def test_saddle_has_no_minimum_and_curvatures_plus_and_minus_one():
    f = objectives.saddle()
    assert f.minimum is None and f.minimum_value is None
    np.testing.assert_allclose(f.hessian(np.array([0.3, 0.2])), np.diag([1.0, -1.0]))
    np.testing.assert_allclose(f.grad(np.zeros(2)), 0.0)


def test_wrong_point_shape_is_refused():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        objectives.rosenbrock().value(np.zeros(3))


def test_objective_from_any_expression():
    a, b, c = sp.symbols("a b c")
    f = Objective("cubic", (a, b, c), a**3 + b * c)
    np.testing.assert_allclose(f.grad(np.array([2.0, 3.0, 5.0])), [12.0, 5.0, 3.0])
    np.testing.assert_allclose(f.hessian(np.array([2.0, 3.0, 5.0]))[0, 0], 12.0)
    assert f.minimum is None and f.bounds is None


class TestNoisyLeastSquares:
    f = objectives.noisy_least_squares(n_samples=200, n_features=3, condition_number=30.0, seed=4)

    def test_value_is_the_mean_squared_error(self):
        w = np.array([0.3, -0.2, 1.0])
        residual = self.f.X @ w - self.f.y
        assert self.f.value(w) == pytest.approx(residual @ residual / (2 * 200))
        np.testing.assert_allclose(self.f.grad(w), self.f.X.T @ residual / 200, atol=1e-10)

    def test_minimum_is_the_least_squares_solution(self):
        solution = np.linalg.lstsq(self.f.X, self.f.y, rcond=None)[0]
        np.testing.assert_allclose(self.f.minimum, solution)
        assert self.f.minimum_value == pytest.approx(self.f.value(solution))

    def test_hessian_has_the_requested_eigenvalues(self):
        eigenvalues = np.linalg.eigvalsh(self.f.hessian(np.zeros(3)))
        np.testing.assert_allclose(eigenvalues, np.geomspace(1, 30, 3), rtol=1e-9)

    def test_per_example_gradients_average_to_the_gradient(self):
        w = np.array([1.0, 2.0, -1.0])
        grads = self.f.per_example_grads(w)
        assert grads.shape == (200, 3)
        np.testing.assert_allclose(grads.mean(axis=0), self.f.grad(w), atol=1e-10)

    @pytest.mark.parametrize("replace", [True, False])
    def test_minibatch_gradient_is_unbiased_with_the_predicted_covariance(self, replace):
        w = np.array([1.0, 2.0, -1.0])
        rng = np.random.default_rng(5)
        batch, draws = 20, 20000
        samples = np.array([self.f.minibatch_grad(w, batch, rng, replace=replace)
                            for _ in range(draws)])  # fmt: skip
        sigma = self.f.gradient_covariance(w)
        factor = 1.0 if replace else (200 - batch) / (200 - 1)
        predicted = sigma / batch * factor
        standard_error = np.sqrt(np.diag(predicted) / draws)
        assert np.all(np.abs(samples.mean(axis=0) - self.f.grad(w)) < 4 * standard_error)
        np.testing.assert_allclose(np.diag(np.cov(samples.T)), np.diag(predicted), rtol=0.05)

    def test_minibatch_of_everything_without_replacement_is_exact(self):
        w = np.array([0.5, 0.5, 0.5])
        g = self.f.minibatch_grad(w, 200, np.random.default_rng(0), replace=False)
        np.testing.assert_allclose(g, self.f.grad(w), atol=1e-10)

    def test_invalid_batch_size(self):
        with pytest.raises(ValueError, match="batch_size"):
            self.f.minibatch_grad(np.zeros(3), 0, np.random.default_rng(0))
        with pytest.raises(ValueError, match="batch_size"):
            self.f.minibatch_grad(np.zeros(3), 201, np.random.default_rng(0), replace=False)

    def test_seed_determines_the_data(self):
        again = objectives.noisy_least_squares(n_samples=200, n_features=3, condition_number=30.0,
                                               seed=4)  # fmt: skip
        other = objectives.noisy_least_squares(n_samples=200, n_features=3, condition_number=30.0,
                                               seed=5)  # fmt: skip
        np.testing.assert_array_equal(again.X, self.f.X)
        assert not np.allclose(other.y, self.f.y)

    def test_noise_level_sets_the_residual(self):
        f = objectives.noisy_least_squares(n_samples=4000, noise_std=0.5, seed=0)
        assert 2 * f.minimum_value == pytest.approx(0.25, rel=0.1)
        exact = objectives.noisy_least_squares(n_samples=50, noise_std=0.0)
        assert exact.minimum_value == pytest.approx(0.0, abs=1e-20)

    def test_two_feature_problem_has_a_window_around_its_minimum(self):
        f = objectives.noisy_least_squares()
        (xmin, xmax), (ymin, ymax) = f.bounds
        assert xmin < f.minimum[0] < xmax and ymin < f.minimum[1] < ymax
        assert self.f.bounds is None


class TestOptimizationPath:
    def test_matches_a_hand_written_loop(self):
        f = objectives.rosenbrock()
        path = optimization_path(f, adamlib.Adam, [-1.0, 1.5], steps=25, lr=0.05)
        x = np.array([-1.0, 1.5])
        opt = adamlib.Adam(x, lr=0.05)
        expected = [x.copy()]
        for _ in range(25):
            opt.step(f.grad(x))
            expected.append(x.copy())
        np.testing.assert_array_equal(path, np.array(expected))

    def test_sgd_on_the_quadratic_is_the_closed_form(self):
        f = objectives.quadratic(10.0)
        x0, lr = np.array([1.5, -0.8]), 0.15
        path = optimization_path(f, adamlib.SGD, x0, steps=30, lr=lr)
        k = np.arange(31)[:, None]
        np.testing.assert_allclose(path, x0 * (1 - lr * np.array([1.0, 10.0])) ** k)

    def test_starting_point_is_not_modified(self):
        x0 = np.array([0.5, 0.5])
        optimization_path(objectives.quadratic(), adamlib.SGD, x0, steps=3, lr=0.1)
        np.testing.assert_array_equal(x0, [0.5, 0.5])

    def test_grad_override_is_used(self):
        f = objectives.noisy_least_squares()
        rng = np.random.default_rng(0)
        calls = []

        def noisy(w):
            calls.append(w.copy())
            return f.minibatch_grad(w, 4, rng)

        path = optimization_path(f, adamlib.SGD, [0.0, 0.0], steps=7, grad=noisy, lr=0.05)
        assert len(calls) == 7
        exact = optimization_path(f, adamlib.SGD, [0.0, 0.0], steps=7, lr=0.05)
        assert not np.allclose(path, exact)
        np.testing.assert_array_equal(calls[3], path[3])

    def test_divergence_raises_or_fills_with_nan(self):
        f = objectives.quadratic(4.0)
        with pytest.raises(adamlib.NonFiniteGradientError), np.errstate(over="ignore"):
            optimization_path(f, adamlib.SGD, [1.0, 1.0], steps=400, lr=2.0)
        path = optimization_path(f, adamlib.SGD, [1.0, 1.0], steps=400, lr=2.0,
                                 nan_on_divergence=True)  # fmt: skip
        finite = np.isfinite(path).all(axis=1)
        first_nan = int(np.argmin(finite))
        assert 300 < first_nan < 400 and not finite[first_nan:].any() and finite[:first_nan].all()

    def test_wrong_starting_shape(self):
        with pytest.raises(ValueError, match="x0"):
            optimization_path(objectives.quadratic(), adamlib.SGD, [1.0], steps=1, lr=0.1)
