"""The ReLU second-moment factor answered as 2 (He's correction) instead of 1/2 (what a ReLU does).

loses: test_relu_second_moment_factor
message: 2 is the factor He's initialization multiplies Var(W) by
"""

relu_second_moment_factor = 2.0
