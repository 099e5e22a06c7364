"""Time one optimizer step of adamlib, a plain NumPy loop and torch.optim, each in its own process.

For each optimizer and case this builds the same float32 parameters and gradients in every
implementation, warms up, times single steps and reports the median step time in microseconds:

- ``adamlib``: the optimizer class (multi-tensor step, adamlib/_flat.py);
- ``numpy loop``: Adam only, a plain loop over the arrays with 10 in-place ufunc calls per array
  (:func:`numpy_adam_loop`), what one writes by hand without adamlib;
- ``torch default`` (``foreach=None``, on CPU tensors the single-tensor loop), ``torch foreach``
  (``foreach=True``) and ``torch fused`` (``fused=True``, where torch has it: SGD, Adagrad, Adam,
  AdamW).

Each implementation runs in a worker process of its own, so that one library's threads (torch's
OpenMP pool, adamlib's thread pool) cannot take the cores from another; the driver sends the
workers one measurement at a time, rotating their order every round, so that the rounds
interleave in time and a slow spell of the machine hits every implementation alike. A cell is the
median over rounds of the per-round median step time; a ratio is the median over rounds of the
per-round ratio. The load average is printed at the start and the end: on a busy machine the
numbers, and threaded ones above all, mean little.

Needs torch (CPU) and adamlib in one environment, for instance::

    python -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install torch==2.13.0 numpy==2.4.6
    /tmp/benchvenv/bin/pip install -e . --no-deps
    /tmp/benchvenv/bin/python benchmarks/bench_optimizers.py

The torch workers run with ``OMP_WAIT_POLICY=PASSIVE`` (unless it is set): otherwise torch's idle
OpenMP threads keep spinning after each step and take the cores from the next worker.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

# (name, adamlib class name, torch class name, keyword arguments both accept)
OPTIMIZERS = [
    ("SGD (momentum 0.9)", "SGD", "SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("Adagrad", "Adagrad", "Adagrad", {}),
    ("RMSprop", "RMSprop", "RMSprop", {}),
    ("Adam", "Adam", "Adam", {}),
    ("AdamW", "AdamW", "AdamW", {}),
    ("Adamax", "Adamax", "Adamax", {}),
    ("NAdam", "NAdam", "NAdam", {}),
    ("RAdam", "RAdam", "RAdam", {}),
]


def mlp_shapes(sizes: list[int]) -> list[tuple[int, ...]]:
    """Weights and biases of a multilayer perceptron, as adamlib.nn lays them out."""
    return [shape for n_in, n_out in zip(sizes, sizes[1:]) for shape in ((n_in, n_out), (n_out,))]


# (case name, shapes, timed steps per round, warm-up steps)
CASES = {
    "digits MLP 64-32-10 (4 arrays, 2.4K)": (mlp_shapes([64, 32, 10]), 400, 20),
    "MLP 784-256-256-128-64-32-10 (12 arrays, 270K)": (
        mlp_shapes([784, 256, 256, 128, 64, 32, 10]), 60, 5
    ),
    "one array of 10M": ([(10_000_000,)], 8, 2),
}
IMPLEMENTATIONS = ["adamlib", "numpy loop", "torch default", "torch foreach", "torch fused"]


def make_data(shapes, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s, dtype=np.float32) * np.float32(0.05) for s in shapes]
    grads = [rng.standard_normal(s, dtype=np.float32) * np.float32(0.01) for s in shapes]
    return params, grads


def numpy_adam_loop(params, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """A plain NumPy Adam: returns ``step()``, which makes 10 in-place ufunc calls per array.

    The moments are kept scaled, ``n = m / (1 - beta1)`` and ``w = v / (1 - beta2)``, so that
    each moving average is one multiply and one add; the update is Adam's up to rounding.
    """
    beta1, beta2 = betas
    ns = [np.zeros_like(p) for p in params]
    ws = [np.zeros_like(p) for p in params]
    tmps = [np.empty_like(p) for p in params]
    t = 0

    def step():
        nonlocal t
        t += 1
        root = math.sqrt((1 - beta2**t) / (1 - beta2))
        step_size = lr * (1 - beta1) / (1 - beta1**t) * root
        eps_scaled = eps * root
        for p, g, n, w, tmp in zip(params, grads, ns, ws, tmps):
            np.multiply(n, beta1, out=n)  # n = beta1 * n + g
            np.add(n, g, out=n)
            np.multiply(w, beta2, out=w)  # w = beta2 * w + g**2
            np.multiply(g, g, out=tmp)
            np.add(w, tmp, out=w)
            np.sqrt(w, out=tmp)  # p -= step_size * n / (sqrt(w) + eps_scaled)
            np.add(tmp, eps_scaled, out=tmp)
            np.divide(n, tmp, out=tmp)
            np.multiply(tmp, step_size, out=tmp)
            np.subtract(p, tmp, out=p)

    return step


def build(implementation: str, optimizer: str, case: str, threads: int | None):
    """The step function of one measurement; None where the implementation lacks the optimizer."""
    _, adamlib_name, torch_name, kwargs = next(o for o in OPTIMIZERS if o[0] == optimizer)
    if implementation == "numpy loop" and (adamlib_name != "Adam" or kwargs):
        return None
    params, grads = make_data(CASES[case][0])
    if implementation == "adamlib":
        import adamlib

        opt = getattr(adamlib, adamlib_name)(params, **kwargs)
        return lambda: opt.step(grads)
    if implementation == "numpy loop":
        return numpy_adam_loop(params, grads)
    import torch

    if threads:
        torch.set_num_threads(threads)
    option = {
        "torch default": {}, "torch foreach": {"foreach": True}, "torch fused": {"fused": True}
    }[implementation]
    tensors = [torch.nn.Parameter(torch.from_numpy(p)) for p in params]
    for tensor, g in zip(tensors, grads):
        tensor.grad = torch.from_numpy(g)
    try:
        opt = getattr(torch.optim, torch_name)(tensors, **kwargs, **option)
    except (TypeError, RuntimeError, ValueError):
        return None  # no fused implementation of this optimizer
    return opt.step


def worker(implementation: str, threads: int | None, block_size: int | None) -> None:
    """Answer the driver's requests, one JSON line each, until stdin closes."""
    if implementation == "adamlib" and (threads or block_size):
        from adamlib import _kernels

        _kernels.THREADS = threads or _kernels.THREADS
        _kernels.BLOCK_SIZE = block_size or _kernels.BLOCK_SIZE
    for line in sys.stdin:
        request = json.loads(line)
        step = build(implementation, request["optimizer"], request["case"], threads)
        if step is None:
            print(json.dumps({"times": None}), flush=True)
            continue
        _, steps, warmup = CASES[request["case"]]
        for _ in range(warmup):
            step()
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        print(json.dumps({"times": times}), flush=True)
        del step  # free this measurement's arrays before the next


