"""Benchmark one training step against the time of its matrix multiplies alone.

    python -m dnnopt.bench [--repeats 30]

An MLP 784-512-512-512-10 with ReLU, batch 256, float32: forward, softmax cross-entropy, backward and an SGD update.
The reference is the same step's twelve matrix products (4 forward, 4 for dW, 4 for dx) on the same arrays, timed
interleaved with our step in one run, so a busy shared machine slows both alike. The ratio says how much our layers,
loss and optimizer add on top of the unavoidable BLAS work; PyTorch's CPU step is timed too if it is installed.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import numpy as np

from .functional import softmax_cross_entropy
from .models import mlp
from .optim import SGD

SIZES = [784, 512, 512, 512, 10]
BATCH = 256


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_step(seed: int = 0):
    """Our full training step on a fresh model and batch, as a zero-argument function."""
    rng = np.random.default_rng(seed)
    model = mlp(SIZES, activation="relu", init="he_normal", rng=rng)
    optimizer = SGD(model, lr=0.01, momentum=0.9)
    X = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)

    def step():
        logits = model.forward(X, training=True)
        _, dlogits = softmax_cross_entropy(logits, y)
        model.backward(dlogits)
        optimizer.step()

    return step


def make_matmuls(seed: int = 0):
    """The twelve matrix products of one step, on arrays of the step's shapes, as a zero-argument function."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((m, n), dtype=np.float32) for m, n in itertools.pairwise(SIZES)]
    inputs = [rng.standard_normal((BATCH, m), dtype=np.float32) for m in SIZES[:-1]]
    douts = [rng.standard_normal((BATCH, n), dtype=np.float32) for n in SIZES[1:]]

    def matmuls():
        for x, W, dout in zip(inputs, weights, douts, strict=True):
            x @ W  # forward
            x.T @ dout  # dW
            dout @ W.T  # dx

    return matmuls


def make_torch_step(seed: int = 0):
    """The same step in PyTorch on the CPU, or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(seed)
    layers = []
    for m, n in itertools.pairwise(SIZES):
        layers += [torch.nn.Linear(m, n), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    X, y = torch.randn(BATCH, SIZES[0]), torch.randint(0, SIZES[-1], (BATCH,))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()

    return step


def run(repeats: int = 30, rounds: int = 5) -> dict[str, float]:
    """Median times in seconds, our step and the matmuls interleaved over several rounds."""
    step, matmuls, torch_step = make_step(), make_matmuls(), make_torch_step()
    for fn in (step, matmuls):  # warm up caches and BLAS threads
        fn()
    ours, blas, torch_times = [], [], []
    for _ in range(rounds):
        ours.append(_median_time(step, repeats))
        blas.append(_median_time(matmuls, repeats))
        if torch_step is not None:
            torch_times.append(_median_time(torch_step, repeats))
    result = {"step": statistics.median(ours), "matmuls": statistics.median(blas)}
    if torch_times:
        result["torch_step"] = statistics.median(torch_times)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timings per round (median taken)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median taken)")
    args = parser.parse_args(argv)
    result = run(args.repeats, args.rounds)
    print(f"MLP {'-'.join(map(str, SIZES))}, ReLU, batch {BATCH}, float32")
    print(f"  our step         {result['step'] * 1e3:8.2f} ms")
    print(f"  matmuls alone    {result['matmuls'] * 1e3:8.2f} ms")
    print(f"  step / matmuls   {result['step'] / result['matmuls']:8.3f}")
    if "torch_step" in result:
        print(f"  PyTorch step     {result['torch_step'] * 1e3:8.2f} ms")
        print(f"  step / PyTorch   {result['step'] / result['torch_step']:8.3f}")
    else:
        print("  (PyTorch not installed: no comparison)")


if __name__ == "__main__":
    main()
