"""A paper's number as printed: "1.00x", "0.8830", "12%", "4-5x", "60.3±0.7", "3 min".

The ledger keeps every paper value as the string the paper prints, because the string carries
what a float loses: the precision (half a unit of the last printed digit: "0.8830" is known to
5e-5, "0.883" to 5e-4), the unit ("12%" is a percentage, "0.12" a fraction), a printed range
("4-5x" is not the point 4) and the paper's own spread ("±0.7"). `parse` reads all of it; it is
pure and knows nothing of the ledger (effbench.claims converts to the artefacts' units).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Spellings of the same sign in the papers' text extractions (LaTeX, unicode), mapped to one form.
_SAME = [("\\times", "×"), ("\\pm", "±"), ("+/-", "±"), ("\\%", "%"), ("\\approx", "≈"),
         ("−", "-"), ("–", "-"), ("—", "-"), ("\u2009", " "), ("\u202f", " "), ("\u00a0", " "),
         ("$", ""), ("{", ""), ("}", ""), ("\\sim", "~"), ("\\leq", "≤"), ("\\geq", "≥")]
# Units as printed -> the unit's one name; "×" and "x" are both a ratio.
UNITS = {"%": "%", "x": "x", "×": "x", "ms": "ms", "s": "s", "sec": "s", "min": "min", "h": "h",
         "hr": "h", "hrs": "h", "hours": "h", "GB": "GB", "MB": "MB", "pp": "pp", "points": "pp",
         "img/s": "img/s", "FLOPs": "FLOPs", "GFLOPs": "GFLOPs", "ms/step": "ms/step"}
_SUFFIX = {"K": 1e3, "k": 1e3, "M": 1e6, "B": 1e9, "G": 1e9}
_NUM = r"\d+(?:\.\d*)?|\.\d+"
_MAG = rf"(?P<{{g}}>[+-]?(?:{_NUM}))(?:[eE](?P<{{g}}e>[+-]?\d+)|\s*[×x]\s*10\^(?P<{{g}}p>[+-]?\d+)|(?P<{{g}}k>[KkMBG])\b)?"
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_FORM = re.compile(
    rf"^(?P<qual>~|≈|<|>|≤|≥)?\s*"
    rf"(?:{_MAG.format(g='a')}|10\^(?P<pow>[+-]?\d+))"
    rf"(?:\s*(?P<u1>{_UNIT}))?"
    rf"(?:\s*(?:-|to)\s*{_MAG.format(g='b')})?"
    rf"(?:\s*(?P<unit>{_UNIT}))?"
    rf"(?:\s*±\s*(?P<s>{_NUM})(?:\s*(?P<su>{_UNIT}))?)?$")


@dataclass(frozen=True)
class Printed:
    text: str                 # as printed (the ledger's string)
    value: float              # the number; a range's midpoint
    low: float                # the printed range's ends; both equal value for a point
    high: float
    unit: str | None          # one of UNITS' values, or None for a bare number
    percent: bool             # printed with % (or the caller says the column is a percentage)
    half_unit: float          # half a unit of the last printed digit, in the value's unit
    spread: float | None      # a printed "±" spread, in the value's unit
    qualifier: str | None     # "~", "≈", "<", ">", "≤", "≥" when printed before the number


def normalise(text: str) -> str:
    """One spelling for the signs the extractions write in several ways (\\times, ×; −, -)."""
    for old, new in _SAME:
        text = text.replace(old, new)
    return re.sub(r"\s+", " ", text).strip()


def _magnitude(m: re.Match, g: str) -> tuple[float, float]:
    """(value, half a unit of its last digit) of one printed number."""
    digits = m.group(g)
    scale = 1.0
    if m.group(g + "e") is not None:
        digits = f"{digits}e{m.group(g + 'e')}"
    elif m.group(g + "p") is not None:
        scale = 10.0 ** int(m.group(g + "p"))
    elif m.group(g + "k") is not None:
        scale = _SUFFIX[m.group(g + "k")]
    exponent = Decimal(digits).as_tuple().exponent          # Decimal keeps trailing zeros
    return float(digits) * scale, 0.5 * 10.0 ** exponent * scale


def parse(text, percent: bool = False) -> Printed:
    """Read a printed value. `percent=True` says the column is in percent when no % is printed."""
    if not isinstance(text, str):
        raise ValueError(f"paper value {text!r} is not a string as printed (quote it in the YAML)")
    m = _FORM.match(normalise(text))
    if m is None:
        raise ValueError(f"paper value {text!r} is not a printed number "
                         "(forms: 0.8830, -2.07, 12%, 1.00x, 4-5x, 60.3±0.7, 3 min, ~10x, 1.2K, 1e-5, 10^3)")
    if m.group("pow") is not None:
        low, half = 10.0 ** int(m.group("pow")), 0.0     # a power of ten is printed exactly
    else:
        low, half = _magnitude(m, "a")
    high = low
    if m.group("b") is not None:
        high, half_b = _magnitude(m, "b")
        half = min(half, half_b)
        if high < low:
            raise ValueError(f"paper value {text!r}: the range's ends are reversed")
    units = {u for u in (m.group("u1"), m.group("unit"), m.group("su")) if u}
    names = {UNITS[u] for u in units}
    if len(names) > 1:
        raise ValueError(f"paper value {text!r} mixes units {sorted(names)}")
    unit = names.pop() if names else None
    spread = None if m.group("s") is None else float(m.group("s"))
    return Printed(text=text, value=(low + high) / 2, low=low, high=high, unit=unit,
                   percent=unit == "%" or (percent and unit is None), half_unit=half,
                   spread=spread, qualifier=m.group("qual"))


PERCENT_NAME = re.compile(r"_pct(_|$)|_pp(_|$)|percent")
LEDGER_UNITS = ("%", "fraction")


def artefact_in_percent(claim: dict, columns) -> bool:
    """Does our artefact hold this ledger claim's value in percent? An explicit `unit:` says so,
    else a column or metric named *_pct / *_pp; never the size of the value."""
    if "unit" in claim:
        if claim["unit"] not in LEDGER_UNITS:
            raise ValueError(f"claim {claim['id']}: unit {claim['unit']!r} is not one of {LEDGER_UNITS}")
        return claim["unit"] == "%"
    return any(PERCENT_NAME.search(str(n)) for n in [claim["metric"], *columns])


def ledger_fields(claim: dict, columns, has_pointer: bool) -> dict:
    """A ledger claim's printed `paper_value` (and `paper_spread`) read in the unit of its artefact:
    a printed "37.5%" becomes 0.375 where the artefact's column holds a fraction (a claim with no
    pointer keeps the printed percent). `rounding` is half a unit of the printed digit unless the
    claim sets `tolerance`; `paper_percent` says the value, as converted, is in percent."""
    text, spread = claim["paper_value"], claim.get("paper_spread")
    in_percent = artefact_in_percent(claim, columns)
    try:
        printed = parse(text, percent=in_percent)
        spread_of = parse(f"{text} {spread}").spread if spread is not None else None
    except ValueError as err:
        raise ValueError(f"claim {claim['id']}: {err}") from None
    scale = 0.01 if printed.unit == "%" and not in_percent and has_pointer else 1.0
    return dict(paper_text=text, paper_value=printed.value * scale, paper_low=printed.low * scale,
                paper_high=printed.high * scale, paper_unit=printed.unit,
                paper_percent=printed.percent and scale == 1.0,
                paper_spread=None if spread_of is None else spread_of * scale, paper_spread_text=spread,
                rounding=float(claim["tolerance"]) if "tolerance" in claim else printed.half_unit * scale)
