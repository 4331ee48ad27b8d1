"""``Explorable``: one drawing function, two front ends; and the catalogue of every explorable in the book.

* With a kernel (Jupyter, Binder, Colab) the explorable is an ipywidgets box: controls above one ``Image`` widget
  whose PNG is replaced in place on every change (no flicker, no stacked outputs); frames are cached.
* In the rendered book (no kernel) the same figure is precomputed for every combination of control values and shown
  behind plain HTML controls with a few lines of inline JavaScript: no network, no widget manager.

Its display bundle carries both: Jupyter front ends render the widget view, the book's HTML builder prefers
``text/html`` (``nb_mime_priority_overrides`` in ``_config.yml``).

Each chapter's explorables live in its module, beside the experiments they explore (for example
``dnnbook.gradients.gradient_flow``); ``explorable_factories`` finds them all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import inspect
import io
import itertools
import json
import numbers
import time
from collections.abc import Callable, Sequence

from matplotlib.figure import Figure

from . import CHAPTERS
from .figures import style

__all__ = ["Explorable", "explorable_factories"]

MAX_FRAMES = 48  # every frame is rendered at build time and shipped in the page

_SCRIPT = """
(function () {
  var root = document.getElementById(%(id)s);
  var frames = JSON.parse(root.querySelector("script.dnnopt-frames").textContent);
  var controls = root.querySelectorAll("[data-control]");
  var image = root.querySelector("img");
  function show() {
    var key = [];
    controls.forEach(function (control) {
      key.push(control.value);
      var output = root.querySelector("output[for='" + control.id + "']");
      if (output) { output.textContent = control.dataset.labels.split("|")[control.value]; }
    });
    image.src = "data:image/png;base64," + frames[key.join("|")];
  }
  controls.forEach(function (control) { control.addEventListener("input", show); });
})();
"""


class Explorable:
    """A matplotlib figure drawn by ``draw(fig, **values)`` for the values chosen on ``controls``.

    Parameters
    ----------
    draw : callable(fig, **values) drawing into a fresh, empty ``Figure``
    controls : dict mapping a name to the list of values it can take; numbers get a slider, strings a menu
    defaults : the values shown first (default: the first value of each control)
    figsize, dpi : size of every frame
    alt : text alternative describing the figure (for screen readers and when images are off)
    layout : matplotlib layout engine of each frame ("tight", "constrained"); "none" (with fixed margins set in
        ``draw``) skips the layout pass, about 30% of a frame's drawing time. None means the book style's default,
        constrained layout, not "no layout"
    """

    def __init__(
        self,
        draw: Callable,
        controls: dict[str, Sequence],
        defaults: dict | None = None,
        figsize=(7.0, 3.5),
        dpi: int = 80,
        alt: str = "",
        layout: str | None = "tight",
    ) -> None:
        if not controls:
            raise ValueError("an explorable needs at least one control")
        self.controls = {name: list(values) for name, values in controls.items()}
        for name, values in self.controls.items():
            if not values:
                raise ValueError(f"control {name!r} has no values")
        n_frames = len(list(itertools.product(*self.controls.values())))
        if n_frames > MAX_FRAMES:
            raise ValueError(f"{n_frames} combinations of control values; at most {MAX_FRAMES} can be precomputed")
        self.values = {name: values[0] for name, values in self.controls.items()}
        for name, value in (defaults or {}).items():
            if name not in self.controls or value not in self.controls[name]:
                raise ValueError(f"default {name}={value!r} is not one of the control's values")
            self.values[name] = value
        self.draw, self.figsize, self.dpi, self.alt, self.layout = draw, figsize, dpi, alt, layout
        self.latencies: list[float] = []  # seconds per live update (recompute + redraw)
        self._frames: dict[tuple, bytes] = {}

    def update(self, **values) -> bytes:
        """Set some control values and return the PNG of the resulting frame (cached)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"unknown control {name!r}; expected one of {list(self.controls)}")
            if value not in self.controls[name]:
                raise ValueError(f"{name}={value!r} is not one of {self.controls[name]}")
        self.values.update(values)
        return self._frame(self.values)

    def _render(self, values: dict) -> bytes:
        with style():  # "tight" layout, no bbox="tight" re-draw: about 30% faster than constrained layout
            fig = Figure(figsize=self.figsize, dpi=self.dpi, layout=self.layout)
            self.draw(fig, **values)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")  # the style sets no savefig.bbox: every frame keeps the same size
        return buffer.getvalue()

    # --- live front end -------------------------------------------------------------------------------------------
    def widget(self):
        """An ipywidgets box: one control per knob above an ``Image`` that is redrawn in place."""
        import ipywidgets as widgets

        image = widgets.Image(value=self.update(), format="png", layout=widgets.Layout(max_width="100%"))
        knobs = {}
        for name, values in self.controls.items():
            if all(isinstance(v, numbers.Number) for v in values):
                knobs[name] = widgets.SelectionSlider(
                    options=values, value=self.values[name], description=name, continuous_update=False
                )
            else:
                knobs[name] = widgets.ToggleButtons(options=values, value=self.values[name], description=name)

        def on_change(change):
            start = time.perf_counter()
            image.value = self.update(**{name: knob.value for name, knob in knobs.items()})
            self.latencies.append(time.perf_counter() - start)

        for knob in knobs.values():
            knob.observe(on_change, names="value")
        box = widgets.VBox([widgets.HBox(list(knobs.values()), layout=widgets.Layout(flex_flow="row wrap")), image])
        box.knobs, box.image = knobs, image
        return box

    # --- static front end -----------------------------------------------------------------------------------------
    def static_html(self) -> str:
        """Self-contained HTML: every frame as a base64 PNG behind range/select controls.

        The root element has class ``dnnopt-explorable`` (the browser tests look for it).
        """
        names = list(self.controls)
        frames = {}
        for indices in itertools.product(*(range(len(v)) for v in self.controls.values())):
            values = {name: self.controls[name][i] for name, i in zip(names, indices, strict=True)}
            frames["|".join(map(str, indices))] = base64.b64encode(self._frame(values)).decode("ascii")
        uid = (
            "dnnopt-explorable-"
            + hashlib.sha1(
                json.dumps([self.alt, {k: list(map(str, v)) for k, v in self.controls.items()}]).encode()
            ).hexdigest()[:10]
        )
        current = [self.controls[name].index(self.values[name]) for name in names]
        controls_html = "".join(
            self._control_html(uid, name, index) for name, index in zip(names, current, strict=True)
        )
        first = frames["|".join(map(str, current))]
        return (
            f'<figure class="dnnopt-explorable" id="{uid}">'
            f'<div class="dnnopt-controls" style="display:flex;flex-wrap:wrap;gap:0.5em 1.5em;">{controls_html}</div>'
            f'<img src="data:image/png;base64,{first}" alt="{html.escape(self.alt)}" '
            f'style="max-width:100%;height:auto;">'
            f'<script type="application/json" class="dnnopt-frames">{json.dumps(frames)}</script>'
            f"<script>{_SCRIPT % {'id': json.dumps(uid)}}</script></figure>"
        )

    def _frame(self, values: dict) -> bytes:
        key = tuple(values[name] for name in self.controls)
        if key not in self._frames:
            self._frames[key] = self._render(dict(values))
        return self._frames[key]

    def _control_html(self, uid: str, name: str, index: int) -> str:
        values = self.controls[name]
        control_id = f"{uid}-{name}"
        labels = html.escape("|".join(map(str, values)))
        common = f'id="{control_id}" data-control="{html.escape(name)}" data-labels="{labels}"'
        if all(isinstance(v, numbers.Number) for v in values):
            return (
                f'<label for="{control_id}">{html.escape(name)} </label>'
                f'<input type="range" {common} min="0" max="{len(values) - 1}" step="1" value="{index}">'
                f'<output for="{control_id}">{html.escape(str(values[index]))}</output>'
            )
        options = "".join(
            f'<option value="{i}"{" selected" if i == index else ""}>{html.escape(str(v))}</option>'
            for i, v in enumerate(values)
        )
        return f'<label for="{control_id}">{html.escape(name)} </label><select {common}>{options}</select>'

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"<Explorable: {', '.join(self.controls)}>", "text/html": self.static_html()}
        try:
            bundle.update(self.widget()._repr_mimebundle_())
        except ImportError:  # no ipywidgets: the static version still works
            pass
        bundle["text/plain"] = f"<Explorable: {', '.join(self.controls)}>"
        return bundle


def explorable_factories() -> dict[str, Callable[[], Explorable]]:
    """``{"<chapter>.<function>": factory}``: every function a chapter exports with the annotation ``-> Explorable``.

    A chapter's explorable factories take no required argument.
    """
    factories = {}
    for chapter in CHAPTERS:
        module = importlib.import_module(f"{__package__}.{chapter}")
        for name in module.__all__:
            function = getattr(module, name)
            returns = inspect.signature(function).return_annotation if inspect.isfunction(function) else None
            if returns in ("Explorable", Explorable):  # a string under postponed annotations (PEP 563)
                factories[f"{chapter}.{name}"] = function
    return factories
