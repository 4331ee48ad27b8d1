"""Early stopping that accepts min_delta but never uses it.

loses: test_early_stopping_min_delta
message: min_delta was ignored
visible: that is the result without min_delta
"""


def early_stopping(val_losses, patience, min_delta=0.0):
    best_loss, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited == patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
