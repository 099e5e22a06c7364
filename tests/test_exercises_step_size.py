"""Tests of the checker in adamlib.exercises.step_size: right answers pass, classic slips fail."""

import math

import numpy as np
import pytest

import adamlib
from adamlib.exercises import check_step_bound
from adamlib.exercises.step_size import tight_step_ratio
from adamlib.symbolic import step_size as sym


# -- readers' bounds --------------------------------------------------------------------------
def closed_form(beta1, beta2, t):
    gamma = beta1**2 / beta2
    total = t if gamma == 1 else (1 - gamma**t) / (1 - gamma)
    bias = math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return (1 - beta1) / math.sqrt(1 - beta2) * bias * math.sqrt(total)


def summed_with_numpy(beta1, beta2, t):
    ages = np.arange(t)
    total = np.sum((beta1**2 / beta2) ** ages)  # no special case needed for gamma = 1
    return float((1 - beta1) * np.sqrt((1 - beta2**t) / (1 - beta2)) / (1 - beta1**t)
                 * np.sqrt(total))  # fmt: skip


def from_the_worst_history(beta1, beta2, t):
    """Build the maximizing history and compute m_hat / sqrt(v_hat) from it (ages 0..t-1)."""
    ages = np.arange(t)[::-1]  # age of g_1, ..., g_t
    g = (beta1 / beta2) ** ages
    m = (1 - beta1) * np.sum(beta1**ages * g) / (1 - beta1**t)
    v = (1 - beta2) * np.sum(beta2**ages * g**2) / (1 - beta2**t)
    return float(m / np.sqrt(v))


@pytest.mark.parametrize("reader", [closed_form, summed_with_numpy, from_the_worst_history])
def test_check_step_bound_passes_correct_implementations(reader):
    result = check_step_bound(reader)
    assert result.passed, result.message
    assert result.message.startswith("✓")


def no_bias_correction(beta1, beta2, t):
    gamma = beta1**2 / beta2
    return (1 - beta1) / math.sqrt(1 - beta2) * math.sqrt((1 - gamma**t) / (1 - gamma))


def papers_bound(beta1, beta2, t):
    return max(1.0, (1 - beta1) / math.sqrt(1 - beta2))


def the_limit(beta1, beta2, t):
    return (1 - beta1) / math.sqrt((1 - beta2) * (1 - beta1**2 / beta2))


def section_4_gamma(beta1, beta2, t):
    gamma = beta1**2 / math.sqrt(beta2)
    total = (1 - gamma**t) / (1 - gamma)
    return (1 - beta1) * math.sqrt(1 - beta2**t) / ((1 - beta1**t) * math.sqrt(1 - beta2)) \
        * math.sqrt(total)


def one_term_too_many(beta1, beta2, t):  # sums gamma^k for k = 0..t instead of 0..t-1
    gamma = beta1**2 / beta2
    total = (1 - gamma ** (t + 1)) / (1 - gamma)
    return (1 - beta1) * math.sqrt(1 - beta2**t) / ((1 - beta1**t) * math.sqrt(1 - beta2)) \
        * math.sqrt(total)


def t_counted_from_zero(beta1, beta2, t):
    return closed_form(beta1, beta2, t - 1) if t > 1 else 0.0


@pytest.mark.parametrize(
    "reader, failing_case, shown",
    [
        (no_bias_correction, "the first step with the default betas", "3.16228"),
        (papers_bound, "the first step with the default betas", "3.16228"),
        (the_limit, "the first step with the default betas", "7.27029"),
        (one_term_too_many, "the first step with the default betas", "inputs: 0.9, 0.999, 1"),
        (t_counted_from_zero, "the first step with the default betas", "should be 1,"),
        (section_4_gamma, "step 2 with beta1 = 0.5, beta2 = 0.75", "inputs: 0.5, 0.75, 2"),
    ],
)
def test_check_step_bound_names_the_first_failing_input(reader, failing_case, shown):
    result = check_step_bound(reader)
    assert not result.passed
    assert failing_case in result.message
    assert shown in result.message


def test_check_step_bound_reports_division_by_zero_when_gamma_is_one():
    def no_special_case(beta1, beta2, t):
        gamma = beta1**2 / beta2
        total = (1 - gamma**t) / (1 - gamma)
        return (1 - beta1) * math.sqrt(1 - beta2**t) / ((1 - beta1**t) * math.sqrt(1 - beta2)) \
            * math.sqrt(total)

    result = check_step_bound(no_special_case)
    assert not result.passed
    assert "gamma = beta1^2/beta2 = 1 exactly" in result.message
    assert "ZeroDivisionError" in result.message


def test_check_step_bound_catches_a_bound_capped_at_the_limit_only_for_gamma_above_one():
    def capped(beta1, beta2, t):
        gamma = beta1**2 / beta2
        return closed_form(beta1, beta2, t) if gamma <= 1 else 7.0

    result = check_step_bound(capped)
    assert not result.passed
    assert "gamma > 1" in result.message


def test_check_step_bound_rejects_a_non_function():
    assert not check_step_bound(3.16)


# -- the reference itself ---------------------------------------------------------------------
def test_reference_matches_the_symbolic_bound_at_random_points():
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 12:
        beta1, beta2 = rng.uniform(0, 0.99), rng.uniform(0.01, 0.9999)
        t = int(rng.integers(1, 3000))
        if t * math.log(max(beta1**2 / beta2, 1e-300)) > 600:
            continue  # the bound exceeds the range of a float there
        checked += 1
        expected = float(sym.step_bound_tight(1, beta1, beta2, t))
        assert tight_step_ratio(beta1, beta2, t) == pytest.approx(expected, rel=1e-10)


def test_reference_is_reached_by_adam_on_the_worst_history():
    for beta1, beta2, t in [(0.9, 0.999, 200), (0.5, 0.25, 30), (0.9, 0.5, 12)]:
        history = (beta1 / beta2) ** np.arange(t - 1, -1, -1)
        x = np.zeros(1)
        opt = adamlib.Adam(x, lr=1.0, betas=(beta1, beta2), eps=0.0)
        for g in history[:-1]:
            opt.step(np.array([g]))
        before = x.copy()
        opt.step(np.array([history[-1]]))
        assert abs(x[0] - before[0]) == pytest.approx(tight_step_ratio(beta1, beta2, t), rel=1e-12)


def test_reference_is_accurate_next_to_gamma_equal_to_one():
    # gamma = 1 + 1e-12: the naive formula loses digits, the reference must not.
    beta2 = 0.25
    beta1 = math.sqrt(beta2 * (1 + 1e-12))
    assert tight_step_ratio(beta1, beta2, 40) == pytest.approx(
        tight_step_ratio(0.5, 0.25, 40), rel=1e-9)  # fmt: skip


def test_reference_overflows_to_infinity_only_when_gamma_t_does():
    assert tight_step_ratio(0.9, 0.01, 5000) == math.inf
    assert math.isfinite(tight_step_ratio(0.9, 0.01, 100))


@pytest.mark.parametrize("bad", [(1.0, 0.9, 3), (0.9, 0.0, 3), (0.9, 0.999, 0), (-0.1, 0.9, 2)])
def test_reference_rejects_invalid_input(bad):
    with pytest.raises(ValueError):
        tight_step_ratio(*bad)
