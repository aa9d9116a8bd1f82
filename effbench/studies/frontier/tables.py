"""The frontier table: accuracy with CIs, GFLOPs, measured speed-ups, the Pareto set, paired tests."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...artefacts import read_json, read_npz, write_csv
from ..dense.floor import floor_probs
from .plan import DENSE, DENSE_SDPA


def pareto(speed: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """True where no other point is at least as fast and as accurate, and strictly better in one."""
    speed, accuracy = np.asarray(speed, float), np.asarray(accuracy, float)
    dominated = [(np.any((speed >= s) & (accuracy >= a) & ((speed > s) | (accuracy > a)))) for s, a in zip(speed, accuracy)]
    return ~np.array(dominated, bool)


def paper_points(config: dict, chosen_tau) -> dict:
    """Each paper's own operating point among the rows: the gate at its keep ratio (paper 000),
    AD-TP with its ratio predictor (paper 001), EAT at the tau chosen on validation (paper 002)."""
    out = {f"entropy_topk_p{config['text_gate']['gate']['keep_ratio']:g}": "paper 000", "adtp": "paper 001"}
    out[f"eat_tau{float(chosen_tau):g}" if chosen_tau != "none" else "eat_no_exit"] = "paper 002"
    return out


def write_table(config: dict, task: str, cost_path, preds_path, eat_metrics_path, out_path, floor=None) -> pd.DataFrame:
    """Every method of one task on the same test examples; floor: the task's floor_preds.npz, whose
    majority and bag-of-words rows (accuracy, paired against dense; no speed) join the table."""
    from ...stats.intervals import bootstrap_ci
    from ...stats.tests import mcnemar

    cost = read_json(cost_path)["metrics"]
    z = read_npz(preds_path)
    labels = z["labels"]
    batch = str(config["frontier"]["batch_size"])
    correct = {name: z[f"probs_{name}"].argmax(1) == labels for name in cost}
    binary = int(labels.max()) <= 1
    rows = []
    for name, c in cost.items():
        row = {"row": name, "family": c["family"], "setting": c["setting"], "accuracy": c["accuracy"],
               "text_gate_preds": bool(c.get("preds_from"))}   # scored by the text gate's saved predictions
        if binary:
            ci = bootstrap_ci(labels, z[f"probs_{name}"][:, 1], "accuracy", config["frontier"]["n_resamples"])
            row.update(accuracy_ci_low=ci["ci_low"], accuracy_ci_high=ci["ci_high"])
        row.update({"delta_acc_pp": 100 * (c["accuracy"] - cost[DENSE]["accuracy"]), "gflops": c["gflops"],
                    "predicted_speedup": c["predicted_speedup"], "latency_b1_ms": c["latency_b1"]["mean_ms"],
                    "speedup_b1": c["speedup_b1"], "speedup_b1_vs_eager": c["speedup_b1_vs_eager"],
                    f"speedup_b{batch}": c["throughput"][batch]["speedup"],
                    f"speedup_b{batch}_vs_eager": c["throughput"][batch]["speedup_vs_eager"]})
        test = mcnemar(correct[name], correct[DENSE_SDPA])
        row.update(mcnemar_b=test["b"], mcnemar_c=test["c"], p_vs_dense=test["p_value"])
        rows.append(row)
    if floor is not None:
        for name, probs in floor_probs(floor, labels).items():
            right = probs.argmax(1) == labels
            row = {"row": name, "family": "floor", "setting": "", "accuracy": float(right.mean()),
                   "delta_acc_pp": 100 * (float(right.mean()) - cost[DENSE]["accuracy"])}
            if binary:
                ci = bootstrap_ci(labels, probs[:, 1], "accuracy", config["frontier"]["n_resamples"])
                row.update(accuracy_ci_low=ci["ci_low"], accuracy_ci_high=ci["ci_high"])
            test = mcnemar(right, correct[DENSE_SDPA])
            rows.append({**row, "mcnemar_b": test["b"], "mcnemar_c": test["c"], "p_vs_dense": test["p_value"]})
    frame = pd.DataFrame(rows)
    timed = frame["family"] != "floor"          # the floor is not timed: it is on no speed frontier
    for b in ("1", batch):
        col = f"speedup_b{b}"
        frame[f"pareto_b{b}"] = False
        frame.loc[timed, f"pareto_b{b}"] = pareto(frame.loc[timed, col], frame.loc[timed, "accuracy"])
        front = frame[frame[f"pareto_b{b}"]].sort_values(col)
        # each Pareto point against its slower neighbour on the frontier (paired, same examples)
        for slower, faster in zip(front["row"].iloc[:-1], front["row"].iloc[1:]):
            test = mcnemar(correct[faster], correct[slower])
            idx = frame.index[frame["row"] == faster][0]
            frame.loc[idx, f"neighbour_b{b}"] = slower
            frame.loc[idx, f"p_vs_neighbour_b{b}"] = test["p_value"]
    chosen = read_json(eat_metrics_path)["metrics"]["chosen_tau"]
    frame["paper_operating_point"] = frame["row"].map(paper_points(config, chosen)).fillna("")
    write_csv(out_path, frame)
    return frame
