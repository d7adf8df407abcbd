"""A validated roster row → the template's input cells (Inputs and Assumptions sheets), and back:
:func:`workbook_inputs` writes a row's cells, :func:`participant_row` reads a workbook's Inputs cells
as the roster row they stand for (``asm-xl generate`` scores a kept workbook from its own inputs).
Both go through :data:`SCALAR_COLUMNS` and :data:`MEASURE_FIELD_INPUTS`."""

from __future__ import annotations

import math
from functools import lru_cache

from asm_xl.model.benchmarks import normalize_collection_type
from asm_xl.model.identifiers import tin_key
from asm_xl.model.parameters import get_cohort, performance_years, resolve_cohort
from asm_xl.model.pool_choice import cohort_settings, roster_as_given
from asm_xl.model.projection import next_row_years, participation_flags
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import as_bool, is_blank, typed_number
from asm_xl.workbooks import layout as L

__all__ = ["workbook_inputs", "projection_inputs", "projection_cells", "held_projection", "same_projection",
           "PROJECTION_NAMES", "participant_row", "input_names", "READ_CELLS", "SCALAR_COLUMNS", "MEASURE_FIELD_INPUTS",
           "workbook_settings", "cost_measure_id", "uses_episode_cost"]

#: roster column → the scalar input (:data:`~asm_xl.workbooks.layout.SCALAR_INPUTS`) holding it
#: (``ia_done`` is written as the two activities' Yes/No and read back as ``ia1_done``/``ia2_done``)
SCALAR_COLUMNS = {"npi": "In_NPI", "tin": "In_TIN", "name": "In_Name", "specialty": "In_Specialty",
                  "cohort": "In_Cohort", "performance_year": "In_Year", "practice_size": "In_PracticeSize",
                  "part_b_payments": "In_Payments", "submitted_on_time": "In_OnTime", "cost_episodes": "In_Episodes",
                  "episode_cost": "In_EpisodeCost", "cost_points": "In_CostPoints", "ia1_done": "In_IA1",
                  "ia2_done": "In_IA2", "pi_score": "In_PI", "complex_bonus": "In_Complex",
                  "small_practice": "In_SmallPractice", "euc_exception": "In_EUC",
                  "payment_exception": "In_PaymentException"}
#: measure field (roster column ``<measure key>_<field>``) → the measure table's column holding it
MEASURE_FIELD_INPUTS = {"collection_type": "In_CollType", "eligible": "In_Eligible", "reported": "In_Reported",
                        "completeness": "In_Completeness", "rate": "In_Rate", "points": "In_PointsOverride"}


def _cell(name: str) -> tuple[str, str]:
    return (L.INPUTS, f"B{L.SCALAR_INPUTS[name][0]}")


def _measure_cell(name: str, i: int) -> tuple[str, str]:
    return (L.INPUTS, f"{L.MEASURE_INPUTS[name][0]}{L.MEASURE_FIRST_ROW + i}")


#: the five-year projection's input cells (yearly participation, a later roster row's year): not the roster
#: row's, but what a run writes from CMS's participants file and the roster (:func:`projection_cells`)
PROJECTION_NAMES = tuple(f"In_Part{y}" for y in performance_years()) + ("In_Until",)

#: the Inputs cells a kept workbook is read back by: every scalar input, every cell of the measure table
#: (:func:`participant_row`), the projection's cells (compared with what this run would write)
READ_CELLS = tuple([_cell(n) for n in SCALAR_COLUMNS.values()]
                   + [_measure_cell(n, i) for i in range(L.MAX_MEASURES) for n in L.MEASURE_INPUTS]
                   + [_cell(n) for n in PROJECTION_NAMES])


def projection_cells(participation: dict | None = None, until: int | None = None) -> dict[str, object]:
    """{defined name: value} of the projection's input cells as a run writes them: Yes / No for a year
    CMS's participants file gives (1.0 / 0.0), blank otherwise; the later row's year, blank when none."""
    out: dict[str, object] = {n: None for n in PROJECTION_NAMES}
    out.update({f"In_Part{y}": "Yes" if flag == 1.0 else "No" for y, flag in (participation or {}).items()
                if flag == flag})
    out["In_Until"] = until
    return out


def held_projection(cells: dict) -> dict[str, str]:
    """The projection's input cells of a workbook read back ({(sheet, cell): value}), as text to compare with
    :func:`projection_cells`' (through :func:`same_projection`)."""
    return {n: _text(cells.get(_cell(n))) for n in PROJECTION_NAMES}


def same_projection(held: dict[str, str], written: dict[str, object]) -> bool:
    """Whether a kept workbook's projection cells are what this run would write."""
    return held == {n: _text(v) for n, v in written.items()}


def _num(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str):
        # a validated row: text as Excel exports it ($1,250,000, 85% in a fraction column) is read
        # by the same parser validation used
        return None if v.strip() == "" else typed_number(v, percent=True)
    return float(v)


