"""What a chapter says about its experiments, checked while the book builds.

Every comparative or qualitative sentence about a result ("He trains, Xavier stalls") sits next to a hidden cell
(tag ``remove-cell``: removed from the page, kept in the notebook) that calls :func:`claim`. When a change to the
library or the experiment makes the sentence false, the cell raises :class:`ClaimError`, the chapter fails to execute
and the ``-W`` build fails, naming the sentence and the numbers that contradict it.

Conclusions rest on several seeds: :class:`Seeds` holds one measurement per seed and formats as
"mean (min to max)", the way the pages report a spread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["ClaimError", "Seeds", "claim", "over_seeds"]


class ClaimError(AssertionError):
    """A sentence on the page that the page's own experiment no longer supports."""


def claim(holds: bool, statement: str, evidence: str) -> None:
    """Raise :class:`ClaimError` unless ``holds``.

    Parameters
    ----------
    holds : the test of the sentence against the measurements, a single bool (``all``/``any`` an array first)
    statement : the sentence as the page states it, so a failing build says which sentence to fix
    evidence : the measured numbers the test looked at, so the failure says what the experiment showed
    """
    if not isinstance(holds, bool | np.bool_):
        raise TypeError(f"claim() needs one bool, got {type(holds).__name__}: reduce arrays with all() or any()")
    if not holds:
        raise ClaimError(f"The page says: {statement}\nbut its experiment measured: {evidence}")


@dataclass(frozen=True)
class Seeds:
    """One measurement per seed (read-only): its mean and range, and how the pages print them."""

    values: np.ndarray  # (n_seeds,)
    seeds: tuple[int, ...]

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float64)  # a private copy, so nothing outside can change it
        if values.shape != (len(self.seeds),) or len(self.seeds) < 3:
            raise ValueError(f"a conclusion needs one value per seed and at least 3 seeds, got {values.shape}")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    @property
    def low(self) -> float:
        return float(self.values.min())

    @property
    def high(self) -> float:
        return float(self.values.max())

    def __format__(self, spec: str) -> str:
        """``f"{acc:.2f}"`` gives "0.81 (0.72 to 0.86)": the mean, then the lowest and highest seed."""
        return f"{self.mean:{spec}} ({self.low:{spec}} to {self.high:{spec}})"

    def __str__(self) -> str:
        return format(self, ".3g")


def over_seeds(measure: Callable[[int], float], seeds: Iterable[int] = (0, 1, 2)) -> Seeds:
    """Run ``measure(seed)`` for each seed and collect the results."""
    seeds = tuple(seeds)
    return Seeds(np.array([float(measure(seed)) for seed in seeds]), seeds)
