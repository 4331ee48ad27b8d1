"""The ReLU second-moment factor answered as 2 (He's correction) instead of 1/2 (what a ReLU does).

loses: test_relu_second_moment_factor
message: the factor is 1/2
"""

relu_second_moment_factor = 2.0
