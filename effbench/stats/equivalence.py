"""Does our measurement reproduce a paper's number? An equivalence rule, not a coverage rule.

A paper value p is known to half a unit of its last printed digit (r: "92.0" -> 0.05), and two
values closer than a margin of practical equivalence m are the same for a reader (1 pp of
accuracy, 10% of a speed-up). So p stands for the band [p - (m + r), p + (m + r)], and:

  reproduced    our whole 95% CI lies inside the band;
  differs       our whole CI lies outside it (ours above or below);
  inconclusive  the CI straddles an edge of the band: more seeds or examples would decide it.

Without a CI (a deterministic count, or one measurement) the point estimate is compared with
the band, and the verdict says so. Coverage ("p lies in our CI") is not the rule: a wide CI
would cover anything, and an estimate far from p would still "reproduce" it.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


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


def band(paper: float, margin: float, rounding: float) -> tuple[float, float]:
    """The values equivalent to the paper's: paper +/- (margin + rounding)."""
    width = (margin + rounding) * (1 + 1e-9)                 # a float's last bit never decides
    return paper - width, paper + width


def verdict(paper: float, estimate, ci_low=None, ci_high=None, *, margin: float, rounding: float,
            point_basis: str = "no CI") -> str:
    """The verdict text; its first word is the kind (reproduced / differs / inconclusive / pending)."""
    if estimate is None or _missing(estimate):
        return "pending: no estimate"
    lo_edge, hi_edge = band(paper, margin, rounding)
    limits = f"paper {paper:.4g} +/- {margin + rounding:.3g}"
    if ci_low is None or _missing(ci_low) or ci_high is None or _missing(ci_high):
        if lo_edge <= estimate <= hi_edge:
            return f"reproduced ({point_basis}: ours {estimate:.4g} within {limits})"
        side = "above" if estimate > hi_edge else "below"
        return f"differs: ours {side} ({point_basis}: ours {estimate:.4g} outside {limits})"
    if ci_low > ci_high:
        raise ValueError(f"CI [{ci_low}, {ci_high}] is reversed")
    if lo_edge <= ci_low and ci_high <= hi_edge:
        return f"reproduced (our 95% CI [{ci_low:.4g}, {ci_high:.4g}] within {limits})"
    if ci_low > hi_edge or ci_high < lo_edge:
        side = "above" if ci_low > hi_edge else "below"
        return f"differs: ours {side} (our 95% CI [{ci_low:.4g}, {ci_high:.4g}] outside {limits})"
    factor = more_data_factor(estimate, ci_low, ci_high, lo_edge, hi_edge)
    more = (f"about {factor:.1f}x the seeds/examples would decide it" if math.isfinite(factor)
            else "our estimate sits on the band's edge: no sample size decides it")
    return f"inconclusive: our 95% CI [{ci_low:.4g}, {ci_high:.4g}] straddles {limits}; {more}"


def more_data_factor(estimate: float, ci_low: float, ci_high: float, lo_edge: float, hi_edge: float) -> float:
    """How many times the data would shrink the CI (width ~ 1/sqrt(n)) until it clears the
    nearest band edge, the estimate held fixed: (half-width / distance to that edge)^2."""
    distance = min(abs(estimate - lo_edge), abs(estimate - hi_edge))
    half_width = max(estimate - ci_low, ci_high - estimate)
    on_edge = distance <= 1e-6 * max(abs(lo_edge), abs(hi_edge), 1e-12)
    return math.inf if on_edge else (half_width / distance) ** 2


def verdict_kind(text: str) -> str:
    return str(text).split(":")[0].split(" (")[0].strip()


def _missing(x) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True
