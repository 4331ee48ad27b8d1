"""The variance of a dropped-out unit computed as x**2 p, forgetting the 1/(1-p) of the survivors.

loses: test_dropout_variance
message: that is x**2 p, without the survivors' scaling
"""

dropout_variance = 3.0**2 * 0.2
