"""Another correct solution: norms, a generator of indices, np.var, a vectorized sweep, answers typed in by hand.

loses: none
"""

# The notebook defines the helpers and constants used below.
# ruff: noqa: F821
import numpy as np


def l2_penalty(weights, weight_decay):
    total = 0.0
    for W in weights:
        total += np.linalg.norm(W.ravel()) ** 2
    return float(weight_decay / 2 * total)


def l2_grad(weights, weight_decay):
    return [np.multiply(weight_decay, W, dtype=W.dtype) for W in weights]


def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[best_epoch] - val_losses[epoch] > min_delta:
            best_epoch = epoch
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch


def bias_variance(predictions, y_true):
    bias_sq = np.square(np.mean(predictions, axis=0) - y_true).mean()
    return bias_sq.item(), np.var(predictions, axis=0).mean().item()


def bias_variance_sweep(weight_decays, training_sets, x_test, y_test_true, degree=9):
    bias_sq = np.zeros(len(weight_decays))
    variance = np.zeros(len(weight_decays))
    for i, weight_decay in enumerate(weight_decays):
        coefficients = np.stack([fit_ridge_polynomial(x, y, degree, weight_decay) for x, y in training_sets])
        predictions = coefficients @ polynomial_features(x_test, degree).T
        bias_sq[i], variance[i] = bias_variance(predictions, y_test_true)
    return bias_sq, variance


best_weight_decay = 0.001
bias_sq_trend = "increase"
variance_trend = "decrease"
