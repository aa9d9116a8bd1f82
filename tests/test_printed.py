"""Paper values as printed: the parser on every form the ledger holds, the ledger's strings, the text check."""
import importlib.util
import re

import pytest
import yaml
from smoke import ROOT

from effbench.claims import ledger_files, load_ledger
from effbench.printed import parse
from effbench.printed_text import locate, occurs

PAPERS = ROOT.parent / "shared" / "papers"


@pytest.mark.parametrize("text, value, low, high, unit, half, spread", [
    ("0.8830", 0.883, 0.883, 0.883, None, 5e-5, None),        # trailing zero kept: 4 digits
    ("0.883", 0.883, 0.883, 0.883, None, 5e-4, None),
    ("64.0", 64.0, 64.0, 64.0, None, 0.05, None),
    ("64", 64.0, 64.0, 64.0, None, 0.5, None),
    ("-2.07", -2.07, -2.07, -2.07, None, 0.005, None),
    ("−2.07", -2.07, -2.07, -2.07, None, 0.005, None),        # unicode minus
    ("+0.00", 0.0, 0.0, 0.0, None, 0.005, None),
    ("12%", 12.0, 12.0, 12.0, "%", 0.5, None),
    ("+8.2%", 8.2, 8.2, 8.2, "%", 0.05, None),
    ("1.00x", 1.0, 1.0, 1.0, "x", 0.005, None),
    ("1.0×", 1.0, 1.0, 1.0, "x", 0.05, None),
    ("1.0 \\times", 1.0, 1.0, 1.0, "x", 0.05, None),           # LaTeX as the extraction writes it
    ("+0.47×", 0.47, 0.47, 0.47, "x", 0.005, None),
    ("4-5×", 4.5, 4.0, 5.0, "x", 0.5, None),
    ("4–5x", 4.5, 4.0, 5.0, "x", 0.5, None),                   # en dash
    ("2-3.5%", 2.75, 2.0, 3.5, "%", 0.05, None),
    ("7-8 %", 7.5, 7.0, 8.0, "%", 0.5, None),
    ("3 min", 3.0, 3.0, 3.0, "min", 0.5, None),
    ("48 hrs", 48.0, 48.0, 48.0, "h", 0.5, None),
    ("2.4GB", 2.4, 2.4, 2.4, "GB", 0.05, None),
    ("60.3±0.7", 60.3, 60.3, 60.3, None, 0.05, 0.7),
    ("8.7 ± 0.3", 8.7, 8.7, 8.7, None, 0.05, 0.3),
    ("13.78x ±0.2", 13.78, 13.78, 13.78, "x", 0.005, 0.2),
    ("0.8 \\pm 0.1 ms", 0.8, 0.8, 0.8, "ms", 0.05, 0.1),
    ("~10.0×", 10.0, 10.0, 10.0, "x", 0.05, None),
    ("\\sim 45.0\\%", 45.0, 45.0, 45.0, "%", 0.05, None),
    ("<0.2%", 0.2, 0.2, 0.2, "%", 0.05, None),
    ("≈ 0.5", 0.5, 0.5, 0.5, None, 0.05, None),
    ("5e-05", 5e-5, 5e-5, 5e-5, None, 5e-6, None),
    ("1.5e-3", 1.5e-3, 1.5e-3, 1.5e-3, None, 5e-5, None),
    ("1.2K", 1200.0, 1200.0, 1200.0, None, 50.0, None),
    ("10^3", 1000.0, 1000.0, 1000.0, None, 0.0, None),
    ("5 × 10^-3", 5e-3, 5e-3, 5e-3, None, 5e-4, None),
    ("1\u202f000", None, None, None, None, None, None),          # a thin space inside a number: not a form
])
def test_the_parser_reads_every_printed_form(text, value, low, high, unit, half, spread):
    if value is None:
        with pytest.raises(ValueError, match="not a printed number"):
            parse(text)
        return
    p = parse(text)
    assert (p.value, p.low, p.high) == pytest.approx((value, low, high))
    assert p.unit == unit and p.half_unit == pytest.approx(half) and p.text == text
    assert p.spread == (None if spread is None else pytest.approx(spread))
    assert p.percent == (unit == "%")


def test_percent_comes_from_the_sign_or_the_callers_column_never_the_size():
    assert parse("0%").percent and parse("0.0%").half_unit == pytest.approx(0.05)
    assert not parse("0.12").percent and not parse("92.0").percent
    assert parse("92.0", percent=True).percent and not parse("1.00x", percent=True).percent
    assert parse("~10x").qualifier == "~" and parse("<0.2%").qualifier == "<"


