"""Benchmark one training step against the time of its matrix multiplies alone.

    python benchmarks/step.py [--repeats 100]

An MLP 784-512-512-512-10 with ReLU, batch 256, float32: forward, softmax cross-entropy, backward and an SGD update.
The reference is the same step's twelve matrix products (4 forward, 4 for dW, 4 for dx) on arrays of the same
shapes, each timed right after one of our steps in one run, so a busy shared machine slows both alike. The ratio
says how much our layers, loss and optimizer add on top of the unavoidable BLAS work; PyTorch's CPU step is timed
too if it is installed.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import numpy as np

from dnnopt.functional import softmax_cross_entropy
from dnnopt.models import mlp
from dnnopt.optim import SGD

SIZES = [784, 512, 512, 512, 10]
BATCH = 256


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


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


def run(repeats: int = 100) -> dict[str, float]:
    """Median times (seconds) and the median of per-pair ratios, each step timed right next to its matmuls.

    Pairing makes the ratio robust on a shared machine: a burst of load slows both halves of a pair alike.
    """
    step, matmuls, torch_step = make_step(), make_matmuls(), make_torch_step()
    for fn in (step, matmuls):  # warm up caches and BLAS threads
        fn()
    pairs = [(_time(step), _time(matmuls)) for _ in range(repeats)]
    result = {
        "step": statistics.median(p[0] for p in pairs),
        "matmuls": statistics.median(p[1] for p in pairs),
        "step_over_matmuls": statistics.median(p[0] / p[1] for p in pairs),
    }
    if torch_step is not None:
        torch_pairs = [(_time(step), _time(torch_step)) for _ in range(repeats)]
        result["torch_step"] = statistics.median(p[1] for p in torch_pairs)
        result["step_over_torch"] = statistics.median(p[0] / p[1] for p in torch_pairs)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100, help="timed pairs (medians taken)")
    args = parser.parse_args(argv)
    result = run(args.repeats)
    print(f"MLP {'-'.join(map(str, SIZES))}, ReLU, batch {BATCH}, float32")
    print(f"  our step         {result['step'] * 1e3:8.2f} ms")
    print(f"  matmuls alone    {result['matmuls'] * 1e3:8.2f} ms")
    print(f"  step / matmuls   {result['step_over_matmuls']:8.3f}   (median of {args.repeats} paired ratios)")
    if "torch_step" in result:
        print(f"  PyTorch step     {result['torch_step'] * 1e3:8.2f} ms")
        print(f"  step / PyTorch   {result['step_over_torch']:8.3f}")
    else:
        print("  (PyTorch not installed: no comparison)")


if __name__ == "__main__":
    main()
