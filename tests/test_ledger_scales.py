"""The claims ledger at each scale: one pointer per scale, a reason of a known kind for every row
a scale does not measure, and pointers that name artefacts the scale's config really builds."""

import pandas as pd
import pytest
import yaml

from effbench.claims import REASON_KINDS, load_ledger, pointer, pointers, render, resolve
from effbench.config import ROOT
from effbench.ledger.evidence import built, scale_config


def _claim(**extra):
    return {"id": "x", "paper": "001", "study": "adtp", "source": "Table 1", "row": "r", "metric": "accuracy",
            "paper_value": "90.0", **extra}


def _ledger(tmp_path, *claims) -> list[dict]:
    path = tmp_path / "ledger.yaml"
    path.write_text(yaml.safe_dump({"claims": list(claims)}))
    return load_ledger([path, ROOT / "claims" / "margins.yaml"])


def test_each_scale_reads_its_own_pointer(tmp_path):
    for name, value in (("a", 0.9), ("b", 0.5)):
        pd.DataFrame({"row": ["m"], "acc": [value], "acc_ci_low": [value - 0.001],
                      "acc_ci_high": [value + 0.001]}).to_csv(tmp_path / f"{name}.csv", index=False)
    (claim,) = _ledger(tmp_path, _claim(paper_value="0.9", ours={
        "default": {"artefact": "a.csv", "row": "m", "column": "acc"},
        "paper": {"artefact": "b.csv", "row": "m", "column": "acc"}}))
    assert resolve(claim, tmp_path, "default")["ours"] == 0.9
    assert resolve(claim, tmp_path, "smoke")["ours"] == 0.9            # smoke builds the default's artefacts
    assert resolve(claim, tmp_path, "paper")["ours"] == 0.5
    assert resolve(claim, tmp_path, "default")["verdict"].startswith("reproduced")
    assert resolve(claim, tmp_path, "paper")["verdict"].startswith("differs")


def test_a_row_without_a_pointer_here_says_why(tmp_path):
    paper_only = {"paper": {"artefact": "b.csv", "row": "m", "column": "acc"}}
    with_reason, bare = _ledger(
        tmp_path, _claim(id="with", ours=paper_only, reason="needs GLUE", reason_kind="scale"),
        _claim(id="bare", ours=paper_only))
    assert resolve(with_reason, tmp_path, "default")["verdict"] == "not run (scale): needs GLUE"
    assert resolve(bare, tmp_path, "default")["verdict"] == "not run (scale): measured at the paper scale"
    assert resolve(bare, tmp_path, "paper")["verdict"] == "pending: b.csv not built"   # an unfinished run


@pytest.mark.parametrize("bad, message", [
    ({}, "no pointer"),
    ({"reason": "why", "reason_kind": "later"}, "reason_kind"),
    ({"ours": {"large": {"artefact": "a.csv", "row": "m", "column": "acc"}}}, "not a scale"),
    ({"ours": {"paper": {"artefact": "a.csv", "row": "m"}}}, "lacks"),
])
def test_the_ledger_refuses_rows_that_cannot_be_scored_or_explained(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        _ledger(tmp_path, _claim(**bad))


def test_every_real_row_has_a_pointer_or_a_reason_of_a_known_kind(tmp_path):
    frame = render(load_ledger(ROOT / "claims"), tmp_path, "default")
    not_run = frame[frame["verdict"].str.startswith("not run")]
    assert set(not_run["reason_kind"]) <= set(REASON_KINDS)
    assert set(REASON_KINDS) <= set(not_run["reason_kind"])
    pending = frame[frame["verdict"].str.startswith("pending")]
    assert pending["verdict"].str.endswith("not built").all()      # pending only means: this run has not built it


@pytest.mark.parametrize("scale", ["default", "paper"])
def test_pointers_name_artefacts_that_the_scale_builds(scale):
    """A pointer whose artefact this scale's config does not build must say why (an opt-in)."""
    targets = built(scale_config(scale))
    claims = load_ledger(ROOT / "claims")
    unbuilt = [c["id"] for c in claims if (p := pointer(c, scale)) and p["artefact"] not in targets
               and c.get("reason_kind") != "scale" and "opt-in" not in c.get("reason", "")]
    assert unbuilt == []
    # a row the config names (an LTP threshold) must be one it trains: a cut threshold left its rows "failed"
    ltp = {f"ltp_t{t:g}" for t in scale_config(scale)["adtp"]["ltp"]["thresholds"]}
    named = {p["row"] for c in claims if (p := pointer(c, scale)) and str(p["row"]).startswith("ltp_t")}
    assert named <= ltp, sorted(named - ltp)
    if scale == "paper":      # the paper scale scores GLUE and 20 Newsgroups rows of papers 001 and 002
        paper_rows = [c for c in claims if "paper" in pointers(c)]
        assert sum(c["paper"] == "002" for c in paper_rows) >= 100
        assert sum(c["paper"] == "001" for c in paper_rows) >= 40
        assert all(pointer(c, "paper")["artefact"] in targets for c in paper_rows)


def test_glue_metrics_come_from_scikit_learn_with_a_bootstrap_ci():
    import numpy as np
    from sklearn.metrics import f1_score, matthews_corrcoef

    from effbench.data.tasks import metric
    from effbench.stats.task_metrics import score_pct

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    preds = np.where(rng.random(300) < 0.8, labels, 1 - labels)
    f1 = score_pct("f1", labels, preds, n_resamples=200)
    assert f1["f1_pct"] == pytest.approx(100 * f1_score(labels, preds))
    assert f1["f1_pct_ci_low"] < f1["f1_pct"] < f1["f1_pct_ci_high"]
    assert score_pct("matthews", labels, preds, n_resamples=200)["matthews_pct"] == pytest.approx(
        100 * matthews_corrcoef(labels, preds))
    assert [metric({"source": "glue", "glue_task": t}) for t in ("MRPC", "QQP", "CoLA", "SST-2")] == \
        ["f1", "f1", "matthews", "accuracy"]
    assert metric({"source": "spam"}) == "accuracy"


def with_opt_ins(cfg: dict) -> dict:
    """The config with every optional text task switched on (`run_tasks`: all of `tasks`)."""
    import copy

    cfg = copy.deepcopy(cfg)
    for study in ("eat", "adtp"):
        if "run_tasks" in cfg.get(study, {}):
            cfg[study]["run_tasks"] = list(cfg[study]["tasks"])
    return cfg


def test_every_scale_row_is_built_by_the_scale_it_names():
    """A `scale` reason says another scale (or an opt-in) measures the row: some scale's config must
    build the artefact its pointer there names, as configured or with the opt-in the reason names."""
    configs = {s: scale_config(s) for s in ("default", "paper")}
    targets = {s: built(cfg) for s, cfg in configs.items()}
    opted = {s: built(with_opt_ins(cfg)) for s, cfg in configs.items()}
    unbuilt = []
    for c in load_ledger(ROOT / "claims"):
        if c.get("reason_kind") != "scale":
            continue
        ps = {s: p for s, p in pointers(c).items()} if "*" not in pointers(c) else {s: pointers(c)["*"] for s in targets}
        here = [s for s, p in ps.items() if p["artefact"] in targets[s]]
        opt_in = [s for s, p in ps.items() if p["artefact"] in opted[s] and "opt-in" in c["reason"]]
        if not (here or opt_in):
            unbuilt.append(c["id"])
    assert unbuilt == []