def environment(threads: int | None, block_size: int | None) -> str:
    """The machine and settings, as the workers see them."""
    import torch

    import adamlib
    from adamlib import _kernels

    if threads:
        torch.set_num_threads(threads)
        _kernels.THREADS = threads
    _kernels.BLOCK_SIZE = block_size or _kernels.BLOCK_SIZE

    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    return (
        f"CPU: {cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}, "
        f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"adamlib from {os.path.dirname(adamlib.__file__)} (BLOCK_SIZE {_kernels.BLOCK_SIZE}, "
        f"THREADS {_kernels.THREADS}); OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}; "
        f"OMP_WAIT_POLICY for torch={os.environ.get('OMP_WAIT_POLICY', 'PASSIVE')}"
    )


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per cell")
    parser.add_argument("--only", nargs="*", help="optimizer names to run (default: all)")
    parser.add_argument("--cases", nargs="*", choices=list(CASES), default=list(CASES))
    parser.add_argument("--implementations", nargs="*", choices=IMPLEMENTATIONS,
                        default=IMPLEMENTATIONS)  # fmt: skip
    parser.add_argument("--threads", type=int, help="threads for torch and for adamlib")
    parser.add_argument("--block-size", type=int, help="override adamlib's BLOCK_SIZE")
    parser.add_argument("--worker", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.block_size)
        return

    print(environment(args.threads, args.block_size))
    print(f"load average (1/5/15 min) at the start: {load()}; {args.rounds} rounds\n")
    workers = {}
    for name in args.implementations:
        env = dict(os.environ)
        if name.startswith("torch"):
            env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        command = [sys.executable, __file__, "--worker", name]
        if args.threads:
            command += ["--threads", str(args.threads)]
        if args.block_size:
            command += ["--block-size", str(args.block_size)]
        workers[name] = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def measure(name: str, optimizer: str, case: str) -> dict:
        process = workers[name]
        process.stdin.write(json.dumps({"optimizer": optimizer, "case": case}) + "\n")
        process.stdin.flush()
        return json.loads(process.stdout.readline())

    columns = args.implementations
    print("| optimizer | case | " + " | ".join(f"{c} (us)" for c in columns)
          + " | adamlib / torch default | adamlib / numpy loop | load |")  # fmt: skip
    print("|---|---|" + "---:|" * (len(columns) + 3))
    try:
        for optimizer, *_ in OPTIMIZERS:
            if args.only and optimizer not in args.only and optimizer.split()[0] not in args.only:
                continue
            for case in args.cases:
                medians: dict[str, list[float]] = {name: [] for name in columns}
                for r in range(args.rounds):
                    order = columns[r % len(columns) :] + columns[: r % len(columns)]
                    for name in order:
                        answer = measure(name, optimizer, case)
                        if answer["times"] is not None:
                            medians[name].append(statistics.median(answer["times"]) * 1e6)
                cells = [f"{statistics.median(m):,.0f}" if m else "–" for m in medians.values()]
                ratios = []
                for other in ("torch default", "numpy loop"):
                    pairs = list(zip(medians.get("adamlib", []), medians.get(other, [])))
                    ratios.append(
                        f"{statistics.median(a / b for a, b in pairs):.2f}" if pairs else "–"
                    )
                print(f"| {optimizer} | {case} | " + " | ".join(cells + ratios) + f" | {load()} |",
                      flush=True)  # fmt: skip
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait()
    print(f"\nload average (1/5/15 min) at the end: {load()}")


if __name__ == "__main__":
    main()
