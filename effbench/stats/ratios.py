"""The interval of a speed-up (base time / method time) from its timing repeats.

Every speed-up the ledger scores is a ratio of two timed statistics (median over repeats, or mean
over examples timed one by one), so its interval comes from the same repeats: a percentile bootstrap
of the ratio of that statistic, the estimate unchanged (the table's point is the interval's point).
It runs on the log scale, where a ratio's resampling is symmetric in base and method (1 / r has the
interval 1 / [lo, hi]).

Paired where the repeats were interleaved (cost.timing.time_interleaved, text_cost.latency_batch1:
round i times every callable back to back, or both models on example i): resampling rounds, not
each callable's repeats alone, keeps what a round shares (the machine's drift, the example's length)
in both numerator and denominator, so it cancels as it did in the measurement. Unpaired otherwise
(separate runs: epoch times of different trainings).

Too few repeats give no interval: a percentile bootstrap of 2-4 values has only a handful of distinct
resamples and is far too narrow, so below MIN_REPEATS the interval is NaN ("one measurement, no
interval" in the ledger), never a zero-width or a misleadingly tight one.
"""
from __future__ import annotations

import numpy as np

MIN_REPEATS = 5
METHOD_PREFIX = "repeats: "      # how every interval's method text here begins (validity.intervals reads it)
STATISTICS = {"median": np.median, "mean": np.mean}


def ratio_interval(base, method, *, paired: bool = True, statistic: str = "median", level: float = 0.95,
                   n_resamples: int = 2000, seed: int = 0, unit: str = "") -> dict:
    """`statistic`(base) / `statistic`(method) and its percentile bootstrap interval over repeats.

    base, method: the repeats' times (any one unit); paired: they are rounds of one interleaved loop
    (equal lengths, position i of each timed together); unit: what one position is, for the method text
    (default: "interleaved rounds" paired, "repeats" unpaired). Returns estimate, ci_low, ci_high, method
    (what the interval is, or why there is none), and n_values / unit: how many of what the interval
    resamples (the fewer side where unpaired), so a reader need not parse the method text to tell an
    interval over many values that agree from one value."""
    b, m = np.asarray(base, float), np.asarray(method, float)
    if (b <= 0).any() or (m <= 0).any():
        raise ValueError("times must be positive")
    if paired and b.shape != m.shape:
        raise ValueError(f"paired repeats need equal counts: {b.size} and {m.size}")
    stat = STATISTICS[statistic]
    estimate = float(stat(b) / stat(m))
    n = min(b.size, m.size)
    nan = float("nan")
    unit = unit or ("interleaved rounds" if paired else "repeats")
    count = {"n_values": int(n), "unit": unit}
    if n < MIN_REPEATS:
        return {"estimate": estimate, "ci_low": nan, "ci_high": nan, **count,
                "method": f"none: {n} repeat{'s' * (n != 1)}, fewer than {MIN_REPEATS} give no interval"}
    if b.shape == m.shape and np.array_equal(b, m):      # timings never repeat exactly: the reference itself
        return {"estimate": estimate, "ci_low": nan, "ci_high": nan, **count,
                "method": "none: identical values (the reference itself: 1 by definition)"}
    rng = np.random.default_rng(seed)
    if paired:                                          # the same rounds in numerator and denominator
        idx = rng.integers(0, n, (n_resamples, n))
        log_ratio = np.log(stat(b[idx], axis=1)) - np.log(stat(m[idx], axis=1))
    else:
        log_ratio = _log_stat_draws(b, stat, rng, n_resamples) - _log_stat_draws(m, stat, rng, n_resamples)
    tail = (1 - level) / 2 * 100
    lo, hi = np.exp(np.percentile(log_ratio, [tail, 100 - tail]))
    how = (f"{METHOD_PREFIX}{'paired' if paired else 'unpaired'} percentile bootstrap of the ratio of {statistic}s "
           f"(log scale) over {n if paired else f'{b.size} and {m.size}'} "
           f"{unit}, "
           f"{n_resamples} resamples")
    # the point is the full sample's ratio; a percentile interval of a median over few rounds can
    # miss it by a hair: widen to hold it rather than report a point outside its own interval
    return {"estimate": estimate, "ci_low": float(min(lo, estimate)), "ci_high": float(max(hi, estimate)), "method": how,
            **count}


def _log_stat_draws(x: np.ndarray, stat, rng, n_resamples: int) -> np.ndarray:
    return np.log(stat(x[rng.integers(0, x.size, (n_resamples, x.size))], axis=1))


def ratio_columns(name: str, result: dict) -> dict:
    """A table's columns for one ratio (stats.intervals.interval_columns without per-seed values:
    repeats are not seeds): `<name>`, `_ci_low`, `_ci_high`, `_ci_method`, and `_ci_n` / `_ci_unit` (how
    many values of what the interval resamples: validity.intervals reads them, not the method text)."""
    out = {name: result["estimate"], f"{name}_ci_low": result["ci_low"], f"{name}_ci_high": result["ci_high"],
           f"{name}_ci_method": result["method"]}
    if "n_values" in result:
        out.update({f"{name}_ci_n": result["n_values"], f"{name}_ci_unit": result["unit"]})
    return out


def overhead_pct(result: dict) -> dict:
    """A ratio method / base as a percentage overhead, 100 (r - 1), interval mapped alike (monotone)."""
    return {**result, **{k: 100 * (result[k] - 1) for k in ("estimate", "ci_low", "ci_high")}}
