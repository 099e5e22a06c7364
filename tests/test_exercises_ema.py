"""Tests of the checkers in adamlib.exercises.ema: right answers pass, classic slips fail clearly."""

import functools

import numpy as np
import pytest

from adamlib.exercises import check_bias_correction, check_ema, check_ema_weights


# -- readers' moving averages -----------------------------------------------------------------
def ema_loop(samples, beta):
    m, path = 0.0, []
    for g in samples:
        m = beta * m + (1 - beta) * g
        path.append(m)
    return np.array(path)


def ema_preallocated(samples, beta):
    path = np.zeros(len(samples))
    m = 0.0
    for t in range(len(samples)):
        m = beta * m + (1 - beta) * samples[t]
        path[t] = m
    return path


def ema_starts_at_first_sample(samples, beta):
    m, path = samples[0], []
    for g in samples:
        m = beta * m + (1 - beta) * g
        path.append(m)
    return np.array(path)


def ema_swapped(samples, beta):
    return ema_loop(samples, 1 - beta)


def ema_off_by_one(samples, beta):  # returns m_0..m_{T-1}
    return np.concatenate([[0.0], ema_loop(samples, beta)[:-1]])


def ema_bias_corrected(samples, beta):
    return ema_loop(samples, beta) / (1 - beta ** np.arange(1, len(samples) + 1))


def ema_last_value_only(samples, beta):
    return ema_loop(samples, beta)[-1]


def ema_in_place(samples, beta):  # overwrites the input, harmless here because inputs are copied
    m = 0.0
    for t in range(len(samples)):
        m = beta * m + (1 - beta) * samples[t]
        samples[t] = m
    return samples


@pytest.mark.parametrize("reader", [ema_loop, ema_preallocated, ema_in_place])
def test_check_ema_passes_correct_implementations(reader):
    result = check_ema(reader)
    assert result.passed, result.message
    assert result.message.startswith("✓")


@pytest.mark.parametrize(
    "reader",
    [ema_starts_at_first_sample, ema_swapped, ema_off_by_one, ema_bias_corrected,
     ema_last_value_only],
)  # fmt: skip
def test_check_ema_names_the_first_failing_input(reader):
    result = check_ema(reader)
    assert not result.passed
    assert "a constant stream of ones with beta = 0.9" in result.message
    assert "inputs: [1, 1, 1], 0.9" in result.message
    assert "0.271" in result.message  # the expected m_3 is shown


def test_check_ema_catches_swapped_betas_at_one_half_only_later():
    result = check_ema(lambda samples, beta: ema_loop(samples, 1 - beta) if beta != 0.9 else
                       ema_loop(samples, beta))  # fmt: skip
    assert not result.passed
    assert "beta = 0 (no memory" in result.message


def test_check_ema_reports_an_exception_with_the_input():
    def crashes_on_long_streams(samples, beta):
        if len(samples) > 100:
            raise RuntimeError("too long")
        return ema_loop(samples, beta)

    result = check_ema(crashes_on_long_streams)
    assert not result.passed
    assert "2000 samples" in result.message and "RuntimeError: too long" in result.message


def test_check_ema_rejects_a_non_function():
    assert not check_ema(np.array([1.0]))


# -- readers' bias corrections ----------------------------------------------------------------
def correct(m, beta, t):
    return m / (1 - beta**t)


@pytest.mark.parametrize(
    "reader",
    [correct, lambda m, beta, t: m * (1 / (1 - np.power(beta, t)))],
)
def test_check_bias_correction_passes_correct_implementations(reader):
    result = check_bias_correction(reader)
    assert result.passed, result.message


@pytest.mark.parametrize(
    "reader, failing_case",
    [
        (lambda m, beta, t: m, "the first step, t = 1, with beta = 0.9"),  # forgot it
        (lambda m, beta, t: m / (1 - beta ** (t + 1)), "the first step, t = 1"),  # off by one
        (lambda m, beta, t: m / (1 - (1 - beta) ** t), "the first step, t = 1"),  # swapped
        (lambda m, beta, t: m * (1 - beta**t), "the first step, t = 1"),  # multiplies
        (lambda m, beta, t: m / (1 - beta), "step t = 10 with beta = 0.9"),  # no power of t
        (lambda m, beta, t: m / (1 - beta ** np.minimum(t, 100)), "beta = 0.999 at step t = 1000"),
    ],
)
def test_check_bias_correction_names_the_failing_input(reader, failing_case):
    result = check_bias_correction(reader)
    assert not result.passed
    assert failing_case in result.message
    assert "inputs:" in result.message


