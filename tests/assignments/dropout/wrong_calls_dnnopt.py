"""Dropout forward is dnnopt's own kernel: no point for anything that grades the forward pass.

loses: test_dropout_forward_basic, test_dropout_forward_drop_rate, test_dropout_forward_rescaling
loses: test_dropout_eval_identity, test_dropout_rng, test_dropout_rejects_bad_p
loses: test_dropout_backward, test_dropout_backward_eval
message: calling a library's implementation earns no points
"""

import dnnopt.functional


def dropout_forward(x, p, training, rng):
    return dnnopt.functional.dropout_forward(x, p, training, rng)
