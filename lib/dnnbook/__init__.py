"""dnnbook: the experiments, figures and explorables the chapters of the book import.

One module per chapter, named like the chapter's page (``book/<chapter>.md``), its assignment and its tests:
``gradients`` (with the introduction's figures), ``initialization``, ``batchnorm``, ``regularization`` (a package:
its chapter covers many topics) and ``dropout``. Each holds the chapter's experiments, the functions that draw them
and its explorables. Beside them:

* ``figures``: the look every chapter shares (palette, style, figure factory, log axes, legends);
* ``tables``: ``markdown_table``, the results tables every chapter shows;
* ``experiments``: what the experiments share (the digits subset, read-only results);
* ``explorable``: ``Explorable``, a figure with controls, and the catalogue of every explorable;
* ``claims``: ``claim`` and ``Seeds``, the hidden checks that fail the build when a sentence on a page stops being
  true.

Two contracts hold everywhere: ``draw_*(ax, ...)`` draws on the axes it is given and returns None, ``plot_*(...)``
returns a new Figure; and an experiment's result is a value (see ``experiments``).

The book depends on this package; this package depends on ``dnnopt``, matplotlib and ipywidgets; ``dnnopt`` does not
depend on it.
"""

CHAPTERS = ("gradients", "initialization", "optimizers", "batchnorm", "regularization", "dropout")
"""The chapters, in reading order: each is a module of this package."""

__all__ = ["CHAPTERS"]
