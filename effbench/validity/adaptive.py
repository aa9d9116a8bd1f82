"""A learned ratio predictor whose output does not vary is not adaptive.

AD-TP's claim is a retention ratio chosen per sequence. When its predictor gives every sequence
the same ratio (one distinct value, sd 0), the 'adaptive' row is the static row under another name:
that is a finding of the study, reported and never tuned away, and it fails the adaptive claim, so
the ledger withholds the verdicts that read those rows (`withhold`) instead of scoring them.
  ratio_predictor_varies   per learned predictor (the retainer's adaptive row, every row of the
                           ratio-predictor table but the oracle): more than one distinct ratio, and
                           at least 1% of the sequences off its most common ratio (3 sequences of 1,281
                           at another ratio is a constant predictor with noise, not an adaptive one)
"""
from __future__ import annotations

from pathlib import Path

from . import layout
from .core import record

MOST_COMMON_MAX = 0.99      # a predictor that gives one ratio to 99% of the sequences or more has collapsed


def _learned(table, frame):
    key = table.key
    if table.artefact.endswith("retainer.csv"):
        return frame[frame[key] == "adaptive"]
    return frame[~frame[key].astype(str).str.contains("oracle")]


def check(run) -> list[dict]:
    out = []
    for task in run.config["adtp"]["run_tasks"]:
        for table in layout.extra_tables(run.config, task):
            if table.study != "adtp":
                continue
            frame = run.csv(table.artefact)
            if frame is None or "distinct_ratios" not in frame:
                continue
            for _, r in _learned(table, frame).iterrows():
                distinct, sd = int(r["distinct_ratios"]), float(r.get("rho_sd", float("nan")))
                nums = {"distinct_ratios": distinct, "rho_sd": sd, "mean_ratio": float(r["mean_ratio"]),
                        "most_common_ratio_share": float(r.get("most_common_ratio_share", float("nan")))}
                name = str(r[table.key])
                share = nums["most_common_ratio_share"]
                if distinct > 1 and not sd == 0 and not share >= MOST_COMMON_MAX:
                    out.append(record("ratio_predictor_varies", "adtp", task, table.artefact, name, "pass",
                                      f"{distinct} distinct ratios (sd {sd:.3f}, mean {r['mean_ratio']:.3f}, "
                                      f"{100 * share:.1f}% at the most common)", nums))
                else:
                    what = (f"outputs {r['mean_ratio']:.3g} for every sequence (sd {sd:g})" if distinct <= 1 or sd == 0 else
                            f"gives {100 * share:.2f}% of the sequences one ratio ({distinct} distinct, sd {sd:.3f}, "
                            f"mean {r['mean_ratio']:.3g}; at least {100 * (1 - MOST_COMMON_MAX):g}% off it counts as varying)")
                    out.append(record("ratio_predictor_varies", "adtp", task, table.artefact, name, "finding",
                                      f"not adaptive: the ratio predictor {what}; a finding of the study, reported, "
                                      "not a failed check", nums, withhold=True))
                    if table.artefact.endswith("retainer.csv"):
                        frontier = [t.artefact for t in layout.tables(run.config, task) if t.study == "frontier"]
                        out += _dependants(task, table.artefact, r, nums, frontier)
    return out


def _dependants(task, retainer, r, nums, frontier=()) -> list[dict]:
    """The rows that read AD-TP's collapsed predictor under other names: Table 4's static and random rows
    (compared with an adaptive ratio that is one constant), Table 1's AD-TP row and the frontier's (the
    student at that constant, not an adaptive model): withheld with the same finding."""
    methods = str(Path(retainer).with_name("methods.csv"))
    why = (f"rests on the collapsed ratio predictor (every sequence at {r['mean_ratio']:.3g}, "
           f"{retainer}): a static model at that ratio, not AD-TP's adaptive one")
    rows = [(retainer, "static"), (retainer, "random"), (methods, "adtp"), *((f, "adtp") for f in frontier)]
    return [record("ratio_predictor_varies", "adtp", task, artefact, row, "finding", why, nums, withhold=True)
            for artefact, row in rows]
