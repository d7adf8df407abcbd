"""Benchmark: the per-call cost of each ``ASM_*`` function against a plain-Python floor.

Each function is called through :func:`asm_xl.excel.registry.call` (what the workbook evaluator
does when its memo misses) with the arguments a generated workbook gives it: Python floats, text,
``None`` for blanks, ranges as lists of lists, and the Assumptions range (a 2-column list, the same
object for every call, as in one evaluation). The *floor* is the same arithmetic written in plain
Python with the default settings' numbers, called with the same arguments (no argument checks, no
settings parsing, no error values): the least any implementation could cost. Issue 10 asks for ratio = per call / floor <= 5.

Also: each function given a column of ``--cells`` cells for its first one-cell argument (one spilled
call, µs per cell); ``ASM_FACTOR`` against cohort ranges of 1,000 and 10,000 final scores (linear in
the size?); and a ``--sheet``-physician sheet recalculated through the function layer, cell by cell
and as spilled calls (issue 10: <= 50 ms of Python per recalc).

Run:  python bench/bench_functions.py [--repeats 7] [--number 2000] [--only ASM_FINAL,...] [--cells 1000] [--sheet 1000]

Figures are medians of ``--repeats`` timings of ``--number`` calls each, in microseconds per call.
"""

from __future__ import annotations

import argparse
import bisect
import math
import statistics
import sys
import time

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call
from asm_xl.model.settings import DEFAULT_SETTINGS as S

ASSUMPTIONS = [[i.name, i.value] for i in S.describe()]
LADDER = [1.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]   # Q236, MIPS CQM
COST_LADDER = [[9000.0, 8000.0, 7000.0, 6500.0, 6000.0, 5500.0, 5000.0, 4500.0, 4000.0, 3500.0]]
POINTS = [[7.5], [4.0], [0.0], ["-"], [9.1]]
COMPLETENESS = [[0.9], ["n/a"], [0.5], [0.8], [1.0]]
CASES = [[40.0], ["n/a"], [30.0], [10.0], [25.0]]
HF_MEASURES = [["Q492"], ["Q008"], ["Q005"], ["Q236"], ["Q377"], [""]]   # the Score sheet's column A
FINALS = [[float(x)] for x in range(5, 95, 3)]
RISK = {2027: 0.09, 2028: 0.09, 2029: 0.10, 2030: 0.11, 2031: 0.12}
LADDERS = {("Q236", "MIPS CQM"): LADDER}


def _percentile(f: float, finals: list) -> float:
    s = sorted(x for (x,) in finals)
    return 100.0 * (bisect.bisect_left(s, f) + bisect.bisect_right(s, f)) / (2.0 * len(s))


def _points(x: float, b: list) -> float:
    k = bisect.bisect_right(b, x, 1)
    if k >= 10:
        return 10.0
    if k == 1 and x < b[0]:
        return 1.0
    return k + (x - b[k - 1]) / (b[k] - b[k - 1])


def _factor(f: float, r: float, sf: float) -> float:
    tfs = 1.0 / (1.0 + math.exp(-S.tfs_steepness * (f - S.tfs_midpoint)))
    x = r * tfs * sf - r if f > 0 else -r
    return min(max(x, -r), r)


def _final(q, c, ia, pi, bonus, size, met):
    w = S.quality_weight
    wq, wc = (w, 1.0 - w) if q is not None and c is not None else ((1.0, 0.0) if q is not None else (0.0, 1.0))
    ps = S.solo_practice_bonus if size <= 1 else (S.small_practice_bonus if size <= S.small_practice_max_clinicians
                                                  else 0.0)
    raw = (100.0 * (wq * (q or 0.0) + wc * (c or 0.0)) - S.ia_penalty_per_missing * (2 - ia)
           - S.pi_max_penalty * (1.0 - pi) + bonus + ps)
    return min(max(raw, 0.0), 100.0) if met else 0.0


def _quality(p, c, n):
    num = den = 0.0
    for (pi,), (ci,), (ni,) in zip(p, c, n):
        admin = ci == "n/a"
        cv = 1.0 if admin else ci
        nv = 20.0 if ni == "n/a" else ni
        if not admin and cv < S.completeness_threshold:
            den += 10.0
        elif nv >= S.case_minimum:
            num += 0.0 if pi == "-" else pi
            den += 10.0
    return num / den


def _scaling(finals):
    fs = [f for (f,) in finals]
    tfs = sum(1.0 / (1.0 + math.exp(-0.1 * (f - 50.0))) for f in fs if f > 0)
    return (1.0 - 0.0) * len(fs) / tfs


