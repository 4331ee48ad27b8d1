"""dnnopt as a package: numpy only (no plotting, no widgets) and small enough to read."""

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import dnnopt

PACKAGE_DIR = Path(dnnopt.__file__).parent
MAX_LINES = 2000
NOT_COUNTED = {PACKAGE_DIR / "bench.py"}  # the step benchmark, on its way out of the package


def submodules() -> list[str]:
    """Every module of dnnopt, found on disk (so a new module is checked without editing this test)."""
    return [info.name for info in pkgutil.walk_packages(dnnopt.__path__, prefix="dnnopt.")]


def test_importing_dnnopt_and_every_submodule_loads_neither_matplotlib_nor_ipywidgets():
    modules = ["dnnopt", *submodules()]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    assert "dnnopt.train" in modules and "dnnopt.functional.linear" in modules  # the scan found the package
    assert loaded.isdisjoint({"matplotlib", "ipywidgets", "dnnbook"}), (
        f"importing {modules} in a fresh interpreter loaded {sorted(loaded & {'matplotlib', 'ipywidgets', 'dnnbook'})}"
    )


def test_dnnopt_stays_under_two_thousand_lines():
    files = sorted(set(PACKAGE_DIR.rglob("*.py")) - NOT_COUNTED)
    lines = {path.relative_to(PACKAGE_DIR).as_posix(): len(path.read_text().splitlines()) for path in files}
    total = sum(lines.values())
    largest = sorted(lines.items(), key=lambda item: -item[1])[:5]
    assert total < MAX_LINES, f"dnnopt has {total} lines of Python (limit {MAX_LINES}); largest: {largest}"
