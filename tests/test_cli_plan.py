"""asm-xl plan: the cheapest actions to the score needed, per physician, on screen or as CSV."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from asm_xl.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
GIVEN = ["--scaling-factor", "1.7", "--midpoint", "50"]
#: break-even with a given pool: r x TFS x SF - r = 0, TFS = 1 / SF: s = m - ln(SF - 1) / k (k = 0.1)
BREAK_EVEN = 50 - math.log(0.7) / 0.1


def test_plan_names_each_physicians_cheapest_actions_to_break_even(capsys):
    assert main(["plan", str(SAMPLE), *GIVEN]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Cheapest actions to reach break-even (P50 factor 0)")
    # O'Brien at 52.03: one activity (+10 points, effort 1) is the cheapest way past 53.57
    assert (f"  O'Brien, Siobhan (1436863751, HF 2027): 52.03 needs {BREAK_EVEN:.2f}: Complete improvement activity "
            "IA-2 (90 days) -> 62.03 (effort 1)") in lines
    assert not any(line.startswith("  Mensah, Kwame") for line in lines)   # 74.15: already there


def test_plan_of_chosen_physicians_as_csv(tmp_path, capsys):
    out = tmp_path / "plan.csv"
    assert main(["plan", str(SAMPLE), *GIVEN, "--npi", "1436863751,1035992670", "--out", str(out)]) == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["npi"] for r in rows] == ["1035992670", "1436863751"]
    mensah, obrien = rows
    assert mensah["actions"] == "already there" and mensah["effort"] == "0.0"
    assert math.isclose(float(obrien["target_score"]), BREAK_EVEN, rel_tol=1e-6)
    assert obrien["reachable"] == "True" and float(obrien["final_after"]) >= BREAK_EVEN
    assert main(["plan", str(SAMPLE), "--out", str(out)]) == 1   # kept without --overwrite
    assert "exists" in capsys.readouterr().err


def test_plan_to_a_likely_gain_aims_at_the_target_chance(capsys):
    # a given pool is one draw: the chance of a gain is 0 or 1, so any target chance needs break-even
    assert main(["plan", str(SAMPLE), *GIVEN, "--target", "gain", "--set", "gain_chance_target=0.9"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Cheapest actions to reach a chance of a gain of 90% (gain_chance_target)")
    assert f"needs {BREAK_EVEN:.2f}" in out
