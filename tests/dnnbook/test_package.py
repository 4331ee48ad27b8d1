"""dnnbook as a package: one name per chapter, one drawing contract, and nothing in lib/ depending on it."""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import dnnbook
from dnnbook import CHAPTERS

LIB = Path(dnnbook.__file__).parents[1]
ROOT = LIB.parent
MODULES = sorted(info.name for info in pkgutil.walk_packages(dnnbook.__path__, prefix="dnnbook."))


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a Python file imports (absolute imports only: relative ones stay in their package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_nothing_in_lib_but_dnnbook_itself_imports_dnnbook():
    files = [path for path in LIB.rglob("*.py") if "dnnbook" not in path.relative_to(LIB).parts]
    assert any(path.parts[-2:] == ("dnnopt", "layers.py") for path in files)  # the scan reads the other packages
    importers = [path.relative_to(ROOT).as_posix() for path in files if "dnnbook" in imported_packages(path)]
    assert importers == [], f"only the book may depend on dnnbook; imported by {importers}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_has_one_name_everywhere(chapter):
    """Page, experiments module, tests and assignment: a newcomer finds them all by the chapter's name."""
    module = importlib.import_module(f"dnnbook.{chapter}")
    places = [
        f"book/{chapter}.md",
        f"tests/dnnbook/test_{chapter}.py",
        f"solutions/{chapter}",
        f"exercises/{chapter}",
        f"tests/assignments/{chapter}",
    ]
    missing = [place for place in places if not (ROOT / place).exists()]
    assert missing == [], f"chapter {chapter!r} (dnnbook.{chapter}) has no {missing}"
    page = (ROOT / f"book/{chapter}.md").read_text()
    imports = (f"from dnnbook import {chapter}\n", f"from dnnbook.{chapter} import")
    assert any(line in page for line in imports), f"book/{chapter}.md does not import dnnbook.{chapter}"
    assert module.__all__, f"dnnbook.{chapter} exports nothing"


def drawing_functions() -> dict[str, object]:
    """``{"module.draw_x": function}`` for every public draw_* and plot_* function, where it is defined."""
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            function = getattr(module, name)
            if name.startswith(("draw_", "plot_")) and getattr(function, "__module__", None) == module_name:
                found[f"{module_name}.{name}"] = function
    return found


DRAWING_FUNCTIONS = drawing_functions()


def test_the_contract_below_sees_every_chapter():
    modules = {qualified.rsplit(".", 1)[0] for qualified in DRAWING_FUNCTIONS}
    chapters = {module.split(".")[1] for module in modules}  # dnnbook.<chapter> or dnnbook.<chapter>.<module>
    assert set(CHAPTERS) <= chapters, sorted(modules)
    assert "dnnbook.regularization.decomposition" in modules


@pytest.mark.parametrize("qualified", sorted(DRAWING_FUNCTIONS))
def test_draw_draws_on_given_axes_and_plot_returns_a_new_figure(qualified):
    """The one contract of every chapter: ``draw_*(ax, ...) -> None`` and ``plot_*(...) -> Figure``."""
    function = DRAWING_FUNCTIONS[qualified]
    module, name = qualified.rsplit(".", 1)
    signature = inspect.signature(function)
    if name.startswith("draw_"):
        first = next(iter(signature.parameters))
        assert first == "ax" or first.endswith(("_ax", "axes")), f"{module}.{name} must take the axes first"
        assert signature.return_annotation in (None, "None"), f"{module}.{name} draws on axes and returns None"
    elif name.startswith("plot_"):
        assert signature.return_annotation in ("Figure", "matplotlib.figure.Figure"), (
            f"{module}.{name} must return a new Figure (annotate it)"
        )
        assert not {"ax", "axes"} & set(signature.parameters), f"{module}.{name} takes axes: call it draw_*"