CASES_TABLE = {
    # name: (arguments, plain-Python floor taking the same arguments)
    "ASM_MEASURE_POINTS": (("Q236", "MIPS CQM", 0.655, None, ASSUMPTIONS),
                           lambda m, c, r, y, a: _points(round(r * 100.0, 9), LADDERS[m, c])),
    "ASM_POINTS": ((65.5, [LADDER], None, None, ASSUMPTIONS), lambda v, lad, i, t, a: _points(v, lad[0])),
    "ASM_MEASURE": (("points", "HF", "236", "MIPS CQM", 40.0, 36.0, None, 0.655, None, None, ASSUMPTIONS),
                    lambda item, co, m, c, e, rep, comp, r, p, y, a:
                    _points(round(r * 100.0, 9), LADDERS["Q" + m, c])
                    if rep / e >= S.completeness_threshold and e >= S.case_minimum else 0.0),
    "ASM_COMPLETENESS": ((36.0, 40.0), lambda r, e: r / e if e > 0 else 0.0),
    # as the Score sheet calls it: with the cohort and the table's measures (every one there: none added)
    "ASM_QUALITY": ((POINTS, COMPLETENESS, CASES, ASSUMPTIONS, "HF", HF_MEASURES),
                    lambda p, c, n, a, co, m: _quality(p, c, n)),
    "ASM_MISSING_MEASURES": (("HF", HF_MEASURES, ASSUMPTIONS),
                             lambda co, m, a: f"Every {co} measure is on the measure table."),
    "ASM_MIN_SUBMISSION": ((COMPLETENESS, None, ASSUMPTIONS),
                           lambda comp, t, a: any(c != "n/a" and c >= S.completeness_threshold for (c,) in comp)),
    "ASM_COST": ((6200.0, 35.0, COST_LADDER, ASSUMPTIONS),
                 lambda v, e, lad, a: _points(-v, [-x for x in lad[0]]) / 10.0 if e >= S.cost_episode_minimum
                 else None),
    "ASM_IA_DONE": (("yes", "no"), lambda a, b: (a.lower() == "yes") + (b.lower() == "yes")),
    "ASM_IA_ADJ": ((1.0, ASSUMPTIONS), lambda n, a: -S.ia_penalty_per_missing * (2 - n)),
    "ASM_PI_ADJ": ((0.8, ASSUMPTIONS), lambda pi, a: -S.pi_max_penalty * (1.0 - pi)),
    "ASM_COMPLEX_BONUS": ((7.5, ASSUMPTIONS), lambda b, a: b if 0.0 <= b <= S.complex_bonus_max else None),
    "ASM_PRACTICE_BONUS": ((8.0, None, ASSUMPTIONS), lambda n, s, a: S.solo_practice_bonus if n <= 1 else (
        S.small_practice_bonus if n <= S.small_practice_max_clinicians else 0.0)),
    "ASM_FINAL": ((0.62, 0.7, 1.0, 0.8, 2.0, 8.0, True, None, ASSUMPTIONS), lambda *a: _final(*a[:7])),
    "ASM_NOTE": ((0.62, "#N/A", True, ASSUMPTIONS),
                 lambda q, c, m, a: "Cost not scored: its weight moves to quality [ASSUMPTION]." if c == "#N/A" else ""),
    "ASM_TFS": ((62.0, None, ASSUMPTIONS), lambda f, m, a: 1.0 / (1.0 + math.exp(-S.tfs_steepness * (f - S.tfs_midpoint)))),
    "ASM_SCALING": ((FINALS, 2027.0, None, ASSUMPTIONS), lambda f, y, p, a: _scaling(f)),
    "ASM_FACTOR": ((62.0, 2027.0, 1.0, None, None, ASSUMPTIONS), lambda f, y, sf, p, e, a: _factor(f, RISK[int(y)], sf)),
    "ASM_MULTIPLIER": ((62.0, 2027.0, 1.0, None, None, ASSUMPTIONS),
                       lambda f, y, sf, p, e, a: 1.0 + _factor(f, RISK[int(y)], sf)),
    "ASM_IMPACT": ((0.021, 250000.0), lambda f, p: f * p),
    "ASM_RISK_LEVEL": ((2027.0,), lambda y: RISK[int(y)]),
    "ASM_PAYMENT_YEAR": ((2027.0,), lambda y: int(y) + 2),
    "ASM_PERCENTILE": ((62.0, FINALS), lambda f, fs: _percentile(f, fs)),
    "ASM_WHY": (("ASM_QUALITY", POINTS, COMPLETENESS, CASES, ASSUMPTIONS),
                lambda n, p, c, k, a: _quality(p, c, k) and "OK"),
}


