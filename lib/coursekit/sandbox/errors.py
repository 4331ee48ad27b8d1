"""How the sandbox reports that it cannot isolate student code as asked."""

__all__ = ["SandboxError", "SandboxUnavailableWarning"]


class SandboxError(RuntimeError):
    """The sandbox could not be set up, or would expose something it must not."""


class SandboxUnavailableWarning(UserWarning):
    """Student code runs with weaker isolation than requested."""
