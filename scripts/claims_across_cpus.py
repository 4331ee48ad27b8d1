"""Check every chapter's claims as older and newer x86-64 CPUs would compute them; a slow check, not a test.

A seeded experiment gives the same numbers on every run of one machine, but not on every machine: OpenBLAS picks
its matrix kernels for the CPU (SSE, AVX, AVX2 or AVX-512 code, which add up products in different orders) and numpy
dispatches its own loops the same way. A run that is chaotic, such as training at a learning rate that blows up, can
then end elsewhere, and a claim that leaned on one seed's luck fails on another machine's build. This script runs
each chapter once per kernel family this CPU can execute (``OPENBLAS_CORETYPE``, with numpy's newer SIMD loops
switched off to match through ``NPY_DISABLE_CPU_FEATURES``), collects every claim instead of stopping at the first
false one, and prints the ones that fail anywhere.

    python scripts/claims_across_cpus.py                 # every chapter, every kernel family (2.5 minutes on 2 cores)
    python scripts/claims_across_cpus.py gradients --cores Haswell SkylakeX

Run it with the project's virtual environment (``.venv/bin/python``) after changing an experiment or a claim.
Exit status 1 when a claim fails on some kernel family or a chapter raises.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMPY_ABOVE_X86_V2 = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
# OpenBLAS kernel family -> (the /proc/cpuinfo flag it needs, the numpy SIMD groups a CPU of that family lacks)
CORES = {
    "Nehalem": ("sse4_2", NUMPY_ABOVE_X86_V2),  # SSE only
    "Sandybridge": ("avx", NUMPY_ABOVE_X86_V2),  # AVX without AVX2: numpy's X86_V2 level
    "Haswell": ("avx2", "X86_V4 AVX512_ICL AVX512_SPR"),  # AVX2 and FMA (also what OpenBLAS uses on AMD Zen)
    "SkylakeX": ("avx512f", "AVX512_ICL AVX512_SPR"),  # AVX-512
}


def chapters() -> list[str]:
    """The chapters with claim checks: every ``book/*.md`` that calls ``claim``."""
    return sorted(path.stem for path in (ROOT / "book").glob("*.md") if "claim(" in path.read_text())


def runnable_cores() -> list[str]:
    """The kernel families this CPU can execute (x86-64 only: elsewhere OpenBLAS has other families)."""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return []
    return [core for core, (flag, _) in CORES.items() if flag in flags.split()]


def run_chapter(chapter: str) -> dict:
    """Execute the chapter's code cells in this process, every claim collected; what held, what failed, errors."""
    import jupytext
    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell

    import dnnbook.claims

    matplotlib.use("agg")
    outcome: dict = {"held": 0, "failed": [], "errors": []}

    def claim(holds: bool, statement: str, evidence: str) -> None:
        if holds:
            outcome["held"] += 1
        else:
            outcome["failed"].append(f"{statement} | measured: {evidence}")

    dnnbook.claims.claim = claim  # the chapters import it from the module, after this
    shell = InteractiveShell.instance()
    os.chdir(ROOT / "book")
    for cell in jupytext.read(ROOT / "book" / f"{chapter}.md").cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        with contextlib.redirect_stdout(io.StringIO()):
            result = shell.run_cell(code, silent=True)
        if result.error_in_exec is not None:
            error = result.error_in_exec
            outcome["errors"].append(f"{type(error).__name__}: {error} (cell {code.splitlines()[0][:60]!r})")
    return outcome


def run_on_core(chapter: str, core: str) -> dict:
    """``run_chapter`` in a fresh interpreter whose OpenBLAS and numpy compute as a ``core`` CPU would."""
    env = {
        **os.environ,
        "OPENBLAS_CORETYPE": core,
        "NPY_DISABLE_CPU_FEATURES": CORES[core][1],
        "OPENBLAS_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, __file__, "--run-chapter", chapter], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"held": 0, "failed": [], "errors": [f"exit {done.returncode}: {done.stderr.strip()[-500:]}"]}
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter with claims)")
    parser.add_argument("--cores", nargs="+", choices=list(CORES), help="kernel families (default: all this CPU runs)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters run at once")
    parser.add_argument("--run-chapter", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_chapter:
        print(json.dumps(run_chapter(args.run_chapter)))
        return 0
    cores = args.cores or runnable_cores()
    if not cores:
        parser.error("no OpenBLAS x86-64 kernel family runs on this CPU (this check is for x86-64 machines)")
    unknown = sorted(set(args.chapters) - set(chapters()))
    if unknown:
        parser.error(f"no chapter with claims named {unknown}; choose from {chapters()}")
    runs = [(chapter, core) for chapter in args.chapters or chapters() for core in cores]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # the work happens in the subprocesses
        outcomes = list(pool.map(lambda run: run_on_core(*run), runs))
    bad = 0
    for (chapter, core), outcome in zip(runs, outcomes, strict=True):
        problems = outcome["failed"] + outcome["errors"]
        bad += bool(problems)
        print(f"{chapter:16s} {core:12s} {outcome['held']:3d} claims held, {len(outcome['failed'])} failed")
        for problem in problems:
            print(f"    {problem}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
