"""Input checking for the cohort API: vectorized column checks that record every bad value (row,
column, value, reason) and mark its row bad (the per-measure inputs of each cohort are read by them in
:mod:`asm_xl.model.measure_checks`).

Split from :mod:`asm_xl.model.cohort`, which scores the pools.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import resolve_cohort
from asm_xl.model.identifiers import npi_problem, npi_valid_mask, tin_key, tin_problem, tin_with_zeros
from asm_xl.model.validation import (FALSE_WORDS, TRUE_WORDS, YES_NO_ALLOWED, not_a_number_note, percent_hint,
                                     typed_number)

__all__ = ["Checker", "bool_value", "blank_scalar", "map_text", "cohort_codes", "ia_done_column",
           "report_duplicates"]


#: frames of at most this many rows are checked cell by cell: pandas' per-column costs (factorize,
#: isna, map, to_numeric: ~0.3 ms a column, 50 columns) outweigh the vectorized work there (one
#: physician's actions re-scored, an Excel function's call); the results are the same
SMALL_FRAME = 64


#: a plain decimal (ASCII digits, at most one point, no sign, spaces or separators): what
#: :func:`~asm_xl.model.validation.typed_number` reads as ``float(text)`` (too short to underflow to 0),
#: read so without its checks: most cells of a roster exported from Excel
_PLAIN_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


def _typed(text: str, percent: bool):
    """A cell's number as :func:`~asm_xl.model.validation.typed_number` reads it; NaN where it cannot;
    blank text as it is."""
    if _PLAIN_DECIMAL.fullmatch(text):
        return float(text)
    try:
        return typed_number(text, percent=percent) if text.strip() else text
    except ValueError:
        return np.nan


class Checker:
    """Vectorized column checks that record every bad value and mark its row bad."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.n = len(df)
        self.bad = np.zeros(self.n, dtype=bool)
        self.errors: list[dict] = []
        #: the columns and their dtypes, read once (a column of a small frame costs pandas ~10 us a read)
        self._dtypes: dict = dict(zip(df.columns, df.dtypes))
        self._raw: dict[str, np.ndarray] = _numpy_cells(df, self._dtypes) if self.n <= SMALL_FRAME else {}
        self._blank: dict[str, np.ndarray] = {}
        self._floats: dict[tuple, np.ndarray] = {}
        self._factors: dict[str, tuple | None] = {}
        self._text: dict[str, np.ndarray] = {}
        self.npi = self.text("npi")

    def report(self, mask: np.ndarray, column: str, values, reason) -> None:
        """Record every row of ``mask`` as bad; ``values`` None means the column's own cells."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        self.bad[idx] = True
        vals = self.raw(column) if values is None else np.asarray(values, dtype=object)
        for i in idx:
            why = reason(i) if callable(reason) else reason
            v = vals[i]
            self.errors.append({"row": self.df.index[i], "npi": self.npi[i], "column": column,
                                "value": None if blank_scalar(v) else v, "reason": why})

    def has(self, column: str) -> bool:
        """Whether the table has ``column``."""
        return column in self._dtypes

    def dtype(self, column: str):
        """The dtype of ``column`` (read once)."""
        return self._dtypes[column]

    def raw(self, column: str) -> np.ndarray:
        if column not in self._raw:
            self._raw[column] = (self.df[column].to_numpy(dtype=object) if column in self._dtypes
                                 else np.full(self.n, None, dtype=object))
        return self._raw[column]

    def _factor(self, column: str):
        """(codes, distinct values as objects) of a text/object column, -1 for NaN/None; None when
        the cells cannot be hashed. Lets per-cell rules run once per distinct value."""
        if column not in self._factors:
            try:
                codes, uniques = pd.factorize(self.df[column], use_na_sentinel=True)
                self._factors[column] = (codes, np.asarray(uniques, dtype=object))
            except TypeError:
                self._factors[column] = None
        return self._factors[column]

    def _per_value(self, column: str, func, missing) -> np.ndarray:
        """``func`` of every cell (``missing`` for NaN/None), computed once per distinct value.
        Only for rules that give equal results for cells that compare equal (1 == 1.0 == True)."""
        f = None if self.n <= SMALL_FRAME else self._factor(column)
        if f is None:  # a small frame (factorizing costs more than it saves) or unhashable cells
            return np.array([missing if blank_scalar(v) else func(v) for v in self.raw(column)], dtype=object)
        codes, uniques = f
        table = np.empty(len(uniques) + 1, dtype=object)
        table[:-1] = [func(u) for u in uniques]
        table[-1] = missing  # code -1: NaN/None
        return table[codes]

    def blank(self, column: str) -> np.ndarray:
        if column not in self._dtypes:
            return np.ones(self.n, dtype=bool)
        if column not in self._blank:
            dtype = self._dtypes[column]
            b = (np.array([blank_scalar(v) for v in self.raw(column)], dtype=bool) if self.n <= SMALL_FRAME
                 else self.df[column].isna().to_numpy().copy())
            if dtype == object or pd.api.types.is_string_dtype(dtype):
                b |= self._per_value(column, lambda v: isinstance(v, str) and v.strip() == "", False).astype(bool)
            self._blank[column] = b
        return self._blank[column].copy()

    def number(self, column: str, *, minimum=None, maximum=None, whole=False, required=False,
               allowed: str, default=np.nan, rows: np.ndarray | None = None, percent: bool = False) -> np.ndarray:
        """Float array (NaN for blank); bad values recorded with ``allowed`` as the reason. Text as
        Excel exports it is read by :func:`~asm_xl.model.validation.typed_number` (``percent``: a
        fraction column, where "85%" is 0.85 and a bare 85 gets "did you mean 85%?")."""
        blank = self.blank(column)
        x = self._floats.get((column, percent))
        if x is None:  # (read once a column: checked again with other bounds, or by a later reader)
            x = self._small_numbers(column, blank, percent) if self.n <= SMALL_FRAME else None
            if x is None:
                x = self._numbers(column, blank, percent)
            self._floats[(column, percent)] = x
        with np.errstate(invalid="ignore"):
            invalid = ~blank & ~np.isfinite(x)
            if minimum is not None:
                invalid |= x < minimum
            if maximum is not None:
                invalid |= x > maximum
            if whole:
                invalid |= np.isfinite(x) & (np.floor(x) != x)
        if rows is not None:
            invalid &= rows
        if column in self._dtypes and invalid.any():   # each cell's own: no number at all, or a percent typed
            cells = self.raw(column)
            self.report(invalid, column, None, lambda i: _reason_of_cell(cells[i], allowed, percent))
        if required:
            need = blank if rows is None else blank & rows
            self.report(need, column, None, f"required: {allowed}")
        x = np.where(invalid, np.nan, x)
        return np.where(blank, default, x)

    def _numbers(self, column: str, blank: np.ndarray, percent: bool) -> np.ndarray:
        """:meth:`number`'s floats of a column, vectorized: text read by
        :func:`~asm_xl.model.validation.typed_number`, then ``pd.to_numeric`` (NaN where it cannot)."""
        if column not in self._dtypes:
            return np.full(self.n, np.nan)
        s = self.df[column]
        if s.dtype == bool:
            return np.full(self.n, np.nan)   # a column of booleans is not a number column
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            cells = s.to_numpy(dtype=object)
            if cells.size and all(isinstance(v, (bool, np.bool_)) for v in cells):
                return np.full(self.n, np.nan)   # (as pandas infers: an object column of booleans only)
            # a comprehension, not Series.map: pandas' per-cell dispatch cost more than the reading
            s = pd.Series([_typed(v, percent) if isinstance(v, str) else v for v in cells], index=s.index,
                          dtype=object)
        return pd.to_numeric(s.where(~blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def _small_numbers(self, column: str, blank: np.ndarray, percent: bool) -> np.ndarray | None:
        """:meth:`_numbers` of a small frame's column, cell by cell, without pandas' per-column costs
        (~0.3 ms a column): the same numbers for text, Python/numpy numbers and booleans (1.0/0.0).
        None (:meth:`_numbers` decides) for any other kind of cell, or a whole number beyond 2**53,
        where float() and pandas might round differently."""
        if column not in self._dtypes:
            return np.full(self.n, np.nan)
        raw = self.raw(column)
        if all(isinstance(v, (bool, np.bool_)) for v in raw):
            return np.full(self.n, np.nan)   # a column of booleans is not a number column (as pandas infers)
        x = np.empty(self.n)
        for i, v in enumerate(raw):
            if blank[i]:
                x[i] = np.nan
                continue
            if isinstance(v, str):
                v = _typed(v, percent)
            if isinstance(v, (bool, np.bool_, float, np.floating)):
                x[i] = float(v)
            elif isinstance(v, (int, np.integer)) and abs(int(v)) <= 2 ** 53:
                x[i] = float(v)
            else:
                return None
        return x

    def boolean(self, column: str, *, default: bool) -> np.ndarray:
        """yes/no, TRUE/FALSE, 1/0; blank → default. NaN marks a bad value."""
        blank = self.blank(column)
        if column in self._dtypes:
            out = self._per_value(column, bool_value, np.nan).astype(float)
        else:
            out = np.full(self.n, np.nan)
        out[blank] = float(default)
        self.report(np.isnan(out), column, None, f"must be {YES_NO_ALLOWED}")
        return out

    def text(self, column: str) -> np.ndarray:
        """Stripped text of each cell ("" for blank). Read-only (cached)."""
        if column not in self._dtypes:
            return np.full(self.n, "", dtype=object)
        if column not in self._text:
            blank = self.blank(column)
            if self._dtypes[column] == object:  # mixed Python objects: 1, 1.0 and True print differently, so per cell
                raw = self.raw(column)
                out = np.array(["" if b else str(v).strip() for v, b in zip(raw, blank)], dtype=object)
            else:
                out = self._per_value(column, lambda v: str(v).strip(), "")
                out[blank] = ""
            self._text[column] = out
        return self._text[column]


def _reason_of_cell(value: object, allowed: str, percent: bool) -> str:
    """Why a cell is refused: what it is when it is no number at all (:func:`~asm_xl.model.validation.not_a_number_note`),
    the column's rule, and in a fraction column the percent typed (:func:`~asm_xl.model.validation.percent_hint`)."""
    hint = percent_hint(value) if percent else ""
    return f"must be {allowed}{hint}" if hint else f"{not_a_number_note(value)}must be {allowed}"


