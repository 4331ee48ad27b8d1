"""The experiment misread: the smallest weight decay taken as best, and the two trends swapped.

loses: test_weight_decay_answers
message: the squared bias increases
"""

best_weight_decay = 1e-7
bias_sq_trend = "decrease"
variance_trend = "increase"
