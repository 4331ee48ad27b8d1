"""The best weight decay answered as its position in WEIGHT_DECAYS (np.argmin), not as the value.

visible: that looks like an index; use WEIGHT_DECAYS[index]
"""

# The notebook defines the helpers and variables used below.
# ruff: noqa: F821
import numpy as np

best_weight_decay = np.argmin(bias_sq + variance)