def _numpy_cells(df: pd.DataFrame, dtypes: dict) -> dict[str, np.ndarray]:
    """{column: its cells as Python objects} of the columns of a numpy dtype (text as objects, numbers,
    yes/no), read in one call (the cells ``Series.to_numpy(dtype=object)`` gives: numpy's own conversion,
    column by column or in one block); other columns (pandas' own dtypes) are read one by one."""
    plain = [j for j, dtype in enumerate(dtypes.values()) if isinstance(dtype, np.dtype) and dtype.kind in "biufO"]
    if not plain or len(dtypes) != df.shape[1]:  # (a repeated column name: read by name, as before)
        return {}
    cells = df.to_numpy(dtype=object)  # (a column of another dtype is converted too, and not used)
    names = list(dtypes)
    return {names[j]: cells[:, j] for j in plain}


def bool_value(v) -> float:
    """yes/no, TRUE/FALSE, 1/0 → 1.0/0.0; anything else NaN (blank handled by the caller)."""
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)) and float(v) in (0.0, 1.0):
        return float(v)
    if isinstance(v, str) and v.strip().casefold() in TRUE_WORDS | FALSE_WORDS:
        return float(v.strip().casefold() in TRUE_WORDS)
    return np.nan


def blank_scalar(v) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def cohort_codes(chk: Checker) -> np.ndarray:
    """The cohort code of each row, each distinct (cohort, specialty) pair resolved by the one rule,
    :func:`~asm_xl.model.parameters.resolve_cohort`; a pair it refuses is reported under the field it
    names ("required: ..." when blank, else "must be ..."), and a bad cohort given with a bad specialty
    reports both. A refused row keeps the cohort given where it is one, else its specialty's (so that
    its other checks name the right measures), else ""."""
    cohort, specialty = chk.text("cohort"), chk.text("specialty")
    codes, pairs = pd.factorize(pd.Series(list(zip(cohort, specialty)), dtype=object))
    out = np.empty(len(pairs), dtype=object)
    problems: dict = {}   # (field, reason) -> the pairs refused so

    def refuse(e: ASMInputError, k: int) -> None:
        problems.setdefault((e.field, _reason(e)), []).append(k)

    for k, (c, s) in enumerate(pairs):
        out[k], e = _resolved(c, s)
        if e is None:
            continue
        refuse(e, k)
        given, e_given = _resolved(c, "")       # the cohort given alone (blank: refused as blank)
        by_specialty, e_spec = _resolved("", s)
        if c and s and e_given is not None and e_spec is not None:  # both refused: both reported
            refuse(e_spec, k)
        out[k] = given if e_given is None else by_specialty
    for (column, reason), ks in problems.items():
        chk.report(np.isin(codes, ks), column, None, reason)
    return out[codes] if len(pairs) else np.empty(0, dtype=object)


