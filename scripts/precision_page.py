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

ROOTS = ("results/dense/{task}", "results/eat/runs/{task}", "results/adtp/runs/{task}", "results/text_gate/runs")


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
        test = paired(gb[1], ga[1])
        seed_dir = sorted((b_dir / root / variant).glob("seed*"))[0].relative_to(b_dir)
        rows.append({"model": f"{root.removeprefix('results/')}/{variant}", "n": int(ga[0].size),
                     "precision_a": precision_of(a_dir, sorted((a_dir / root / variant).glob("seed*"))[0].relative_to(a_dir)),
                     "precision_b": precision_of(b_dir, seed_dir),
                     "acc_a": float(ga[1].mean()), "acc_b": float(gb[1].mean()), "delta": test["delta"],
                     "ci_low": test["ci_low"], "ci_high": test["ci_high"],
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
    print(f"{len(rows)} models; {inside} of them with a CI that contains 0. Mean |delta| "
          f"{np.mean([abs(r['delta']) for r in rows]):.4f}, median share of same predictions "
          f"{np.median([r['same_prediction'] for r in rows]):.3f}.\n")
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")


if __name__ == "__main__":
    main()
