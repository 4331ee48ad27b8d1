"""The step of the largest ratio given as numpy's 0-based index.

loses: test_largest_ratio
message: np.argmax gives a 0-based index
"""

# The notebook computes ratios.
# ruff: noqa: F821
import numpy as np

largest_ratio_step = int(np.argmax(ratios))
