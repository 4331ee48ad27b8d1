"""An integrity check that runs inside the student's kernel, around every test cell.

Before any notebook cell runs, the grader installs a guard in the kernel. It imports the
modules the tests import and remembers, by identity, every function and class they (and
``builtins``) expose, the kernel machinery that reports errors (IPython's ``run_cell``,
``showtraceback``, event callbacks, input and AST transformers), the interpreter's hooks
(trace and profile functions, import hooks, ``sys.stdout``, signal handlers, interval timers),
and, after each test cell, the helpers and aliases that cell defined. Right before and right
after each test cell the grader asks the guard what changed. Anything changed means the test's
verdict cannot be trusted: that test and every later one score zero, with an error that says
what was replaced, and the notebook is flagged for review.

This is defence in depth, not a proof: the guard lives in the same interpreter as the student's
code, so code written against this very guard could disarm it. That is why tampering found by
the static scan also flags a submission, and flagged submissions get no feedback until an
instructor has looked at them.
"""

from __future__ import annotations

import inspect
import secrets
from dataclasses import dataclass, field

__all__ = ["Guard"]

REPORT_PREFIX = "coursekit-guard"


def _kernel_install(modules, nonce, prefix):  # pragma: no cover - runs inside the kernel
    """Remember what the tests rely on; return an object with ``check()`` and ``record()``."""
    import builtins
    import gc
    import importlib
    import signal
    import sys
    import threading

    missing = object()

    def is_module(value):
        return type(value) is type(sys)

    def static_lookup(cls, name):
        for klass in cls.__mro__:
            if name in vars(klass):
                return vars(klass)[name]
        return None

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # a broken import is the test's business, not the guard's
            pass
    roots = {name.split(".")[0] for name in modules}
    watched = {}
    for name, module in list(sys.modules.items()):
        if module is not None and (name.split(".")[0] in roots or module is builtins):
            members = {key: value for key, value in vars(module).items()
                       if key != "_" and (callable(value) or is_module(value))}
            watched[name] = (module, members)
    shell = get_ipython()  # noqa: F821 - defined in every IPython kernel
    kernel = getattr(shell, "kernel", None)
    shell_methods = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback",
                     "_showtraceback", "showsyntaxerror", "transform_cell", "transform_ast",
                     "should_run_async", "_run_cell", "get_exception_only", "excepthook")
    kernel_methods = ("do_execute", "execute_request", "send_response", "_publish_status",
                      "_publish_execute_input", "_send_interrupt_children")
    timers = [getattr(signal, t) for t in ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")]
    handled = [getattr(signal, s) for s in ("SIGALRM", "SIGVTALRM", "SIGPROF")]
    out = sys.stdout

    def hooks():
        state = {"sys.gettrace()": sys.gettrace(), "sys.getprofile()": sys.getprofile(),
                 "threading.gettrace()": threading.gettrace(),
                 "threading.getprofile()": threading.getprofile(),
                 "sys.excepthook": sys.excepthook, "sys.displayhook": sys.displayhook,
                 "sys.stdout": sys.stdout, "sys.stderr": sys.stderr,
                 "sys.meta_path": tuple(sys.meta_path), "sys.path_hooks": tuple(sys.path_hooks),
                 "gc.callbacks": tuple(gc.callbacks),
                 "IPython's displayhook": shell.displayhook,
                 "IPython's display publisher": shell.display_pub,
                 "IPython's AST transformers": tuple(shell.ast_transformers),
                 "IPython's input transformers": tuple(shell.input_transformers_post)
                 + tuple(shell.input_transformer_manager.cleanup_transforms)
                 + tuple(shell.input_transformer_manager.line_transforms)
                 + tuple(shell.input_transformer_manager.token_transformers)}
        for owner, label, names in ((shell, "IPython shell", shell_methods),
                                    (kernel, "kernel", kernel_methods)):
            for name in names:
                state[f"{label}.{name}"] = (vars(owner).get(name),
                                            static_lookup(type(owner), name))
        for event, callbacks in shell.events.callbacks.items():
            state[f"IPython {event} callbacks"] = tuple(callbacks)
        for sig in handled:
            state[f"handler of {sig.name}"] = signal.getsignal(sig)
        for timer in timers:
            state[f"interval timer {timer}"] = signal.getitimer(timer) != (0.0, 0.0)
        return state

    method = type(shell.run_cell)

    def same(a, b):
        """Identity, looking inside tuples and bound methods (rebound on every access)."""
        if isinstance(a, tuple) and isinstance(b, tuple):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if type(a) is method and type(b) is method:
            return a.__func__ is b.__func__ and a.__self__ is b.__self__
        return a is b or (type(a) is bool and a == b)

    baseline = hooks()
    recorded = {}

    class Guard:
        def record(self, names):
            for name in names:
                if name in shell.user_ns:
                    recorded[name] = shell.user_ns[name]

        def check(self):
            problems = []
            for name, (module, members) in watched.items():
                if sys.modules.get(name) is not module:
                    problems.append(f"module {name} was replaced in sys.modules")
                    continue
                now = vars(module)
                problems += [f"{name}.{key} was replaced" for key, value in members.items()
                             if not same(now.get(key, missing), value)]
            now = hooks()
            problems += [f"{key} was changed" for key, value in baseline.items()
                         if not same(now.get(key), value)]
            problems += [f"{name!r} (defined by a test cell) was rebound"
                         for name, value in recorded.items()
                         if shell.user_ns.get(name, missing) is not value]
            clean = [p.replace("\t", " ").replace("\n", " ") for p in problems]
            out.write("\t".join([prefix, nonce, *clean]) + "\n")
            out.flush()

    return Guard()


@dataclass
class Guard:
    """Host side of the integrity check: the code to send and the parsing of its answer.

    Parameters
    ----------
    modules : list of str
        Modules whose contents tests rely on (what the test cells import, plus numpy).
    """

    modules: list[str]
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def variable(self) -> str:
        return f"_coursekit_guard_{self.nonce[:12]}"

    def install_code(self) -> str:
        """Code to run before any notebook cell."""
        source = inspect.getsource(_kernel_install)
        return (f"{source}\n{self.variable} = _kernel_install({self.modules!r}, "
                f"{self.nonce!r}, {REPORT_PREFIX!r})\ndel _kernel_install\n")

    def check_code(self, record: set[str] = frozenset()) -> str:
        """Code that records ``record`` (names a test cell just defined) and reports changes."""
        lines = [f"{self.variable}.record({sorted(record)!r})"] if record else []
        return "\n".join([*lines, f"{self.variable}.check()"])

    def problems(self, stdout: str) -> list[str]:
        """What the check reported; a missing or garbled report is itself a problem."""
        for line in stdout.splitlines():
            fields = line.split("\t")
            if fields[:2] == [REPORT_PREFIX, self.nonce]:
                return fields[2:]
        return ["the integrity check did not report (the guard was removed or replaced)"]
