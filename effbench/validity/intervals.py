"""Every interval an interval: inside its metric's range, around its estimate, never from one value.

Read from every table a page shows (results/**/tables/*.csv, the frontier tables, significance.csv):
each `<metric>_ci_low` / `<metric>_ci_high` pair (significance.csv: `ci_low` / `ci_high` of `delta`).
  interval_width     not zero-width: [x, x] is one value (one seed, one set) dressed as an interval. A
                     difference that is exactly zero on every example (identical predictions) and a
                     normalised metric's own reference row are exact, and pass
  interval_range     inside the metric's range (an accuracy above 100%, a hull error below zero are not
                     sampling error: a t-interval over three seed means does that)
  interval_estimate  the estimate inside its interval
  interval_method    where seeds vary, the project's two-level bootstrap (seeds, then examples) with the
                     per-seed values shown, not seed_t_interval over seed means; a single seed gets a
                     per-example interval or none. Tables state it in `<metric>_ci_method`
                     (two_level_bootstrap | example_bootstrap | none, stats.intervals.interval_columns) and
                     `<metric>_per_seed` ("a / b / c"); the tables
                     whose builders call two_level_bootstrap on saved predictions are listed in TWO_LEVEL
One record per failing row, and one pass per (table, metric) without a failure.
"""
from __future__ import annotations

import fnmatch
import glob
import re
from pathlib import Path

from .core import record

PATTERNS = ("results/**/tables/*.csv", "results/frontier/*/frontier.csv", "results/**/significance.csv")
# tables whose intervals come from stats.intervals.two_level_bootstrap / bootstrap_ci over saved predictions
TWO_LEVEL = ("results/synthetic/tables/*.csv", "results/text_gate/tables/*.csv", "results/eat/*/tables/*.csv",
             "results/adtp/*/tables/*.csv", "results/adtp/tables/*.csv", "results/frontier/*/frontier.csv",
             "results/*/significance.csv", "results/*/*/significance.csv")
# a normalised metric's reference row: its value is the definition, not an estimate
REFERENCE_ROWS = {("robustness.csv", "mce"): ("variant", "dense")}
TOL = 1e-9


def metric_range(name: str) -> tuple[float, float] | None:
    """The range a metric column can take, from its name and units (None: unbounded or unknown)."""
    pct = name.endswith(("_pct", "_pp")) or name.startswith("top_1") or "_pct_" in name
    if "delta" in name or "minus" in name or name == "delta":
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


def _seeds(frame, row, default: int | None = None) -> int | None:
    """Seeds behind a row: its `n_seeds`, its `ci_over` ("3 seeds"), else the study's seed count."""
    if "n_seeds" in frame and row.get("n_seeds") == row.get("n_seeds"):
        return int(row["n_seeds"])
    m = re.match(r"(\d+) seeds", str(row.get("ci_over", "")))
    return int(m.group(1)) if m else default


def _per_seed_count(row, est) -> int | None:
    """How many per-seed values a row shows (`<metric>_per_seed`: "a / b / c"; ";" also read)."""
    v = row.get(f"{est}_per_seed")
    if v is None or v != v or str(v).strip() == "":
        return None
    return len([x for x in re.split(r"[/;]", str(v)) if x.strip()])


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
        for est, low, high in _pairs(frame):
            bad = []
            for _, r in frame.iterrows():
                bad += _row(run, artefact, frame, key, r, est, low, high)
            out += bad
            for name in ("interval_width", "interval_range", "interval_estimate", "interval_method"):
                if not any(b["check"] == name for b in bad):
                    out.append(record(name, artefact.split("/")[1], "", artefact, "", "pass",
                                      f"every `{est}` interval holds", {"metric": est}))
    return out


def _subject(r, key) -> str:
    s = str(r[key])
    return s if key != "model_a" else f"{r['model_a']} vs {r['model_b']} ({r.get('metric', '')})"


def _row(run, artefact, frame, key, r, est, low, high) -> list[dict]:
    try:
        v, lo, hi = float(r[est]), float(r[low]), float(r[high])
    except (TypeError, ValueError):   # not a number (a label in a CI-named column): nothing to hold
        return []
    if lo != lo or hi != hi:          # no interval: nothing to hold
        return []
    study, subject, out = artefact.split("/")[1], _subject(r, key), []
    nums = {"metric": est, "estimate": v, "ci_low": lo, "ci_high": hi}
    name = Path(artefact).name

    def fail(check, msg):
        out.append(record(check, study, "", artefact, subject, "fail", msg, nums))

    if abs(hi - lo) <= TOL * max(1.0, abs(lo)):
        exact_zero = (est == "delta" or "delta" in est or "minus" in est) and abs(lo) <= TOL
        ref = REFERENCE_ROWS.get((name, est))
        if not exact_zero and not (ref and str(r.get(ref[0])) == ref[1]):
            fail("interval_width", f"zero-width interval [{lo:.4g}, {hi:.4g}] on `{est}`: one value"
                 + (f" ({r['ci_over']})" if "ci_over" in frame else "") + ", not an interval")
    span = metric_range("delta" if est == "delta" else est)
    if span and (lo < span[0] - TOL or hi > span[1] + TOL):
        fail("interval_range", f"`{est}` interval [{lo:.4g}, {hi:.4g}] outside the metric's range "
             f"[{span[0]:g}, {span[1]:g}]")
    if v == v and not (lo - TOL * max(1, abs(lo)) <= v <= hi + TOL * max(1, abs(hi))):
        fail("interval_estimate", f"`{est}` = {v:.4g} outside its own interval [{lo:.4g}, {hi:.4g}]")
    seeds = _per_seed_count(r, est) or _seeds(frame, r, len(run.config["vit"]["seeds"])
                                              if artefact.startswith("results/vit/") else None)
    method = _method(frame, r, est, artefact, seeds)
    if method == "seed_t_interval":
        fail("interval_method", f"`{est}` interval is a t-interval over {seeds or 'several'} seed means "
             "(seed_t_interval): use stats.intervals.two_level_bootstrap and show the per-seed values")
    elif method == "two_level_bootstrap" and seeds and seeds > 1 and f"{est}_ci_method" in frame:
        per_seed = r.get(f"{est}_per_seed")
        if per_seed is None or per_seed != per_seed or str(per_seed).strip() == "":
            fail("interval_method", f"`{est}` over {seeds} seeds without its per-seed values (`{est}_per_seed`)")
    elif method in ("example_bootstrap", "none") and seeds and seeds > 1:
        fail("interval_method", f"`{est}` over {seeds} seeds with a {method} interval: seeds vary, bootstrap them too")
    return out


def _method(frame, r, est, artefact, seeds) -> str:
    """How a row's interval was made: stated by the table, known from its builder, or inferred."""
    for col in (f"{est}_ci_method", "ci_method"):
        if col in frame and r.get(col) == r.get(col):
            return str(r[col])
    if any(fnmatch.fnmatch(artefact, p) for p in TWO_LEVEL):
        return "two_level_bootstrap"
    if seeds and seeds > 1:
        return "seed_t_interval"      # the builders of every other table call stats.intervals.seed_t_interval
    return "unknown"
