"""Experiments, figures and the explorable of the chapter "Bias, variance and regularization".

The chapter covers many topics, so its functions live in three modules, in the order of the chapter:

* ``decomposition``: the estimator ``bias_variance``, polynomial fits over resampled training sets, the
  decomposition of their test error, double descent, and the explorable ``bias_variance_picture``;
* ``training``: a network that underfits or overfits, the learning rate and the batch size (gradient noise);
* ``remedies``: more data, weight decay, early stopping, data augmentation and ensembles.

Every public name is also available here: ``from dnnbook import regularization; regularization.bias_variance(...)``.
"""

# Each module lists its public names in __all__; the chapter's namespace is their union, in the chapter's order.
from . import decomposition, remedies, training
from .decomposition import *  # noqa: F403
from .remedies import *  # noqa: F403
from .training import *  # noqa: F403

__all__ = [*decomposition.__all__, *training.__all__, *remedies.__all__]
