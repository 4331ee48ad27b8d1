"""Another correct solution: np.var, a dict cache, np.copyto for the running averages, means instead of sums.

loses: none
"""

import math

import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        if len(x) == 1:
            raise ValueError("need more than one sample per batch in training")
        mean, var = np.mean(x, axis=0), np.var(x, axis=0)
        np.copyto(running_mean, (1 - momentum) * running_mean + momentum * mean)
        np.copyto(running_var, (1 - momentum) * running_var + momentum * np.var(x, axis=0, ddof=1))
    else:
        mean, var = running_mean, running_var
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    cache = {"x_hat": x_hat, "std": std, "gamma": gamma} if training else None
    return x_hat * gamma + beta, cache


def batchnorm_backward(dout, cache):
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"]
    N = len(dout)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    centered = x_hat * std
    dvar = np.sum(dx_hat * centered, axis=0) * -0.5 * std**-3
    dmean = -np.sum(dx_hat / std, axis=0) - 2.0 * dvar * np.mean(centered, axis=0)
    dx = dx_hat / std + dvar * 2.0 * centered / N + dmean / N
    return dx, dgamma, dbeta


def batchnorm_backward_compact(dout, cache):
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"]
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


batches_to_90_percent = math.ceil(math.log(0.1) / math.log(0.9))
running_var_ratio = 4 / 3
