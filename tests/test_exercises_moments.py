"""The chapter 02 checkers accept correct implementations and name the input that breaks wrong ones."""

import statistics
from statistics import pvariance

import numpy as np
import pytest

from adamlib.exercises import moments as ex


def raw_moment_loop(samples, n):
    total = 0.0
    for x in samples:
        total += x**n
    return total / len(samples)


def central_moment_correct(samples, n):
    return np.mean((samples - samples.mean()) ** n)


def variance_loop(samples, ddof):
    mean = sum(samples) / len(samples)
    return sum((x - mean) ** 2 for x in samples) / (len(samples) - ddof)


def test_correct_implementations_pass():
    assert ex.check_raw_moment(raw_moment_loop)
    assert ex.check_raw_moment(lambda x, n: np.mean(np.power(x, n)))
    assert ex.check_central_moment(central_moment_correct)
    assert ex.check_sample_variance(variance_loop)
    assert ex.check_sample_variance(lambda x, ddof: np.sum((x - np.mean(x)) ** 2) / (x.size - ddof))
    assert ex.check_sample_variance(
        lambda x, ddof: float(np.dot(x - x.mean(), x - x.mean())) / (len(x) - ddof)
    )
    assert "✓ Correct" in str(ex.check_sample_variance(variance_loop))


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x, ddof: np.var(x, ddof=ddof), "np.var"),
        (lambda x, ddof: x.var(ddof=ddof), "x.var"),
        (lambda x, ddof: np.std(x, ddof=ddof) ** 2, "np.std"),
        (lambda x, ddof: x.std(ddof=ddof) ** 2, "x.std"),
        (lambda x, ddof: np.nanvar(x, ddof=ddof), "np.nanvar"),
        (lambda x, ddof: np.nanstd(x, ddof=ddof) ** 2, "np.nanstd"),
        (lambda x, ddof: float(np.cov(x, ddof=ddof)), "np.cov"),
        (lambda x, ddof: statistics.variance(x) if ddof else statistics.pvariance(x),
         "statistics.variance"),
        (lambda x, ddof: pvariance(x) * len(x) / (len(x) - ddof), "pvariance"),
    ],
    ids=["np.var", ".var()", "np.std", ".std()", "np.nanvar", "np.nanstd", "np.cov",
         "statistics", "imported name"],
)  # fmt: skip
def test_sample_variance_checker_rejects_what_the_exercise_forbids(fn, name):
    # these compute the right number, but the exercise asks for the formula, not a library call
    result = ex.check_sample_variance(fn)
    assert not result
    assert f"calls {name} (line 1 of its code)" in result.message
    assert "not allowed here" in result.message


def _variance_by_helper(x):
    return x.var()


def test_a_forbidden_call_inside_a_helper_is_caught_when_run():
    # the checker cannot read the helper's code, but the samples it hands over refuse .var()
    result = ex.check_sample_variance(
        lambda x, ddof: _variance_by_helper(x) * len(x) / (len(x) - ddof)
    )
    assert not result
    assert "a hand-made sample with ddof = 1" in result.message
    assert "NotAllowedInThisExercise" in result.message and "not allowed" in result.message


def test_a_function_of_your_own_named_variance_is_allowed():
    def variance(x):
        return np.sum((x - np.mean(x)) ** 2)

    assert ex.check_sample_variance(lambda x, ddof: variance(x) / (len(x) - ddof))


def test_the_other_checkers_do_not_forbid_numpy_helpers():
    assert ex.check_central_moment(lambda x, n: np.mean((x - x.mean()) ** n) if n != 2 else x.var())


WRONG_RAW = {
    "power of the mean": (lambda x, n: np.mean(x) ** n, "a hand-made sample with k = 2"),
    "centered": (lambda x, n: np.mean((x - x.mean()) ** n), "a hand-made sample with k = 2"),
    "absolute values": (lambda x, n: np.mean(np.abs(x) ** n),
                        "a sample with negative values with k = 1"),
    "divides by N - 1": (lambda x, n: np.sum(x**n) / (len(x) - 1),
                         "a hand-made sample with k = 0"),
    "sum not mean": (lambda x, n: np.sum(x**n), "a hand-made sample with k = 0"),
    "crashes": (lambda x, n: x.nonexistent, "a hand-made sample with k = 0"),
}  # fmt: skip


