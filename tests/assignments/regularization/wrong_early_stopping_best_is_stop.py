"""Early stopping that returns the stop epoch as the best epoch.

loses: test_early_stopping_patience, test_early_stopping_min_delta
message: the stop epoch was returned as the best epoch
visible: best_epoch is the epoch of the last improvement, not the stop epoch
"""


def early_stopping(val_losses, patience, min_delta=0.0):
    best_loss, waited = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss - min_delta:
            best_loss, waited = loss, 0
        else:
            waited += 1
            if waited == patience:
                return epoch, epoch
    return len(val_losses) - 1, len(val_losses) - 1
