"""adamlib against torch.optim, step for step, when PyTorch is installed (it is not a dependency).

Run by hand in an environment with ``pip install torch==2.13.0``; skipped otherwise. Both libraries
compute in float64 here, so the only differences are the order of floating-point operations.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer_cases import VARIANTS, random_problem, variant_id

torch = pytest.importorskip("torch", reason="PyTorch is optional: pip install torch==2.13.0")


@pytest.fixture
def float64_torch_scalars():
    """torch keeps scalar state such as NAdam's mu_product in the default dtype (float32)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_matches_torch_optim_for_twelve_steps(variant, float64_torch_scalars):
    cls, kwargs = variant
    params, grads = random_problem(5)
    torch_params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    torch_opt = getattr(torch.optim, cls.__name__)(torch_params, **kwargs)
    opt = cls(params, **kwargs)
    for step_grads in grads:
        opt.step(step_grads)
        for tp, g in zip(torch_params, step_grads):
            tp.grad = torch.tensor(g, dtype=torch.float64)
        torch_opt.step()
        for p, tp in zip(params, torch_params):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
