"""adamlib.amsgrad_variants.amsgrad_optax_update against optax.amsgrad, when optax is installed.

optax (and jax) are not dependencies of the course; this test is skipped without them. Run it by
hand in an environment with ``pip install optax``. jax computes in float32 unless 64-bit mode is
switched on, which the test does, so the only differences are the order of the operations.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from adamlib.amsgrad_variants import amsgrad_optax_update, amsgrad_paper_update

optax = pytest.importorskip("optax", reason="optax is optional: pip install optax")
jax = pytest.importorskip("jax")


@pytest.fixture
def float64_jax():
    previous = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.0, 0.1), (0.5, 0.9)])
def test_matches_optax_amsgrad_for_twelve_steps(betas, float64_jax):
    import jax.numpy as jnp

    beta1, beta2 = betas
    rng = np.random.default_rng(9)
    gradients = rng.normal(size=(12, 4)) * rng.uniform(0.01, 10.0, size=(12, 1))
    lr, eps = 0.05, 1e-8
    transform = optax.amsgrad(learning_rate=lr, b1=beta1, b2=beta2, eps=eps)
    params = jnp.zeros(4, dtype=jnp.float64)
    state = transform.init(params)
    theta, m, v, v_hat_max = (np.zeros(4) for _ in range(4))
    for t, g in enumerate(gradients, start=1):
        updates, state = transform.update(jnp.asarray(g), state, params)
        params = optax.apply_updates(params, updates)
        theta, m, v, v_hat_max = amsgrad_optax_update(theta, g, m, v, v_hat_max, t, lr=lr,
                                                      beta1=beta1, beta2=beta2, eps=eps)
        np.testing.assert_allclose(theta, np.asarray(params), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.0, 0.1)])
def test_optax_without_bias_corrections_is_the_papers_amsgrad(betas, float64_jax):
    """optax >= 0.2.7: both corrections off gives Algorithm 2 (with optax's eps)."""
    import jax.numpy as jnp

    if "bias_correction_nu" not in inspect.signature(optax.amsgrad).parameters:
        pytest.skip("this optax has no bias_correction_mu / bias_correction_nu (before 0.2.7)")
    beta1, beta2 = betas
    rng = np.random.default_rng(10)
    gradients = rng.normal(size=(12, 4)) * rng.uniform(0.01, 10.0, size=(12, 1))
    lr, eps = 0.05, 1e-8
    transform = optax.amsgrad(learning_rate=lr, b1=beta1, b2=beta2, eps=eps,
                              bias_correction_mu=False, bias_correction_nu=False)
    params = jnp.zeros(4, dtype=jnp.float64)
    state = transform.init(params)
    theta, m, v, v_max = (np.zeros(4) for _ in range(4))
    for t, g in enumerate(gradients, start=1):
        updates, state = transform.update(jnp.asarray(g), state, params)
        params = optax.apply_updates(params, updates)
        theta, m, v, v_max = amsgrad_paper_update(theta, g, m, v, v_max, t, lr=lr,
                                                  beta1=beta1, beta2=beta2, eps=eps)
        np.testing.assert_allclose(theta, np.asarray(params), rtol=1e-12, atol=1e-14)
