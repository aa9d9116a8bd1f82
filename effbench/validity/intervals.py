"""Every interval an interval: inside its metric's range, around its estimate, never from one value.

Read from every table a page shows (results/**/tables/*.csv, the frontier tables, significance.csv):
each `<metric>_ci_low` / `<metric>_ci_high` pair (significance.csv: `ci_low` / `ci_high` of `delta`).
  interval_width     not zero-width from one value: [x, x] over one seed (or one set) is a value dressed as
                     an interval. Zero width over several seeds, sets or examples that all agree (top-k keeps
                     16 tokens in every seed; identical predictions differ by exactly zero) is exact, and
                     passes; so does a normalised metric's own reference row (mCE of the standard model)
  interval_range     inside the metric's range (an accuracy above 100%, a hull error below zero are not
                     sampling error: a t-interval over three seed means does that); percent or fraction is
                     read from the units in the name, else from the estimates (any above 1: percent)
  interval_estimate  the estimate inside its interval
  interval_method    where seeds vary, the project's two-level bootstrap (seeds, then examples) with the
                     per-seed values shown, not seed_t_interval over seed means; a single seed gets a
                     per-example interval or none. Tables state it in `<metric>_ci_method`
                     (two_level_bootstrap | example_bootstrap | none: stats.intervals.interval_columns) and
                     `<metric>_per_seed` ("a / b / c"); BOOTSTRAPPED lists the columns whose builders
                     bootstrap saved predictions without saying so
One record per failing row, and one pass per (table, metric) without a failure.
"""
from __future__ import annotations

import fnmatch
import glob
import re
from pathlib import Path

from ..stats.ratios import METHOD_PREFIX as RATIO_METHOD
from .core import record

PATTERNS = ("results/**/tables/*.csv", "results/frontier/*/frontier.csv", "results/**/significance.csv")
# (table pattern, metric columns) whose intervals stats.intervals bootstraps from saved predictions
BOOTSTRAPPED = (("results/synthetic/tables/*.csv", r"^(accuracy|auc)$"),       # the rest: seed-level summaries
                ("results/text_gate/tables/*.csv", r"^(accuracy|auc)$"),
                ("results/eat/*/tables/*.csv", r"^accuracy$"),
                ("results/adtp/*/tables/*.csv", r"."), ("results/adtp/tables/*.csv", r"."),
                ("results/frontier/*/frontier.csv", r"^accuracy$"),
                ("results/*/significance.csv", r"."), ("results/*/*/significance.csv", r"."))
# a normalised metric's reference row: its value is the definition, not an estimate
REFERENCE_ROWS = {("robustness.csv", "mce"): ("variant", "dense")}
STUDY_SEEDS = ("synthetic", "vit")      # tables whose rows, unless they say otherwise, span the study's seeds
TOL = 1e-9


def metric_range(name: str, percent: bool | None = None) -> tuple[float, float] | None:
    """The range a metric column can take, from its name and units (None: unbounded or unknown);
    `percent`: what the estimates say where the name does not."""
    pct = name.endswith(("_pct", "_pp")) or name.startswith("top_1") or "_pct_" in name or bool(percent)
    if "delta" in name or "minus" in name:
        return (-100.0, 100.0) if pct else (-1.0, 1.0)
    if name.startswith("hull_error") and "hausdorff" not in name:
        return (0.0, 100.0)                                  # a share of the true hull's area, in percent
    if re.search(r"accuracy|auc|top_1|iou|recall|precision|retention|share", name):
        return (0.0, 100.0) if pct else (0.0, 1.0)
    if re.search(r"speedup|runtime|latency|_ms|hausdorff|mce|gflops|seconds|time", name):
        return (0.0, float("inf"))
    return None


def _pairs(frame) -> list[tuple[str, str, str]]:
    """(estimate, low, high) column names."""
    out = []
    for low in [c for c in frame.columns if c.endswith("ci_low")]:
        est = low[: -len("_ci_low")] if low != "ci_low" else "delta"
        high = low[: -len("low")] + "high"
        if high in frame and est in frame:
            out.append((est, low, high))
    return out


def _units(frame, row, est, default: int | None) -> tuple[int | None, str]:
    """How many seeds (or, for one seed, held-out sets) stand behind a row's interval: its per-seed
    values, its `n_seeds`, its `ci_over` ("3 seeds", "1 sets"), else the study's seed count."""
    v = row.get(f"{est}_per_seed")
    if v is not None and v == v and str(v).strip():
        return len([x for x in re.split(r"[/;]", str(v)) if x.strip()]), "seeds"
    if "n_seeds" in frame and row.get("n_seeds") == row.get("n_seeds") and row.get("n_seeds"):
        return int(row["n_seeds"]), "seeds"
    m = re.match(r"(\d+) (seed|set)s?", str(row.get("ci_over", "")))
    if m:
        return int(m.group(1)), m.group(2) + "s"
    return default, "seeds"


def tables(run) -> list[str]:
    found = set()
    for pattern in PATTERNS:
        found |= {str(Path(p).relative_to(run.root)) for p in glob.glob(str(run.path(pattern)), recursive=True)}
    return sorted(found)


