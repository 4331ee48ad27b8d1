"""Early stopping that compares each epoch with the previous one instead of with the best so far.

loses: test_early_stopping_patience, test_early_stopping_min_delta
message: compared with the previous epoch instead of with the best loss so far
visible: compared with the previous epoch instead of with the best loss so far
"""


def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, waited, previous = 0, 0, float("inf")
    for epoch, loss in enumerate(val_losses):
        if loss < previous - min_delta:
            best_epoch, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                return epoch, best_epoch
        previous = loss
    return len(val_losses) - 1, best_epoch
