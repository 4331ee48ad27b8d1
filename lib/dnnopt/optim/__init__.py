"""Optimizers, gradient clipping and learning-rate schedules, named and behaving as in ``torch.optim``."""

from .lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR, StepLR
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm, clip_grad_value