def _resolved(cohort: str, specialty: str) -> tuple[str, ASMInputError | None]:
    """(code, None) of :func:`~asm_xl.model.parameters.resolve_cohort`, or ("", the refusal)."""
    try:
        return resolve_cohort(cohort, specialty).code, None
    except ASMInputError as e:
        return "", e


def _reason(e: ASMInputError) -> str:
    """A refusal as the checks word it: "required: ..." for a blank, else "must be ..."."""
    return f"required: {e.allowed}" if e.blank else f"must be {e.allowed}"


def map_text(text: np.ndarray, func) -> np.ndarray:
    """``func`` of each string of an object array of str, computed once per distinct string."""
    if text.size <= SMALL_FRAME:  # (a few strings: a dict costs less than factorizing)
        memo: dict = {}
        out = np.empty(text.size, dtype=object)
        out[:] = [memo[t] if t in memo else memo.setdefault(t, func(t)) for t in text.tolist()]
        return out
    codes, uniques = pd.factorize(text)
    table = np.empty(len(uniques), dtype=object)
    table[:] = [func(u) for u in np.asarray(uniques, dtype=object)]
    return table[codes] if len(uniques) else np.empty(0, dtype=object)


def ia_done_column(chk: Checker) -> np.ndarray:
    """Improvement activities done per row: ``ia_done`` (0-2) where it is given, else the count of
    ``ia1_done``/``ia2_done`` (blank = not done), so a roster may record some physicians either way."""
    ia1 = chk.boolean("ia1_done", default=False)
    ia2 = chk.boolean("ia2_done", default=False)
    by_activity = np.nan_to_num(ia1) + np.nan_to_num(ia2)
    if not chk.has("ia_done"):
        return by_activity
    count = chk.number("ia_done", minimum=0, maximum=2, whole=True, required=False,
                       allowed="0, 1 or 2 improvement activities completed")
    # both forms given and contradicting each other (ia1_done no, ia2_done yes, ia_done 2): the count won
    # silently, 10 points and thousands of dollars on a guess; refused, naming both [ASSUMPTION: neither wins]
    done = (ia1 == 1).astype(int) + (ia2 == 1).astype(int)
    not_done = ((ia1 == 0) & ~chk.blank("ia1_done")).astype(int) + ((ia2 == 0) & ~chk.blank("ia2_done")).astype(int)
    with np.errstate(invalid="ignore"):
        clash = np.isfinite(count) & ((done > count) | (not_done > 2 - count))
    chk.report(clash, "ia_done", None,
               lambda i: f"ia_done says {int(count[i])} done, ia1_done/ia2_done say {done[i]} done and "
                         f"{not_done[i]} not done: give the activities one way, or make them agree")
    return np.where(chk.blank("ia_done"), by_activity, count)


