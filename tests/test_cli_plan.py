"""asm-xl plan: the cheapest actions to the score needed, per physician, on screen or as CSV."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from asm_xl.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
GIVEN = ["--scaling-factor", "1.7", "--midpoint", "50"]


def _plan_lines(out: str) -> list[str]:
    """The plan's own lines: without the settings line before it and the pool's source paragraph after it (what
    the figures rest on, as score prints them; test_cli.py checks them)."""
    lines = [line for line in out.splitlines() if not line.startswith("settings changed from their defaults: ")]
    end = next((i for i, line in enumerate(lines) if line.startswith("Estimates, not CMS determinations. Pool: ")),
               len(lines))
    return lines[:end]
#: break-even with a given pool: r x TFS x SF - r = 0, TFS = 1 / SF: s = m - ln(SF - 1) / k (k = 0.1)
BREAK_EVEN = 50 - math.log(0.7) / 0.1


def test_plan_names_each_physicians_cheapest_actions_to_break_even(capsys):
    assert main(["plan", str(SAMPLE), *GIVEN]) == 0
    lines = _plan_lines(capsys.readouterr().out)
    assert lines[0].startswith("Cheapest actions to reach break-even (P50 factor 0)")
    # O'Brien at 52.03: one activity (+10 points, effort 1) is the cheapest way past 53.57
    assert any(line.startswith(f"  O'Brien, Siobhan (1436863751, TIN 773797322, HF 2027): 52.03 needs {BREAK_EVEN:.2f}: "
                               "Complete improvement activity IA-2 (90 days) -> 62.03 (effort 1); P50 ") for line in lines)
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
    assert _plan_lines(out)[0].startswith("Cheapest actions to reach a chance of a gain of 90% (gain_chance_target)")
    assert f"needs {BREAK_EVEN:.2f}" in out


def _episode_cost_roster(tmp_path) -> Path:
    """The sample's LBP physicians twice over (36, new NPIs), cost given as episode costs: the roster builds
    the LBP cost ladder from its own rows (20 reporters at least)."""
    import pandas as pd

    from asm_xl.model.identifiers import npi_check_digit
    from asm_xl.roster import read_roster
    lbp = read_roster(SAMPLE)
    lbp = lbp[lbp["specialty"] != "Cardiology"]
    rows = pd.concat([lbp, lbp], ignore_index=True)
    rows["npi"] = [f"{100000000 + i}{npi_check_digit(str(100000000 + i))}" for i in range(len(rows))]
    rows["cost_points"], rows["cost_episodes"] = "", "30"
    rows["episode_cost"] = [str(4000 + 150 * i) for i in range(len(rows))]
    path = tmp_path / "episodes.csv"
    rows.to_csv(path, index=False)
    return path


def test_plan_prices_each_physician_on_the_cost_ladder_the_roster_built(tmp_path):
    # re-scored alone, a physician's episode cost had no ladder (one reporter): the plan started from another
    # final score than the one it printed, and listed actions for physicians already past break-even
    out = tmp_path / "plan.csv"
    assert main(["plan", str(_episode_cost_roster(tmp_path)), *GIVEN, "--out", str(out)]) == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 36
    for r in rows:
        final, target = float(r["final_score"]), float(r["target_score"])
        if final >= target:
            assert r["actions"] == "already there", r
        elif r["reachable"] == "True":
            assert float(r["final_after"]) >= target - 1e-9 and float(r["final_after"]) > final, r


def test_plan_of_a_roster_whose_every_row_is_rejected_says_why_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    bad.write_text(lines[0] + "\n" + lines[1].replace(",416569,", ",abc,") + "\n", encoding="utf-8")
    report = tmp_path / "rejected.csv"
    assert main(["plan", str(bad), "--errors", str(report)]) == 2
    err = capsys.readouterr().err
    assert "part_b_payments" in err and "Traceback" not in err and f"error report: {report}" in err
    with open(report, encoding="utf-8-sig", newline="") as f:   # every reason, as score's report (it had none)
        assert [(r["row"], r["column"], r["value"]) for r in csv.DictReader(f)] == [("2", "part_b_payments", "abc")]
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    assert main(["plan", str(fixed), "--errors", str(report)] + GIVEN) == 0
    assert not report.exists()   # an earlier run's report removed once no row is rejected, as score does


def test_plan_names_npis_it_cannot_find_lists_exceptions_and_says_a_roster_pools_bar_moves(tmp_path, capsys):
    out = tmp_path / "plan.csv"
    roster = tmp_path / "r.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    first = lines[1]   # Okafor, with an exception: listed in the CSV as not planned
    roster.write_text("\n".join([lines[0] + ",euc_exception", first + ",yes", lines[2] + ","]) + "\n", encoding="utf-8")
    assert "euc_exception" not in head
    assert main(["plan", str(roster), *GIVEN, "--npi", "1234567893,1891394078,1035992670", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "warning: not a physician of the roster's valid rows: 1234567893" in captured.err
    # not an NPI at all: an error naming it, as from-cms's --npi (it warned, planned nothing, exited 0; then exit 1)
    with pytest.raises(SystemExit) as stop:   # a usage error (a wrong option), as any: exit 2 (it was 1, "nothing matched")
        main(["plan", str(roster), *GIVEN, "--npi", "1891394078,123"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == ("asm-xl plan: error: argument --npi: '123' is not allowed "
                                                        "(must be a 10-digit NPI (3 characters given))")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = {r["npi"]: r for r in csv.DictReader(fh)}
    assert rows["1891394078"]["actions"] == "exception: neutral factor, not planned"
    assert main(["plan", str(SAMPLE), "--pool", "roster"]) == 0
    said = capsys.readouterr()
    assert "the score needed moves as the roster's physicians improve" in said.out
    assert "roster" in said.err   # the roster pool's own warning: far smaller than CMS's cohort


def _no_final_score_roster(tmp_path) -> Path:
    """Mensah with neither category scored: no cost, Q492's rate blank and 10 cases on each other measure (the
    case minimum is 20), yet every measure at 75% completeness: the minimum submission is met, the final
    score cannot be computed (pd.NA)."""
    from asm_xl.roster import read_roster
    roster = read_roster(SAMPLE)
    row = roster[roster["npi"] == "1035992670"].copy()
    row["cost_points"] = row["cost_episodes"] = row["q492_rate"] = ""
    for m in ("q008", "q005", "q236", "q377"):
        row[f"{m}_eligible"] = row[f"{m}_reported"] = "10"
    path = tmp_path / "nofinal.csv"
    row.to_csv(path, index=False)
    return path


def test_a_physician_without_a_final_score_is_said_so_by_score_and_plan_not_a_traceback(tmp_path, capsys):
    # "final != final" on pd.NA raised TypeError (boolean value of NA is ambiguous): a traceback, exit 1
    path = _no_final_score_roster(tmp_path)
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Mensah, Kwame" in out and "not computable" in out
    assert "Mensah, Kwame (NPI 1035992670, TIN 83-7035914): Neither quality nor cost is scored" in out
    assert main(["plan", str(path)]) == 0
    captured = capsys.readouterr()
    assert "not planned, no final score (asm-xl score says why): Mensah, Kwame (NPI 1035992670)" in captured.err
    assert "0 of 0 physician(s) already there" in captured.out


def test_plan_of_an_npi_not_on_the_roster_is_exit_1_not_an_empty_plan(tmp_path, capsys):
    # a valid NPI (Luhn) of no physician of the roster: the README's exit 1 "nothing matched", as from-cms's
    out = tmp_path / "plan.csv"
    assert main(["plan", str(SAMPLE), *GIVEN, "--npi", "1234567893", "--out", str(out)]) == 1
    assert "no physician of the roster's valid rows has NPI 1234567893; nothing planned" in capsys.readouterr().err
    assert not out.exists()
    # one of two found: planned, the other named in a warning
    assert main(["plan", str(SAMPLE), *GIVEN, "--npi", "1234567893,1436863751", "--out", str(out)]) == 0
    assert "not a physician of the roster's valid rows: 1234567893" in capsys.readouterr().err


def test_plan_leaves_out_a_physician_cms_lists_as_not_participating_and_names_those_asked_for(tmp_path, capsys):
    # O'Brien (52.03, below break-even) is planned from the roster alone; CMS's file says No for 2027 (no adjustment):
    # not planned, as the dashboard shows him (plan took no participants file and planned him). Asked for by NPI,
    # a physician already there (Mensah) or not planned is named too ("0 of 0 physician(s) already there" named none).
    from cms_files import cms_row, write_cms_csv
    import pandas as pd
    npis = pd.read_csv(SAMPLE, dtype=str)["npi"].str.strip()
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(n, cy27_participant="No" if n == "1436863751" else "Yes")
                                               for n in npis])
    assert main(["plan", str(SAMPLE), *GIVEN, "--cms-participants", str(cms)]) == 0
    out = capsys.readouterr().out
    assert "1 not participating (CMS) not planned" in _plan_lines(out)[0]
    assert "O'Brien" not in out
    assert main(["plan", str(SAMPLE), *GIVEN, "--cms-participants", str(cms), "--npi", "1436863751,1035992670"]) == 0
    lines = _plan_lines(capsys.readouterr().out)
    assert lines[1:] == [
        f"  Mensah, Kwame (1035992670, TIN 83-7035914, HF 2027): 74.15 needs {BREAK_EVEN:.2f}: already there -> 74.15 "
        "(effort 0)",
        "  O'Brien, Siobhan (1436863751, TIN 773797322, HF 2027): 52.03: not participating (CMS's participants file): "
        "no adjustment, not planned"]


def _dollars(final: float, payments: float) -> float:
    """One draw's dollars, by hand: (r x TFS x SF - r) x payments, r = 9% (2027), TFS = 1 / (1 + exp(-0.1 (s - 50)))."""
    return (0.09 * 1.7 / (1 + math.exp(-0.1 * (final - 50))) - 0.09) * payments


