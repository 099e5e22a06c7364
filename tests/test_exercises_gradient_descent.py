"""The chapter 01 checkers accept correct code and name the input on which wrong code fails."""

import math

import numpy as np
import pytest

from adamlib.exercises import (
    check_gradient_descent_step,
    check_minibatch_gradient,
    check_saddle_escape_steps,
)


# -- check_gradient_descent_step -------------------------------------------------------------
def good_step(theta, g, lr):
    return theta - lr * g


def copy_then_update_step(theta, g, lr):
    theta = theta.copy()
    theta -= lr * g  # in place, but on its own copy: allowed
    return theta


def in_place_step(theta, g, lr):
    theta -= lr * g  # the right numbers, but the caller's theta changes: the exercise forbids it
    return theta


WRONG_STEPS = {
    "ascent": (lambda theta, g, lr: theta + lr * g, "one coordinate"),
    "forgets lr": (lambda theta, g, lr: theta - g, "one coordinate"),
    "lr squared": (lambda theta, g, lr: theta - lr**2 * g, "one coordinate"),
    "returns the step": (lambda theta, g, lr: -lr * g, "one coordinate"),
    "normalized gradient": (lambda theta, g, lr: theta - lr * g / np.linalg.norm(g),
                            "one coordinate"),  # fmt: skip
    "flattens": (lambda theta, g, lr: (theta - lr * g).ravel(), "a 2-D array of parameters"),
    "lr clipped at 1": (lambda theta, g, lr: theta - min(lr, 1.0) * g, "a large step"),
}


@pytest.mark.parametrize("step", [good_step, copy_then_update_step])
def test_gradient_descent_step_accepts_correct_code(step):
    result = check_gradient_descent_step(step)
    assert result.passed, result.message
    assert result.message.startswith("✓")


@pytest.mark.parametrize("name", WRONG_STEPS)
def test_gradient_descent_step_rejects_wrong_code(name):
    step, failing_case = WRONG_STEPS[name]
    result = check_gradient_descent_step(step)
    assert not result.passed
    assert result.message.startswith("✗ Not yet")
    assert failing_case in result.message


def test_gradient_descent_step_rejects_an_in_place_update_and_names_theta():
    result = check_gradient_descent_step(in_place_step)
    assert not result.passed
    assert result.message == (
        "✗ Not yet: for one coordinate (inputs: [1], [0.5], 0.1), your function modified its "
        "input `theta` in place; return a new array instead."
    )

    def in_place_with_wrong_sign(theta, g, lr):
        theta += lr * g
        return theta

    assert "modified its input `theta` in place" in check_gradient_descent_step(
        in_place_with_wrong_sign).message  # fmt: skip


def test_gradient_descent_step_says_not_implemented_yet():
    def gradient_descent_step(theta, g, lr):
        raise NotImplementedError

    result = check_gradient_descent_step(gradient_descent_step)
    assert not result.passed and result.message.startswith("✗ Not implemented yet")


def test_gradient_descent_step_reports_an_exception():
    def broken(theta, g, lr):
        raise RuntimeError("oops")

    result = check_gradient_descent_step(broken)
    assert not result.passed and "RuntimeError: oops" in result.message


# -- check_minibatch_gradient ----------------------------------------------------------------
def good_minibatch(X, y, w, rows):
    X_b, y_b = X[rows], y[rows]
    return X_b.T @ (X_b @ w - y_b) / len(rows)


def looped_minibatch(X, y, w, rows):
    total = np.zeros(X.shape[1])
    for i in rows:
        total += X[i] * (X[i] @ w - y[i])
    return total / len(rows)