def _yes(v, default: bool, field: str) -> str:
    """A validated yes/no roster value as the template's Yes/No (the roster's own parsing rules)."""
    return "Yes" if (default if is_blank(v) else as_bool(field, v)) else "No"


def workbook_inputs(row: dict, *, cohort_code: str, settings: Settings = DEFAULT_SETTINGS,
                    performance_year: int | None = None, participation: dict | None = None,
                    until: int | None = None) -> dict:
    """The template's input cells for one roster row (a validated dict of column → text/number);
    settings other than the defaults (e.g. the roster's own pool written as a given one) go to the
    Assumptions sheet, where the user sees and can edit them. ``participation``: {performance year: 1.0 /
    0.0 / NaN} from CMS's participants file (:func:`~asm_xl.model.projection.participation_flags`), written
    as Yes / No / blank; ``until``: the year a later roster row of the TIN/NPI takes over
    (:func:`~asm_xl.model.projection.next_row_years`), blank when none."""
    get = lambda k: row.get(k)  # noqa: E731
    cohort = get_cohort(cohort_code)
    txt = lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()  # noqa: E731
    year = _num(get("performance_year")) or performance_year
    ia = _num(get("ia_done"))
    if ia is not None:
        ia1, ia2 = ("Yes" if ia >= 1 else "No"), ("Yes" if ia >= 2 else "No")
    else:
        ia1, ia2 = _yes(get("ia1_done"), False, "ia1_done"), _yes(get("ia2_done"), False, "ia2_done")
    specialty = txt(get("specialty")) or cohort.specialties[0]
    values = {
        "npi": txt(get("npi")), "tin": txt(get("tin")), "name": txt(get("name")), "specialty": specialty,
        "cohort": cohort.code, "performance_year": int(year) if year is not None else None,
        "practice_size": _num(get("practice_size")), "part_b_payments": _num(get("part_b_payments")),
        "submitted_on_time": _yes(get("submitted_on_time"), True, "submitted_on_time"),
        "cost_episodes": _num(get("cost_episodes")), "episode_cost": _num(get("episode_cost")),
        "cost_points": _num(get("cost_points")), "ia1_done": ia1, "ia2_done": ia2,
        "pi_score": _num(get("pi_score")), "complex_bonus": _num(get("complex_bonus")),
        "small_practice": (None if is_blank(get("small_practice"))
                           else _yes(get("small_practice"), False, "small_practice")),
        "euc_exception": _yes(get("euc_exception"), False, "euc_exception"),
        "payment_exception": _yes(get("payment_exception"), False, "payment_exception"),
    }
    out = {_cell(SCALAR_COLUMNS[column]): v for column, v in values.items()}
    # the projection's cells, written when given (a kept workbook's are compared with them: kept_rows)
    out.update({_cell(n): v for n, v in projection_cells(participation, until).items() if v is not None})
    for named, (ctype_column, ctype_cell), numbers in _measure_cells(cohort.code):
        out.update(named)
        ctype = txt(get(ctype_column))
        # Inputs as given: blank collection type, completeness without eligible cases etc. are
        # resolved by the template's ASM_MEASURE cells (the scoring kernel), not here.
        out[ctype_cell] = normalize_collection_type(ctype) if ctype else None
        out.update({cell: _num(get(column)) for column, cell in numbers})
    out.update(_assumption_cells(settings))
    return out


@lru_cache(maxsize=None)
def _measure_cells(cohort_code: str) -> tuple:
    """Per measure of the cohort (at most the template's rows), in the order :func:`workbook_inputs` writes
    them: {measure and title cell: the measure's label and title}, (roster column, cell) of its collection
    type, and (roster column, cell) of each of its other fields: the same for every row of the cohort."""
    out = []
    for i, m in enumerate(get_cohort(cohort_code).measures[: L.MAX_MEASURES]):
        named = {_measure_cell("In_Measure", i): m.label, _measure_cell("In_MeasureTitle", i): m.title}
        cells = [(f"{m.key}_{f}", _measure_cell(name, i)) for f, name in MEASURE_FIELD_INPUTS.items()]
        out.append((named, cells[0], tuple(cells[1:])))
    return tuple(out)


@lru_cache(maxsize=1)
def assumption_refs() -> dict[str, str]:
    """{defined name: reference} of each setting's value cell on the Assumptions sheet (``S_pool``:
    ``Assumptions!$B$...``, a row per setting in :meth:`~asm_xl.model.settings.Settings.describe`'s order, as the
    template writes them): where :func:`workbook_inputs` writes a workbook's settings. A template whose names say
    otherwise (another version's rows) cannot take settings by these cells."""
    return {f"S_{info.name}": f"{L.ASSUMPTIONS}!$B${2 + i}" for i, info in enumerate(DEFAULT_SETTINGS.describe())}


