"""Does our measurement reproduce a paper's number? Two one-sided tests (TOST), not coverage.

A paper value p (or a printed range [p_lo, p_hi], "4-5x") stands for an equivalence region: p
widened by a margin m, the largest of the metric kind's margin (claims/margins.yaml), the paper's
own printed spread (+/- s) and half a unit of its last printed digit ("92.0" -> 0.05). Ratios
(speed-ups) are compared on the log scale: the region is [p_lo / f, p_hi * f] with f = 1.1 for a
10% margin, so 2x is as far from 2.2x as 4x from 4.4x.

TOST at alpha = 0.05 (Schuirmann 1987; Lakens 2017) rejects "|difference| >= m" when our 90% CI
lies inside the region. The artefacts carry 95% CIs; each side is scaled by z(0.95) / z(0.975)
to the 90% one (a normal approximation of each side; bootstrap percentile CIs are asymmetric and
keep their asymmetry). Both intervals are clipped to the metric's range first.

  reproduced            our 90% CI lies inside the region (TOST rejects non-equivalence);
  differs               our 90% CI lies wholly outside it (the one-sided test "beyond the margin"
                        at alpha = 0.05, the same interval);
  undecidable at this n the 90% CI straddles an edge: the verdict names the smallest margin this
                        CI would pass and how many times the seeds/examples would decide it.

A value without an interval is "one measurement, no interval" (its place against the region is
said, never scored); a zero-width interval is no interval either, unless the pointer says the value
is deterministic (`point_basis`, e.g. a count fixed by the data). A value of ONE trained model
(`seeds=1`: a sweep variant trained once) is "one seed": its interval resamples examples only, so it
holds none of the seed-to-seed variance that training adds (the geometry study's 3-seed hull-error
interval is several times wider than its one-seed variants'); such an interval can neither pass TOST
nor clear the region, so the verdict says where it lies and that seeds would decide it.
Coverage ("p lies in our CI") is not the rule: a wide CI would cover anything.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
Z90 = 1.6448536269514722        # scipy.stats.norm.ppf(0.95): the two one-sided tests at alpha = 0.05
Z95 = 1.959963984540054         # scipy.stats.norm.ppf(0.975): the artefacts' 95% CIs
ONE = "one measurement, no interval"
ONE_SEED = "one seed"             # an interval over one trained model's examples: no training variance in it
UNMEASURED = "not measured"       # an artefact that was built holds no value for the cell (NaN)


def half_unit(text: str) -> float:
    """Half a unit of the last digit printed in `text` ("92.0" -> 0.05, "64" -> 0.5,
    "5e-05" -> 5e-06, "1.5e-3" -> 5e-05). The text is what the paper printed, not a float's repr."""
    text = str(text).strip()
    if not _NUMBER.match(text):
        raise ValueError(f"not a printed number: {text!r}")
    try:
        exponent = Decimal(text).as_tuple().exponent       # Decimal keeps trailing zeros
    except InvalidOperation as err:                          # pragma: no cover (the regex guards)
        raise ValueError(f"not a printed number: {text!r}") from err
    return 0.5 * 10.0 ** exponent


def region(low: float, high: float, margin: float, log: bool = False) -> tuple[float, float]:
    """The values equivalent to the paper's [low, high]: +/- margin, or x/ (1 + margin) on the log scale."""
    slack = 1 + 1e-9                                         # a float's last bit never decides
    if log:
        f = (1 + margin) * slack
        return low / f, high * f
    return low - margin * slack, high + margin * slack


def margin_of(paper: float, kind_margin: float, spread: float = 0.0, rounding: float = 0.0, log: bool = False) -> float:
    """The largest of the kind's margin, the paper's spread and half its printed unit; on the log scale
    all three as relative margins (the kind's is relative already: 0.1 for x/ 1.1)."""
    if log:
        scale = abs(paper) or 1.0
        return max(kind_margin, spread / scale, rounding / scale)
    return max(kind_margin, spread, rounding)


def ci90(estimate: float, lo95: float, hi95: float) -> tuple[float, float]:
    """The 90% CI from a 95% one, each side scaled by z(0.95) / z(0.975)."""
    k = Z90 / Z95
    return estimate - k * (estimate - lo95), estimate + k * (hi95 - estimate)


