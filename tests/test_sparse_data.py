"""Tests of adamlib.data.sparse: the rare-feature regression problem of chapter 05."""

import numpy as np
import pytest

from adamlib.data import RareFeatureData, rare_feature_regression


def test_is_reproducible_float64_and_read_only():
    a, b = rare_feature_regression(2000, seed=3), rare_feature_regression(2000, seed=3)
    c = rare_feature_regression(2000, seed=4)
    for name in ("X", "y", "w_true", "frequencies", "w_star"):
        array = getattr(a, name)
        assert array.dtype == np.float64
        np.testing.assert_array_equal(array, getattr(b, name))
        with pytest.raises(ValueError):
            array[0] = 1.0
    assert not np.array_equal(a.X, c.X)
    with pytest.raises(ValueError):
        a.hessian[0, 0] = 1.0


def test_shapes_and_default_frequencies():
    problem = rare_feature_regression(n_samples=300, n_features=7, seed=0)
    assert isinstance(problem, RareFeatureData)
    assert problem.X.shape == (300, 7) and problem.y.shape == (300,)
    assert (problem.n_samples, problem.n_features) == (300, 7)
    np.testing.assert_allclose(problem.frequencies, np.geomspace(0.5, 5e-4, 7), rtol=1e-12)
    assert set(np.unique(problem.X)) <= {0.0, 1.0}


def test_features_appear_with_their_frequencies():
    problem = rare_feature_regression(n_samples=50_000, n_features=12, seed=1)
    p = problem.frequencies
    observed = problem.X.mean(axis=0)
    standard_errors = np.sqrt(p * (1 - p) / problem.n_samples)
    assert np.all(np.abs(observed - p) < 4 * standard_errors)


def test_features_are_independent():
    problem = rare_feature_regression(n_samples=50_000, n_features=6, max_frequency=0.5,
                                      min_frequency=0.05, seed=2)
    p = problem.frequencies
    expected = np.outer(p, p)
    np.fill_diagonal(expected, p)  # E[x_j^2] = p_j for a 0/1 feature
    second_moments = problem.X.T @ problem.X / problem.n_samples
    standard_errors = np.sqrt(expected * (1 - expected) / problem.n_samples)
    assert np.all(np.abs(second_moments - expected) < 5 * standard_errors)


def test_weights_scale_like_a_power_of_the_frequency():
    informative = rare_feature_regression(1000, n_features=9, weight_scale=0.2, seed=5)
    np.testing.assert_allclose(np.abs(informative.w_true), 0.2 / np.sqrt(informative.frequencies),
                               rtol=1e-12)
    flat = rare_feature_regression(1000, n_features=9, weight_exponent=0.0, seed=5)
    np.testing.assert_allclose(np.abs(flat.w_true), 0.3, rtol=1e-12)
    signs = np.sign(rare_feature_regression(500, n_features=200, seed=6).w_true)
    assert set(signs) == {-1.0, 1.0}


def test_custom_frequencies_are_used():
    p = np.full(5, 0.1)
    problem = rare_feature_regression(n_samples=1000, n_features=5, frequencies=p, seed=0)
    np.testing.assert_array_equal(problem.frequencies, p)


@pytest.mark.parametrize(
    "options",
    [
        {"n_samples": 0},
        {"n_features": 0},
        {"min_frequency": 0.0},
        {"min_frequency": 0.6, "max_frequency": 0.5},
        {"max_frequency": 1.5},
        {"n_features": 3, "frequencies": [0.1, 0.2]},
        {"n_features": 2, "frequencies": [0.1, 0.0]},
        {"noise_std": -1.0},
    ],
)
def test_invalid_arguments_are_refused(options):
    with pytest.raises(ValueError):
        rare_feature_regression(**options)


