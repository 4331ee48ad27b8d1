"""The sandbox student code runs in: an IPython kernel inside bubblewrap, bounded and cut off.

One module per concern, in the order a sandbox comes to life:

=====================  =========================================================================
:mod:`.probe`          what this machine offers (a working ``bwrap``, a pids cgroup), once per process
:mod:`.cgroups`        a ``pids`` cgroup per sandbox, the process limit that also binds root
:mod:`.bwrap`          the ``bwrap`` command line: namespaces, read-only mounts, the kernel's environment
:mod:`.kernel`         :class:`SandboxedKernel`: start, connect over ``ipc`` sockets, interrupt, kill
:mod:`.errors`         :class:`SandboxError` and :class:`SandboxUnavailableWarning`
=====================  =========================================================================

The limits themselves (:class:`SandboxLimits`) live in :mod:`coursekit.limits`, which needs only the
standard library. Talking to the kernel once it runs is :mod:`coursekit.session`'s job.
"""

from ..limits import SandboxLimits
from .errors import SandboxError, SandboxUnavailableWarning
from .kernel import SandboxedKernel
from .probe import Capabilities, capabilities, explain_bwrap_failure, probe

__all__ = [
    "Capabilities",
    "SandboxError",
    "SandboxLimits",
    "SandboxUnavailableWarning",
    "SandboxedKernel",
    "capabilities",
    "explain_bwrap_failure",
    "probe",
]
