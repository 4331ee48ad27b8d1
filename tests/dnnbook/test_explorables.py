"""Every chapter's explorable, driven through its live widget: each control changes the figure.

Latencies are recorded (``python -m dnnopt.widgets.bench`` prints p50/p95); the budget is 150 ms per update at the
defaults on a quiet 2-core machine. Here the CPU time of each update is asserted, with slack: wall time on a shared,
busy CI machine says more about the neighbours than about us.
"""

import time

import pytest

from dnnopt.widgets import Explorable
from dnnopt.widgets.catalog import explorable_factories

FACTORIES = explorable_factories()
CHAPTERS = ["gradients", "initialization", "dropout", "batchnorm", "bias_variance"]


def test_every_chapter_has_an_explorable():
    chapters = {name.split(".")[0] for name in FACTORIES}
    assert set(CHAPTERS) <= chapters, f"chapters without an explorable: {sorted(set(CHAPTERS) - chapters)}"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_each_control_changes_the_live_figure(name):
    explorer = FACTORIES[name]()
    assert isinstance(explorer, Explorable), f"{name} must return an Explorable"
    box = explorer.widget()
    cpu_seconds = []
    for control, knob in box.knobs.items():
        other = next(v for v in explorer.controls[control] if v != knob.value)
        before = box.image.value
        start = time.process_time()
        knob.value = other
        cpu_seconds.append(time.process_time() - start)
        assert box.image.value != before, f"{name}: moving {control!r} to {other!r} did not change the figure"
    assert len(explorer.latencies) == len(box.knobs)  # the widget timed every update
    worst = max(cpu_seconds)
    assert worst < 0.6, f"{name}: a live update took {worst * 1e3:.0f} ms of CPU (budget 150 ms)"
