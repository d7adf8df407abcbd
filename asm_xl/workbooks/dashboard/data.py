"""What the practice dashboard shows, as tables (pure pandas; no files): totals by cohort and for the
practice, one row per physician, the practice's most valuable actions, the five-year view, the
exchange-curve band the physicians' scores sit on, and the assumptions in force.

Totals are over the physicians of the roster (rows whose final score cannot be computed count
as physicians and add nothing to the dollars)::

    payments            = sum of Part B payments
    payments at risk    = sum of the physicians' dollars at risk in their performance year
    estimate            = sum of the point estimates (factor at the pool's reference SF and m x payments)
    P10 / P50 / P90     = percentiles over the pool's draws of the total dollars, added up draw by draw
                          (:func:`~asm_xl.model.total_ranges.total_ranges`)                 [spec 8]

A physician's dollars at risk and P10 / P50 / P90 dollars of the performance year shown are the
five-year projection's figures for that year (:func:`~asm_xl.model.projection.yearly_projection`,
the one place its rules are executed: r x Part B payments, 0 in the year of an exception and when
CMS's participants file says the physician does not participate), so the Practice sheet's totals
are the Five years sheet's practice row of that year (for a roster of one year). A physician CMS lists as not participating
in the year shown gets no ASM adjustment that year: factor, estimate, dollars and chance of a gain 0
(:func:`~asm_xl.model.exceptions.without_adjustment`, what his workbook and the index show), the outlook
"not participating (CMS)", counted apart as an exception is.

The range of a total is not the sum of the physicians' ranges: a physician above the pool's midpoint
and one below it do badly in different draws, so the summed P10 is not the total's (usually below it).
On the sample roster: HF's P10 is -$19,360 (the summed P10s: -$28,715), the practice's -$277,522
(-$308,498). Each physician's row keeps his own P10 / P50 / P90 (README "How sure is this number?").

The outlook of a physician is read from the chance of a gain (the share of the pool's draws with a
positive factor), with cut-offs written on the sheet (``c``: the setting ``likely_gain_chance``, 2/3 by
default) [ASSUMPTION]::

    likely to gain   chance of a gain >= c
    likely to lose   chance of a gain <= 1 - c
    either way       in between (or not computable)

A physician with an exception (the cohort API's ``exception``: neutral factor 0, $0 at every
percentile, left out of the pool [ASSUMPTION, spec 8]) has no chance of a gain nor of a loss: the
outlook says "exception: neutral" and the totals count them apart, not among those likely to gain,
either way or likely to lose.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from asm_xl.model.actions import priced_actions
from asm_xl.model.benchmarks import benchmarks_note
from asm_xl.model.settings_text import changed_settings_text
from asm_xl.model.categories import no_cost_ladder_note
from asm_xl.model.exceptions import without_adjustment
from asm_xl.model.identifiers import tin_key
from asm_xl.model.parameters import year_parameters
from asm_xl.model.projection import practice_projection
from asm_xl.model.total_ranges import own_years, total_ranges
from asm_xl.model.rescoring import final_score_settings, pool_for
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["Dashboard", "practice_dashboard", "TOTAL_COLUMNS", "PRACTICE", "outlook", "EXCEPTION_OUTLOOK", "no_actions_text",
           "NOT_PARTICIPATING_OUTLOOK", "NOT_SCORED_OUTLOOK", "is_practice_total", "rejected_note"]

PRACTICE = "Practice"
EXCEPTION_OUTLOOK = "exception: neutral"   #: the outlook of a physician with an exception
NOT_PARTICIPATING_OUTLOOK = "not participating (CMS)"   #: CMS's participants file says no, in the year shown
#: the outlook of a physician whose final score cannot be computed (neither quality nor cost scored): it was
#: "either way", as if a chance of a gain were known
NOT_SCORED_OUTLOOK = "no final score (see the workbook)"
TOTAL_COLUMNS = ["cohort", "physicians", "part_b_payments", "at_risk", "estimate", "dollars_p10", "dollars_p50",
                 "dollars_p90", "likely_gain", "either_way", "likely_lose", "exception", "not_participating",
                 "not_scored"]
PHYSICIAN_COLUMNS = ["row", "name", "npi", "tin", "cohort", "performance_year", "final_score", "factor", "part_b_payments",
                     "at_risk", "estimate", "factor_p50", "dollars_p10", "dollars_p50", "dollars_p90", "p_gain", "outlook",
                     "top_action", "top_value_p10", "top_value_p50", "top_value_p90", "break_even_score",
                     "points_to_break_even", "file", "status", "who"]
_SUMMED = ["part_b_payments", "at_risk", "estimate", "dollars_p10", "dollars_p50", "dollars_p90"]


@dataclass
class Dashboard:
    """The dashboard's tables; :func:`~asm_xl.workbooks.dashboard.write_dashboard` writes them."""

    totals: pd.DataFrame            #: TOTAL_COLUMNS, one row per cohort, then the practice
    physicians: pd.DataFrame        #: PHYSICIAN_COLUMNS, roster order
    top_actions: pd.DataFrame       #: the most valuable actions across the practice (by P50 value)
    practice_years: pd.DataFrame    #: practice_projection: one row per performance year
    physician_years: pd.DataFrame   #: project_five_years: one row per physician and performance year
    band: pd.DataFrame              #: final_score, then per cohort "<code> P10/P50/P90" factors
    assumptions: list[tuple[str, str]] = field(default_factory=list)
    generated: dt.date = field(default_factory=dt.date.today)
    rejected: int = 0               #: roster rows rejected (in no table here): :func:`rejected_note`


