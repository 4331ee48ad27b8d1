"""Gradient descent and momentum on quadratics: step-size limits, condition number, Polyak's tuning, damping.

On ``f(x) = 1/2 sum_i h_i (Q^T x)_i^2`` (curvatures ``h_i > 0``, minimum at 0, ``Q`` an optional rotation) every
method of ``dnnopt.optim.SGD`` is linear, so its error in each eigendirection evolves by a 2 x 2 matrix whose
spectral radius is the method's rate: the theory here is exact, and ``descend`` measures the same thing by running
``dnnopt``'s optimizers. The curvature is ``h``, the condition number ``kappa = h_max / h_min`` (lambda is weight
decay in this book).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dnnopt.optim import SGD, Optimizer

from ..experiments import read_only

__all__ = [
    "TUNED_METHODS",
    "Quadratic",
    "descend",
    "heavy_ball_tuning",
    "nesterov_tuning",
    "random_quadratic",
    "sgd",
    "sign_changes",
    "spectral_rate",
    "steps_to_tolerance",
    "steps_vs_kappa",
    "theory_steps",
    "tuned",
    "two_d",
]

MakeOptimizer = Callable[[list[np.ndarray]], Optimizer]


@dataclass(frozen=True)
class Quadratic:
    """``f(x) = 1/2 sum_i h_i (Q^T x)_i^2`` for points ``x`` of shape (..., d); read-only."""

    curvatures: np.ndarray  # (d,) the h_i, all > 0
    rotation: np.ndarray | None = None  # (d, d) orthogonal Q (its columns are the eigenvectors); None: Q = I

    def __post_init__(self) -> None:
        h = np.array(self.curvatures, dtype=np.float64)
        if h.ndim != 1 or not np.all(h > 0):
            raise ValueError(f"curvatures must be a 1-D array of positive numbers, got {self.curvatures!r}")
        object.__setattr__(self, "curvatures", h)
        arrays = [h]
        if self.rotation is not None:
            Q = np.array(self.rotation, dtype=np.float64)
            if Q.shape != (len(h), len(h)) or not np.allclose(Q.T @ Q, np.eye(len(h))):
                raise ValueError(f"rotation must be an orthogonal ({len(h)}, {len(h)}) matrix")
            object.__setattr__(self, "rotation", Q)
            arrays.append(Q)
        read_only(*arrays)

    @property
    def kappa(self) -> float:
        """The condition number h_max / h_min."""
        return float(self.curvatures.max() / self.curvatures.min())

    def _to_eigenbasis(self, x: np.ndarray) -> np.ndarray:
        return x if self.rotation is None else x @ self.rotation  # (..., d): the coordinates Q^T x

    def loss(self, x: np.ndarray) -> np.ndarray:
        """f at each point: x (..., d) -> (...)."""
        z = self._to_eigenbasis(x)
        return 0.5 * np.sum(self.curvatures * z * z, axis=-1)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """The gradient Q diag(h) Q^T x: (..., d) -> (..., d)."""
        hz = self.curvatures * self._to_eigenbasis(x)
        return hz if self.rotation is None else hz @ self.rotation.T


def two_d(kappa: float, angle_degrees: float = 0.0) -> Quadratic:
    """The 2-D quadratic with curvatures (1 / kappa, 1): flat along the first axis, steep along the second,
    rotated by ``angle_degrees``."""
    if kappa < 1:
        raise ValueError(f"the condition number kappa must be >= 1, got {kappa}")
    rotation = None
    if angle_degrees:
        c, s = math.cos(math.radians(angle_degrees)), math.sin(math.radians(angle_degrees))
        rotation = np.array([[c, -s], [s, c]])
    return Quadratic(np.array([1.0 / kappa, 1.0]), rotation)


def random_quadratic(kappa: float, dim: int = 20, seed: int = 0) -> Quadratic:
    """An axis-aligned quadratic in ``dim`` dimensions: h_max = 1, h_min = 1 / kappa, the rest log-uniform between."""
    if kappa <= 1 or dim < 2:
        raise ValueError(f"need kappa > 1 and dim >= 2, got kappa={kappa}, dim={dim}")
    inner = np.random.default_rng(seed).uniform(-math.log(kappa), 0.0, dim - 2)
    return Quadratic(np.exp(np.concatenate([[-math.log(kappa), 0.0], inner])))


def descend(problem: Quadratic, make_optimizer: MakeOptimizer, x0: np.ndarray, steps: int) -> np.ndarray:
    """Run ``make_optimizer([x])`` (a ``dnnopt`` optimizer) for ``steps`` steps from ``x0``.

    ``x0`` has shape (d,) or (n_runs, d): runs side by side (the optimizers are elementwise). Returns the read-only
    iterates, shape (steps + 1, *x0.shape), ``x0`` first.
    """
    x = np.array(x0, dtype=np.float64)  # the parameter the optimizer updates in place
    optimizer = make_optimizer([x])
    path = np.empty((steps + 1, *x.shape))
    path[0] = x
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows to inf: that is its result
        for t in range(steps):
            optimizer.step([problem.grad(x)])
            path[t + 1] = x
    read_only(path)
    return path


def steps_to_tolerance(
    problem: Quadratic, make_optimizer: MakeOptimizer, x0: np.ndarray, tol: float = 1e-6, max_steps: int = 100_000
) -> np.ndarray:
    """For each run, the first step t with ||x_t|| <= tol ||x_0|| (the distance to the minimum).

    ``x0`` has shape (n_runs, d). Returns an int array (n_runs,); a run that has not got there after ``max_steps``
    (or diverged) counts as ``max_steps``.
    """
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x0 must have shape (n_runs, d), got {x.shape}")
    target = tol * np.linalg.norm(x, axis=1)  # (n_runs,)
    reached = np.full(len(x), max_steps)
    optimizer = make_optimizer([x])
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, max_steps + 1):
            optimizer.step([problem.grad(x)])
            arrived = (np.linalg.norm(x, axis=1) <= target) & (reached == max_steps)
            reached[arrived] = t
            if np.all(reached < max_steps) or not np.all(np.isfinite(x)):
                break
    return reached


def spectral_rate(lr: float, momentum: float, curvatures: Sequence[float], nesterov: bool = False) -> float:
    """The asymptotic rate of ``SGD(lr, momentum, nesterov)`` on a quadratic with these curvatures.

    In an eigendirection of curvature h, torch's momentum (``v = momentum * v + g``, ``x -= lr * v``) maps the
    state (x, v) by [[1 - lr h, -lr m], [h, m]], Nesterov's (``x -= lr * (g + m v)``) by
    [[1 - lr h (1 + m), -lr m^2], [h, m]]. The error shrinks per step by the largest spectral radius over the
    curvatures: below 1 the method converges, above 1 it diverges.
    """
    h = np.asarray(curvatures, dtype=np.float64)
    m = momentum
    top_left = 1 - lr * h * (1 + m) if nesterov else 1 - lr * h
    top_right = np.full_like(h, -lr * m * m if nesterov else -lr * m)
    matrices = np.stack([np.stack([top_left, top_right], -1), np.stack([h, np.full_like(h, m)], -1)], -2)  # (d, 2, 2)
    return float(np.abs(np.linalg.eigvals(matrices)).max())


def theory_steps(rate: float, tol: float = 1e-6) -> float:
    """Steps for an error shrinking by ``rate`` per step to fall to ``tol`` of its start: ln(1/tol) / ln(1/rate)."""
    if not 0 < rate < 1:
        return math.inf
    return math.log(1 / tol) / math.log(1 / rate)


def heavy_ball_tuning(h_min: float, h_max: float) -> tuple[float, float]:
    """Polyak's optimal (lr, momentum) for curvatures in [h_min, h_max]: rate (sqrt(kappa) - 1) / (sqrt(kappa) + 1)."""
    root_kappa = math.sqrt(h_max / h_min)
    lr = 4.0 / (math.sqrt(h_max) + math.sqrt(h_min)) ** 2
    return lr, ((root_kappa - 1) / (root_kappa + 1)) ** 2


