"""The synthetic models beside their Bayes ceiling (results/synthetic/tables/table2.csv).

The synthetic task is generated, so the best any classifier can do on it is known: its Bayes
accuracy. It belongs in the table (each row's `bayes_accuracy`, the ceiling of the data set it
trained on), not on the page: it tells how much of the gap a method closes, and a model significantly above it is
scored on leaked or mislabelled examples.
  synthetic_bayes_ceiling   the ceiling row is there, and no model's accuracy CI lies wholly above it
"""
from __future__ import annotations

from .core import record

TABLE = "results/synthetic/tables/table2.csv"


def check(run) -> list[dict]:
    frame = run.csv(TABLE)
    if frame is None:
        return []
    if "bayes_accuracy" not in frame or frame["bayes_accuracy"].isna().all():
        return [run.missing("synthetic_bayes_ceiling", "synthetic", "", TABLE,
                            f"a bayes_accuracy column in {TABLE}", "")]
    out = []
    for _, r in frame.iterrows():
        ceiling = float(r["bayes_accuracy"])
        lo = r.get("accuracy_ci_low")
        lo = float(r["accuracy"]) if lo is None or lo != lo else float(lo)
        ok = lo <= ceiling
        nums = {"accuracy": float(r["accuracy"]), "ci_low": lo, "bayes_accuracy": ceiling,
                "share_of_ceiling": float(r["accuracy"]) / ceiling if ceiling else None}
        msg = (f"{r['accuracy']:.3f} under the Bayes ceiling {ceiling:.3f}" if ok else
               f"{r['accuracy']:.3f} (CI from {lo:.3f}) above the Bayes ceiling {ceiling:.3f}: leaked or mis-scored")
        out.append(record("synthetic_bayes_ceiling", "synthetic", "", TABLE, r["row"], "pass" if ok else "fail",
                          msg, nums))
    return out
