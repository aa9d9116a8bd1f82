import numpy as np
import pytest

from effbench.artefacts import write_npz
from effbench.stats.significance import load_variant_preds, study_significance

CFG = {"alpha": 0.05, "n_resamples": 2000, "min_effect": {"accuracy": 0.005, "auc": 0.002},
       "non_inferiority_margin": {"accuracy": [0.005, 0.01], "auc": [0.002, 0.005]}}


@pytest.fixture
def runs(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 2, n)
    signal = {"good": 0.35, "same": 0.35, "weak": 0.05}
    for name, strength in signal.items():
        for seed in (1, 2, 3):
            probs = np.clip(0.5 + (y - 0.5) * strength * 2 + rng.normal(0, 0.2, n), 0, 1)
            write_npz(tmp_path / name / f"seed{seed}" / "preds.npz", ids=np.arange(n), labels=y, probs=probs)
    return tmp_path


def test_decisions_follow_holm_and_the_minimum_effect(runs):
    frame = study_significance(runs, [["good", "weak"], ["good", "same"]], CFG)
    assert len(frame) == 4
    strong = frame[(frame.model_b == "weak")]
    assert (strong["decision"] == "A better").all() and (strong["p_holm"] < 0.05).all()
    null = frame[(frame.model_b == "same")]
    assert (null["decision"] == "no claim").all()
    assert (frame["p_holm"] >= frame["p_value"]).all()
    assert null["ni_loose"].any()                 # equal models are non-inferior at the loose margin
    assert set(frame["secondary_test"]) == {"McNemar per seed", "DeLong per seed"}


def test_unpaired_predictions_are_refused(runs, tmp_path):
    bad = runs / "shuffled" / "seed1" / "preds.npz"
    ref = load_variant_preds(runs, "good")
    write_npz(bad, ids=ref["ids"][::-1], labels=ref["labels"], probs=ref["probs"][0])
    with pytest.raises(ValueError, match="different examples"):
        study_significance(runs, [["good", "shuffled"]], CFG)