@lru_cache(maxsize=64)
def _assumption_cells(settings: Settings) -> dict:
    """The Assumptions sheet's cells of settings other than the defaults (every setting, Yes / No for a
    logical one, as the template shows it); none for the defaults. (The caller copies them: the dict is shared.)"""
    if settings == DEFAULT_SETTINGS:
        return {}
    cells = [ref.split("!")[1].replace("$", "") for ref in assumption_refs().values()]
    return {(L.ASSUMPTIONS, cell): ("Yes" if info.value else "No") if isinstance(info.value, bool)
            else info.value for cell, info in zip(cells, settings.describe())}


def input_names() -> dict[str, str]:
    """{defined name: reference} the template gives the cells of :data:`READ_CELLS`
    (:func:`~asm_xl.workbooks.layout.scalar_ref`, :func:`~asm_xl.workbooks.layout.measure_range`):
    a workbook whose names say otherwise has another layout, and its cells are not read back."""
    out = {n: L.scalar_ref(n) for n in (*SCALAR_COLUMNS.values(), *PROJECTION_NAMES)}
    out.update({n: L.measure_range(spec[0]) for n, spec in L.MEASURE_INPUTS.items()})
    return out


def participant_row(cells: dict) -> dict[str, str] | None:
    """The roster row a workbook's Inputs cells stand for (the inverse of :func:`workbook_inputs`),
    as a roster holds it: text, blank = "" (numbers as their shortest exact text, so they read back
    as the same floats; Yes/No; ``ia1_done``/``ia2_done`` for the activities). ``cells``:
    {(sheet, cell): value} of :data:`READ_CELLS` as :mod:`asm_xl.workbooks.kept` reads them (a cell
    missing = empty). None when they are not a participant this template version wrote: no cohort (the
    Cohort cell, else the specialty's), or a measure row that is not the cohort's measure in the template's
    order."""
    get = lambda key: cells.get(key)  # noqa: E731
    try:  # the cohort the workbook scores (its Cohort scored cell's rule): the specialty's when Cohort is blank
        cohort = resolve_cohort(_text(get(_cell("In_Cohort"))), _text(get(_cell("In_Specialty"))))
    except Exception:  # noqa: BLE001 - not a cohort: the workbook is not one we can read back
        return None
    row = {column: _text(get(_cell(name))) for column, name in SCALAR_COLUMNS.items()}
    for i in range(L.MAX_MEASURES):
        label = _text(get(_measure_cell("In_Measure", i)))
        if i >= len(cohort.measures):
            if label or any(_text(get(_measure_cell(n, i))) for n in MEASURE_FIELD_INPUTS.values()):
                return None  # a row the generator leaves empty holds something
            continue
        m = cohort.measures[i]
        if label != m.label:
            return None
        row.update({f"{m.key}_{f}": _text(get(_measure_cell(name, i))) for f, name in MEASURE_FIELD_INPUTS.items()})
    return row


def _text(v) -> str:
    """A cell value as roster text: "" blank, Yes/No for a logical, whole numbers without ".0",
    other numbers by their shortest exact text (``repr``), text stripped."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, (int, float)):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 2 ** 53 else repr(f)
    return str(v).strip()


def projection_inputs(npi: list, tin: list, years: list, participation=None) -> list[dict]:
    """Per roster row, the :func:`workbook_inputs` arguments of its five-year projection: ``participation``
    (its NPI's flags in CMS's participants file) and ``until`` (the year its TIN/NPI's next roster row takes
    over, None when none), as the dashboard's projection applies them."""
    flags = participation_flags(participation, npi)
    end = performance_years()[-1] + 1
    stops = next_row_years(npi, [tin_key(t) for t in tin], years, end=end)
    return [{"participation": {y: float(v[i]) for y, v in flags.items()}, "until": None if stops[i] == end
             else int(stops[i])} for i in range(len(npi))]


def workbook_settings(pools, settings: Settings) -> dict:
    """{(cohort, year): the settings a workbook of that pool is written with}: the cohort's published exchange
    function, if any; the roster pool becomes a given pool of the roster's own scaling factor and midpoint, said so."""
    out = {}
    for rec in pools.to_dict("records"):
        key = (rec["cohort"], int(rec["performance_year"]))
        own = cohort_settings(key[0], key[1], settings)
        out[key] = own if settings.pool != "roster" else roster_as_given(
            key[0], rec["participants"], rec["scaling_factor"], rec["tfs_midpoint"], own)
    return out


def cost_measure_id(code: str) -> str:
    return get_cohort(code).cost_measure_id


def uses_episode_cost(row) -> bool:
    cp, ec = row.get("cost_points"), row.get("episode_cost")
    blank = lambda v: v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""  # noqa: E731
    return blank(cp) and not blank(ec)
