"""Every chapter's explorable, driven through its live widget: each control changes the figure.

Latencies are recorded (``python -m dnnopt.widgets.bench`` prints p50/p95); the budget is 150 ms per update at the
defaults on 2 cores, asserted here with slack for a shared, busy CI machine.
"""

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
    for control, knob in box.knobs.items():
        other = next(v for v in explorer.controls[control] if v != knob.value)
        before = box.image.value
        knob.value = other
        assert box.image.value != before, f"{name}: moving {control!r} to {other!r} did not change the figure"
    p50 = sorted(explorer.latencies)[len(explorer.latencies) // 2]
    assert p50 < 1.0, f"{name}: median live update took {p50 * 1e3:.0f} ms (budget 150 ms on a quiet machine)"