def check(run) -> list[dict]:
    out = []
    for artefact in tables(run):
        frame = run.csv(artefact)
        if frame is None or frame.empty:
            continue
        key = next((k for k in ("row", "method", "variant", "model_a") if k in frame), frame.columns[0])
        study = artefact.split("/")[1]
        default = len(run.config[study]["seeds"]) if study in STUDY_SEEDS else None
        for est, low, high in _pairs(frame):
            estimates = frame[est] if frame[est].dtype.kind == "f" or frame[est].dtype.kind == "i" else None
            percent = None if estimates is None else bool((estimates.abs() > 1 + TOL).any())
            bad = []
            for _, r in frame.iterrows():
                bad += _row(artefact, frame, key, r, est, low, high, default, percent)
            out += bad
            for name in ("interval_width", "interval_range", "interval_estimate", "interval_method"):
                if not any(b["check"] == name for b in bad):
                    out.append(record(name, study, "", artefact, "", "pass", f"every `{est}` interval holds",
                                      {"metric": est}))
    return out


def _subject(r, key) -> str:
    s = str(r[key])
    return s if key != "model_a" else f"{r['model_a']} vs {r['model_b']} ({r.get('metric', '')})"


def _row(artefact, frame, key, r, est, low, high, default, percent) -> list[dict]:
    try:
        v, lo, hi = float(r[est]), float(r[low]), float(r[high])
    except (TypeError, ValueError):   # not a number (a label in a CI-named column): nothing to hold
        return []
    if lo != lo or hi != hi:          # no interval: nothing to hold
        return []
    study, subject, out = artefact.split("/")[1], _subject(r, key), []
    nums = {"metric": est, "estimate": v, "ci_low": lo, "ci_high": hi}
    units, unit = _units(frame, r, est, default)
    method = _method(frame, r, est, artefact, units)
    nums.update(units=units, unit=unit, method=method)

    def fail(check, msg):
        out.append(record(check, study, "", artefact, subject, "fail", msg, nums))

    if abs(hi - lo) <= TOL * max(1.0, abs(lo), abs(hi)) and _from_one_value(r, est, artefact, units, method):
        fail("interval_width", f"zero-width interval [{lo:.4g}, {hi:.4g}] on `{est}`: one value "
             f"({units if units is not None else 'an unknown number of'} {unit}), not an interval")
    span = metric_range(est, percent)
    if span and (lo < span[0] - TOL or hi > span[1] + TOL):
        fail("interval_range", f"`{est}` interval [{lo:.4g}, {hi:.4g}] outside the metric's range "
             f"[{span[0]:g}, {span[1]:g}]")
    if v == v and not (lo - TOL * max(1, abs(lo)) <= v <= hi + TOL * max(1, abs(hi))):
        fail("interval_estimate", f"`{est}` = {v:.4g} outside its own interval [{lo:.4g}, {hi:.4g}]")
    several = unit == "seeds" and units is not None and units > 1
    if method == "seed_t_interval":
        fail("interval_method", f"`{est}` interval is a t-interval over {units or 'several'} seed values "
             "(seed_t_interval): use stats.intervals.two_level_bootstrap and show the per-seed values")
    elif method == "two_level_bootstrap" and several and f"{est}_ci_method" in frame:
        per_seed = r.get(f"{est}_per_seed")
        if per_seed is None or per_seed != per_seed or str(per_seed).strip() == "":
            fail("interval_method", f"`{est}` over {units} seeds without its per-seed values (`{est}_per_seed`)")
    elif method in ("example_bootstrap", "none") and several:
        fail("interval_method", f"`{est}` over {units} seeds with a {method} interval: seeds vary, bootstrap them too")
    return out


def _from_one_value(r, est, artefact, units, method) -> bool:
    """Is a zero-width interval one value, or several that agree exactly?"""
    ref = REFERENCE_ROWS.get((Path(artefact).name, est))
    if ref and str(r.get(ref[0])) == ref[1]:
        return False                          # the normalised metric's reference: 100 by definition
    if units is not None:
        return units <= 1                     # several seeds or sets that agree exactly: an exact interval
    # a bootstrap over examples (or timing repeats) that agree: stats.ratios writes how many values its
    # interval resamples in `<est>_ci_n` (the shallow model's FLOPs over 1281 test examples), so the count
    # is read, not parsed from the method's prose; else the named methods of stats.intervals
    n = r.get(f"{est}_ci_n")
    if n is not None and n == n and str(n).strip():
        return int(float(n)) <= 1
    if method.startswith(RATIO_METHOD):   # a table written before `_ci_n`: stats.ratios writes an interval only
        return False                      # over MIN_REPEATS (5) values or more, NaN below: never one value
    return method not in ("two_level_bootstrap", "example_bootstrap")


def _method(frame, r, est, artefact, units) -> str:
    """How a row's interval was made: stated by the table, known from its builder, or inferred."""
    for col in (f"{est}_ci_method", "ci_method"):
        if col in frame and r.get(col) == r.get(col):
            return str(r[col])
    if any(fnmatch.fnmatch(artefact, p) and re.search(cols, est) for p, cols in BOOTSTRAPPED):
        return "two_level_bootstrap"
    if units and units > 1 and str(r.get("ci_over", "seeds")).endswith("seeds"):
        return "seed_t_interval"      # the builders of every other table call stats.intervals.seed_t_interval
    return "unknown"
