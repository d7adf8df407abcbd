"""ASM_* functions that return a table (rows of values with a header row), which Excel 365 spills:
the ranked actions of one physician and the five-year projection.

``ASM_ACTIONS`` reads the physician's inputs as the workbook's Inputs sheet holds them (five ranges,
each a column in a fixed order, see :data:`PARTICIPANT_FIELDS` ...) and calls the model's
:func:`~asm_xl.model.actions.participant_actions`, so a workbook shows what the cohort API gives.
``ASM_PROJECTION`` prices one final score over the performance years by
:func:`~asm_xl.model.projection.yearly_projection`, the function behind the dashboard's
:func:`~asm_xl.model.projection.project_five_years` (an exception of the year given makes that year
neutral, as there).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from asm_xl.excel import values as xv
from asm_xl.excel.duplicates import first_rows, measure_key
from asm_xl.excel.arguments import (ASSUMPTIONS, NO_LADDER, YEAR, RangeMemo, optional_ladder, participation_arg,
                                    settings_arg, year_arg)
from asm_xl.excel.exception_cells import (EXCEPTION_FIELDS, EXCEPTIONS_DOC, excepted_arg, exception_values,
                                          not_participating_cell)
from asm_xl.excel.ladder_functions import LADDERS, quality_ladders_arg
from asm_xl.excel.registry import Arg, excel_function
from asm_xl.excel.score_functions import asm_cohort
from asm_xl.model.actions import action_values, participant_actions
from asm_xl.model.benchmarks import LadderOverrides
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort, performance_years
from asm_xl.model.projection import yearly_projection
from asm_xl.model.settings import Settings
from asm_xl.model.validation import DOLLARS_ALLOWED, MAX_DOLLARS

__all__ = ["PARTICIPANT_FIELDS", "MEASURE_TABLE_FIELDS", "COST_FIELDS", "ACTIVITY_FIELDS", "EXCEPTION_FIELDS",
           "ACTIONS_HEADER", "PROJECTION_HEADER"]

#: The cells of each ASM_ACTIONS range, in order: the roster columns they are (the Inputs sheet's order).
PARTICIPANT_FIELDS = ("npi", "tin", "name", "specialty", "cohort", "performance_year", "practice_size",
                      "part_b_payments", "submitted_on_time", "small_practice")
#: measure table columns (None: a column read but not used, the measure's title)
MEASURE_TABLE_FIELDS = ("measure", None, "collection_type", "eligible", "reported", "rate", "points", "completeness")
COST_FIELDS = ("cost_episodes", "episode_cost", "cost_points")
ACTIVITY_FIELDS = ("ia1_done", "ia2_done", "pi_score", "complex_bonus")

ACTIONS_HEADER = ["Action", "Final score change", "Value P50 ($)", "Value P10 ($)", "Value P90 ($)"]
PROJECTION_HEADER = ["Performance year", "Payment year", "Risk level", "Dollars at risk", "P10 ($)", "P50 ($)",
                     "P90 ($)", "Cumulative P50 ($)"]
_IDENTITY = frozenset({"npi", "tin", "name", "specialty"})
NO_ACTION = "No action changes the estimate (no final score, an exception, or nothing left to gain)"
NOT_PARTICIPATING_ACTION = ("No action changes the estimate: not participating this performance year (CMS's ASM "
                            "Participants file), so no ASM adjustment")

#: the actions of one physician's inputs, computed once per distinct content
ACTIONS_MEMO = RangeMemo(size=1024)


def _cells(name: str, v: object, fields: tuple) -> dict:
    flat = [None] if v is None else xv.flatten(name, v)
    if len(flat) != len(fields):
        raise xv.ExcelError("#VALUE!", f"{name}: {len(fields)} cells needed ({', '.join(f for f in fields if f)}), "
                                       f"got {len(flat)}")
    for f, x in zip(fields, flat):
        if f and f not in _IDENTITY:  # the identity cells do not score (see participant_row)
            xv.reject_input_error(f"{name}: {f}", x)
    return {f: (None if xv.is_blank(x) else x) for f, x in zip(fields, flat) if f}


def _measure_cells(cohort: str, v: object) -> dict:
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in (v if isinstance(v, list) else [[v]])]
    if any(len(r) != len(MEASURE_TABLE_FIELDS) for r in rows):
        raise xv.ExcelError("#VALUE!", f"measures: {len(MEASURE_TABLE_FIELDS)} columns needed (measure, title, "
                                       "collection type, eligible, reported, rate, points, completeness)")
    measures = get_cohort(cohort).measures
    keys = {m.id: m.key for m in measures}   # "Q236", "236" and 236 are one measure, as ASM_MEASURE reads them
    out = {}
    for i, (r, first) in enumerate(zip(rows, first_rows([r[0] for r in rows]))):
        label = r[0]
        if xv.is_blank(label) or (first is not None and first != i):
            continue  # a blank row, or a measure entered again: its first row counts, not this one
        key = keys.get(measure_key(label))
        if key is None:
            raise xv.ExcelError("#VALUE!", f"measures: {label!r} is not a measure of cohort {cohort} "
                                           f"({', '.join(m.label for m in measures)})")
        for field, x in zip(MEASURE_TABLE_FIELDS[2:], r[2:]):
            xv.reject_input_error(f"measures: {label} {field}", x)
            if not xv.is_blank(x):
                out[f"{key}_{field}"] = x
    return out


def participant_row(participant, measures, cost, activities, exceptions_) -> dict:
    """The roster row (column → value) of the five input ranges; blank cells are left out."""
    row = _cells("participant", participant, PARTICIPANT_FIELDS)
    # the cohort scored: the cohort cell, else the specialty's (ASM_COHORT's, as a roster row's)
    try:
        cohort = row["cohort"] = asm_cohort(row.get("specialty"), row.get("cohort"))
    except ASMInputError as e:
        raise xv.ExcelError(xv.ExcelError.from_input_error(e).code, f"participant: {e}") from None
    except xv.ExcelError as e:   # an error value in the specialty cell
        raise xv.ExcelError(e.code, f"participant: {e.reason}") from None
    row.update(_cells("cost", cost, COST_FIELDS))
    row.update(_cells("activities", activities, ACTIVITY_FIELDS))
    if exceptions_ is not None:
        row.update(_cells("exceptions", exception_values(exceptions_)[:len(EXCEPTION_FIELDS)], EXCEPTION_FIELDS))
    row.update(_measure_cells(cohort, measures))
    # the identity cells are read (their places are fixed) but do not score: a typo in an NPI does
    # not hide the actions (the Score sheet does not read them either); the specialty only decides
    # the cohort above, as the Score sheet's Sc_Cohort (ASM_COHORT)
    return {k: v for k, v in row.items() if v is not None and k not in _IDENTITY}


def cost_ladders_arg(cohort: object, cost_ladder: object) -> dict | None:
    """The ``cost_ladders`` of :func:`~asm_xl.model.actions.participant_actions` for a ladder range:
    omitted -> None (the model's default); an empty range -> ``{cohort: None}``, no cost ladder, so
    episode costs are not scored (as ``ASM_COST`` with that range); ten values -> that ladder
    (descending: lower cost is better), as ``ASM_COST`` reads it."""
    ladder = optional_ladder(cost_ladder, inverse=True, name="cost_ladder")
    if ladder is None:
        return None
    return {get_cohort(xv.text("cohort", cohort)).code: None if ladder is NO_LADDER else ladder}


def _actions_table(participant, measures, cost, activities, exceptions_, cost_ladder, s: Settings,
                   ladders: LadderOverrides | None = None) -> list[list]:
    row = participant_row(participant, measures, cost, activities, exceptions_)
    if not_participating_cell(exceptions_):
        return [list(ACTIONS_HEADER), [NOT_PARTICIPATING_ACTION, "", "", "", ""]]
    try:
        actions = participant_actions(row, settings=s, cost_ladders=cost_ladders_arg(row["cohort"], cost_ladder),
                                      ladders=ladders, columns=_SHOWN)
    except ASMInputError as e:  # a number -> #NUM!, text or a blank -> #VALUE!, as every function's input error
        raise xv.ExcelError.from_input_error(e) from None
    return _table_of(actions)


def _table_of(actions) -> list[list]:
    """The spilled table of one physician's rows of :func:`~asm_xl.model.actions.action_values`."""
    return _tables(actions, [0] * len(actions), 1)[0]


#: the columns of :func:`~asm_xl.model.actions.action_values` an ASM_ACTIONS table shows (only these are computed)
_SHOWN = ("label", "final_change", "value_p50", "value_p10", "value_p90")


def _tables(actions, owner, n: int) -> list[list[list]]:
    """The tables of ``n`` physicians from their rows of ``actions`` (``owner``: each row's physician)."""
    tables = [[list(ACTIONS_HEADER)] for _ in range(n)]
    columns = [actions[c].tolist() for c in _SHOWN]
    for i, label, change, p50, p10, p90 in zip(owner, *columns):
        tables[i].append([str(label), float(change), float(p50), float(p10), float(p90)])
    for t in tables:
        if len(t) == 1:
            t.append([NO_ACTION, "", "", "", ""])
    return tables


def _actions_batch(calls: list[tuple]) -> None:
    """ASM_ACTIONS of many physicians (a generated roster's workbooks) in one vectorized
    :func:`~asm_xl.model.actions.action_values` per settings (and per cost ladder where two calls give
    one cohort and year different ladders), kept in :data:`ACTIONS_MEMO` for the calls that follow. A
    physician's actions do not depend on the other rows of the frame once the cost ladder is given
    (packaged benchmarks, the pool in force), so each table is the one :func:`_actions_table` gives.
    Rows the batch leaves out (an input error, an omitted ladder) compute themselves. Only the columns
    the tables show are asked for (the final scores before and after are not priced)."""
    groups: dict = {}   # (settings, your quality ladders) -> [(ladders {(cohort, year): ladder}, [(memo args, row)])]
    ACTIONS_MEMO.make_room(len(calls))   # every result of this batch is kept until its calls read it
    for args in calls:
        participant, measures, cost, activities, exceptions_, cost_ladder, assumptions, quality = args
        try:
            s = settings_arg(assumptions)
            q = quality_ladders_arg(quality)
            row = participant_row(participant, measures, cost, activities, exceptions_)
            if not_participating_cell(exceptions_):   # no actions: the call says so itself, at once
                continue
            ladders = cost_ladders_arg(row["cohort"], cost_ladder)
            year = int(xv.number("performance_year", row.get("performance_year")))
        except (xv.ExcelError, ASMInputError):   # the call computes itself and says why
            continue
        if ladders is None or s.pool == "roster":  # the frame's own rows would build the ladder / pool
            continue
        (code, ladder), = ladders.items()
        # the ladder scores an episode cost given without cost points; for any other row it is not read
        key = (code, year) if "episode_cost" in row and "cost_points" not in row else None
        for given, items in groups.setdefault((s, q), []):
            if key is None or given.get(key, ladder) == ladder:
                break
        else:
            given, items = {}, []
            groups[(s, q)].append((given, items))
        if key is not None:
            given[key] = ladder
        items.append((args[:-2] + (s, q), row))
    for (s, q), parts in groups.items():
        for given, items in parts:
            try:
                actions = action_values(pd.DataFrame([row for _, row in items]), settings=s, cost_ladders=given,
                                        ladders=q, errors="skip", columns=("row",) + _SHOWN)
            except ASMInputError:
                continue
            owner = actions["row"].tolist()  # the frame's positions
            scored = set(actions.attrs.get("scored_rows", ()))  # a row with an input error computes itself
            for i, table in enumerate(_tables(actions, owner, len(items))):
                if i in scored:
                    ACTIONS_MEMO.put(items[i][0], table)


@excel_function(
    "ASM_ACTIONS",
    "Each action's effect on this physician's payment, ranked by its value at P50 (a negative value: it would lower "
    "the payment): label, final-score "
    "change, value in dollars at P50, P10, P90 (a table with a header row that spills).",
    Arg("participant", "Ten cells in this order: NPI, TIN, name, specialty, cohort, performance year, clinicians, "
                       "Part B payments, on time, small-practice flag (the Inputs sheet's participant cells).",
        range=True),
    Arg("measures", "The measure table, eight columns: measure, title, collection type, eligible, reported, rate, "
                    "points, completeness (the Inputs sheet's measure rows).", range=True),
    Arg("cost", "Three cells: EBCM episodes, average episode cost, cost points (the Inputs sheet's cost cells).",
        range=True),
    Arg("activities", "Four cells: IA-1 done, IA-2 done, PI score, complex patient bonus (the Inputs sheet's cells).",
        range=True),
    Arg("exceptions", EXCEPTIONS_DOC + "; one that applies: no action.", optional=True, range=True),
    Arg("cost_ladder", "Optional: ten cost decile start values that score an episode cost (the Benchmarks "
                       "sheet's CostLadder, as ASM_COST reads it); an empty range: no ladder, episode cost not scored.",
        optional=True, range=True),
    ASSUMPTIONS, LADDERS, source="ASSUMPTION: each action re-scored by the cohort API; REG 512.750 for the factor",
    table=True, batch=_actions_batch, earlier=(7,))   # ladders added before rows
def asm_actions(participant, measures, cost, activities, exceptions_=None, cost_ladder=None, assumptions=None,
                ladders=None):
    s = settings_arg(assumptions)
    return [list(r) for r in ACTIONS_MEMO.get(_actions_table, participant, measures, cost, activities,
                                              exceptions_, cost_ladder, s, quality_ladders_arg(ladders))]


def _projection_tables(finals, py: int, code: str, payments, growths, excepted, s: Settings, participating,
                       until) -> list:
    """The tables of final scores of one cohort, performance year and settings (each with its own
    payments, growth and exception flag): rows of :func:`~asm_xl.model.projection.yearly_projection`,
    the projection the dashboard shows, for the performance years from ``py`` on (an exception makes
    ``py`` neutral: $0 at P10, P50 and P90). A table that is not finite is an
    :class:`~asm_xl.excel.values.ExcelError` in its place. ``participating``: per score, the flags of
    :func:`~asm_xl.excel.arguments.participation_arg`; ``until``: per score, :func:`_until_arg`'s year or None."""
    years = [y for y in performance_years() if y >= py]
    n = len(finals)
    flags = {y: np.array([p[k] for p in participating], dtype=float) for k, y in enumerate(years)}
    stops = [years[-1] + 1 if u is None else u for u in until]
    cols = yearly_projection(finals, code, py, payments, excepted=excepted, growth=growths, years=years, settings=s,
                             participating=flags, until=stops)
    shown = [cols[k].tolist() for k in _SHOWN_YEARS]
    tables = []
    for i in range(n):   # the years this roster row covers (a later row of the TIN/NPI takes over from its year)
        body = [[c[i][j] for c in shown] for j in range(len(years)) if years[j] < stops[i]]
        if any(not math.isfinite(x) for r in body for x in r):
            tables.append(xv.ExcelError("#NUM!", "the projection is not finite"))
        else:
            tables.append([list(PROJECTION_HEADER)] + body)
    return tables


#: the columns of :func:`~asm_xl.model.projection.yearly_projection` a projection table shows (PROJECTION_HEADER)
_SHOWN_YEARS = ("performance_year", "payment_year", "risk_level", "dollars_at_risk", "dollars_p10", "dollars_p50",
                "dollars_p90", "cumulative_p50")


def _projection_args(final_score, performance_year, cohort, part_b_payments, growth, exceptions_, participation,
                     until, s: Settings) -> tuple:
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    py = year_arg(performance_year)
    code = get_cohort(xv.text("cohort", cohort)).code
    pay = xv.number("part_b_payments", part_b_payments, minimum=0, maximum=MAX_DOLLARS, allowed=DOLLARS_ALLOWED, grouped=True)
    g = xv.optional_number("growth", growth, s.payments_growth, minimum=-0.5, maximum=1.0,
                           allowed="a yearly growth rate (2% is 0.02)")
    return f, py, code, pay, g, excepted_arg(exceptions_, s), participation_arg(participation, py), _until_arg(until, py)


def _until_arg(until, py: int) -> int | None:
    """The performance year a later roster row of the TIN/NPI takes over from (blank: none)."""
    if until is None or xv.is_blank(until):
        return None
    y = year_arg(until, "next_row_year")
    if y <= py:
        raise xv.ExcelError("#NUM!", f"next_row_year: {y} is not after the performance year {py}")
    return y


def _projection(final_score, performance_year, cohort, part_b_payments, growth, exceptions_, participation, until,
                s: Settings) -> list:
    f, py, code, pay, g, exc, part, stop = _projection_args(final_score, performance_year, cohort, part_b_payments,
                                                            growth, exceptions_, participation, until, s)
    table, = _projection_tables([f], py, code, [pay], [g], [exc], s, [part], [stop])
    if isinstance(table, xv.ExcelError):
        raise table
    return table


def _projection_batch(calls: list[tuple]) -> None:
    """ASM_PROJECTION of many final scores: one :func:`~asm_xl.model.projection.yearly_projection` per
    cohort, performance year and settings (each year's pool prices all their scores at once: the same
    percentiles, score by score, as one at a time), kept in :data:`PROJECTION_MEMO` for the calls that
    follow. A call with a bad argument computes itself."""
    PROJECTION_MEMO.make_room(len(calls))   # every result of this batch is kept until its calls read it
    groups: dict = {}
    for args in calls:
        final_score, performance_year, cohort, part_b_payments, growth, assumptions, exceptions_, participation, \
            until = args
        try:
            s = settings_arg(assumptions)
            f, py, code, pay, g, exc, part, stop = _projection_args(final_score, performance_year, cohort,
                                                                    part_b_payments, growth, exceptions_,
                                                                    participation, until, s)
        except (xv.ExcelError, ASMInputError):   # e.g. the year 2035: the call computes itself (#NUM!)
            continue
        key = (final_score, performance_year, cohort, part_b_payments, growth, exceptions_, participation, until, s)
        groups.setdefault((s, code, py), []).append((key, f, pay, g, exc, part, stop))
    for (s, code, py), items in groups.items():
        finals, pays, gs, excs, parts, stops = ([item[k] for item in items] for k in range(1, 7))
        for (key, *_), table in zip(items, _projection_tables(finals, py, code, pays, gs, excs, s, parts, stops)):
            if not isinstance(table, xv.ExcelError):
                PROJECTION_MEMO.put(key, table)


#: the projections of final scores, computed once per distinct content (and in batches)
PROJECTION_MEMO = RangeMemo(size=4096)


@excel_function(
    "ASM_PROJECTION",
    "Five-year projection of one final score: performance year, payment year, risk level, dollars at risk, "
    "P10/P50/P90 dollars and cumulative P50 (a table with a header row that spills), score held.",
    Arg("final_score", "Final score 0-100, held for every year [ASSUMPTION]."),
    YEAR,
    Arg("cohort", '"HF" or "LBP": the national cohort the final score is ranked in.'),
    Arg("part_b_payments", "Part B payments of the performance year given, dollars."),
    Arg("growth", "Optional: yearly growth of Part B payments as a fraction; blank: payments_growth "
                  "({payments_growth:.0%}).", optional=True),
    ASSUMPTIONS,
    Arg("exceptions", EXCEPTIONS_DOC + " of the year given; one that applies: that year $0, later ones "
                      "as usual.", optional=True, range=True),
    Arg("participation", "Optional: five cells, performance years {first_year}-{last_year}: Yes / No (CMS's ASM "
                         "Participants file) / blank (assumed participating); No = no adjustment that year ($0).",
        optional=True, range=True),
    Arg("next_row_year", "Optional: the performance year from which a later roster row of this TIN/NPI takes over "
                         "(its years are not shown here); blank: none.", optional=True),
    source="CMS risk levels; ASSUMPTION: score held, payments grow, national peer model, an exception neutral "
           "for its own year, participation assumed unless CMS's participants file says otherwise", table=True,
    batch=_projection_batch)
def asm_projection(final_score, performance_year, cohort, part_b_payments, growth=None, assumptions=None,
                   exceptions_=None, participation=None, next_row_year=None):
    s = settings_arg(assumptions)
    return [list(r) for r in PROJECTION_MEMO.get(_projection, final_score, performance_year, cohort, part_b_payments,
                                                 growth, exceptions_, participation, next_row_year, s)]
