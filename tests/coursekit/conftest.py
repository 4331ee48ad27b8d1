"""Fixtures for the coursekit tests; their helpers are in ``tests.coursekit.helpers``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coursekit.helpers import make_demo_course


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A released demo course, made once; tests copy it (``shutil.copytree``) and grade the copy."""
    return make_demo_course(tmp_path_factory.mktemp("demo-template"))