def verdict(paper: float, estimate, ci_low=None, ci_high=None, *, margin: float, rounding: float = 0.0,
            spread: float = 0.0, paper_high: float | None = None, log: bool = False,
            bounds: tuple | None = None, point_basis: str | None = None, seeds: int | None = None) -> str:
    """The verdict text; its first word(s) name the kind (reproduced / differs / undecidable at this
    n / one seed / one measurement / not measured). `paper` is the printed value (a range's low end, with
    `paper_high`); `seeds`: how many trained models the value rests on (None: not a trained quantity, or unknown)."""
    if estimate is None or _missing(estimate):              # the table holds no value: nothing to score
        return f"{UNMEASURED}: no estimate"
    high = paper if paper_high is None else paper_high
    m = margin_of(paper, margin, spread, rounding, log)
    lo_edge, hi_edge = region(paper, high, m, log)
    if bounds:
        lo_edge, hi_edge = max(lo_edge, bounds[0]), min(hi_edge, bounds[1])
    shown = f"{paper:.4g}" if paper_high is None else f"{paper:.4g}-{high:.4g}"
    limits = (f"region [{lo_edge:.4g}, {hi_edge:.4g}] = paper {shown} "
              + (f"x/ {1 + m:.3g}" if log else f"+/- {m:.3g}"))
    no_ci = ci_low is None or _missing(ci_low) or ci_high is None or _missing(ci_high) or ci_low == ci_high
    if no_ci:
        where = "inside" if lo_edge <= estimate <= hi_edge else ("above" if estimate > hi_edge else "below")
        if point_basis:                                    # a deterministic value: the point is the measurement
            if where == "inside":
                return f"reproduced ({point_basis}: ours {estimate:.4g} inside {limits})"
            return f"differs: ours {where} ({point_basis}: ours {estimate:.4g} outside the {limits})"
        return f"{ONE}: ours {estimate:.4g} {where} the {limits}; not scored"
    if ci_low > ci_high:
        raise ValueError(f"CI [{ci_low}, {ci_high}] is reversed")
    lo, hi = interval90(estimate, ci_low, ci_high, bounds)
    ours = f"our 90% CI [{lo:.4g}, {hi:.4g}]"
    if seeds == 1:
        where = ("inside" if lo_edge <= lo and hi <= hi_edge else "wholly above" if lo > hi_edge
                 else "wholly below" if hi < lo_edge else "straddling")
        return (f"{ONE_SEED}: ours {estimate:.4g}, per-example 90% CI [{lo:.4g}, {hi:.4g}] {where} the {limits}; "
                "one trained model: the interval holds no seed-to-seed variance, so it cannot decide "
                "equivalence; not scored until more seeds are trained")
    if lo_edge <= lo and hi <= hi_edge:
        return f"reproduced (TOST, alpha 0.05: {ours} inside {limits})"
    if lo > hi_edge or hi < lo_edge:
        side = "above" if lo > hi_edge else "below"
        return f"differs: ours {side} ({ours} wholly outside {limits})"
    smallest = smallest_margin(paper, high, lo, hi, log)
    factor = more_data_factor(estimate, lo, hi, lo_edge, hi_edge)
    more = (f"about {factor:.1f}x the seeds/examples would decide it" if math.isfinite(factor)
            else "our estimate sits on the region's edge: no sample size decides it")
    least = f"x/ {1 + smallest:.3g}" if log else f"+/- {smallest:.3g}"
    return (f"undecidable at this n: {ours} straddles {limits}; the smallest margin it passes is "
            f"{least}; {more}")


def interval90(estimate: float, ci_low, ci_high, bounds: tuple | None = None) -> tuple[float, float]:
    """The interval a verdict is decided on: the 90% CI from the artefact's 95% one, clipped to the
    metric's range; (nan, nan) where there is no interval (a missing or zero-width one)."""
    nan = float("nan")
    if any(x is None or _missing(x) for x in (estimate, ci_low, ci_high)) or ci_low == ci_high:
        return nan, nan
    lo, hi = ci90(float(estimate), float(ci_low), float(ci_high))
    if bounds:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return lo, hi


def smallest_margin(low: float, high: float, ci_lo: float, ci_hi: float, log: bool = False) -> float:
    """The smallest margin whose region would hold the whole CI (relative on the log scale)."""
    if log:
        if ci_lo <= 0 or low <= 0:
            return math.inf
        return max(low / ci_lo, ci_hi / high, 1.0) - 1
    return max(low - ci_lo, ci_hi - high, 0.0)


def more_data_factor(estimate: float, ci_low: float, ci_high: float, lo_edge: float, hi_edge: float) -> float:
    """How many times the data would shrink the CI (width ~ 1/sqrt(n)) until it clears the
    nearest region edge, the estimate held fixed: (half-width / distance to that edge)^2."""
    distance = min(abs(estimate - lo_edge), abs(estimate - hi_edge))
    half_width = max(estimate - ci_low, ci_high - estimate)
    on_edge = distance <= 1e-6 * max(abs(lo_edge), abs(hi_edge), 1e-12)
    return math.inf if on_edge else (half_width / distance) ** 2


KINDS = ("reproduced", "differs", "undecidable at this n", ONE_SEED, ONE, "stand-in", "by design", "formula",
         "not comparable", "withheld", "failed", UNMEASURED, "pending", "not run")


def verdict_kind(text: str) -> str:
    """The kind a verdict text starts with (one of KINDS, else its first word)."""
    text = str(text)
    for k in KINDS:
        if text.startswith(k):
            return k
    return text.split(":")[0].split(" (")[0].strip()


def _missing(x) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True