def nesterov_tuning(h_min: float, h_max: float) -> tuple[float, float]:
    """Nesterov's (lr, momentum) = (1 / h_max, (sqrt(kappa) - 1) / (sqrt(kappa) + 1)): rate 1 - 1 / sqrt(kappa)."""
    root_kappa = math.sqrt(h_max / h_min)
    return 1.0 / h_max, (root_kappa - 1) / (root_kappa + 1)


def sign_changes(values: np.ndarray) -> np.ndarray:
    """How often each series changes sign along axis 0 (exact zeros skipped): (steps, ...) -> (...)."""
    signs = np.sign(values)
    return np.sum(signs[1:] * signs[:-1] < 0, axis=0)


def sgd(lr: float, momentum: float = 0.0, nesterov: bool = False) -> MakeOptimizer:
    """A ``descend`` factory for ``dnnopt.optim.SGD``."""
    return lambda params: SGD(params, lr=lr, momentum=momentum, nesterov=nesterov)


TUNED_METHODS = ("gradient descent", "heavy ball", "Nesterov")


def tuned(method: str, h_min: float, h_max: float) -> tuple[float, float, bool]:
    """(lr, momentum, nesterov) of a ``TUNED_METHODS`` name, tuned for curvatures in [h_min, h_max]."""
    if method == "gradient descent":
        return 2.0 / (h_min + h_max), 0.0, False
    if method == "heavy ball":
        return (*heavy_ball_tuning(h_min, h_max), False)
    if method == "Nesterov":
        return (*nesterov_tuning(h_min, h_max), True)
    raise ValueError(f"unknown method {method!r}; expected one of {TUNED_METHODS}")


def steps_vs_kappa(
    kappas: Sequence[float], tol: float = 1e-4, seeds: Sequence[int] = (0, 1, 2), dim: int = 20
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Steps to ``tol`` of each tuned method on ``random_quadratic(kappa, dim)``, measured and in theory.

    Each seed is a random starting point. Returns (measured, theory): ``measured[method]`` has shape
    (len(kappas), len(seeds)), ``theory[method]`` shape (len(kappas),) from the exact rate ``spectral_rate``.
    """
    measured = {method: [] for method in TUNED_METHODS}
    theory = {method: [] for method in TUNED_METHODS}
    for kappa in kappas:
        problem = random_quadratic(kappa, dim)
        x0 = np.stack([np.random.default_rng(seed).standard_normal(dim) for seed in seeds])  # (n_seeds, dim)
        for method in TUNED_METHODS:
            lr, momentum, nesterov = tuned(method, 1.0 / kappa, 1.0)
            measured[method].append(steps_to_tolerance(problem, sgd(lr, momentum, nesterov), x0, tol))
            theory[method].append(theory_steps(spectral_rate(lr, momentum, problem.curvatures, nesterov), tol))
    return {k: np.array(v) for k, v in measured.items()}, {k: np.array(v) for k, v in theory.items()}
