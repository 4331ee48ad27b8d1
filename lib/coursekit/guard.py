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


def _kernel_install(modules, prefix):  # pragma: no cover - runs inside the kernel
    """Remember what the tests rely on; return an object with ``check()`` and ``record()``."""
    import builtins
    import gc
    import importlib
    import signal
    import sys
    import threading

    # the checks below must not call builtins a submission may have replaced
    len_, type_, vars_, zip_, all_, any_, tuple_ = len, type, vars, zip, all, any, tuple
    getattr_ = getattr
    allowed_callbacks = [
        ("matplotlib.pyplot", "_draw_all_if_interactive"),
        ("matplotlib_inline.backend_inline", "flush_figures"),
        ("matplotlib_inline.backend_inline", "configure_once"),
    ]
    missing = object()

    def code_of(function):
        return getattr_(function, "__code__", function)

    def is_module(value):
        return type_(value) is type_(sys)

    def static_lookup(cls, name):
        for klass in cls.__mro__:
            if name in vars_(klass):
                return vars_(klass)[name]
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
            members = {
                key: value
                for key, value in vars(module).items()
                if key != "_" and (callable(value) or is_module(value))
            }
            watched[name] = (module, members)
    shell = get_ipython()  # noqa: F821 - defined in every IPython kernel
    kernel = getattr(shell, "kernel", None)
    shell_methods = (
        "run_cell",
        "run_cell_async",
        "run_ast_nodes",
        "run_code",
        "showtraceback",
        "_showtraceback",
        "showsyntaxerror",
        "transform_cell",
        "transform_ast",
        "should_run_async",
        "_run_cell",
        "get_exception_only",
        "excepthook",
    )
    kernel_methods = (
        "do_execute",
        "execute_request",
        "send_response",
        "_publish_status",
        "_publish_execute_input",
        "_send_interrupt_children",
    )
    timers = [getattr(signal, t) for t in ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")]
    handled = [getattr(signal, s) for s in ("SIGALRM", "SIGVTALRM", "SIGPROF")]
    out = sys.stdout

    def hooks():
        state = {
            "sys.gettrace()": sys.gettrace(),
            "sys.getprofile()": sys.getprofile(),
            "threading.gettrace()": threading.gettrace(),
            "threading.getprofile()": threading.getprofile(),
            "sys.excepthook": sys.excepthook,
            "sys.displayhook": sys.displayhook,
            "sys.stdout": sys.stdout,
            "sys.stderr": sys.stderr,
            # IPython wraps write in a fresh closure each cell: compare its code
            "sys.stdout.write": (code_of(vars_(out).get("write")), static_lookup(type_(out), "write")),
            "sys.meta_path": tuple_(sys.meta_path),
            "sys.path_hooks": tuple_(sys.path_hooks),
            "gc.callbacks": tuple_(gc.callbacks),
            "IPython's displayhook": shell.displayhook,
            "IPython's display publisher": shell.display_pub,
            "IPython's AST transformers": tuple_(shell.ast_transformers),
            "IPython's input transformers": tuple_(shell.input_transformers_post)
            + tuple_(shell.input_transformer_manager.cleanup_transforms)
            + tuple_(shell.input_transformer_manager.line_transforms)
            + tuple_(shell.input_transformer_manager.token_transformers),
        }
        for owner, label, names in ((shell, "IPython shell", shell_methods), (kernel, "kernel", kernel_methods)):
            for name in names:
                state[f"{label}.{name}"] = (vars_(owner).get(name), static_lookup(type_(owner), name))
        for event, callbacks in shell.events.callbacks.items():
            state[f"IPython {event} callbacks"] = tuple_(callbacks)
        for sig in handled:
            state[f"handler of {sig.name}"] = signal.getsignal(sig)
        for timer in timers:
            state[f"interval timer {timer}"] = signal.getitimer(timer) != (0.0, 0.0)
        return state

    method = type_(shell.run_cell)

    def same(a, b):
        """Identity, looking inside tuples and bound methods (rebound on every access)."""
        if type_(a) is tuple and type_(b) is tuple:
            return len_(a) == len_(b) and all_(same(x, y) for x, y in zip_(a, b, strict=True))
        if type_(a) is method and type_(b) is method:
            return a.__func__ is b.__func__ and a.__self__ is b.__self__
        return a is b or (type_(a) is bool and a == b)

    baseline = hooks()
    recorded = {}  # names locked cells defined -> the objects they defined

    class Guard:
        def record(self, names):
            for name in names:
                if name in shell.user_ns:
                    recorded[name] = shell.user_ns[name]

        def check(self, token):
            problems = []
            for name, (module, members) in watched.items():
                if sys.modules.get(name) is not module:
                    problems.append(f"module {name} was replaced in sys.modules")
                    continue
                now = vars_(module)
                problems += [
                    f"{name}.{key} was replaced"
                    for key, value in members.items()
                    if not same(now.get(key, missing), value)
                ]
            now = hooks()
            # matplotlib registers its own callbacks when the first figure appears
            allowed = [getattr_(sys.modules.get(module), name, missing) for module, name in allowed_callbacks]
            for key in now:
                if key.endswith(" callbacks"):
                    now[key] = tuple_(c for c in now[key] if not any_(c is a for a in allowed))
            problems += [f"{key} was changed" for key, value in baseline.items() if not same(now.get(key), value)]
            problems += [
                f"{name!r} (defined by a locked cell) was rebound"
                for name, value in recorded.items()
                if shell.user_ns.get(name, missing) is not value
            ]
            clean = [p.replace("\t", " ").replace("\n", " ") for p in problems]
            out.write("\t".join([prefix, token, *clean]) + "\n")
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
    variable: str = field(default_factory=lambda: f"_coursekit_guard_{secrets.token_hex(6)}")

    def install_code(self) -> str:
        """Code to run before any notebook cell."""
        source = inspect.getsource(_kernel_install)
        return (
            f"{source}\n{self.variable} = _kernel_install({self.modules!r}, {REPORT_PREFIX!r})\ndel _kernel_install\n"
        )

    def check_code(self, record: set[str] = frozenset()) -> tuple[str, str]:
        """Code that records ``record`` (names a locked cell defined) and reports changes.

        Returns the code and the one-time token its report must carry.
        """
        token = secrets.token_hex(16)
        lines = [f"{self.variable}.record({sorted(record)!r})"] if record else []
        return "\n".join([*lines, f"{self.variable}.check({token!r})"]), token

    @staticmethod
    def problems(stdout: str, token: str) -> list[str]:
        """What the check reported; a missing or doubled report is itself a problem.

        Reports carrying an older token are ignored: a busy kernel may flush an earlier check's
        output late, under the next request. A second report with this check's token can only
        be forged by code that read the token from the check's own source.
        """
        reports = [line.split("\t") for line in stdout.splitlines() if line.startswith(f"{REPORT_PREFIX}\t{token}")]
        if len(reports) != 1:
            return ["the integrity check's report was missing or forged"]
        return reports[0][2:]
