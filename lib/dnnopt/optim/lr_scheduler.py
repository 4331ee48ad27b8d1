"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s names, arguments and semantics.

Constructing a scheduler sets the optimizer's ``lr`` to the schedule's value at step 0; each ``step()`` advances one
step (an epoch or a mini-batch: you choose where to call it) and sets ``optimizer.lr``. The schedule is relative to
the optimizer's ``initial_lr``, its ``lr`` when the first scheduler was attached (torch's ``initial_lr``). Every
schedule here is a closed form of the step count, ``lr_at(step)``, so ``SequentialLR`` can start each piece at 0.
"""

from __future__ import annotations

import bisect
import math

from .._checks import check_count, check_number
from .optimizers import Optimizer

__all__ = ["CosineAnnealingLR", "LRScheduler", "LinearLR", "SequentialLR", "StepLR"]


class LRScheduler:
    """Base class: ``lr_at(step)`` is the schedule; ``step()`` moves along it."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a scheduler takes a dnnopt optimizer, got {type(optimizer).__name__}")
        if optimizer.initial_lr is None:
            optimizer.initial_lr = optimizer.lr
        self.optimizer, self.base_lr = optimizer, optimizer.initial_lr
        self.last_epoch = 0  # torch's name: the number of step() calls so far
        self._set_lr(self.lr_at(0))

    def lr_at(self, step: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self._set_lr(self.lr_at(self.last_epoch))

    def get_last_lr(self) -> float:
        """The learning rate the last ``step()`` (or the constructor) set."""
        return self._last_lr

    def _set_lr(self, lr: float) -> None:
        self.optimizer.lr = self._last_lr = lr


class StepLR(LRScheduler):
    """``base_lr * gamma ** (step // step_size)``: divide by 1/gamma every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_count(step_size, "step_size")
        self.gamma = check_number(gamma, "gamma", 0.0, include_low=False)
        super().__init__(optimizer)

    def lr_at(self, step: int) -> float:
        return self.base_lr * self.gamma ** (step // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` at step 0 to ``eta_min`` at ``T_max`` (Loshchilov & Hutter, 2017).

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2``; past ``T_max`` the cosine goes on, as in
    torch's closed form (so schedule exactly ``T_max`` steps, or switch schedules with ``SequentialLR``).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_count(T_max, "T_max")
        self.eta_min = check_number(eta_min, "eta_min", 0.0)
        super().__init__(optimizer)

    def lr_at(self, step: int) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1.0 + math.cos(math.pi * step / self.T_max)) / 2.0


class LinearLR(LRScheduler):
    """The factor on ``base_lr`` goes linearly from ``start_factor`` to ``end_factor`` in ``total_iters`` steps,
    then stays: with ``start_factor`` small, a linear warmup."""

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
    ) -> None:
        self.start_factor = check_number(start_factor, "start_factor", 0.0, 1.0, include_low=False)
        self.end_factor = check_number(end_factor, "end_factor", 0.0, 1.0)
        self.total_iters = check_count(total_iters, "total_iters")
        super().__init__(optimizer)

    def lr_at(self, step: int) -> float:
        progress = min(step, self.total_iters) / self.total_iters
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class SequentialLR(LRScheduler):
    """``schedulers[i]`` from step ``milestones[i - 1]`` on, each restarted at its own step 0 there.

    E.g. warmup then cosine: ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=w), CosineAnnealingLR(opt, T - w)],
    milestones=[w])``.
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int]) -> None:
        if not schedulers or len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs one milestone fewer than schedulers, got {len(schedulers)} schedulers and "
                f"{len(milestones)} milestones"
            )
        if any(s.optimizer is not optimizer for s in schedulers):
            raise ValueError("every scheduler in SequentialLR must drive the optimizer SequentialLR is given")
        starts = [check_count(m, "each milestone") for m in milestones]
        if starts != sorted(set(starts)):
            raise ValueError(f"milestones must increase strictly, got {milestones}")
        self.schedulers, self.milestones = list(schedulers), starts
        super().__init__(optimizer)

    def lr_at(self, step: int) -> float:
        piece = bisect.bisect_right(self.milestones, step)
        start = self.milestones[piece - 1] if piece else 0
        return self.schedulers[piece].lr_at(step - start)