def rejected_note(rows: int, report: str = "roster_errors.csv") -> str:
    """What the dashboard and the index say of the roster's rejected rows: they are in no total, table or
    rank, and where their errors are (the console says so too; a file read later must say it itself)."""
    return (f"{rows} roster row(s) rejected and left out of every total, table and rank here: their errors are in "
            f"{report} beside this file; fix them and generate again.")


def outlook(p_gain, excepted: bool = False, participating: bool = True, *,
            settings: Settings = DEFAULT_SETTINGS) -> str:
    """"likely to gain" / "likely to lose" / "either way" for a chance of a gain (the module's cut-offs,
    ``settings.likely_gain_chance``); :data:`NOT_PARTICIPATING_OUTLOOK` for a physician not participating
    in the year, :data:`EXCEPTION_OUTLOOK` for one with an exception, whatever the chance, and
    :data:`NOT_SCORED_OUTLOOK` where no chance is known (no final score).

    >>> outlook(0.7), outlook(0.5), outlook(0.3), outlook(0.7, settings=Settings(likely_gain_chance=0.8))
    ('likely to gain', 'either way', 'likely to lose', 'either way')
    >>> outlook(200 / 1000, settings=Settings(likely_gain_chance=0.8))   # "at most 20%"
    'likely to lose'
    >>> outlook(float("nan"))
    'no final score (see the workbook)'
    """
    if not participating:
        return NOT_PARTICIPATING_OUTLOOK
    if excepted:
        return EXCEPTION_OUTLOOK
    if p_gain is None or p_gain != p_gain:
        return NOT_SCORED_OUTLOOK
    # compared with a billionth to spare: a share of draws (200/1000) is at most 1 - 0.8 = 0.19999999999999996
    cut = settings.likely_gain_chance
    if p_gain >= cut - _SPARE:
        return "likely to gain"
    return "likely to lose" if p_gain <= 1 - cut + _SPARE else "either way"


#: how far a chance of a gain may fall short of a cut-off in floating point and still meet it
_SPARE = 1e-9


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[col], errors="coerce").astype(float)


