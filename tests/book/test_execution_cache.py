"""book/_ext/parallel_execution.py: a change to lib/ sends every chapter back to the kernel."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from jupyter_cache import get_cache

from tests.book.site import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from parallel_execution import LIBRARY_DIGEST, rerun_when_the_library_changed


def test_chapters_run_again_exactly_when_the_library_changed(tmp_path):
    (tmp_path / "lib" / "pkg").mkdir(parents=True)
    module = tmp_path / "lib" / "pkg" / "mod.py"
    module.write_text("x = 1\n")
    cache_path = tmp_path / "_build" / ".jupyter_cache"
    app = SimpleNamespace(confdir=str(tmp_path))
    env = SimpleNamespace(
        mystnb_config=SimpleNamespace(execution_mode="cache", execution_cache_path=str(cache_path)),
        found_docs={"book/intro", "book/gradients"},
    )

    def outdated(changed=frozenset()):
        return rerun_when_the_library_changed(app, env, set(), set(changed), set())

    assert outdated() == ["book/gradients", "book/intro"]  # first build: the digest is recorded
    assert outdated() == []  # nothing changed
    get_cache(str(cache_path))  # a cache with content from that build
    (cache_path / "executed").mkdir(exist_ok=True)
    module.write_text("x = 2\n")
    assert outdated(changed={"book/intro"}) == ["book/gradients"]  # the rest of the chapters
    assert not (cache_path / "executed").exists(), "the old executions must be cleared"
    assert (cache_path / LIBRARY_DIGEST).is_file() and outdated() == []
