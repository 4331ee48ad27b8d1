"""Explorable: the static page version, the live widget, caching and errors."""

import base64
import json
import re

import numpy as np
import pytest

from dnnbook.explorable import Explorable


def draw(fig, k, kind):
    ax = fig.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.sin(k * x) if kind == "sin" else np.cos(k * x))


@pytest.fixture
def explorer():
    return Explorable(draw, {"k": [1, 4], "kind": ["sin", "cos"]}, defaults={"kind": "cos"}, alt="a wave")


def test_static_html_holds_every_frame_behind_labelled_controls(explorer):
    page = explorer.static_html()
    frames = json.loads(re.search(r'class="dnnopt-frames">(.*?)</script>', page).group(1))
    assert sorted(frames) == ["0|0", "0|1", "1|0", "1|1"]
    assert len({frames[key] for key in frames}) == 4  # every combination draws a different picture
    assert all(base64.b64decode(png).startswith(b"\x89PNG") for png in frames.values())
    assert 'type="range"' in page and "<select" in page and 'alt="a wave"' in page
    assert f'src="data:image/png;base64,{frames["0|1"]}"' in page  # the default frame is shown first
    assert re.findall(r'<label for="([^"]+)"', page) == re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', page)
    assert "http" not in page  # nothing loaded from the network


def test_live_widget_updates_one_image_in_place(explorer):
    box = explorer.widget()
    before = box.image.value
    box.knobs["k"].value = 4
    assert box.image.value != before and len(explorer.latencies) == 1
    box.knobs["k"].value = 1
    assert box.image.value == before  # cached frame, the same picture
    bundle = explorer._repr_mimebundle_()
    assert {"text/html", "application/vnd.jupyter.widget-view+json"} <= bundle.keys()


def test_errors_name_the_problem(explorer):
    with pytest.raises(ValueError, match="unknown control 'q'"):
        explorer.update(q=1)
    with pytest.raises(ValueError, match=r"k=3 is not one of \[1, 4\]"):
        explorer.update(k=3)
    with pytest.raises(ValueError, match="at most 48"):
        Explorable(draw, {"k": list(range(7)), "kind": list("abcdefg")})
    with pytest.raises(ValueError, match="default kind='tan'"):
        Explorable(draw, {"k": [1], "kind": ["sin"]}, defaults={"kind": "tan"})