@pytest.mark.parametrize("bad", ["", "n/a", "92.0 pts ms", "5-4x", "1.0x ± 2%", 92.0])
def test_the_parser_names_what_it_cannot_read(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        parse(bad)


def _raw_claims():
    return [c for path in ledger_files(ROOT / "claims") for c in yaml.safe_load(path.read_text()).get("claims", [])]


def test_every_ledger_value_is_a_string_as_printed_that_parses():
    claims = _raw_claims()
    assert len(claims) > 700
    for c in claims:
        assert isinstance(c["paper_value"], str), f"{c['id']}: paper_value {c['paper_value']!r} is not quoted"
        parse(c["paper_value"])
        if "paper_spread" in c:
            assert re.fullmatch(r"±\d+(\.\d+)?\S*", c["paper_spread"]), c["id"]
            assert parse(f"{c['paper_value']} {c['paper_spread']}").spread is not None
        if "printed_status" in c:
            assert c["printed_status"] in ("garbled", "derived") and c.get("printed_note"), c["id"]


def test_the_ledger_converts_a_printed_percent_to_its_artefacts_unit():
    by_id = {c["id"]: c for c in load_ledger(ROOT / "claims")}
    red = by_id["egp-t3-flops-red"]                             # "40.1%" against a column of fractions
    assert (red["paper_text"], red["paper_value"], red["rounding"]) == ("40.1%", 0.401, pytest.approx(5e-4))
    assert not red["paper_percent"] and red["margin"] == pytest.approx(0.01)      # 1 pp, as a fraction
    zero = by_id["der-t20-raw_input-entropy_reduction"]          # "0%", a column in percent (unit: "%")
    assert (zero["paper_value"], zero["margin"], zero["rounding"]) == (0.0, 1.0, 0.5)
    eat = by_id["eat-t2-eat_tau0.80-accuracy"]
    assert eat["paper_text"] == "0.8830" and eat["rounding"] == pytest.approx(5e-5)
    rng = by_id["der-s5-geometry-speedup-low"]
    assert (rng["paper_low"], rng["paper_high"], rng["paper_unit"]) == (4.0, 5.0, "x")
    spread = by_id["der-t2-synthetic_high_raw-runtime_ms"]
    assert spread["paper_spread"] == pytest.approx(0.3) and spread["paper_spread_text"] == "±0.3"


TEXT = """Table 1: Above its rows.

Dataset\tMethod\tSpeedup
Synthetic (High)\tRaw\t1.0 \\times
\tOurs\t4.14×
Synthetic (Low)\tOurs\t2.33×

model\ttau\tacc
eat\t0.90\t0.8830
eat\t0.90\t0.8831

Table 2: Below its rows.

## 3 Results
The gate saves 37.5% (\\sim 2-3.5% overhead).
### 3.1 Detail
Also 12%.
## 4 Next
Elsewhere 99%.
"""


def test_a_value_is_looked_up_in_its_table_and_row_not_anywhere():
    block, rows = locate(TEXT, "999", "Table 1", "Synthetic (High) / Ours")
    assert rows == ["\tOurs\t4.14×"] and occurs("4.14×", rows) and not occurs("2.33×", rows)
    assert occurs("1.0×", locate(TEXT, "999", "Table 1", "Synthetic (High) / Raw")[1])   # \times is ×
    assert locate(TEXT, "999", "Table 1", "Synthetic (Low) / Raw")[1] == []
    assert not occurs("4.1", rows) and not occurs("14×", rows)                       # whole numbers only


def test_a_section_holds_its_subsections_and_a_ledger_row_name_picks_its_line():
    _, rows = locate(TEXT, "999", "§3", "any")
    assert occurs("37.5%", rows) and occurs("12%", rows) and occurs("~2-3.5%", rows) and not occurs("99%", rows)
    import effbench.printed_text as pt
    pt.BELOW.add(("999", "Table 2"))                             # this caption sits under its rows
    try:
        assert locate(TEXT, "999", "Table 2", "eat_tau0.90_run2")[1] == ["eat\t0.90\t0.8831"]
        assert locate(TEXT, "999", "Table 2", "eat_tau0.90")[1] == ["eat\t0.90\t0.8830", "eat\t0.90\t0.8831"]
    finally:
        pt.BELOW.discard(("999", "Table 2"))


@pytest.mark.skipif(not PAPERS.is_dir(), reason=f"the papers' text is not here ({PAPERS})")
def test_every_ledger_value_is_found_in_its_papers_text_or_annotated(tmp_path):
    spec = importlib.util.spec_from_file_location("check_printed", ROOT / "scripts" / "check_printed.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "printed.md"
    assert script.main([str(PAPERS), "--out", str(out)]) == 0
    page = out.read_text()
    assert "| mismatch | 0 |" in page and page == (ROOT / "docs" / "claims_printed.md").read_text()
