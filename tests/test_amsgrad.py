"""Chapter 09: the AMSGrad variants and the closed forms of Reddi et al.'s counterexample.

Every closed form of adamlib.symbolic.amsgrad is checked against a numerical run (adamlib's
optimizers or the numpy variants) at seeded random values of C and beta2; the variants are
checked against each other where the chapter says they agree, and shown to differ where it says
they differ.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.amsgrad_variants import amsgrad_optax_update, amsgrad_paper_update
from adamlib.symbolic import amsgrad as sym

RNG = np.random.default_rng(2018)
RANDOM_CS = RNG.uniform(2.05, 30.0, size=4)


def counterexample_gradients(n_steps: int, C: float) -> np.ndarray:
    """g_1..g_T: C when t mod 3 = 1, else -1."""
    t = np.arange(1, n_steps + 1)
    return np.where(t % 3 == 1, C, -1.0)


def run_variant(variant: str, gradients, *, lr, beta1, beta2, eps=0.0, clip=False):
    """Iterates theta_1..theta_T and divisors bar v_1..bar v_T of one variant, from theta_0 = 0."""
    theta, m, v, v_max = (np.zeros(1) for _ in range(4))
    thetas, divisors = [], []
    for t, g in enumerate(gradients, start=1):
        g = np.array([g])
        if variant == "paper":
            theta, m, v, v_max = amsgrad_paper_update(theta, g, m, v, v_max, t, lr=lr,
                                                      beta1=beta1, beta2=beta2, eps=eps)
            divisor = v_max
        elif variant == "optax":
            theta, m, v, v_max = amsgrad_optax_update(theta, g, m, v, v_max, t, lr=lr,
                                                      beta1=beta1, beta2=beta2, eps=eps)
            divisor = v_max
        elif variant == "torch":
            theta, m, v, v_max = adamlib.adam_update(theta, g, m, v, t, lr=lr, beta1=beta1,
                                                     beta2=beta2, eps=eps, v_max=v_max)
            divisor = v_max / (1 - beta2**t)
        else:  # Adam
            theta, m, v, _ = adamlib.adam_update(theta, g, m, v, t, lr=lr, beta1=beta1,
                                                 beta2=beta2, eps=eps)
            divisor = v / (1 - beta2**t)
        if clip:
            theta = np.clip(theta, -1.0, 1.0)
        thetas.append(theta[0])
        divisors.append(divisor[0])
    return np.array(thetas), np.array(divisors)


def period_displacements(thetas: np.ndarray) -> np.ndarray:
    """theta_{3k+3} - theta_{3k} for k = 0, 1, ..., with theta_0 = 0 (unprojected runs)."""
    ends = np.concatenate([[0.0], thetas[2::3]])
    return np.diff(ends)


# -- the closed forms --------------------------------------------------------------------------
def test_periodic_orbit_solves_the_recursion_symbolically():
    C, beta2 = sp.symbols("C beta_2", positive=True)
    v1, v2, v3 = sym.periodic_second_moments(C, beta2)
    assert sp.simplify(beta2 * v3 + (1 - beta2) * C**2 - v1) == 0
    assert sp.simplify(beta2 * v1 + (1 - beta2) - v2) == 0
    assert sp.simplify(beta2 * v2 + (1 - beta2) - v3) == 0


@pytest.mark.parametrize("C", RANDOM_CS)
def test_second_moment_closed_form_matches_the_recursion(C):
    beta2 = float(RNG.uniform(0.01, 0.95))
    v, exact = 0.0, []
    for g in counterexample_gradients(30, C):
        v = beta2 * v + (1 - beta2) * g**2
        exact.append(v)
    closed = [float(sym.counterexample_second_moment(C, beta2, k, j))
              for k in range(10) for j in (1, 2, 3)]
    np.testing.assert_allclose(closed, exact, rtol=1e-12)


def test_second_moment_rejects_a_bad_position():
    with pytest.raises(ValueError, match="position"):
        sym.counterexample_second_moment(3, 0.1, 0, 4)


@pytest.mark.parametrize("C", RANDOM_CS)
def test_adam_displacement_matches_adamlib_on_the_orbit(C):
    beta2 = 1 / (1 + C**2)
    gradients = counterexample_gradients(300, C)
    thetas, _ = run_variant("adam", gradients, lr=0.01, beta1=0.0, beta2=beta2)
    measured = period_displacements(thetas)[-1]
    predicted = float(sym.adam_period_displacement(0.01, C, sym.counterexample_beta2(C)))
    assert measured == pytest.approx(predicted, rel=1e-10)
    assert predicted > 0.005  # at least alpha / 2, toward +1


def test_adam_displacement_changes_sign_for_large_beta2():
    """With C = 3, a beta2 close to 1 makes Adam move toward -1: large beta2 is advisable."""
    assert float(sym.adam_period_displacement(1, 3, 0.1)) > 0
    assert float(sym.adam_period_displacement(1, 3, 0.9)) < 0
    gradients = counterexample_gradients(600, 3.0)
    thetas, _ = run_variant("adam", gradients, lr=0.01, beta1=0.0, beta2=0.9)
    assert period_displacements(thetas)[-1] == pytest.approx(
        float(sym.adam_period_displacement(0.01, 3, 0.9)), rel=1e-10)


@pytest.mark.parametrize("C", RANDOM_CS)
def test_paper_amsgrad_displacement_is_exact_in_every_period(C):
    beta2 = 1 / (1 + C**2)
    thetas, _ = run_variant("paper", counterexample_gradients(60, C), lr=0.01, beta1=0.0,
                            beta2=beta2)
    predicted = [float(sym.amsgrad_period_displacement(0.01, C, beta2, k)) for k in range(20)]
    np.testing.assert_allclose(period_displacements(thetas), predicted, rtol=1e-10)
    limit = float(sym.amsgrad_period_displacement_limit(0.01, C, beta2))
    assert predicted[-1] == pytest.approx(limit, rel=1e-12)
    assert max(predicted) <= 0.01 * (2 - C) / C + 1e-15


@pytest.mark.parametrize("C", RANDOM_CS)
def test_torch_amsgrad_tends_to_the_same_displacement(C):
    beta2 = 1 / (1 + C**2)
    thetas, _ = run_variant("torch", counterexample_gradients(60, C), lr=0.01, beta1=0.0,
                            beta2=beta2)
    limit = float(sym.amsgrad_period_displacement_limit(0.01, C, beta2))
    assert period_displacements(thetas)[-1] == pytest.approx(limit, rel=1e-10)


@pytest.mark.parametrize("C", RANDOM_CS)
def test_optax_amsgrad_is_sgd_with_step_alpha_over_C(C):
    beta2 = 1 / (1 + C**2)
    thetas, divisors = run_variant("optax", counterexample_gradients(30, C), lr=0.01,
                                   beta1=0.0, beta2=beta2)
    np.testing.assert_allclose(divisors, C**2, rtol=1e-12)
    predicted = float(sym.optax_amsgrad_period_displacement(0.01, C))
    np.testing.assert_allclose(period_displacements(thetas), predicted, rtol=1e-10)


# -- the counterexample, projected onto [-1, 1] --------------------------------------------------
def test_adam_drifts_to_plus_one_and_amsgrad_to_minus_one():
    C = 3.0
    gradients = counterexample_gradients(1500, C)
    adam, _ = run_variant("adam", gradients, lr=0.01, beta1=0.0, beta2=0.1, clip=True)
    assert adam[-3:].min() > 1 - 0.012 and adam[-1] == 1.0
    for variant in ("paper", "torch", "optax"):
        thetas, _ = run_variant(variant, gradients, lr=0.01, beta1=0.0, beta2=0.1, clip=True)
        assert thetas[-3::].max() < -1 + 0.01, variant
        assert thetas[-1] < -0.99 and thetas[2::3][-1] < -0.99


def test_adamlib_adam_class_with_clipping_matches_the_update_functions():
    C = 3.0
    gradients = counterexample_gradients(90, C)
    for amsgrad, variant in ((False, "adam"), (True, "torch")):
        x = np.zeros(1)
        opt = adamlib.Adam(x, lr=0.01, betas=(0.0, 0.1), eps=0.0, amsgrad=amsgrad)
        path = []
        for g in gradients:
            opt.step(np.array([g]))
            np.clip(x, -1, 1, out=x)
            path.append(x[0])
        thetas, _ = run_variant(variant, gradients, lr=0.01, beta1=0.0, beta2=0.1, clip=True)
        np.testing.assert_allclose(path, thetas, rtol=0, atol=1e-15)


# -- how the three variants relate ---------------------------------------------------------------
def random_stream(seed: int, n_steps: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_steps, 5)) * rng.uniform(0.01, 10.0, size=(n_steps, 1))


@pytest.mark.parametrize("seed", range(5))
def test_torch_step_is_the_paper_step_with_the_faster_ordering_step_size(seed):
    """torch = paper with alpha_t = alpha sqrt(1 - b2^t) / (1 - b1^t), eps_hat = eps sqrt(.)."""
    b1, b2, lr, eps = 0.9, 0.99, 0.01, 1e-3
    theta, m, v, v_max = (np.zeros(5) for _ in range(4))
    for t, g in enumerate(random_stream(seed), start=1):
        torch_theta, m_new, v_new, v_max_new = adamlib.adam_update(
            theta, g, m, v, t, lr=lr, beta1=b1, beta2=b2, eps=eps, v_max=v_max)
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        paper_theta, *_ = amsgrad_paper_update(theta, g, m, v, v_max, t, lr=lr_t, beta1=b1,
                                               beta2=b2, eps=eps * np.sqrt(1 - b2**t))
        np.testing.assert_allclose(torch_theta, paper_theta, rtol=1e-12, atol=1e-15)
        theta, m, v, v_max = torch_theta, m_new, v_new, v_max_new


@pytest.mark.parametrize("seed", range(5))
def test_divisors_are_ordered_adam_torch_optax(seed):
    b2 = 0.9
    gradients = random_stream(seed)
    m, v, v_max, v_hat_max = (np.zeros(5) for _ in range(4))
    for t, g in enumerate(gradients, start=1):
        _, m_new, v_new, v_hat_max = amsgrad_optax_update(np.zeros(5), g, m, v, v_hat_max, t,
                                                          lr=0.1, beta1=0.9, beta2=b2)
        v_max = np.maximum(v_max, v_new)
        adam_divisor, torch_divisor = v_new / (1 - b2**t), v_max / (1 - b2**t)
        assert np.all(adam_divisor <= torch_divisor * (1 + 1e-12))
        assert np.all(torch_divisor <= v_hat_max * (1 + 1e-12))
        m, v = m_new, v_new


def test_on_a_constant_gradient_all_four_coincide():
    gradients = np.full(50, 0.7)
    runs = {name: run_variant(name, gradients, lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8)
            for name in ("adam", "torch", "optax")}
    for name in ("torch", "optax"):
        np.testing.assert_allclose(runs[name][0], runs["adam"][0], rtol=1e-12)
        np.testing.assert_allclose(runs[name][1], runs["adam"][1], rtol=1e-12)


def test_torch_divisor_can_decrease_optax_and_paper_cannot():
    """A spike then zeros: torch's v_max / (1 - b2^t) falls, the other two maxima stay."""
    gradients = np.array([5.0] + [0.0] * 20)
    _, torch_div = run_variant("torch", gradients, lr=0.01, beta1=0.9, beta2=0.9, eps=1e-8)
    _, optax_div = run_variant("optax", gradients, lr=0.01, beta1=0.9, beta2=0.9, eps=1e-8)
    _, paper_div = run_variant("paper", gradients, lr=0.01, beta1=0.9, beta2=0.9, eps=1e-8)
    assert np.all(np.diff(torch_div) < 0)
    assert torch_div[-1] == pytest.approx(0.1 * 25 / (1 - 0.9**21))
    assert np.all(optax_div == 25.0)
    assert np.all(np.diff(paper_div) == 0) and paper_div[0] == pytest.approx(2.5)


