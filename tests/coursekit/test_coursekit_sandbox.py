"""The sandboxed kernel on its own: what student code can and cannot do inside it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from coursekit.sandbox import (
    Capabilities,
    SandboxedKernel,
    SandboxError,
    SandboxLimits,
    SandboxUnavailableWarning,
    capabilities,
    probe,
)
from coursekit.session import KernelSession

pytestmark = pytest.mark.slow
REPOSITORY = Path(__file__).resolve().parents[2]  # its lib/ and .venv/ are mounted, the rest not

PROBE = """
import os, socket
report = {}
for path in [{paths}]:
    report[path] = os.path.exists(path)
for path in ["/etc/x", "/usr/x", "/home/student/x", "/tmp/x"]:
    try:
        open(path, "w").close()
        report["write " + path] = True
    except OSError:
        report["write " + path] = False
try:
    socket.create_connection(("151.101.0.223", 443), timeout=2)
    report["network"] = True
except OSError as error:
    report["network"] = error.errno
report["processes"] = sorted(p for p in os.listdir("/proc") if p.isdigit())
report["data"] = open("data.csv").read()
print(report)
"""


def _text(run):
    return "".join(o.get("text", "") for o in run.outputs) + "".join(
        f"{o.ename}: {o.evalue}" for o in run.outputs if o.output_type == "error"
    )


@pytest.mark.skipif(capabilities().bwrap is None, reason="bubblewrap unavailable")
def test_sandbox_hides_the_host_and_bounds_the_kernel(tmp_path):
    secret = tmp_path / "solutions"
    secret.mkdir()
    limits = SandboxLimits(memory_mb=1024, max_procs=24, protect=(str(secret),))
    paths = [
        str(secret),
        str(tmp_path),
        str(REPOSITORY / "solutions"),
        str(REPOSITORY / "README.md"),
        "/root/.ssh",
        "/etc/shadow",
    ]
    with SandboxedKernel(limits, files={"data.csv": b"a,b\n1,2\n"}) as kernel:
        session = KernelSession(kernel, limits, time.monotonic() + 120)
        report = eval(_text(session.run(PROBE.replace("{paths}", repr(paths)[1:-1]), timeout=20)))
        for path in paths:
            assert report[path] is False, path
        assert report["write /etc/x"] is False and report["write /usr/x"] is False
        assert report["write /home/student/x"] is True and report["write /tmp/x"] is True
        assert report["network"] == 101  # ENETUNREACH: an empty network namespace
        assert report["data"] == "a,b\n1,2\n"
        assert len(report["processes"]) <= 3  # its own PID namespace: init, kernel, and the probe
        hog = _text(session.run("import numpy as np\nx = np.ones(30 * 2**30 // 8)", timeout=20))
        assert "MemoryError" in hog
        bomb = session.run("import os\nwhile True:\n    os.fork()", timeout=30)
        assert "BlockingIOError" in _text(bomb) or bomb.status != "ok"
        assert "still alive" in _text(session.run("print('still alive')", timeout=20))
        session.close()


def test_without_bubblewrap_it_refuses_unless_unsandboxed(tmp_path):
    with pytest.warns(SandboxUnavailableWarning) as record:
        caps = probe(bwrap=None)
    assert caps.bwrap is None
    assert caps.missing.startswith("bubblewrap (bwrap) is not installed, so student code cannot be sandboxed")
    assert caps.missing in [str(w.message) for w in record]
    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.warns(SandboxUnavailableWarning) as record:
        caps = probe(bwrap=str(broken))
    assert caps.bwrap is None
    assert "(bwrap: No permissions to create new namespace)" in caps.missing
    assert caps.missing in [str(w.message) for w in record]
    unsandboxed = Capabilities(None, "none", ("x",), missing="bubblewrap (bwrap) is not installed")
    with pytest.raises(SandboxError, match=r"^bubblewrap \(bwrap\) is not installed$"):
        SandboxedKernel(SandboxLimits(), caps=unsandboxed)
    with pytest.raises(SandboxError):  # the deprecated flag changes nothing
        SandboxedKernel(SandboxLimits(require_sandbox=False), caps=unsandboxed)
    limits = SandboxLimits(unsandboxed=True)
    with SandboxedKernel(limits, caps=unsandboxed) as kernel:
        session = KernelSession(kernel, limits, time.monotonic() + 120)
        assert _text(session.run("print(2 + 2)", timeout=20)) == "4\n"
        session.close()