def test_w_star_is_the_least_squares_solution():
    problem = rare_feature_regression(n_samples=3000, n_features=8, seed=7)
    reference, *_ = np.linalg.lstsq(problem.X, problem.y, rcond=None)
    np.testing.assert_allclose(problem.w_star, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(problem.grad(problem.w_star), 0.0, atol=1e-10)


def test_noise_free_targets_give_back_the_true_weights():
    problem = rare_feature_regression(n_samples=20_000, n_features=6, min_frequency=0.01,
                                      noise_std=0.0, seed=8)
    np.testing.assert_allclose(problem.y, problem.X @ problem.w_true, rtol=1e-12)
    np.testing.assert_allclose(problem.w_star, problem.w_true, rtol=1e-9)


def test_loss_gradient_and_hessian_match_their_definitions():
    problem = rare_feature_regression(n_samples=500, n_features=5, min_frequency=0.01, seed=9)
    w = np.random.default_rng(0).standard_normal(5)
    residual = problem.X @ w - problem.y
    assert problem.loss(w) == pytest.approx(residual @ residual / 1000, rel=1e-12)
    np.testing.assert_allclose(problem.hessian, problem.X.T @ problem.X / 500, rtol=1e-12)
    h = 1e-6
    numeric = [(problem.loss(w + h * e) - problem.loss(w - h * e)) / (2 * h) for e in np.eye(5)]
    np.testing.assert_allclose(problem.grad(w), numeric, rtol=1e-6, atol=1e-8)


def test_excess_loss_is_the_loss_gap_and_is_never_negative():
    problem = rare_feature_regression(n_samples=2000, n_features=10, seed=10)
    rng = np.random.default_rng(1)
    for _ in range(5):
        w = problem.w_star + rng.standard_normal(10)
        gap = problem.loss(w) - problem.loss(problem.w_star)
        assert problem.excess_loss(w) == pytest.approx(gap, rel=1e-9)
        assert problem.excess_loss(w) >= 0
    assert problem.excess_loss(problem.w_star) == 0.0


def test_stacks_of_weights_give_one_answer_per_row():
    problem = rare_feature_regression(n_samples=800, n_features=6, seed=11)
    rng = np.random.default_rng(2)
    stack = rng.standard_normal((4, 6))
    rows = rng.integers(0, 800, size=32)
    np.testing.assert_allclose(problem.minibatch_grad(stack, rows),
                               [problem.minibatch_grad(w, rows) for w in stack], rtol=1e-12)
    np.testing.assert_allclose(problem.excess_loss(stack),
                               [problem.excess_loss(w) for w in stack], rtol=1e-12)
    np.testing.assert_allclose(problem.loss(stack), [problem.loss(w) for w in stack], rtol=1e-12)


def test_minibatch_gradient_matches_its_formula_and_is_unbiased():
    problem = rare_feature_regression(n_samples=400, n_features=5, min_frequency=0.02, seed=12)
    w = np.random.default_rng(3).standard_normal(5)
    rows = np.array([3, 3, 17, 250])
    X_b, y_b = problem.X[rows], problem.y[rows]
    np.testing.assert_allclose(problem.minibatch_grad(w, rows), X_b.T @ (X_b @ w - y_b) / 4,
                               rtol=1e-12)
    rng = np.random.default_rng(4)
    draws = np.array([problem.minibatch_grad(w, rng.integers(0, 400, size=8))
                      for _ in range(20_000)])
    standard_errors = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - problem.grad(w)) < 4 * standard_errors)


def test_a_rare_feature_gives_a_sparse_gradient_coordinate():
    problem = rare_feature_regression(n_samples=20_000, n_features=40, seed=13)
    rng = np.random.default_rng(5)
    grads = np.array([problem.minibatch_grad(np.zeros(40), rng.integers(0, 20_000, size=32))
                      for _ in range(2000)])
    nonzero = np.mean(grads != 0, axis=0)
    expected = 1 - (1 - problem.X.mean(axis=0)) ** 32  # P(the feature is in a batch of 32)
    assert np.all(np.abs(nonzero - expected) < 4 * np.sqrt(expected * (1 - expected) / 2000)
                  + 1e-3)
    assert nonzero[-1] < 0.03 and nonzero[0] == 1.0
