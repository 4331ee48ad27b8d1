"""The first-step ratio inverted: corrected / uncorrected.

loses: test_first_step_ratio
message: that is corrected / uncorrected
"""

# The notebook computes ratios.
# ruff: noqa: F821
first_step_ratio = float(1 / ratios[0])
