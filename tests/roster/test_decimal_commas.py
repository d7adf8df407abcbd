"""A roster written where the comma is the decimal separator: Excel's semicolon CSV, and its tab-separated
"Unicode Text" (UTF-16), whose decimal commas were read as thousands groups or refused row by row."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from asm_xl.roster import read_roster, validate_roster
from asm_xl.roster.decimal_comma import may_be_grouped

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
NUMBER = re.compile(r"-?\d*\.\d+")
GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")   # the sample's "312,450" (dollars with a US thousands comma)


def _european(rows: list[list[str]]) -> list[list[str]]:
    """The roster as a European Excel writes it: every decimal point a comma, no thousands grouping."""
    return [rows[0]] + [[c.replace(".", ",") if NUMBER.fullmatch(c) else c.replace(",", "") if GROUPED.fullmatch(c)
                         else c for c in r] for r in rows[1:]]


def _sample() -> list[list[str]]:
    with open(SAMPLE, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_excels_unicode_text_with_decimal_commas_scores_as_the_sample(tmp_path):
    rows = _sample()
    path = tmp_path / "unicode_text.csv"
    path.write_bytes("\r\n".join("\t".join(r) for r in _european(rows)).encode("utf-16"))   # with its BOM
    df = read_roster(path)
    assert any(w.startswith("tab-separated file with decimal commas: ") for w in df.attrs["roster_warnings"])
    got, want = validate_roster(df), validate_roster(read_roster(SAMPLE))
    assert got.ok and len(got.scored.scores) == 30
    assert got.scored.scores["final_score"].tolist() == want.scored.scores["final_score"].tolist()
    assert got.scored.scores["part_b_payments"].tolist() == want.scored.scores["part_b_payments"].tolist()


def test_a_tab_separated_file_with_decimal_points_keeps_its_thousands_commas(tmp_path):
    rows = _sample()
    j = rows[0].index("part_b_payments")
    rows[1][j] = "416,569"   # a US thousands group, where fractions have decimal points
    path = tmp_path / "tabs.csv"
    path.write_text("\n".join("\t".join(r) for r in rows), encoding="utf-8")
    v = validate_roster(read_roster(path))
    assert v.ok and v.scored.scores["part_b_payments"].iloc[0] == 416569.0
    assert may_be_grouped("part_b_payments") and not may_be_grouped("pi_score")


def test_a_percent_with_a_decimal_comma_is_read_in_a_semicolon_file(tmp_path):
    rows = _sample()[:3]
    rows[1][rows[0].index("pi_score")] = "69,0%"
    rows[2][rows[0].index("pi_score")] = "71 %"
    path = tmp_path / "european.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    v = validate_roster(read_roster(path))
    assert v.ok and v.valid["pi_score"].tolist() == ["69.0%", "71 %"]
    assert v.scored.scores["pi_adjustment"].round(9).tolist() == [-3.1, -2.9]   # -10 x (1 - PI)
