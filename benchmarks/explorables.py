"""Live-update latency of every explorable: ``python benchmarks/explorables.py``.

For each explorable, build its live widget, then move each control through all its values, timing every update as
the widget's own callback measures it. "cold" is a fresh explorable, every frame recomputed and redrawn; "warm" is
the same sweep after the explorable was displayed in a notebook (displaying renders every frame once for the page's
static version, so later moves are cache hits). Prints p50 and p95 of each, in wall-clock milliseconds (the
widget's own measure: what a reader waits for); the target is under 150 ms on a quiet machine.
"""

from __future__ import annotations

import argparse

import numpy as np

from dnnbook.explorable import explorable_factories


def sweep(explorer) -> list[float]:
    """Move every control of a fresh widget through all its values; return the update latencies (seconds)."""
    box = explorer.widget()
    defaults = dict(explorer.values)
    for name, knob in box.knobs.items():
        for value in explorer.controls[name]:
            if value != knob.value:
                knob.value = value
        knob.value = defaults[name]
    return list(explorer.latencies)


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    return tuple(np.percentile(np.array(latencies) * 1e3, [50, 95])) if latencies else (np.nan, np.nan)


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    columns = ("cold p50", "cold p95", "warm p50", "warm p95")
    print(f"{'explorable':40s} {'updates':>7s} " + " ".join(f"{c:>9s}" for c in columns) + "  (ms)")
    for name, factory in explorable_factories().items():
        cold = sweep(factory())
        displayed = factory()
        displayed._repr_mimebundle_()
        warm = sweep(displayed)
        print(f"{name:40s} {len(cold):7d} " + " ".join(f"{v:9.1f}" for v in (*_percentiles(cold), *_percentiles(warm))))


if __name__ == "__main__":
    main()
