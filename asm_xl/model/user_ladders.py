"""Quality ladders the user gives (spec 3.2: "a user-supplied table (a range in the workbook, a CSV)"):
CMS's own ASM benchmarks once published, or a ladder from CMS's report, in place of the packaged MIPS proxy.

A ladder table has one row per ladder, in the columns :data:`QUALITY_LADDER_COLUMNS`::

    measure, collection_type, topped_out, source, b1 .. b10

- ``measure``: an ASM measure ("Q236", "236" or 236);
- ``collection_type``: one ASM collects it as; blank = every collection type of the measure (a row that
  names the type wins over a blank one);
- ``topped_out``: yes/no, blank = no (points capped at ``topped_out_cap`` [ASSUMPTION, MIPS]);
- ``source``: where the ladder comes from, in the user's words (shown wherever its points are);
- ``b1``..``b10``: the decile start values as CMS publishes them: percent (0-100) for proportion measures,
  native units for Q492; ascending, or descending for an inverse measure (its direction is the measure's).

The same rows are read from a CSV by ``asm-xl --ladders`` (:mod:`asm_xl.roster.ladders_file`) and from the
workbook's Benchmarks sheet by ``ASM_MEASURE`` (the range ``QualityLadders``): one reader, this module.
A user ladder replaces the packaged one for every ``benchmark_year``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from asm_xl.model.benchmarks import Ladder, LadderOverrides, normalize_collection_type
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, normalize_measure_id
from asm_xl.model.validation import as_bool, as_number, is_blank, label_text, percent_hint

__all__ = ["QUALITY_LADDER_COLUMNS", "MAX_LADDER_ROWS", "LADDER_SOURCE_LIMIT", "quality_ladders"]

QUALITY_LADDER_COLUMNS = ("measure", "collection_type", "topped_out", "source") + tuple(f"b{k}" for k in range(1, 11))
#: the most ladder rows a table may hold (each ASM measure in each collection type is 12)
MAX_LADDER_ROWS = 100
#: the longest ``source`` text (a source's name, not a document), as ``given_source``
LADDER_SOURCE_LIMIT = 200


def _asm_measures() -> dict:
    return {m.id: m for c in cohorts().values() for m in c.measures}


def _one_ladder(n: object, row: Sequence, measures: dict) -> tuple[tuple[str, str | None], Ladder]:
    """Row ``n`` (its name: 1-based in the table, or the file's row) as ``((measure id, collection type or None), Ladder)``."""
    def field(name: str) -> str:
        return f"ladders row {n}: {name}"

    cells = dict(zip(QUALITY_LADDER_COLUMNS, row))
    mid = _measure_named(row, measures)
    if mid is None:
        raise ASMInputError(field("measure"), cells["measure"],
                            f"an ASM measure: {', '.join(m.label for m in measures.values())}")
    m = measures[mid]
    ctype = None
    if not is_blank(cells["collection_type"]):
        try:
            ctype = normalize_collection_type(cells["collection_type"], field("collection_type"))
        except ASMInputError:
            ctype = ""
        if ctype not in m.collection_types:
            raise ASMInputError(field("collection_type"), cells["collection_type"],
                                f"{m.label} is collected as {' or '.join(m.collection_types)}; blank = each of them")
    topped = False if is_blank(cells["topped_out"]) else as_bool(field("topped_out"), cells["topped_out"])
    note = label_text(field("source"), cells["source"], LADDER_SOURCE_LIMIT)
    starts = [_start(field(f"b{k}"), cells.get(f"b{k}"), m.proportion) for k in range(1, 11)]
    if m.proportion and max(starts) <= 1.0 and max(starts) > 0.0:   # no MIPS ladder of a proportion measure is
        raise ASMInputError(field("b1..b10"), f"every value 1 or less (b10 {starts[-1]:.6g})",
                            "percent (0-100), as CMS publishes ladders: 0.72 is 72 (a cell formatted as a percentage "
                            "holds a fraction)")
    order = "descending (inverse: lower is better)" if m.inverse else "ascending"
    for k in range(9):   # the first step the wrong way, named (ten values in a message are read by nobody)
        if (starts[k + 1] > starts[k]) if m.inverse else (starts[k + 1] < starts[k]):
            raise ASMInputError(field("b1..b10"), f"b{k + 1} {starts[k]:.6g} then b{k + 2} {starts[k + 1]:.6g}",
                                f"{m.label}'s decile start values {order}")
    ladder = Ladder(tuple(starts), inverse=m.inverse, topped_out=topped, scale=100.0 if m.proportion else 1.0,
                    measure=mid, collection_type=ctype or "", source="user", note=note)
    return (mid, ctype), ladder


def _start(field: str, value: object, percent: bool) -> float:
    """A decile start value: a number (text as typed: "72,5" gets a decimal-comma hint); for a proportion measure
    0-100, "72%" read as 72 (the ladder is in percent), a blank text as blank."""
    if isinstance(value, str):
        value = value.strip() or None
        if percent and value is not None and value.endswith("%"):
            value = value[:-1].strip()
    try:
        return as_number(field, value, minimum=0.0, maximum=100.0 if percent else None)
    except ASMInputError as e:
        hint = percent_hint(value, 0.0, 100.0 if percent else float("inf")) if isinstance(value, str) else ""
        raise ASMInputError(e.field, e.value, e.allowed + hint.replace("; ", ": ", 1) if hint else e.allowed) from None


def quality_ladders(rows: Iterable[Sequence], labels: Sequence | None = None, *, errors: str = "raise") -> LadderOverrides:
    """The user's quality ladders: rows of :data:`QUALITY_LADDER_COLUMNS` values → :class:`LadderOverrides`
    [ASSUMPTION spec 3.2: a user-supplied table]. Rows whose every cell is blank are skipped; a measure and
    collection type given twice, a measure ASM does not score, a collection type ASM does not collect it as,
    values out of order or fractions where percent is meant are an :class:`ASMInputError` naming the row: its
    place among ``rows`` (1 for the first), or its name in ``labels`` (a file's rows).

    ``errors="keep"`` (a workbook's table): a refused row is kept as the error of the measure it names (of every
    measure when it names none), raised where that measure's ladder is looked up
    (:meth:`~asm_xl.model.benchmarks.LadderOverrides.get`): one bad row errs its own measure's cells, not the
    others' (the first error of a measure is the one said).

    For a proportion measure a rate r (a fraction) reaches B_k when 100 r >= B_k (<= for an inverse
    measure), as on the packaged ladders (:func:`~asm_xl.model.points.points_on_ladder`).

    >>> lad = quality_ladders([["Q236", "eCQM", "", "CMS ASM PY2027", 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]])
    >>> lad.get("236", "eCQM").describe(), lad.get("236", "MIPS CQM") is None
    ('your ladder Q236 eCQM (CMS ASM PY2027)', True)
    """
    measures = _asm_measures()
    rows = [list(r) for r in rows]
    given = [k for k, row in enumerate(rows) if not all(is_blank(v) for v in row)]
    if len(given) > MAX_LADDER_ROWS:   # the size, checked before any row is read
        raise ASMInputError("ladders", f"{len(given)} rows", f"at most {MAX_LADDER_ROWS} ladders")
    found: dict[tuple[str, str | None], tuple[object, Ladder]] = {}
    refused: dict = {}
    for k in given:
        row, n = rows[k], labels[k] if labels is not None else k + 1
        try:
            if any(not is_blank(v) for v in row[len(QUALITY_LADDER_COLUMNS):]):
                raise ASMInputError(f"ladders row {n}", f"{len(row)} columns", f"{len(QUALITY_LADDER_COLUMNS)} "
                                                                                f"columns: {', '.join(QUALITY_LADDER_COLUMNS)}")
            key, ladder = _one_ladder(n, row + [None] * (len(QUALITY_LADDER_COLUMNS) - len(row)), measures)
            if key in found:
                what = f"Q{key[0]} {key[1] or '(every collection type)'}"
                raise ASMInputError(f"ladders row {n}", what, f"each measure and collection type once (row "
                                                             f"{found[key][0]} gives it too)")
        except ASMInputError as e:
            if errors != "keep":
                raise
            refused.setdefault(_measure_named(row, measures), e)
            continue
        found[key] = (n, ladder)
    return LadderOverrides({(k if k[1] else k[0]): lad for k, (_, lad) in found.items()}, refused)


def _measure_named(row: Sequence, measures: dict) -> str | None:
    """The ASM measure id a row names in its first cell, or None (no ASM measure: it could be any)."""
    try:
        mid = normalize_measure_id(row[0]) if row else None
    except ASMInputError:
        return None
    return mid if mid in measures else None