def practice_dashboard(scores_with_ranges: pd.DataFrame, actions: pd.DataFrame, projection: pd.DataFrame,
                       settings: Settings = DEFAULT_SETTINGS, workbook_files: pd.DataFrame | None = None, *,
                       pools=None, top: int = 10, pool_sources: dict | None = None,
                       projection_pool=None, ladders=None) -> Dashboard:
    """The dashboard's tables.

    ``scores_with_ranges``: :func:`~asm_xl.model.cohort.score_cohort`'s scores joined with
    :func:`~asm_xl.model.ranges.payment_ranges` (and, optionally, the ``break_even_score`` and
    ``points_to_break_even`` of :func:`~asm_xl.model.score_needed.scores_needed`), indexed by roster
    row; ``actions``: :func:`~asm_xl.model.actions.action_values` of the same rows (with or without
    :data:`~asm_xl.model.actions.PRICED_COLUMNS`); ``projection``:
    :func:`~asm_xl.model.projection.project_five_years`; ``workbook_files``: per roster row (index)
    ``file`` (name in the dashboard's folder) and ``status``; ``pools``: what prices the band and, where
    ``actions`` has no such columns, the final scores of the actions listed (see
    :func:`~asm_xl.model.rescoring.pool_for`); ``top``: how many actions the practice list shows;
    ``projection_pool``: what priced ``projection`` (its ``pool``), which prices the totals' ranges; ``ladders``:
    the user's quality ladders the numbers rest on, named in the assumptions.
    """
    s = scores_with_ranges
    phys = pd.DataFrame(index=s.index)
    phys["row"] = s.index
    for col in ("name", "npi", "tin", "cohort"):
        phys[col] = s[col].astype(object).where(s[col].notna(), "").astype(str) if col in s.columns else ""
    phys["performance_year"] = s["performance_year"].astype(int)
    own = _own_year(projection, phys)
    on = own["participating"].to_numpy()
    s = without_adjustment(s, ~on)   # not participating in the year shown: $0, as the workbook and the index show
    for col in ("final_score", "factor", "part_b_payments", "factor_p50", "dollars_p10", "dollars_p50", "dollars_p90", "p_gain",
                "break_even_score", "points_to_break_even"):
        phys[col] = _num(s, col)
    phys["estimate"] = _num(s, "dollar_impact")
    excepted = s["exception"].fillna(False).astype(bool) if "exception" in s.columns else pd.Series(False, s.index)
    for col in ("at_risk", "dollars_p10", "dollars_p50", "dollars_p90"):
        phys[col] = own[col].to_numpy()
    # pandas deep-copies a frame's attrs into every frame and column taken from it: the actions' (action_values'
    # scored_rows, as long as the roster) are set aside while they are worked on, and given to the list shown
    held, actions = actions.attrs, actions.copy(deep=False)
    actions.attrs = {}
    # no ASM adjustment this year (not participating), or a neutral one (exception): no score to reach,
    # and no action is worth anything that year
    if len(actions):
        actions = actions[~actions["row"].isin(phys.loc[~on, "row"])]
    phys.loc[excepted.to_numpy() | ~on, ["break_even_score", "points_to_break_even"]] = np.nan
    phys["outlook"] = [outlook(p, e, o, settings=settings)
                       for p, e, o in zip(phys["p_gain"].tolist(), excepted.tolist(), on.tolist())]
    best = actions[actions["rank"] == 1].set_index("row") if len(actions) else actions.set_index("row")
    phys["top_action"] = phys["row"].map(best["label"]).fillna("") if len(best) else ""
    for p in ("p10", "p50", "p90"):
        phys[f"top_value_{p}"] = phys["row"].map(best[f"value_{p}"]).astype(float) if len(best) else np.nan
    files = workbook_files if workbook_files is not None else pd.DataFrame(index=s.index, columns=["file", "status"])
    phys["file"] = files["file"].reindex(s.index).fillna("")
    phys["status"] = files["status"].reindex(s.index).fillna("") if "status" in files.columns else ""
    phys["who"] = _who(phys)
    phys = phys[PHYSICIAN_COLUMNS].reset_index(drop=True)

    totals = _totals(phys, projection, projection_pool, settings)
    ranked = actions.sort_values(["value_p50", "final_change"], ascending=False, kind="stable") if len(actions) \
        else actions
    # the final scores before and after priced for the actions listed only, as action_values prices them with
    # the settings dashboard_numbers gave it (actions that have those columns already keep them)
    top_actions = priced_actions(ranked.head(top).reset_index(drop=True), pool=pools,
                                 settings=final_score_settings(settings))
    if len(top_actions):   # a physician of two TINs or years: which one the action is for
        top_actions["name"] = top_actions["row"].map(dict(zip(phys["row"], phys["who"])))
    top_actions.attrs = copy.deepcopy(held)
    practice_years = (practice_projection(projection, pool=projection_pool, settings=settings) if len(projection)
                      else projection)
    band = _band(phys, pools, settings)
    assumptions = _assumptions(phys, settings, pool_sources or {}, ladders)
    needed = _scores_needed(s, settings)
    if needed:
        assumptions.insert(next(i for i, (k, _) in enumerate(assumptions) if k == "Range"), ("Scores needed", needed))
    unscored = _episode_costs_unscored(s, settings)
    if unscored:
        assumptions.append(("Episode costs", unscored))
    return Dashboard(totals, phys, top_actions, practice_years, projection, band, assumptions)


