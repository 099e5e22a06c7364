"""Shared settings for the optimizer tests: every optimizer with options that exercise each branch."""

from __future__ import annotations

import numpy as np

import adamlib

# (class, keyword arguments) pairs covering every option of every optimizer.
VARIANTS = [
    (adamlib.SGD, dict(lr=0.01)),
    (adamlib.SGD, dict(lr=0.01, momentum=0.9)),
    (adamlib.SGD, dict(lr=0.01, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    (adamlib.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    (adamlib.Adagrad, dict(lr=0.1)),
    (adamlib.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    (adamlib.RMSprop, dict(lr=0.01)),
    (adamlib.RMSprop, dict(lr=0.01, centered=True)),
    (adamlib.RMSprop, dict(lr=0.01, momentum=0.9, weight_decay=0.1)),
    (adamlib.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (adamlib.Adam, dict(lr=0.01)),
    (adamlib.Adam, dict(lr=0.01, weight_decay=0.1)),
    (adamlib.Adam, dict(lr=0.01, amsgrad=True)),
    (adamlib.AdamW, dict(lr=0.01)),
    (adamlib.AdamW, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    (adamlib.Adamax, dict(lr=0.01)),
    (adamlib.Adamax, dict(lr=0.01, weight_decay=0.1)),
    (adamlib.NAdam, dict(lr=0.01)),
    (adamlib.NAdam, dict(lr=0.01, weight_decay=0.1)),
    (adamlib.NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (adamlib.RAdam, dict(lr=0.01)),
    (adamlib.RAdam, dict(lr=0.01, weight_decay=0.1)),
    (adamlib.RAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]


def variant_id(variant) -> str:
    cls, kwargs = variant
    options = ",".join(f"{k}={v}" for k, v in kwargs.items() if k != "lr")
    return f"{cls.__name__}({options})"


def random_problem(seed: int, shapes=((3,), (2, 4), ())):
    """Parameters and a generator of gradients, seeded."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=shape) for shape in shapes]
    grads = [[rng.normal(size=shape) for shape in shapes] for _ in range(12)]
    return params, grads