@pytest.mark.parametrize("name", WRONG_RAW)
def test_wrong_raw_moments_fail_and_name_the_input(name):
    fn, where = WRONG_RAW[name]
    result = ex.check_raw_moment(fn)
    assert not result
    assert result.message.startswith("✗ Not yet")
    assert where in result.message
    with pytest.raises(AssertionError):
        result.raise_if_failed()


WRONG_CENTRAL = {
    "not centered": (lambda x, n: np.mean(x**n), "a hand-made sample with k = 2"),
    "absolute deviations": (lambda x, n: np.mean(np.abs(x - x.mean()) ** n),
                            "a hand-made sample with k = 1"),
    "divides by N - 1": (lambda x, n: np.sum((x - x.mean()) ** n) / (len(x) - 1),
                         "a hand-made sample with k = 2"),
    "centers on the median": (lambda x, n: np.mean((x - np.median(x)) ** n),
                              "a hand-made sample with k = 2"),
}  # fmt: skip


@pytest.mark.parametrize("name", WRONG_CENTRAL)
def test_wrong_central_moments_fail_and_name_the_input(name):
    fn, where = WRONG_CENTRAL[name]
    result = ex.check_central_moment(fn)
    assert not result
    assert where in result.message


WRONG_VARIANCE = {
    "always divides by N": (lambda x, ddof: np.sum((x - x.mean()) ** 2) / len(x),
                            "a hand-made sample with ddof = 1"),
    "always divides by N - 1": (lambda x, ddof: np.sum((x - x.mean()) ** 2) / (len(x) - 1),
                                "a hand-made sample with ddof = 0"),
    "forgets to center": (lambda x, ddof: np.sum(x**2) / (len(x) - ddof),
                          "a hand-made sample with ddof = 1"),
    "N + ddof": (lambda x, ddof: np.sum((x - x.mean()) ** 2) / (len(x) + ddof),
                 "a hand-made sample with ddof = 1"),
    "standard deviation": (lambda x, ddof: np.sqrt(np.sum((x - x.mean()) ** 2) / (len(x) - ddof)),
                           "a hand-made sample with ddof = 1"),
    "ddof reversed": (lambda x, ddof: np.sum((x - x.mean()) ** 2) / (len(x) - 1 + ddof),
                      "a hand-made sample with ddof = 1"),
    "modifies its input": (lambda x, ddof: (x.__isub__(x.mean()),
                                            np.sum(x**2) / (len(x) - ddof))[1] + 1,
                           "a hand-made sample with ddof = 1"),
}  # fmt: skip


@pytest.mark.parametrize("name", WRONG_VARIANCE)
def test_wrong_sample_variances_fail_and_name_the_input(name):
    fn, where = WRONG_VARIANCE[name]
    result = ex.check_sample_variance(fn)
    assert not result
    assert where in result.message
    assert "should be" in result.message


def test_variance_message_names_expected_and_got():
    result = ex.check_sample_variance(lambda x, ddof: np.sum((x - x.mean()) ** 2) / len(x))
    assert "should be 7" in result.message and "returned 4.66667" in result.message
    assert result.expected == pytest.approx(7.0) and result.got == pytest.approx(14 / 3)


def test_a_constant_sample_catches_a_variance_that_is_never_zero():
    # a small constant offset is caught: the tolerance is relative 1e-7
    result = ex.check_sample_variance(
        lambda x, ddof: np.sum((x - x.mean()) ** 2) / (len(x) - ddof) + 1e-3
    )
    assert not result


def test_non_callable_is_rejected():
    result = ex.check_raw_moment(3.0)
    assert not result and "Expected a function" in result.message
