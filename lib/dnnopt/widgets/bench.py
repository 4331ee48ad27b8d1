"""Live-update latency of every explorable: ``python -m dnnopt.widgets.bench``.

For each explorable, build its live widget, then move each control through all its values (each a fresh frame:
recompute + redraw), timing every update as the widget's own callback measures it. Prints p50 and p95 per
explorable; the target is under 150 ms at the defaults on 2 cores.
"""

from __future__ import annotations

import argparse

import numpy as np

from .catalog import explorable_factories


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


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print(f"{'explorable':40s} {'updates':>7s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, factory in explorable_factories().items():
        latencies = np.array(sweep(factory())) * 1e3
        p50, p95 = np.percentile(latencies, [50, 95]) if latencies.size else (np.nan, np.nan)
        print(f"{name:40s} {latencies.size:7d} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