def report_identifiers(chk: Checker) -> list[str]:
    """An NPI, when given, is 10 digits with a valid check digit; a TIN, when given, 9 digits (dashes
    allowed), or 7-8 digits whose leading zeros a spreadsheet dropped (given back: :func:`tin_with_zeros`):
    the same rules (:mod:`asm_xl.model.identifiers`) as the roster file's. Returns the TINs given back their
    zeros (the library refused the 9853177 that ``asm-xl score`` reads as 009853177)."""
    restored: list[str] = []
    for column, problem in (("npi", npi_problem), ("tin", _tin_problem)):
        if not chk.has(column):
            continue
        texts = chk.text(column)
        # only the rows the fast check flags get a reason (a Python call each)
        if column == "tin" and chk.n <= SMALL_FRAME:  # (a few TINs: each given one asked of the rule itself)
            suspect = np.flatnonzero(texts != "")
        elif column == "tin":
            good = pd.Series(texts, dtype=object).str.replace("-", "", regex=False).str.fullmatch(r"[0-9]{9}")
            suspect = np.flatnonzero((texts != "") & ~good.fillna(False).to_numpy(dtype=bool))
        else:
            suspect = np.flatnonzero((texts != "") & ~npi_valid_mask(texts))
        reasons = {int(i): problem(texts[i]) for i in suspect}
        bad = np.zeros(chk.n, dtype=bool)
        bad[[i for i, r in reasons.items() if r is not None]] = True
        if bad.any():
            chk.report(bad, column, None, lambda i, reasons=reasons: reasons[i])
        if column == "tin":
            restored = [tin_with_zeros(texts[i]) for i in suspect if reasons[int(i)] is None and tin_with_zeros(texts[i])]
    return restored


