"""Fetch the JavaScript and fonts the rendered book serves itself, from the npm registry.

The pages must work with no internet, so MathJax, the ipywidgets HTML manager and the
font-awesome stylesheet that matplotlib's ``to_jshtml`` animations link to are served from the
built book (``_static/``), and axe-core (accessibility checks) is injected by the browser tests.
Nothing here is committed: packages are fetched with ``npm pack`` (npm's cache is reused) into the
git-ignored ``book/_vendor/``::

    book/_vendor/static/   served as _static/ (html_static_path in _config.yml)
    book/_vendor/test/     used by the tests only
    book/_vendor/versions.json   what is there; a second run with the same versions does nothing

Run from anywhere: ``python scripts/fetch_assets.py`` (``make assets``). Exit status 1 with a
message when npm is missing or the registry cannot be reached.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "book" / "_vendor"
STAMP = VENDOR / "versions.json"
NPM_TIMEOUT_S = 300


@dataclass(frozen=True)
class Package:
    """One npm package and the files of it we keep.

    ``files`` are globs over paths inside the tarball (without its top folder ``package/``). A
    match under ``root`` keeps its path relative to ``root`` (so a stylesheet still finds its
    ``../fonts``); a match outside it (a licence at the top) lands directly in ``destination``,
    a folder under ``book/_vendor``.
    """

    name: str
    version: str
    destination: str
    files: tuple[str, ...]
    root: str = ""

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    def target(self, inner: str) -> str | None:
        """Where ``inner`` (a path in the tarball) goes under ``book/_vendor``, or None to skip."""
        if not any(fnmatch.fnmatchcase(inner, pattern) for pattern in self.files):
            return None
        if ".." in inner.split("/") or inner.startswith("/"):
            sys.exit(f"fetch_assets: {self.spec} has a file outside its folder: {inner!r}")
        if self.root and not inner.startswith(self.root):
            return f"{self.destination}/{inner.rsplit('/', 1)[-1]}"  # e.g. a licence at the top
        return f"{self.destination}/{inner.removeprefix(self.root)}"


PACKAGES = (
    # MathJax 3: the combined TeX/MathML -> CommonHTML component, its web fonts, and the pieces it
    # loads on demand (TeX extensions such as \boldsymbol, the menu's accessibility tools).
    Package(
        "mathjax",
        "3.2.2",
        "static/mathjax",
        (
            "LICENSE",
            "es5/tex-mml-chtml.js",
            "es5/output/chtml/fonts/woff-v2/*",
            "es5/input/tex/extensions/*",
            "es5/ui/*",
            "es5/a11y/*",
            "es5/sre/*",
        ),
        root="es5/",
    ),
    # ipywidgets 8's standalone embedder (no require.js); it loads its icon fonts from beside itself.
    Package(
        "@jupyter-widgets/html-manager",
        "1.0.15",
        "static/jupyter-widgets",
        (
            "package.json",  # the licence (BSD-3-Clause) is stated here
            "dist/embed.js",
            "dist/embed.js.LICENSE.txt",
            *(f"dist/*.{font}" for font in ("woff2", "woff", "ttf", "eot", "svg")),
        ),
        root="dist/",
    ),
    # matplotlib's to_jshtml() links font-awesome 4 from a CDN; book/_ext/offline.py points it here.
    Package(
        "font-awesome",
        "4.7.0",
        "static/font-awesome",
        ("README.md", "css/font-awesome.min.css", "fonts/*"),  # licences: README.md
    ),
    Package("axe-core", "4.10.3", "test/axe-core", ("LICENSE", "axe.min.js")),
)


def _npm_pack(package: Package, workdir: Path) -> Path:
    """Download ``package``'s tarball with the npm client into ``workdir``; return its path."""
    command = [
        "npm", "pack", package.spec, "--json", "--prefer-offline",
        "--fetch-retries=1", "--fetch-timeout=60000", "--pack-destination", str(workdir),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False)
    except FileNotFoundError:
        sys.exit(
            "fetch_assets: `npm` was not found. Install Node.js/npm (Debian: apt-get install npm); "
            "the book serves MathJax and the widget manager itself and fetches them from the npm "
            "registry at build time."
        )
    except subprocess.TimeoutExpired:
        sys.exit(
            f"fetch_assets: `npm pack {package.spec}` took over {NPM_TIMEOUT_S} s: is the npm "
            "registry reachable from this machine?"
        )
    if result.returncode != 0:
        detail = "\n".join(result.stderr.strip().splitlines()[-8:])
        sys.exit(
            f"fetch_assets: could not fetch {package.spec} from the npm registry "
            f"(`npm pack` exited {result.returncode}). Is the registry reachable "
            f"(`npm config get registry`)?\n{detail}"
        )
    (entry,) = json.loads(result.stdout)
    return workdir / entry["filename"]


def _extract(package: Package, tarball: Path, staging: Path) -> int:
    """Copy the files ``package`` keeps from ``tarball`` into ``staging``; return how many."""
    copied = 0
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            inner = member.name.split("/", 1)[-1]  # drop the tarball's top folder ("package/")
            target = package.target(inner) if member.isfile() else None
            if target is None:
                continue
            (staging / target).parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(staging / target, "wb") as sink:
                shutil.copyfileobj(source, sink)
            copied += 1
    if copied == 0:
        sys.exit(f"fetch_assets: {package.spec} held none of {package.files}")
    return copied


def wanted_versions() -> dict[str, str]:
    return {package.name: package.version for package in PACKAGES}


def up_to_date() -> bool:
    """True when ``book/_vendor`` already holds exactly the pinned versions."""
    try:
        recorded = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return False
    return recorded == wanted_versions() and all((VENDOR / p.destination).is_dir() for p in PACKAGES)


def main() -> None:
    if up_to_date():
        print(f"fetch_assets: {VENDOR} is up to date")
        return
    VENDOR.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=VENDOR.parent, prefix="._vendor-") as tmp:
        workdir = Path(tmp)
        staging = workdir / "vendor"
        for package in PACKAGES:
            count = _extract(package, _npm_pack(package, workdir), staging)
            print(f"fetch_assets: {package.spec}: {count} files")
        (staging / STAMP.name).write_text(json.dumps(wanted_versions(), indent=2) + "\n")
        # Swap in the new tree only once every package is there: no half-fetched state.
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        staging.rename(VENDOR)
    print(f"fetch_assets: wrote {VENDOR}")


if __name__ == "__main__":
    main()
