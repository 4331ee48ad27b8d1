"""Early stopping that waits one epoch too long (stops when the count EXCEEDS patience).

loses: test_early_stopping_patience, test_early_stopping_min_delta
message: off by one: training stops one epoch late
visible: training stopped one epoch late
"""


def early_stopping(val_losses, patience, min_delta=0.0):
    best_loss, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss - min_delta:
            best_loss, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited > patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
