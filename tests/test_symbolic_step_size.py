"""Tests of adamlib.symbolic.step_size: every closed form checked against adamlib.Adam and numpy."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.symbolic import step_size as sym

alpha, beta1, beta2, eps, c = sp.symbols("alpha beta_1 beta_2 epsilon c", positive=True)
t = sp.Symbol("t", integer=True, positive=True)
g = sp.IndexedBase("g")


def adam_steps(history, betas, lr=1.0, eps_value=0.0):
    """Run adamlib.Adam on ``history`` (shape (T, d)) and return every step, shape (T, d).

    The parameters are set to 0 before each step, so that the step is read off exactly. Adam's
    state depends on the gradients alone, so this changes no step; it also keeps the 0/0 = NaN
    steps that eps = 0 gives while a coordinate has seen only zero gradients from spoiling the
    parameters.
    """
    x = np.zeros(history.shape[1])
    opt = adamlib.Adam(x, lr=lr, betas=betas, eps=eps_value)
    steps = []
    with np.errstate(invalid="ignore"):
        for gradient in history:
            x[...] = 0.0
            opt.step(gradient)
            steps.append(x.copy())
    return np.array(steps)


def bound(b1, b2, n, lr=1.0):
    return float(sym.step_bound_tight(lr, b1, b2, n))


# -- the paper's bound -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "b1, b2, expected",
    [(0.9, 0.999, np.sqrt(10)), (0.9, 0.99, 1.0), (0.5, 0.5, 1.0), (0.0, 0.75, 2.0),
     (0.8, 0.999, 0.2 / np.sqrt(0.001))],
)  # fmt: skip
def test_step_bound_paper_has_two_cases(b1, b2, expected):
    assert float(sym.step_bound_paper(1, b1, b2)) == pytest.approx(expected, rel=1e-12)
    assert float(sym.step_bound_paper(0.01, b1, b2)) == pytest.approx(0.01 * expected, rel=1e-12)


def test_single_spike_step_matches_adam():
    for b1, b2, n in [(0.9, 0.999, 1), (0.9, 0.999, 50), (0.5, 0.9, 7), (0.9, 0.5, 20)]:
        history = np.zeros((n, 2))
        history[-1] = [3.0, -1e-4]  # any non-zero last gradient, of either sign
        step = adam_steps(history, (b1, b2), lr=0.1)[-1]
        expected = float(sym.single_spike_step(0.1, b1, b2, n))
        np.testing.assert_allclose(np.abs(step), expected, rtol=1e-12)
        ratio = float(sym.bias_correction_ratio(b1, b2, n))
        assert expected == pytest.approx(0.1 * (1 - b1) / np.sqrt(1 - b2) * ratio, rel=1e-12)


def test_single_spike_never_exceeds_the_papers_bound():
    rng = np.random.default_rng(5)
    b1, b2 = rng.uniform(0, 0.999, 5000), rng.uniform(0.001, 0.9999, 5000)
    n = rng.integers(1, 5000, 5000)
    spike = sp.lambdify((beta1, beta2, t), sym.single_spike_step(1, beta1, beta2, t))(b1, b2, n)
    paper = sp.lambdify((beta1, beta2), sym.step_bound_paper(1, beta1, beta2))(b1, b2)
    assert np.all(spike <= paper * (1 + 1e-12))
    assert np.max(spike / paper) > 0.999  # and it comes close: the bound is the spike's limit


# -- the tight bound --------------------------------------------------------------------------
def test_geometric_weights_sum_matches_numpy():
    for gamma_value in (0.0, 0.3, 0.81, 1.0, 1.7):
        for n in (1, 2, 13):
            expected = np.sum(gamma_value ** np.arange(n))
            got = float(sym.geometric_weights_sum(gamma_value, n))
            assert got == pytest.approx(expected, rel=1e-12)
    assert sym.geometric_weights_sum(1, t) == t


def test_adam_step_unrolled_matches_adam():
    rng = np.random.default_rng(1)
    history = rng.normal(size=(6, 1))
    expected = adam_steps(history, (0.8, 0.95), lr=0.3)[-1, 0]
    expr = sym.adam_step_unrolled(0.3, 0.8, 0.95, 6, g).doit()
    got = float(expr.subs({g[k + 1]: history[k, 0] for k in range(6)}))
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "b1, b2, n",
    [
        (0.9, 0.999, 1), (0.9, 0.999, 2), (0.9, 0.999, 300), (0.5, 0.9, 25), (0.9, 0.9, 12),
        (0.0, 0.99, 40),  # gamma = 0: the worst history is a single spike
        (0.5, 0.25, 30),  # gamma = 1
        (0.9, 0.5, 15), (0.99, 0.9, 40),  # gamma > 1
    ],
)  # fmt: skip
def test_adam_reaches_the_tight_bound_on_the_worst_history(b1, b2, n):
    worst = np.array([float(sym.worst_case_gradient(b1, b2, n, i)) for i in range(1, n + 1)])
    scales = np.array([1.0, 1e-3, 7.0, -2.0])  # any non-zero multiple attains it
    steps = adam_steps(worst[:, None] * scales, (b1, b2), lr=0.5)
    np.testing.assert_allclose(np.abs(steps[-1]), 0.5 * bound(b1, b2, n), rtol=1e-12)


def test_no_history_exceeds_the_tight_bound():
    rng = np.random.default_rng(2)
    for b1, b2, n in [(0.9, 0.999, 200), (0.5, 0.9, 30), (0.9, 0.6, 25), (0.0, 0.9, 10)]:
        worst = np.array([float(sym.worst_case_gradient(b1, b2, n, i)) for i in range(1, n + 1)])
        histories = np.concatenate([
            rng.normal(size=(n, 300)),
            rng.normal(size=(n, 300)) * (rng.random((n, 300)) < 0.05),
            rng.choice([-1.0, 1.0], size=(n, 300)),
            worst[:, None] * (1 + 0.05 * rng.normal(size=(n, 300))),
        ], axis=1)  # fmt: skip
        histories[-1, histories[-1] == 0] = 1.0  # v_t > 0 for every column
        steps = adam_steps(histories, (b1, b2))
        ratios = np.abs(steps[-1]) / bound(b1, b2, n)
        assert ratios.max() <= 1 + 1e-12
        assert ratios[-300:].max() > 0.9  # the perturbed optimum comes close...
        if b1 > 0:  # (with beta1 = 0 the optimum is a spike, which the perturbation keeps)
            assert ratios[-300:].max() < 1  # ...but does not reach it


def test_tight_bound_formula_against_numpy():
    rng = np.random.default_rng(3)
    for _ in range(10):
        b1, b2, n = rng.uniform(0, 0.99), rng.uniform(0.5, 0.9999), int(rng.integers(1, 2000))
        gamma = b1**2 / b2
        expected = ((1 - b1) * np.sqrt(1 - b2**n) / ((1 - b1**n) * np.sqrt(1 - b2))
                    * np.sqrt(np.sum(gamma ** np.arange(n))))  # fmt: skip
        assert bound(b1, b2, n) == pytest.approx(expected, rel=1e-10)


def test_tight_bound_is_one_at_the_first_step_and_when_the_betas_are_equal():
    assert sp.simplify(sym.step_bound_tight(alpha, beta1, beta2, 1) - alpha) == 0
    equal = sym.step_bound_tight(alpha, beta1, beta1, t).subs(beta2, beta1)
    # both sides are positive: compare squares, which SymPy simplifies without sign questions
    assert sp.simplify(sp.piecewise_fold(equal).args[-1].expr ** 2 - alpha**2) == 0
    for b, n in [(0.3, 4), (0.9, 50), (0.999, 5000)]:
        assert bound(b, b, n) == pytest.approx(1.0, rel=1e-12)


def test_tight_bound_limit():
    limit = sym.step_bound_tight_limit(alpha, beta1, beta2)
    finite = limit.args[0].expr
    stated = alpha * (1 - beta1) / sp.sqrt((1 - beta2) * (1 - beta1**2 / beta2))
    assert sp.simplify(finite - stated) == 0
    assert float(sym.step_bound_tight_limit(1, 0.9, 0.999)) == pytest.approx(7.2703, abs=1e-4)
    for b1, b2 in [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99), (0.7, 0.5)]:
        assert bound(b1, b2, 200_000) == pytest.approx(
            float(sym.step_bound_tight_limit(1, b1, b2)), rel=1e-9)  # fmt: skip
    for b1, b2 in [(0.9, 0.5), (0.5, 0.25)]:  # gamma >= 1
        assert sym.step_bound_tight_limit(1, b1, b2) == sp.oo
        assert bound(b1, b2, 4000) > 10 * bound(b1, b2, 4)


def test_tight_bound_exceeds_the_papers_bound_unless_beta1_is_0_or_beta2():
    for b1, b2 in [(0.9, 0.999), (0.5, 0.9), (0.9, 0.99), (0.7, 0.5), (0.2, 0.3)]:
        assert bound(b1, b2, 100_000) > float(sym.step_bound_paper(1, b1, b2)) * 1.001
    for b1, b2 in [(0.0, 0.999), (0.0, 0.3), (0.6, 0.6)]:
        for n in (1, 10, 1000, 100_000):
            assert bound(b1, b2, n) <= float(sym.step_bound_paper(1, b1, b2)) * (1 + 1e-12)


def test_worst_case_gradient():
    assert sym.worst_case_gradient(beta1, beta2, t, t) == 1
    assert sym.worst_case_gradient(sp.Rational(9, 10), sp.Rational(999, 1000), 3, 1) == \
        sp.Rational(900, 999) ** 2


# -- scale invariance and eps -----------------------------------------------------------------
def test_steps_are_invariant_to_the_gradient_scale_symbolically():
    step = sym.adam_step_unrolled(alpha, beta1, beta2, 4, g).doit()
    scaled = step.subs({g[k]: c * g[k] for k in range(1, 5)}, simultaneous=True)
    assert sp.simplify(scaled - step) == 0
    m, v = sp.Symbol("m"), sp.Symbol("v", positive=True)
    with_eps = sym.adam_step_from_moments(alpha, c * m, c**2 * v, eps)
    assert sp.simplify(with_eps - sym.adam_step_from_moments(alpha, m, v, eps / c)) == 0


def test_adam_steps_are_bit_identical_for_power_of_two_scales():
    history = np.random.default_rng(4).normal(size=(300, 5))
    reference = adam_steps(history, (0.9, 0.999))
    for scale in (2.0**-30, 0.5, 2.0**40):
        assert np.array_equal(adam_steps(history * scale, (0.9, 0.999)), reference)
    np.testing.assert_allclose(adam_steps(history * 3.0, (0.9, 0.999)), reference, rtol=1e-12)
    np.testing.assert_allclose(adam_steps(history * -1.0, (0.9, 0.999)), -reference, rtol=0)


def test_eps_scaling_identity_on_adam():
    history = np.random.default_rng(6).normal(size=(50, 3)) * 1e-6
    scaled = adam_steps(history * 1e3, (0.9, 0.999), eps_value=1e-5)
    unscaled = adam_steps(history, (0.9, 0.999), eps_value=1e-8)
    np.testing.assert_allclose(scaled, unscaled, rtol=1e-9)


# -- signal to noise --------------------------------------------------------------------------
def test_signal_to_noise_step_and_its_noisy_rms_against_adam():
    assert sym.signal_to_noise_step(0, 1) == 0
    assert sp.simplify(sym.noisy_step_rms(beta1, 0, 1) ** 2 - (1 - beta1) / (1 + beta1)) == 0
    rng = np.random.default_rng(7)
    ratios = np.array([0.0, 0.3, 1.0, 3.0])
    n_streams, steps = 400, 4000
    means = np.repeat(ratios, n_streams)
    history = means + rng.normal(size=(steps, means.size))
    normalized = adam_steps(history, (0.9, 0.999))[2000:]  # lr = 1: the step over alpha
    for k, snr in enumerate(ratios):
        block = normalized[:, k * n_streams:(k + 1) * n_streams]
        rms = np.sqrt(np.mean(block**2))
        assert rms == pytest.approx(float(sym.noisy_step_rms(0.9, snr, 1)), rel=0.03)
        assert -block.mean() == pytest.approx(float(sym.signal_to_noise_step(snr, 1)), abs=0.03)


# -- no name collides with another chapter's module in adamlib.symbolic -----------------------
def test_step_size_names_do_not_shadow_other_modules_in_adamlib_symbolic():
    import adamlib.symbolic as symbolic

    assert len(symbolic.__all__) == len(set(symbolic.__all__)), "a name is exported twice"
    for name in sym.__all__:
        assert getattr(symbolic, name) is getattr(sym, name)
    assert symbolic.adam_step is symbolic.adam.adam_step  # chapter 07's step, not shadowed
