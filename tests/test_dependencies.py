"""Dependencies say the truth: every third-party import is declared in pyproject.toml, nothing declared goes unused,
and each package imports only what its layer of the project may use."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
OURS = {"dnnopt", "dnnbook", "coursekit", "tests"}
# Imported only when present, each behind a try/except that says what is skipped without it.
OPTIONAL = {"torch": "benchmarks/step.py compares with PyTorch when it is installed"}
# Declared but never imported: tools run as commands, Sphinx extensions and pytest plugins. Each is checked to be
# named where it is used.
USED_WITHOUT_IMPORT = {
    "jupyter-book": ("Makefile", "jupyter-book build"),
    "sphinx-exercise": ("_config.yml", "sphinx_exercise"),
    "sphinx-proof": ("_config.yml", "sphinx_proof"),
    "jupytext": (".jupyter/labconfig/default_setting_overrides.json", "Jupytext Notebook"),  # Binder opens chapters
    "ruff": ("Makefile", "ruff check"),
    "pytest-timeout": ("pyproject.toml", "timeout ="),
}
# What each of our packages may import besides the standard library and our own packages below it.
ALLOWED = {
    "dnnopt": {"numpy", "scikit-learn", "tqdm"},
    "dnnbook": {"numpy", "matplotlib", "cycler", "ipywidgets", "ipython"},
}


@cache
def _installed() -> dict[str, list[str]]:
    return packages_distributions()  # reads every installed distribution's metadata: once


def _normal(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        requirements += extra
    names = {_normal(re.match(r"[A-Za-z0-9_.-]+", r).group()) for r in requirements}
    return names - {_normal(PYPROJECT["project"]["name"])}


def _imports(source: str) -> set[str]:
    """Top-level modules a piece of Python imports absolutely."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _code_cells(markdown: str) -> str:
    """The Python of a MyST notebook's code cells, without their options (a ``---`` block or ``:key:`` lines)."""
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", markdown, re.M | re.S)
    options = re.compile(r"\A(?:---\n.*?^---\n|(?::[\w-]+:.*\n)+)", re.M | re.S)
    magics = re.compile(r"^\s*[%!].*$", re.M)  # IPython magics and shell escapes are not Python
    return "\n".join(magics.sub("", options.sub("", cell)) for cell in cells)


def _sources() -> dict[str, str]:
    """Every piece of our Python: modules, tests, benchmarks, scripts, Sphinx extensions, chapters' code cells."""
    files = {path: path.read_text() for folder in ("lib", "tests", "benchmarks", "scripts", "book/_ext")
             for path in (ROOT / folder).rglob("*.py")}  # fmt: skip
    files |= {path: _code_cells(path.read_text()) for path in (ROOT / "book").glob("*.md")}
    return {str(path.relative_to(ROOT)): text for path, text in files.items()}


def _third_party(modules: set[str]) -> set[str]:
    local_extensions = {path.stem for path in (ROOT / "book" / "_ext").glob("*.py")}  # tests import them
    return {m for m in modules if m not in sys.stdlib_module_names and m not in OURS | local_extensions}


@cache
def _distribution(module: str) -> str:
    distributions = _installed().get(module)
    assert distributions, f"{module} is imported but no installed distribution provides it"
    return _normal(distributions[0])


def test_every_import_is_declared():
    declared = _declared()
    undeclared = {}
    for path, source in _sources().items():
        for module in _third_party(_imports(source)) - set(OPTIONAL):
            if _distribution(module) not in declared:
                undeclared.setdefault(_distribution(module), []).append(path)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_nothing_declared_is_unused():
    imported = {_distribution(m) for source in _sources().values() for m in _third_party(_imports(source))
                if m not in OPTIONAL}  # fmt: skip
    unused = _declared() - imported - set(USED_WITHOUT_IMPORT)
    assert not unused, f"declared in pyproject.toml but never imported: {sorted(unused)}"


@pytest.mark.parametrize("distribution", sorted(USED_WITHOUT_IMPORT))
def test_tools_are_used_where_they_say(distribution):
    path, usage = USED_WITHOUT_IMPORT[distribution]
    assert distribution in _declared(), f"{distribution} is listed as a tool but not declared"
    assert usage in (ROOT / path).read_text(), f"{distribution}: {path} no longer contains {usage!r}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_its_layer(package):
    imported = set()
    for path in (ROOT / "lib" / package).rglob("*.py"):
        imported |= {_distribution(m) for m in _third_party(_imports(path.read_text()))}
    extra = imported - ALLOWED[package]
    assert not extra, f"lib/{package} imports {sorted(extra)}; it may use only {sorted(ALLOWED[package])}"
