"""The experiment misread: the smallest weight decay taken as best, and the two trends read from right to left.

loses: test_best_weight_decay, test_weight_decay_trends
message: you picked the smallest weight decay
message: did you read the x axis from right to left
"""

best_weight_decay = 1e-7
bias_sq_trend = "decrease"
variance_trend = "increase"