def test_optax_with_both_corrections_off_is_the_paper():
    """optax's bias_correction_mu = bias_correction_nu = False, written out: the paper's step."""
    b1, b2 = 0.9, 0.99
    theta, m, v, v_max = (np.zeros(5) for _ in range(4))
    for t, g in enumerate(random_stream(3), start=1):
        new = amsgrad_paper_update(theta, g, m, v, v_max, t, lr=0.01, beta1=b1, beta2=b2,
                                   eps=1e-8)
        m_o = b1 * m + (1 - b1) * g
        v_o = b2 * v + (1 - b2) * g**2
        v_max_o = np.maximum(v_max, v_o)
        np.testing.assert_allclose(new[0], theta - 0.01 * m_o / (np.sqrt(v_max_o) + 1e-8))
        theta, m, v, v_max = new


def test_updates_return_new_arrays():
    arrays = [np.ones(2), np.full(2, 0.5), np.full(2, 0.1), np.full(2, 0.2), np.full(2, 0.3)]
    before = [a.copy() for a in arrays]
    for update in (amsgrad_paper_update, amsgrad_optax_update):
        update(*arrays, 3, lr=0.1, beta1=0.9, beta2=0.99)
        for a, b in zip(arrays, before):
            np.testing.assert_array_equal(a, b)