def _episode_costs_unscored(s: pd.DataFrame, settings: Settings) -> str:
    """How many rows' episode costs found no cost ladder, and why (the scores' own note,
    :func:`~asm_xl.model.categories.no_cost_ladder_note`); "" when none."""
    if "note" not in s.columns:
        return ""
    why = no_cost_ladder_note(settings)
    n = int(s["note"].fillna("").astype(str).str.contains(why, regex=False).sum())
    return f"{n} physician row(s): {why}" if n else ""


def _scores_needed(s: pd.DataFrame, settings: Settings) -> str:
    """The final scores each cohort and year needs (the same for every physician of the pool): to break even
    (P50 factor 0) and for the chance of a gain ``gain_chance_target``."""
    if "break_even_score" not in s.columns:
        return ""
    parts = []
    for (code, year), grp in s.groupby(["cohort", "performance_year"], sort=True):
        be = pd.to_numeric(grp["break_even_score"], errors="coerce").dropna()
        gt = pd.to_numeric(grp.get("gain_target_score", pd.Series(dtype=float)), errors="coerce").dropna()
        parts.append(f"{code} {int(year)}: " + (f"{be.iloc[0]:.1f} to break even (P50 factor 0)" if len(be)
                                                   else "break-even not reachable")
                     + (f", {gt.iloc[0]:.1f} for a chance of a gain of {settings.gain_chance_target:.0%}" if len(gt)
                        else f", a chance of a gain of {settings.gain_chance_target:.0%} not reachable"))
    return "; ".join(parts) + (" (gain_chance_target; each physician's points to go: Physicians sheet; the "
                               "cheapest actions to get there: asm-xl plan)")


def _who(phys: pd.DataFrame) -> list[str]:
    """Each physician's name as a list of several TINs or years tells the rows apart: "Okafor, Adaeze (TIN
    44-4444444, PY 2029)" where the NPI has rows of several TINs and the roster several years, and the NPI
    where two physicians share a name."""
    years = phys["performance_year"].nunique() > 1
    keyed = phys.assign(_tin=[tin_key(t) for t in phys["tin"]])
    tins = keyed.groupby("npi")["_tin"].transform("nunique") > 1   # one pass: a lambda a group took 1.2 s at 8,600
    namesakes = keyed.groupby("name")["npi"].transform("nunique") > 1   # two physicians of one name
    out = []
    for name, npi, tin, year, many, same in zip(phys["name"], phys["npi"], phys["tin"], phys["performance_year"],
                                                tins, namesakes):
        tags = ([f"NPI {npi}"] if same else []) + ([f"TIN {tin}"] if many else []) + (
            [f"PY {int(year)}"] if years else [])
        out.append(f"{name} ({', '.join(tags)})" if tags else name)
    return out


