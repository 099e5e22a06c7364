"""Time adamlib's optimizer steps against torch.optim's on the CPU, in one process, interleaved.

For each optimizer and each case (one 10M-element float32 array; an MLP-like list of a dozen
arrays) this builds the same parameters and gradients for adamlib (numpy) and for torch, warms
both up, then alternates one adamlib step and one torch step (swapping which goes first every
round) and reports the medians and the median of the per-round ratios adamlib time / torch time.
Torch runs its default implementation (``foreach=None``; on CPU tensors torch picks its
single-tensor loop) unless ``--torch-foreach`` is given.

Needs torch (CPU) and adamlib in one environment, for instance::

    python -m venv /work/torchvenv
    /work/torchvenv/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /work/torchvenv/bin/pip install -e . --no-deps
    /work/torchvenv/bin/python benchmarks/bench_optimizers.py

Run it on a quiet machine; the load average at the start and the end is printed with the table.

Both libraries share the process and its two cores, so the script sets ``OMP_WAIT_POLICY=PASSIVE``
before torch starts its OpenMP threads (unless the variable is already set): otherwise torch's
idle workers keep spinning after each torch step and take the cores from adamlib's step that
follows, an artefact of interleaving that neither library shows when it runs alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch starts its OpenMP threads

import torch  # noqa: E402

import adamlib
from adamlib import _kernels

# (name, adamlib class, torch class, keyword arguments both accept)
OPTIMIZERS = [
    ("SGD", adamlib.SGD, torch.optim.SGD, {"lr": 1e-3}),
    ("SGD momentum", adamlib.SGD, torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9}),
    ("Adagrad", adamlib.Adagrad, torch.optim.Adagrad, {}),
    ("RMSprop", adamlib.RMSprop, torch.optim.RMSprop, {}),
    ("Adam", adamlib.Adam, torch.optim.Adam, {}),
    ("Adam amsgrad", adamlib.Adam, torch.optim.Adam, {"amsgrad": True}),
    ("AdamW", adamlib.AdamW, torch.optim.AdamW, {}),
    ("Adamax", adamlib.Adamax, torch.optim.Adamax, {}),
    ("NAdam", adamlib.NAdam, torch.optim.NAdam, {}),
    ("RAdam", adamlib.RAdam, torch.optim.RAdam, {}),
]

MLP_LAYERS = [(784, 1024), (1024, 1024), (1024, 1024), (1024, 1024), (1024, 512), (512, 10)]
CASES = {
    "10M float32": [(10_000_000,)],
    "MLP, 12 arrays": [shape for n_in, n_out in MLP_LAYERS for shape in ((n_out, n_in), (n_out,))],
}


def make_data(shapes, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s, dtype=np.float32) * 0.05 for s in shapes]
    grads = [rng.standard_normal(s, dtype=np.float32) * 0.01 for s in shapes]
    return params, grads


def time_case(adam_cls, torch_cls, kwargs, shapes, repeats, warmup, foreach):
    params, grads = make_data(shapes)
    np_params = [p.copy() for p in params]
    np_opt = adam_cls(np_params, **kwargs)
    torch_params = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params]
    for p, g in zip(torch_params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch_opt = torch_cls(torch_params, **kwargs, foreach=foreach)

    def step_adamlib():
        np_opt.step(grads)

    def step_torch():
        torch_opt.step()

    for _ in range(warmup):
        step_adamlib()
        step_torch()
    ours, theirs = [], []
    for r in range(repeats):
        order = (step_adamlib, step_torch) if r % 2 == 0 else (step_torch, step_adamlib)
        for fn in order:
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            (ours if fn is step_adamlib else theirs).append(elapsed)
    # Both took the same steps on the same data: they should agree closely (not bit for bit).
    diff = max(
        float(np.max(np.abs(a - p.detach().numpy()), initial=0.0))
        for a, p in zip(np_params, torch_params)
    )
    return ours, theirs, diff


def environment() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"CPU: {cpu}, {os.cpu_count()} logical cores; numpy {np.__version__}, "
        f"torch {torch.__version__} with {torch.get_num_threads()} threads; "
        f"adamlib BLOCK_SIZE {_kernels.BLOCK_SIZE}, THREADS {_kernels.THREADS}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="optimizer names to run (default: all)")
    parser.add_argument("--cases", nargs="*", choices=list(CASES), default=list(CASES))
    parser.add_argument("--torch-foreach", action="store_true", help="time torch with foreach=True")
    parser.add_argument("--block-size", type=int, help="override adamlib's BLOCK_SIZE")
    parser.add_argument("--threads", type=int, help="threads for both torch and adamlib")
    args = parser.parse_args()
    if args.block_size:
        _kernels.BLOCK_SIZE = args.block_size
    if args.threads:
        torch.set_num_threads(args.threads)
        _kernels.THREADS = args.threads
    print(environment())
    impl = "foreach=True" if args.torch_foreach else "default (foreach=None)"
    print(f"torch implementation: {impl}; {args.repeats} interleaved repeats after {args.warmup} "
          "warm-up steps; ratio = median over repeats of adamlib time / torch time\n")  # fmt: skip
    print("| optimizer | case | adamlib ms | torch ms | ratio | max abs diff |")
    print("|---|---|---:|---:|---:|---:|")
    foreach = True if args.torch_foreach else None
    for name, adam_cls, torch_cls, kwargs in OPTIMIZERS:
        if args.only and name not in args.only:
            continue
        for case in args.cases:
            ours, theirs, diff = time_case(
                adam_cls, torch_cls, kwargs, CASES[case], args.repeats, args.warmup, foreach
            )
            ratio = statistics.median(a / b for a, b in zip(ours, theirs))
            print(
                f"| {name} | {case} | {statistics.median(ours) * 1e3:.1f} | "
                f"{statistics.median(theirs) * 1e3:.1f} | {ratio:.2f} | {diff:.1e} |",
                flush=True,
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