def test_plan_says_in_dollars_what_each_physicians_plan_is_worth_and_the_plans_together(tmp_path, capsys):
    out = tmp_path / "plan.csv"
    assert main(["plan", str(SAMPLE), *GIVEN, "--out", str(out)]) == 0
    together = _plan_lines(capsys.readouterr().out)[-1]
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = {r["npi"]: r for r in csv.DictReader(fh)}
    obrien, mensah = rows["1436863751"], rows["1035992670"]
    pay = float(obrien["part_b_payments"])
    before, after = _dollars(float(obrien["final_score"]), pay), _dollars(float(obrien["final_after"]), pay)
    assert math.isclose(float(obrien["dollars_p50_before"]), before, rel_tol=1e-9)
    assert math.isclose(float(obrien["dollars_p50_after"]), after, rel_tol=1e-9)
    assert before < 0 < after and obrien["p_gain_before"] == "0.0" and obrien["p_gain_after"] == "1.0"
    # a given pool is one draw: the change's P10, P50 and P90 are that draw's change
    for p in ("p10", "p50", "p90"):
        assert math.isclose(float(obrien[f"value_{p}"]), after - before, rel_tol=1e-9)
    assert float(mensah["value_p50"]) == 0.0 and mensah["dollars_p50_before"] == mensah["dollars_p50_after"]
    # together: one draw, so the total is the sum of the plans' own values
    values = [float(r["value_p50"]) for r in rows.values() if r["value_p50"]]
    taking = sum(1 for r in rows.values() if r["value_p50"] and r["final_after"] != r["final_score"])
    total = f"{sum(values):,.0f}"
    assert together.startswith(f"Together, {taking} physician(s) taking their plan: +${total} a year at P50 "
                               f"[P10 +${total}, P90 +${total}]")
    main(["plan", str(SAMPLE), *GIVEN, "--npi", "1436863751"])
    assert (f"-> 62.03 (effort 1); P50 -${-before:,.0f} -> +${after:,.0f}: worth +${after - before:,.0f} a year "
            f"[P10 +${after - before:,.0f}, P90 +${after - before:,.0f}]") in capsys.readouterr().out


def test_plan_worth_over_the_national_pool_is_a_range_never_below_zero(tmp_path):
    out = tmp_path / "plan.csv"
    assert main(["plan", str(SAMPLE), "--out", str(out)]) == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["value_p50"]]
    assert len(rows) >= 18
    for r in rows:
        p10, p50, p90 = (float(r[f"value_{p}"]) for p in ("p10", "p50", "p90"))
        assert 0 <= p10 <= p50 <= p90   # actions never lower the final score; every draw's factor rises with it
        if r["final_after"] != r["final_score"]:
            assert p10 > 0 and float(r["dollars_p50_after"]) > float(r["dollars_p50_before"])
