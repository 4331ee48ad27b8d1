"""The claim checks every chapter runs while the book builds, and the seed summaries its sentences quote."""

import numpy as np
import pytest

from dnnbook.claims import ClaimError, Seeds, claim, over_seeds


def test_a_supported_claim_passes_silently():
    assert claim(np.float64(0.8) > 0.5, "He trains", "val acc 0.8") is None


def test_a_contradicted_claim_names_the_sentence_and_the_numbers():
    with pytest.raises(ClaimError, match=r"(?s)The page says: He trains, Xavier stalls.*measured: He 0\.09"):
        claim(0.09 > 0.5, "He trains, Xavier stalls", "He 0.09, Xavier 0.10")


def test_a_claim_needs_one_bool_not_an_array():
    with pytest.raises(TypeError, match=r"reduce arrays with all\(\) or any\(\)"):
        claim(np.array([True, False]), "every seed", "...")


def test_seeds_report_mean_and_range_and_cannot_change():
    accuracy = over_seeds(lambda seed: [0.72, 0.81, 0.90][seed])
    assert f"{accuracy:.2f}" == "0.81 (0.72 to 0.90)" and accuracy.seeds == (0, 1, 2)
    with pytest.raises(ValueError, match="read-only"):
        accuracy.values[0] = 1.0


def test_a_conclusion_needs_three_seeds():
    with pytest.raises(ValueError, match="at least 3 seeds"):
        Seeds(np.array([0.7, 0.8]), (0, 1))
