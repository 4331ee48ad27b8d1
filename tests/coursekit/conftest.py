"""Fixtures for the coursekit tests; the helpers live in ``ck_helpers`` (also re-exported here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ck_helpers import (  # noqa: F401 - re-exported for modules that import them from conftest
    LIMITS,
    gradebook_dump,
    hidden_test_lines,
    html_text,
    leaked_lines,
    make_demo_course,
    run_coursekit,
    totals,
)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A released demo course, made once; tests copy it (``shutil.copytree``) and grade the copy."""
    return make_demo_course(tmp_path_factory.mktemp("demo-template"))
