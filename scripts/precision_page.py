"""Write docs/results/precision.md: what bf16 training changed, model by model, against an fp32 run.

    python scripts/precision_page.py FP32_RUN_DIR BF16_RUN_DIR > docs/results/precision.md

Both directories are clones that ran `make run` (same data, seeds and splits; the training precision
is what differs, read from each run's provenance). Every text model both runs trained is scored on
the same test examples: accuracy in each, the paired bootstrap of the difference (bf16 - fp32,
stats.tests.paired_bootstrap through validity.preds.paired) and the share of examples on which the two
predict the same class. Nothing on the page is typed but the column names.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from effbench.validity.core import Run
from effbench.validity.preds import paired, variant_correct, variant_predictions

MARGIN = 0.01       # 1 pp: the ledger's margin for a difference in accuracy (claims/margins.yaml, difference_pp)


def precision_of(run_dir: Path, model_dir: Path) -> str:
    doc = json.loads((run_dir / model_dir / "metrics.json").read_text())
    return ((doc.get("provenance") or {}).get("compute") or {}).get("precision", "fp32")


def trained(run_dir: Path) -> list[tuple[str, str]]:
    """(runs root, variant) of every text model the run trained (a history.json) with saved predictions."""
    out = []
    for f in sorted(run_dir.glob("results/*/runs/**/seed*/history.json")):
        rel = f.relative_to(run_dir).parent.parent          # <runs root>/<variant>
        if rel.parts[1] in ("vit", "synthetic", "geometry") or not (f.parent / "preds.npz").exists():
            continue
        out.append((str(rel.parent), rel.name))
    return sorted(set(out))


def commit(run_dir: Path) -> str:
    """The commit the run's models were trained at (their provenance), else the clone's HEAD."""
    for f in sorted(run_dir.glob("results/dense/*/seed*/metrics.json")):
        sha = (json.loads(f.read_text()).get("provenance") or {}).get("git_sha")
        if sha:
            return sha
    return subprocess.run(["git", "-C", str(run_dir), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    a_dir, b_dir = Path(sys.argv[1]), Path(sys.argv[2])
    a, b = Run(a_dir, {}), Run(b_dir, {})
    rows, dense_seen = [], set()
    for root, variant in trained(b_dir):
        ga, gb = variant_correct(a, root, variant), variant_correct(b, root, variant)
        if ga is None or gb is None or not np.array_equal(ga[0], gb[0]):
            continue                                          # not in both runs, or not the same examples
        pa, pb = variant_predictions(a, root, variant)[1], variant_predictions(b, root, variant)[1]
        if variant == "dense":               # the shared dense fine-tune, copied into each study: once per task
            key = (ga[0].tobytes(), pb.tobytes())
            if key in dense_seen:
                continue
            dense_seen.add(key)
        test, tost = paired(gb[1], ga[1]), paired(gb[1], ga[1], alpha=0.10)     # 95% CI; 90% CI for TOST
        seed_dir = sorted((b_dir / root / variant).glob("seed*"))[0].relative_to(b_dir)
        rows.append({"model": f"{root.removeprefix('results/')}/{variant}", "n": int(ga[0].size),
                     "precision_a": precision_of(a_dir, sorted((a_dir / root / variant).glob("seed*"))[0].relative_to(a_dir)),
                     "precision_b": precision_of(b_dir, seed_dir),
                     "acc_a": float(ga[1].mean()), "acc_b": float(gb[1].mean()), "delta": test["delta"],
                     "ci_low": test["ci_low"], "ci_high": test["ci_high"],
                     "within_1pp": ("identical predictions" if (pa == pb).all() else
                                    "yes" if -MARGIN < tost["ci_low"] and tost["ci_high"] < MARGIN else "not shown"),
                     "same_prediction": float((pa == pb).mean())})
    print("# Training precision: bf16 against fp32\n")
    print(f"Written by `scripts/precision_page.py` from two fresh-clone default runs on the same machine: "
          f"A = commit {commit(a_dir)}, B = commit {commit(b_dir)}. Same data, splits and seeds; each model's "
          "training precision is read from its provenance. Every text model both runs trained, scored on the "
          "same test examples: `delta` = accuracy B - A with its paired-bootstrap 95% CI; `same_prediction`: "
          "the share of examples on which A and B predict the same class.\n")
    if not rows:
        print("No model in common.")
        return
    inside = sum(r["ci_low"] <= 0 <= r["ci_high"] for r in rows)
    shown = sum(r["within_1pp"] != "not shown" for r in rows)
    print(f"{len(rows)} models, each one training run in each precision (no seed-to-seed reference at this scale). "
          f"{inside} of {len(rows)} differences have a 95% CI that contains 0, which is not evidence of no change: "
          f"{shown} are shown within 1 pp (TOST, 90% CI inside +/- 1 pp, the ledger's margin for an accuracy "
          f"difference) or predict identically. Mean |delta| {np.mean([abs(r['delta']) for r in rows]):.4f}; the "
          f"two trainings disagree on {100 * (1 - np.median([r['same_prediction'] for r in rows])):.1f}% of the "
          "examples at the median (the size of a retraining's effect here, not of the precision's alone).\n")
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")
    changed(a_dir, b_dir)


def changed(a_dir: Path, b_dir: Path) -> None:
    """The paired-test decisions and EAT's chosen tau that differ between the two runs."""
    import pandas as pd

    out = []
    for f in sorted(b_dir.glob("results/**/significance.csv")):
        rel = f.relative_to(b_dir)
        if not (a_dir / rel).exists():
            continue
        key = ["model_a", "model_b", "metric"]
        both = pd.read_csv(a_dir / rel).merge(pd.read_csv(f), on=key, suffixes=("_a", "_b"))
        for _, r in both[both["decision_a"] != both["decision_b"]].iterrows():
            out.append(f"| {rel.parent} | {r['model_a']} vs {r['model_b']} ({r['metric']}) | {r['decision_a']} "
                       f"(delta {r['delta_a']:+.4f}, p_holm {r['p_holm_a']:.3g}) | {r['decision_b']} "
                       f"(delta {r['delta_b']:+.4f}, p_holm {r['p_holm_b']:.3g}) |")
    for f in sorted(b_dir.glob("results/eat/*/tables/frontier.csv")):
        rel = f.relative_to(b_dir)
        if (a_dir / rel).exists():
            taus = [pd.read_csv(d / rel).query("chosen == True")["tau"].tolist() for d in (a_dir, b_dir)]
            if taus[0] != taus[1]:
                out.append(f"| {rel.parent.parent} | EAT's tau chosen on validation | {taus[0]} | {taus[1]} |")
    print("\n## Conclusions that changed\n")
    print("Paired-test decisions (Holm, as each study page reports them) and EAT's chosen operating point that "
          "differ between A and B, both computed with the comparisons B registers (A's significance tables recomputed "
          "at B's code: the same Holm families, so a change here is the training's, not the family's). Each rests on "
          "one training run per model, so a change here is what one retraining can move, which the study pages' "
          "single-run decisions do not show.\n")
    if not out:
        print("None.")
        return
    print("| where | comparison | A | B |\n|---|---|---|---|")
    print("\n".join(out))


if __name__ == "__main__":
    main()