def _own_year(projection: pd.DataFrame, phys: pd.DataFrame) -> pd.DataFrame:
    """Per physician (``phys``' order), the projection's row of their own performance year: ``at_risk``
    (its ``dollars_at_risk``), ``dollars_p10/p50/p90`` and ``participating`` (True where the
    projection has no row: a final score that cannot be computed, whose dollars stay blank)."""
    keys = ["row", "performance_year"]
    cols = {"dollars_at_risk": "at_risk", "dollars_p10": "dollars_p10", "dollars_p50": "dollars_p50",
            "dollars_p90": "dollars_p90", "participating": "participating"}
    if len(projection):
        mine = projection[keys + list(cols)].rename(columns=cols)
    else:
        mine = pd.DataFrame(columns=keys + list(cols.values()))
    mine = mine.astype({"row": phys["row"].dtype, "performance_year": phys["performance_year"].dtype})
    out = phys[keys].reset_index(drop=True).merge(mine, on=keys, how="left", validate="one_to_one")
    for col in ("at_risk", "dollars_p10", "dollars_p50", "dollars_p90"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["participating"] = out["participating"].map(lambda v: v is not False and v is not np.False_)
    return out


def _totals(phys: pd.DataFrame, projection: pd.DataFrame, pool, settings: Settings) -> pd.DataFrame:
    """One row per cohort (sorted), then the practice: sums, outlook counts, and the range of the total
    over the pool's draws (:func:`~asm_xl.model.total_ranges.total_ranges` of the physicians' rows of the
    year shown). A roster of several performance years gets these rows for each year ("HF 2027" ...
    "Practice 2027", then 2029's): dollars of different years (paid in different years, at different risk
    levels) are never added up, and a TIN/NPI with rows of two years is counted in each."""
    def row(label, grp) -> dict:
        out = {"cohort": label, "physicians": len(grp)}
        out.update({c: float(grp[c].sum()) for c in _SUMMED})  # NaN (not computable) adds nothing
        for key, text in (("likely_gain", "likely to gain"), ("either_way", "either way"),
                          ("likely_lose", "likely to lose"), ("exception", EXCEPTION_OUTLOOK),
                          ("not_participating", NOT_PARTICIPATING_OUTLOOK), ("not_scored", NOT_SCORED_OUTLOOK)):
            out[key] = int((grp["outlook"] == text).sum())
        return out

    years = sorted(set(phys["performance_year"].tolist()))
    rows, groups = [], {}
    own = own_years(projection) if len(projection) else np.zeros(0, dtype=int)
    year_of = projection["performance_year"].to_numpy() if len(projection) else own
    cohort_of = projection["cohort"].astype(str).to_numpy() if len(projection) else own
    for year in years:
        mine = phys[phys["performance_year"] == year]
        tag = f" {year}" if len(years) > 1 else ""
        shown = (own == year) & (year_of == year)   # the physicians' rows of this year, in their own year
        for code, grp in mine.groupby("cohort", sort=True):
            rows.append(row(f"{code}{tag}", grp))
            groups[rows[-1]["cohort"]] = shown & (cohort_of == code)
        rows.append(row(f"{PRACTICE}{tag}", mine))
        groups[rows[-1]["cohort"]] = shown
    if not rows:
        rows.append(row(PRACTICE, phys))
    out = pd.DataFrame(rows, columns=TOTAL_COLUMNS)
    if len(projection) and groups:
        ranges = total_ranges(projection, groups, pool=pool, settings=settings)
        for p in ("p10", "p50", "p90"):
            out[f"dollars_{p}"] = out["cohort"].map(ranges[p]).fillna(0.0).astype(float)
    return out


def no_actions_text(outlooks) -> str:
    """Why the practice has no action to list, from its physicians' outlooks: none has an adjustment in the
    year shown (not participating, an exception), else none applies or no final score was computed."""
    why = {frozenset({NOT_PARTICIPATING_OUTLOOK}): "no physician participates in the year shown (CMS's participants file)",
           frozenset({EXCEPTION_OUTLOOK}): "every physician has an exception (neutral factor)",
           frozenset({NOT_PARTICIPATING_OUTLOOK, EXCEPTION_OUTLOOK}): "no physician has an adjustment in the year shown "
                                                                      "(not participating, or an exception)"}
    reason = why.get(frozenset(outlooks))
    return f"none: {reason}" if reason else "none applies (or no final score could be computed)"


def is_practice_total(label: str) -> bool:
    """Whether a totals row (its ``cohort`` label) is the practice's: "Practice", or "Practice 2029"."""
    return label == PRACTICE or label.startswith(PRACTICE + " ")


def _band(phys: pd.DataFrame, pools, settings: Settings, step: float = 2.0) -> pd.DataFrame:
    """The exchange-curve band: P10 / P50 / P90 factor over final scores 0-100 per cohort, priced by
    each cohort's pool of its (first) performance year."""
    grid = np.arange(0.0, 100.0 + step / 2, step)
    band = pd.DataFrame({"final_score": grid})
    for code, grp in phys.groupby("cohort", sort=True):
        if not code:
            continue
        rng = pool_for(code, int(grp["performance_year"].min()), pools, settings).price(grid)
        for p in ("p10", "p50", "p90"):
            band[f"{code} {p.upper()}"] = np.asarray(getattr(rng, f"factor_{p}"), dtype=float)
    return band


def _assumptions(phys: pd.DataFrame, settings: Settings, pool_sources: dict, ladders=None) -> list[tuple[str, str]]:
    years = sorted(set(phys["performance_year"].tolist()))
    out = [("Status", "Estimates, not CMS determinations"),
           ("Generated", dt.date.today().isoformat()),
           ("Performance year", ", ".join(f"{y} (paid in {year_parameters(y).payment_year})" for y in years)),
           ("Pool", f"{settings.pool} (which cohort prices the scores: README \"Which pool prices the score?\")")]
    out += [(f"Pool source, {code}", text) for code, text in sorted(pool_sources.items())]
    out.append(("Settings changed", f"from their defaults (README \"Assumptions\"): {changed_settings_text(settings)}"))
    out.append(("Quality benchmarks", benchmarks_note(settings.benchmark_year, ladders=ladders)))
    out += [("Range", "P10 / P50 / P90: cautious, middle and hopeful case over the pool's draws. A total's (a cohort's, "
                      "the practice's, a five-year sum) is that of the total itself, added up draw by draw; it is not "
                      "the sum of the physicians' P10s, which physicians above and below the midpoint reach in "
                      "different draws"),
            ("Estimate or P50?", "the estimate prices the score on one exchange curve: the pool's median scaling "
                                 "factor with the point estimate's k and midpoint (tfs_steepness; tfs_midpoint, or the "
                                 "draws' median midpoint in cohort_median mode; CMS's where published). P50 is the middle "
                                 "of all draws, whose k and midpoint vary, so the two differ (with the default settings "
                                 "P50 is mostly further from $0). Budget on P50, or on P10 if a shortfall would hurt"
                                 if settings.pool == "national"
                                 else "the same: a given or roster pool is one point (no draws), so the estimate, "
                                      "P10, P50 and P90 are one figure"),
            ("Likely to gain / to lose", f"chance of a gain at least {settings.likely_gain_chance:.0%} / at most "
                                         f"{1 - settings.likely_gain_chance:.0%} (likely_gain_chance); in between: "
                                         "either way; a physician with an exception is counted apart (neutral "
                                         "factor 0)"),
            ("Payments at risk", "risk level of the performance year x Part B payments; none in the year of an "
                                 "exception, nor when CMS's participants file says the physician does not "
                                 "participate (then no ASM adjustment: $0, the outlook says so)"),
            ("Five years", f"final score held at today's; Part B payments grow {settings.payments_growth:.1%} a year; "
                           "participation assumed unless CMS's participants file says otherwise (a year it "
                           "publishes without the physician: not participating)"),
            ("Actions", "each action alone, scored again; value = P10 / P50 / P90 over the simulated cohorts of the change in dollars"),
            ("Peer model", f"{settings.peer_draws:,} draws, seed {settings.peer_seed}")]
    return out