def _tin_problem(text: str) -> str | None:
    """:func:`tin_problem`, none for a TIN a spreadsheet took the leading zeros of (:func:`tin_with_zeros`)."""
    return None if tin_with_zeros(text) else tin_problem(text)


def report_duplicates(chk: Checker) -> None:
    if not chk.has("npi") or chk.n < 2:  # (one row cannot repeat another)
        return
    group = np.zeros(chk.n, dtype=np.int64)
    # the same keys as the roster's check: a TIN by its digits ("12-3456789" is 123456789), a year by its number
    years = chk.text("performance_year")
    as_number = pd.to_numeric(pd.Series(years), errors="coerce")
    keys = {"npi": chk.text("npi"), "tin": np.array([tin_key(t) for t in chk.text("tin")], dtype=object),
            "performance_year": np.where(as_number.notna(), as_number.astype(str), years)}
    for col in ("npi", "tin", "performance_year"):  # one integer code per distinct (NPI, TIN, year)
        codes, uniques = pd.factorize(keys[col])
        group = pd.factorize(group * max(len(uniques), 1) + codes)[0].astype(np.int64)
    dup = pd.Series(group).duplicated(keep="first").to_numpy() & (chk.text("npi") != "")
    if not dup.any():
        return
    first = np.full(group.max() + 1, chk.n)
    np.minimum.at(first, group, np.arange(chk.n))  # first row of each (NPI, TIN, year)
    chk.report(dup, "npi", None,
               lambda i: f"duplicate participant (same NPI, TIN and year as row {chk.df.index[first[group[i]]]})")
