"""sgd_momentum delegates to dnnopt.optim.SGD (imported at the top), adam to dnnopt.optim.Adam (imported inside the
function, which a look at the names the function uses does not see): no points for either, nor for adamw, which calls
this adam. The steps and answers computed with these working functions keep their points.

loses: test_sgd_momentum_update, test_sgd_momentum_pure, test_adam_moments, test_adam_update, test_adam_pure
loses: test_adamw_update, test_adamw_pure
message: calling a library's implementation earns no points
"""

from dnnopt.optim import SGD


def sgd_momentum(w, dw, velocity, lr, momentum=0.9):
    new_w = w.copy()
    optimizer = SGD([new_w], lr, momentum=momentum)
    if momentum:
        optimizer.velocity["0"][...] = velocity
    optimizer.step([dw])
    return new_w, optimizer.velocity["0"].copy() if momentum else dw.copy()


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    from dnnopt.optim import Adam

    new_w = w.copy()
    optimizer = Adam([new_w], lr, (beta1, beta2), eps)
    optimizer.m["0"][...], optimizer.v["0"][...] = m, v
    optimizer.t = t - 1
    optimizer.step([dw])
    return new_w, optimizer.m["0"].copy(), optimizer.v["0"].copy()
