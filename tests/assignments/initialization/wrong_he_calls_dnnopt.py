"""He normal hands the work to dnnopt's initializer.

loses: test_he_normal_basic, test_he_normal_std
message: calling a library's implementation earns no points
"""

import dnnopt.init


def he_normal(shape, rng):
    return dnnopt.init.he_normal(shape, rng)