WRONG_MINIBATCHES = {
    "sums instead of averaging": (
        lambda X, y, w, rows: X[rows].T @ (X[rows] @ w - y[rows]), "a batch of three rows"),
    "divides by n": (
        lambda X, y, w, rows: X[rows].T @ (X[rows] @ w - y[rows]) / len(X), "a batch of one row"),
    "sign error": (
        lambda X, y, w, rows: X[rows].T @ (y[rows] - X[rows] @ w) / len(rows),
        "a batch of one row"),
    "ignores the rows": (
        lambda X, y, w, rows: X.T @ (X @ w - y) / len(X), "a batch of one row"),
    "drops repeated rows": (
        lambda X, y, w, rows: good_minibatch(X, y, w, np.unique(rows)), "a row drawn twice"),
    "extra factor 2": (
        lambda X, y, w, rows: 2 * good_minibatch(X, y, w, rows), "a batch of one row"),
}  # fmt: skip


@pytest.mark.parametrize("fn", [good_minibatch, looped_minibatch])
def test_minibatch_gradient_accepts_correct_code(fn):
    result = check_minibatch_gradient(fn)
    assert result.passed, result.message


def test_minibatch_gradient_rejects_a_function_that_changes_its_data():
    def centers_X(X, y, w, rows):
        X -= X.mean(axis=0)  # changes the caller's data set
        return good_minibatch(X, y, w, rows)

    def sorts_rows(X, y, w, rows):
        rows.sort()  # the right gradient, but the caller's batch is reordered
        return good_minibatch(X, y, w, rows)

    assert "modified its input `X` in place" in check_minibatch_gradient(centers_X).message
    result = check_minibatch_gradient(sorts_rows)
    assert "for rows in no particular order" in result.message  # the first rows come sorted
    assert "modified its input `rows` in place" in result.message


@pytest.mark.parametrize("name", WRONG_MINIBATCHES)
def test_minibatch_gradient_rejects_wrong_code(name):
    fn, failing_case = WRONG_MINIBATCHES[name]
    result = check_minibatch_gradient(fn)
    assert not result.passed
    assert f"for {failing_case} (inputs:" in result.message
    assert "X_B^T (X_B w - y_B) / B" in result.message


# -- check_saddle_escape_steps ---------------------------------------------------------------
def escape_by_loop(lr, y0, radius):
    y, k = abs(y0), 0
    while y < radius:
        y += lr * y  # gradient descent on -y^2/2: y - lr * (-y)
        k += 1
    return k


def escape_by_formula(lr, y0, radius):
    return max(0, math.ceil(math.log(radius / abs(y0)) / math.log(1 + lr)))


WRONG_ESCAPES = {
    "forgets the absolute value": (
        lambda lr, y0, radius: max(0, math.ceil(math.log(radius / y0) / math.log(1 + lr)))
        if y0 > 0 else -1, "a negative y0"),
    "floor instead of ceiling": (
        lambda lr, y0, radius: max(0, math.floor(math.log(radius / abs(y0)) / math.log(1 + lr))),
        "y0 = 0.5, lr = 0.1"),
    "no clamp at zero": (
        lambda lr, y0, radius: math.ceil(math.log(radius / abs(y0)) / math.log(1 + lr)),
        "a start already outside the radius"),
    "rate 1/lr": (
        lambda lr, y0, radius: max(0, math.ceil(math.log(radius / abs(y0)) / lr)),
        "y0 = 0.5, lr = 0.1"),
    "linear in 1/y0": (
        lambda lr, y0, radius: max(0, math.ceil((radius / abs(y0)) / (1 + lr))),
        "a start already outside the radius"),
}  # fmt: skip


@pytest.mark.parametrize("fn", [escape_by_loop, escape_by_formula])
def test_saddle_escape_steps_accepts_correct_code(fn):
    result = check_saddle_escape_steps(fn)
    assert result.passed, result.message


@pytest.mark.parametrize("name", WRONG_ESCAPES)
def test_saddle_escape_steps_rejects_wrong_code(name):
    fn, failing_case = WRONG_ESCAPES[name]
    result = check_saddle_escape_steps(fn)
    assert not result.passed
    assert f"for {failing_case} (inputs:" in result.message