def per_call(fn, number: int, repeats: int) -> float:
    """Median over ``repeats`` of the time per call (µs) of ``number`` calls."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number * 1e6)
    return statistics.median(times)


def spilled_per_cell(name: str, args: tuple, cells: int, repeats: int) -> float | None:
    """µs per cell of one call given a column of ``cells`` copies of its first one-cell argument."""
    fn = REGISTRY[name]
    if not fn.mapped or name == "ASM_WHY":
        return None
    i = fn.mapped[0]
    spilled = args[:i] + ([[args[i]]] * cells,) + args[i + 1:]
    return per_call(lambda: call(name, *spilled), 1, repeats) / cells


def cohort_scaling(sizes: tuple[int, ...], repeats: int) -> list[tuple[int, float, float]]:
    """ASM_FACTOR of one final score against a cohort range of n final scores: (n, µs per call when
    the range is the same list as the last call's (our evaluator), µs when it is an equal list built
    anew (Excel through xlwings), solve included once per distinct content)."""
    rows = []
    for n in sizes:
        cohort = [[float(5 + (i * 37) % 90)] for i in range(n)]
        call("ASM_FACTOR", 62.0, 2027.0, cohort, None, None, ASSUMPTIONS)
        same = per_call(lambda: call("ASM_FACTOR", 62.0, 2027.0, cohort, None, None, ASSUMPTIONS), 200, repeats)
        copies = [[list(r) for r in cohort] for _ in range(20)]
        it = iter(copies * repeats)
        fresh = per_call(lambda: call("ASM_FACTOR", 62.0, 2027.0, next(it), None, None, ASSUMPTIONS), 20, repeats)
        rows.append((n, same, fresh))
    return rows


def physician_sheet(n: int, repeats: int) -> dict[str, float]:
    """ms of Python per recalc of a sheet of n physicians: each row's factor against the sheet's own
    cohort (column B) and its dollar impact, cell by cell or as two spilled calls. The cohort memo is
    emptied before each recalc, so every recalc solves the cohort once (as after an edit)."""
    from asm_xl.excel.payment_functions import COHORT_POINTS
    finals = [[float(5 + (i * 37) % 90)] for i in range(n)]
    payments = [[100_000.0 + 1_000.0 * (i % 200)] for i in range(n)]

    # xlwings builds the cohort range anew for every cell; built here beforehand, so only our time counts
    fresh_cohorts = [[list(r) for r in finals] for _ in range(n)]

    def by_cell(fresh: bool):
        COHORT_POINTS.clear()
        out = []
        for (f,), (p,), cohort in zip(finals, payments, fresh_cohorts if fresh else [finals] * n):
            out.append(call("ASM_IMPACT", call("ASM_FACTOR", f, 2027.0, cohort, None, None, ASSUMPTIONS), p))
        return out

    def spilled():
        COHORT_POINTS.clear()
        return call("ASM_IMPACT", call("ASM_FACTOR", finals, 2027.0, finals, None, None, ASSUMPTIONS), payments)

    assert [[x] for x in by_cell(False)] == spilled() == [[x] for x in by_cell(True)]
    runs = {"cell by cell, one cohort list (our evaluator)": lambda: by_cell(False),
            "cell by cell, cohort list per call (xlwings)": lambda: by_cell(True),
            "two spilled calls": spilled}
    return {k: per_call(f, 1, repeats) / 1000.0 for k, f in runs.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--number", type=int, default=2000)
    ap.add_argument("--only", default="")
    ap.add_argument("--cells", type=int, default=1000, help="cells of the column in the spilled calls")
    ap.add_argument("--sheet", type=int, default=1000, help="physicians of the sheet recalculated")
    a = ap.parse_args(argv)
    missing = sorted(set(REGISTRY) - set(CASES_TABLE))
    if missing:
        print("no case for:", ", ".join(missing))
    names = [n.strip().upper() for n in a.only.split(",") if n.strip()] or sorted(CASES_TABLE)
    print(f"{'function':<20} {'result':>14} {'µs/call':>9} {'floor µs':>9} {'ratio':>7} {'spilled µs/cell':>16} "
          f"{'ratio':>7}")
    ratios, spilled_ratios = [], []
    for name in names:
        args, floor = CASES_TABLE[name]
        result = call(name, *args)
        us = per_call(lambda: call(name, *args), a.number, a.repeats)
        fl = per_call(lambda: floor(*args), a.number, a.repeats)
        sp = spilled_per_cell(name, args, a.cells, a.repeats)
        ratios.append(us / fl)
        shown = f"{result:.6g}" if isinstance(result, float) else str(result)[:14]
        sp_text = f"{sp:16.2f} {sp / fl:7.1f}" if sp is not None else f"{'-':>16} {'-':>7}"
        if sp is not None:
            spilled_ratios.append(sp / fl)
        print(f"{name:<20} {shown:>14} {us:9.2f} {fl:9.2f} {us / fl:7.1f} {sp_text}")
    print(f"median ratio {statistics.median(ratios):.1f} (spilled, per cell: "
          f"{statistics.median(spilled_ratios):.1f}); functions above 5x: {sum(r > 5 for r in ratios)} of "
          f"{len(ratios)} (spilled: {sum(r > 5 for r in spilled_ratios)} of {len(spilled_ratios)})")
    print("\nASM_FACTOR against a cohort range of n final scores (µs per call; target: linear in n)")
    for n, same, fresh in cohort_scaling((1_000, 10_000), a.repeats):
        print(f"  n={n:>6,}: same list {same:8.2f}   equal list built anew {fresh:9.1f}  ({fresh / n * 1e3:.1f} ns a cell)")
    print(f"\nA {a.sheet:,}-physician sheet (factor against the sheet's cohort + impact), ms of Python per recalc "
          "(target <= 50 ms)")
    for k, ms in physician_sheet(a.sheet, a.repeats).items():
        print(f"  {k:<48} {ms:9.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
