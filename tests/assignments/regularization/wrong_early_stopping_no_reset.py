"""Early stopping that counts every epoch without improvement since the start (the count is never reset).

loses: test_early_stopping_patience, test_early_stopping_min_delta
message: was not reset to 0 after an improvement
visible: was not reset to 0 after an improvement
"""


def early_stopping(val_losses, patience, min_delta=0.0):
    best_loss, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss - min_delta:
            best_loss, best_epoch = loss, epoch
        else:
            waited += 1
            if waited == patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
