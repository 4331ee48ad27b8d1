"""Experiments, figures and explorables of the optimization-algorithms chapter (``book/optimizers.md``).

A package, because its chapter covers many methods:

* ``quadratic``: gradient descent, heavy-ball momentum and Nesterov on quadratics, run with ``dnnopt.optim.SGD``,
  and their exact theory (``spectral_rate``, Polyak's and Nesterov's tuning, steps to a tolerance);
* ``training``: a small MLP on digits trained by ``fit`` for every optimizer, learning rate and schedule the chapter
  compares (``train_run``, cached and shared), the width of the good learning rates, gradient noise, the range test;
* ``adaptive``: AdaGrad, RMSProp and Adam on badly scaled problems, Adam's bias correction and eps, and coupled
  (L2) against decoupled (AdamW) weight decay;
* ``drawing``: the figures; ``explorables``: momentum on a quadratic, and the schedule explorer.
"""

from .adaptive import *  # noqa: F403
from .adaptive import __all__ as _adaptive
from .drawing import *  # noqa: F403
from .drawing import __all__ as _drawing
from .explorables import *  # noqa: F403
from .explorables import __all__ as _explorables
from .quadratic import *  # noqa: F403
from .quadratic import __all__ as _quadratic
from .training import *  # noqa: F403
from .training import __all__ as _training

__all__ = [*_quadratic, *_training, *_adaptive, *_drawing, *_explorables]