def test_check_bias_correction_reports_division_by_zero_for_t_minus_one():
    result = check_bias_correction(lambda m, beta, t: m / (1 - beta ** (t - 1)))
    assert not result.passed
    assert "the first step, t = 1" in result.message
    assert "ZeroDivisionError" in result.message


def test_check_bias_correction_needs_elementwise_t():
    def scalar_only(m, beta, t):
        return m / (1 - beta ** int(t))  # breaks on an array of steps

    result = check_bias_correction(scalar_only)
    assert not result.passed
    assert "a whole path m_1..m_5" in result.message


# -- readers' weights -------------------------------------------------------------------------
def weights(beta, t):
    return (1 - beta) * beta ** (t - np.arange(1, t + 1))


def test_check_ema_weights_passes_a_correct_implementation():
    assert check_ema_weights(weights).passed


@pytest.mark.parametrize(
    "reader, failing_case",
    [
        (lambda beta, t: weights(beta, t)[::-1], "beta = 0.5 over t = 3 samples"),  # newest first
        (lambda beta, t: beta ** (t - np.arange(1, t + 1)), "beta = 0.5 over t = 3"),  # no 1-beta
        (lambda beta, t: (1 - beta) * beta ** (t + 1 - np.arange(1, t + 1)), "beta = 0.5"),
        (lambda beta, t: weights(beta, t) / (1 - beta**t), "beta = 0.5 over t = 3 samples"),
        (lambda beta, t: weights(beta, t)[1:], "beta = 0.5 over t = 3 samples"),  # one too few
    ],
)
def test_check_ema_weights_names_the_failing_input(reader, failing_case):
    result = check_ema_weights(reader)
    assert not result.passed
    assert failing_case in result.message


# -- the weights exercise forbids loops ---------------------------------------------------------
def weights_for_loop(beta, t):
    result = np.empty(t)
    for i in range(1, t + 1):
        result[i - 1] = (1 - beta) * beta ** (t - i)
    return result


def weights_while_loop(beta, t):
    result, i = [], 1
    while i <= t:
        result.append((1 - beta) * beta ** (t - i))
        i += 1
    return np.array(result)


def weights_comprehension(beta, t):
    return np.array([(1 - beta) * beta ** (t - i) for i in range(1, t + 1)])


def weights_map(beta, t):
    return np.array(list(map(lambda i: (1 - beta) * beta ** (t - i), range(1, t + 1))))


def weights_vectorize(beta, t):
    weight = np.vectorize(lambda i: (1 - beta) * beta ** (t - i))
    return weight(np.arange(1, t + 1))


def weights_fromiter(beta, t):
    ages = iter(range(t - 1, -1, -1))
    return np.fromiter(((1 - beta) * beta**age for age in ages), float, count=t)


def weights_recursive(beta, t):
    if t == 1:
        return np.array([1 - beta])
    return np.append(beta * weights_recursive(beta, t - 1), 1 - beta)


def weights_reduce(beta, t):
    return functools.reduce(lambda w, _: np.append(beta * w, 1 - beta), range(t), np.array([]))


@pytest.mark.parametrize(
    "reader, kind",
    [
        (weights_for_loop, "a for statement"),
        (weights_while_loop, "a while statement"),
        (weights_comprehension, "a comprehension"),
        (weights_map, "a call to map"),
        (weights_vectorize, "a call to np.vectorize"),
        (weights_fromiter, "a call to np.fromiter"),
        (weights_recursive, "a recursive call"),
        (weights_reduce, "a call to functools.reduce"),
        (lambda beta, t: np.array([(1 - beta) * beta ** (t - i) for i in range(1, t + 1)]),
         "a comprehension"),
    ],
)  # fmt: skip
def test_check_ema_weights_rejects_loops_the_exercise_forbids(reader, kind):
    # each of these returns the right weights: only the loop is wrong
    np.testing.assert_allclose(reader(0.9, 20), weights(0.9, 20))
    result = check_ema_weights(reader)
    assert not result.passed
    assert "uses a loop" in result.message and kind in result.message
    assert "without one" in result.message


def test_check_ema_weights_accepts_vectorized_code_whatever_its_form():
    def with_helper(beta, t):
        ages = t - np.arange(1, t + 1)
        return (1 - beta) * np.power(beta, ages)

    def with_a_ufunc_method(beta, t):  # np.multiply.accumulate runs in C: not a Python loop
        powers = np.multiply.accumulate(np.r_[1.0, np.full(t - 1, beta)])  # beta^0..beta^(t-1)
        return (1 - beta) * powers[::-1]

    assert check_ema_weights(with_helper).passed
    assert check_ema_weights(with_a_ufunc_method).passed
    assert check_ema_weights(lambda beta, t: (1 - beta) * beta ** np.arange(t - 1, -1, -1)).passed
