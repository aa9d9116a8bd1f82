"""Table 3 of paper 000 in shape: accuracy and AUC with every interval, FLOPs and measured speed-ups."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...artefacts import read_json, write_csv
from ...stats.intervals import accuracy
from ..dense.floor import floor_probs
from .plan import DENSE, variants


def write_table(cfg: dict, runs_root, cost_path, claims_paths, out_path, floor=None, *, scale: str,
                config: dict | None) -> pd.DataFrame:
    """Table 3 of paper 000 in shape: accuracy and AUC (95% CI), FLOPs, measured speed-ups; floor: the
    task's floor_preds.npz, whose majority and bag-of-words rows (accuracy and AUC) join the table.
    `scale`, `config` (the run's whole config): the ledger's, which the verdict columns read
    (claims.paper_columns)."""
    from ...claims import find_claim, load_ledger
    from ...ledger.columns import paper_columns
    from ...stats.intervals import classification_intervals
    from ...stats.significance import load_variant_preds

    cost = read_json(cost_path)["metrics"]
    claims = load_ledger(claims_paths)
    main = f"entropy_topk_p{cfg['gate']['keep_ratio']:g}"
    dense = load_variant_preds(runs_root, DENSE)
    dense_acc = float(accuracy(dense["labels"], dense["probs"]).mean())
    rows = []
    for name, spec in variants(cfg).items():
        p = load_variant_preds(runs_root, name)
        row = {"row": name, "gate": spec["gate"] or "none", "keep_ratio": spec["keep_ratio"],
               "n_seeds": len(spec["seeds"])}
        row.update(classification_intervals(p["labels"], p["probs"], 2000))
        row["delta_acc_pp"] = 100 * (row["accuracy"] - dense_acc)
        c = cost[name]
        row.update({"gflops": c["gflops_counted"], "gflops_analytic": c["gflops_analytic"],
                    "flops_reduction": c["flops_reduction"], "latency_b1_ms": c["latency_b1"]["median_ms"],
                    "speedup_b1": c["speedup_b1"], "speedup_b1_vs_eager": c["speedup_b1_vs_eager"]})
        row["throughput_b1_per_s"] = 1e3 / c["latency_b1"]["median_ms"]
        row["tokenise_ms_per_example"] = cost["tokeniser"]["per_example_ms"]
        for b, t in c["throughput"].items():
            row[f"throughput_b{b}_per_s"] = t["examples_per_s"]
            row[f"speedup_b{b}"] = t["speedup"]                     # against the library's (SDPA) dense model
            row[f"speedup_b{b}_vs_eager"] = t["speedup_vs_eager"]   # against our eager dense path
        predicted = 1 / (1 - c["flops_reduction"])
        row["flops_predicted_speedup"] = predicted
        row["measured_over_predicted_b32"] = row.get("speedup_b32", np.nan) / predicted
        ledger_row = {DENSE: "dense", main: "gated_p0.75"}.get(name)
        for metric in ("accuracy", "auc", "flops_reduction", "delta_acc_pp"):
            row.update(paper_columns(find_claim(claims, "text_gate", "Table 3", ledger_row, metric), metric, row,
                                     scale=scale, cfg=config))
        rows.append(row)
    if floor is not None:             # the floor every row must clear, on the same test examples
        for name, probs in floor_probs(floor, dense["labels"]).items():
            row = {"row": name, "gate": "floor", "n_seeds": 0,
                   **classification_intervals(dense["labels"], probs[None, :, 1], 2000)}
            rows.append({**row, "delta_acc_pp": 100 * (row["accuracy"] - dense_acc)})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return frame
