"""Argument handling shared by the ASM_* functions: the assumptions range, the performance year,
"not scored" categories, ladders, single cells."""

from __future__ import annotations

import marshal
from dataclasses import fields
from operator import is_not
from functools import lru_cache

from asm_xl.model.benchmarks import Ladder, LadderOverrides
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import performance_years, risk_level
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.excel import values as xv
from asm_xl.excel.registry import Arg

__all__ = ["ASSUMPTIONS", "YEAR", "settings_arg", "year_arg", "not_scored", "ladder_arg", "optional_ladder",
           "NO_LADDER", "scalar_arg", "year_risk", "RangeMemo", "SettingsMemo", "participation_arg",
           "year_participation"]

ASSUMPTIONS = Arg("assumptions", "Optional: the Assumptions table (setting names and values, 2 columns). "
                  "Omitted: asm-xl's defaults.", optional=True, range=True)


YEAR = Arg("performance_year", "ASM performance year, {first_year}-{last_year}.")


@lru_cache(maxsize=256)
def _settings_from_pairs(typed: tuple) -> Settings:
    """``typed``: (name, type, value) triples, so that 1, 1.0 and TRUE (equal keys to a cache) are
    read apart: a count given as TRUE is an error whatever was read before it."""
    return Settings.from_mapping({name: value for name, _cls, value in typed})


#: (the last assumptions range object, its Settings), replaced as one tuple so that a thread reading
#: it (xlwings calls UDFs from several threads) never pairs one range with another range's Settings.
_LAST_RANGE: list = [(None, DEFAULT_SETTINGS)]


def settings_arg(v: object) -> Settings:
    """The assumptions range → Settings (cached); rows of (name, value), an unknown name or a value not
    allowed → as every function's input error (:meth:`~asm_xl.excel.values.ExcelError.from_input_error`:
    #NUM! for a number, #VALUE! for text or a blank); an error value in a row → that error (#N/A: #VALUE!,
    as :func:`~asm_xl.excel.values.reject_input_error`).

    The same range object passed again (a workbook evaluation passes one list to every function)
    is recognised by identity, an equal range built anew by its content, without re-reading it.
    """
    last_range, last_settings = _LAST_RANGE[0]
    if v is last_range:
        return last_settings
    key = _content_key(v)
    hit = _BY_CONTENT.get(key) if key is not None else None
    if hit is not None:
        _LAST_RANGE[0] = (v, hit)
        return hit
    settings = _read_settings(v)
    if key is not None:
        if len(_BY_CONTENT) >= 256:
            _BY_CONTENT.clear()
        _BY_CONTENT[key] = settings
    return settings


#: Settings of an assumptions range by its content (type-exact: 1, 1.0 and TRUE stay apart), so an
#: equal range built anew (each workbook evaluation builds its own) is not read again. Only ranges
#: that were read without an error are kept; the result never depends on what was read before.
_BY_CONTENT: dict = {}


def _content_key(v: object):
    """:func:`~asm_xl.excel.values.content_key` of a range (None: not a range, or a cell cannot be hashed)."""
    if v.__class__ is not list:
        return None
    key = xv.content_key(v)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _read_settings(v: object) -> Settings:
    if xv.is_blank(v) if not isinstance(v, list) else False:
        return DEFAULT_SETTINGS
    if not isinstance(v, list):
        raise xv.ExcelError("#VALUE!", "assumptions: a two-column range of setting names and values")
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in v]
    if rows and len(rows[0]) < 2:
        raise xv.ExcelError("#VALUE!", "assumptions: a two-column range of setting names and values")
    used = [r for r in rows if not xv.is_blank(r[0])]
    for r in used:
        xv.reject_input_error("assumptions", r[0])
        xv.reject_input_error(f"assumptions: {str(r[0]).strip()}", r[1])
    pairs = tuple((_SETTING_NAMES.get(str(r[0]).strip().casefold(), str(r[0]).strip()), r[1]) for r in used)
    seen: dict[str, int] = {}   # two rows of one setting: the last won, without a word
    for k, name in ((k, str(r[0]).strip()) for k, r in enumerate(rows) if not xv.is_blank(r[0])):
        first = seen.setdefault(name.casefold(), k)
        if first != k:
            raise xv.ExcelError("#VALUE!", f"assumptions: {name} is given twice (rows {first + 1} and {k + 1} of the "
                                           "range): give it once")
    try:
        settings = _settings_from_pairs(tuple((name, value.__class__, value) for name, value in pairs))
    except ASMInputError as e:
        raise xv.ExcelError.from_input_error(e) from None
    _LAST_RANGE[0] = (v, settings)
    return settings


#: each setting's name by its casefold: 'TFS_Steepness' typed in a cell is tfs_steepness (it was refused, while the
#: check of a setting given twice took the two spellings for one)
_SETTING_NAMES = {f.name.casefold(): f.name for f in fields(Settings)}


def year_arg(v: object, name: str = "performance_year") -> int:
    """A performance year with a risk level; ``name``: the argument the errors name (ASM_PROJECTION's
    next_row_year was blamed on performance_year)."""
    if v.__class__ is float or v.__class__ is int:  # the common case: a known year, one dict read
        y = _KNOWN_YEARS.get(v)
        if y is not None:
            return y
    years = performance_years()
    y = xv.whole(name, v, allowed=f"a performance year, {years[0]}-{years[-1]}")
    try:
        year_risk(y)  # unknown year → #NUM!
    except ASMInputError as e:
        raise xv.ExcelError.from_input_error(ASMInputError(name, e.value, e.allowed)) from None
    return y


#: the performance years with a risk level, by their value (2027 and 2027.0 are one key)
_KNOWN_YEARS = {y: y for y in performance_years()}


@lru_cache(maxsize=64)
def year_risk(year: int) -> float:
    """The risk level of a (whole) performance year, looked up once per year; unknown → ASMInputError."""
    return risk_level(year)


def not_scored(v: object) -> bool:
    v = v[0][0] if isinstance(v, list) and v and isinstance(v[0], list) and len(v) == 1 and len(v[0]) == 1 else v
    return xv.is_blank(v) or (isinstance(v, str) and v.strip().upper() == "#N/A") or v is None


def ladder_arg(v: object, inverse: bool, topped_out: bool, name: str = "ladder") -> Ladder:
    """Ten decile start values from a row or a column; blank cells around them are left out, a blank among
    them is #VALUE! (an 11-cell range with B4 blank was read as a ladder with every later decile shifted)."""
    cells = xv.vector(name, v)
    given = [k for k, x in enumerate(cells) if x is not None and not xv.is_blank(x)]
    vals = cells[given[0]:given[-1] + 1] if given else []
    gap = next((k for k, x in enumerate(vals, start=1) if x is None or xv.is_blank(x)), None)
    if gap is not None:
        raise xv.ExcelError("#VALUE!", f"{name}: value #{gap} is blank: ten decile start values, none left out")
    nums = [xv.number(name, x) for x in vals]
    if len(nums) != 10:
        raise xv.ExcelError("#VALUE!", f"{name}: ten decile start values needed, got {len(nums)}")
    return _ladder(tuple(nums), inverse, topped_out)


#: what :func:`optional_ladder` gives for a range of blank cells: no ladder (none built or entered)
NO_LADDER = "no ladder"


def optional_ladder(v: object, inverse: bool, topped_out: bool = False, name: str = "ladder") -> Ladder | str | None:
    """An optional ladder argument: None when omitted (or one blank cell), :data:`NO_LADDER` for a range
    of blank cells (no ladder was built or entered: nothing is scored on it), else :func:`ladder_arg`."""
    if v is None or (not isinstance(v, list) and xv.is_blank(v)):
        return None
    if isinstance(v, list) and all(xv.is_blank(x) for x in xv.flatten(name, v)):
        return NO_LADDER
    return ladder_arg(v, inverse, topped_out, name)


@lru_cache(maxsize=1024)
def _ladder(starts: tuple, inverse: bool, topped_out: bool) -> Ladder:
    """A ladder is immutable and checked when built (with numpy): built once per distinct ladder."""
    return Ladder(starts, inverse=inverse, topped_out=topped_out)


def scalar_arg(name: str, v: object) -> object:
    if v is None:
        return None
    cls = v.__class__
    if cls is float:
        return None if v != v else v
    if cls is int or cls is bool:
        return v
    if cls is str and "#" not in v:  # text that cannot be an error value
        return v if v.strip() else None
    if isinstance(v, list):
        flat = xv.flatten(name, v)
        if len(flat) != 1:
            raise xv.ExcelError("#VALUE!", f"{name}: one cell, not a range")
        v = flat[0]
    if xv.is_error(v):
        raise xv.ExcelError(str(v).strip().upper(), f"{name} is the error {v}")
    return None if xv.is_blank(v) else v


_MISSING = object()


class RangeMemo:
    """Results of a solve over ranges (a cohort's final scores and payments), once per distinct content.

    A workbook evaluation passes the same list object to every cell that reads a range; Excel (through
    xlwings) passes an equal list built anew for every cell. So the last call's arguments are
    recognised at once when they are the same objects, others (an equal range built anew) by
    :func:`~asm_xl.excel.values.content_key` (linear in the range, no solve; type-exact: TRUE is not 1);
    only a new content is solved. At most ``size`` results are kept (then it starts
    again); an :class:`~asm_xl.excel.values.ExcelError` is kept and raised again like a result. The
    last call is replaced as one tuple, so threads (xlwings calls UDFs from several) never pair one
    range with another's result.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self.solves = 0   #: how many times a solve ran (tests and benchmarks read it)
        self._last: tuple = ((), None, None)
        self._by_content: dict = {}

    def clear(self) -> None:
        """Forget every result (the state of a fresh process)."""
        self._last = ((), None, None)
        self._by_content.clear()

    def make_room(self, n: int) -> None:
        """Before a batch puts ``n`` results: start again now unless they fit, so that none of them is
        dropped halfway (each dropped result would be solved alone by the call that reads it)."""
        if len(self._by_content) + n > self.size:
            self._by_content.clear()

    def put(self, args: tuple, value) -> None:
        """Keep ``value`` as the result of ``solve(*args)`` (a batch computed it for many arguments
        at once); :meth:`get` then answers these arguments without solving."""
        key = _memo_key(args)
        if len(self._by_content) >= self.size:
            self._by_content.clear()
        self._by_content[key] = (True, value)

    def get(self, solve, *args):
        last_args, last_key, hit = self._last
        # the same objects are the last call's at once; anything else by its type-exact key (_memo_key): equality
        # (a tuple comparison) took TRUE for 1, so a call answered another's result (a valid ASM_ACTIONS call
        # gave the #VALUE! of the call before it, whose one cell said TRUE where this one says 1)
        if not (len(last_args) == len(args) and not any(map(is_not, last_args, args))):
            key = _memo_key(args)
            if key != last_key:
                try:
                    hit = self._by_content.get(key, _MISSING)
                except TypeError:   # an unhashable cell: solved every time
                    key, hit = None, _MISSING
                if hit is _MISSING:
                    self.solves += 1
                    try:
                        hit = (True, solve(*args))
                    except xv.ExcelError as e:
                        hit = (False, e)
                    if key is not None:
                        if len(self._by_content) >= self.size:
                            self._by_content.clear()
                        self._by_content[key] = hit
            self._last = (args, key, hit)
        ok, value = hit
        if ok:
            return value
        raise xv.ExcelError(value.code, value.reason)


#: arguments already read from their range (one object per content), keyed by identity
_READ_ARGS = (Settings, LadderOverrides)


def _memo_key(args: tuple) -> object:
    """A type-exact key of a call's arguments (TRUE, 1 and 1.0 apart): their ``marshal`` bytes (format 2, which
    writes every value as itself: later formats write a value met twice as a reference when other references
    to it exist, so equal content gave other bytes), which Python writes in C (~25 ns a cell, a tenth of :func:`~asm_xl.excel.values.content_key` with its hash: an equal
    1,000-cell cohort range built anew for every cell, as xlwings passes it, is recognised at about the cost
    of comparing it); a value marshal cannot write (a date, a numpy number): the content keys."""
    try:   # a Settings or your ladders (one object per range content) compare by identity first, as they did
        return ("marshal", marshal.dumps(tuple(a for a in args if a.__class__ not in _READ_ARGS), 2),
                tuple(a for a in args if a.__class__ in _READ_ARGS))
    except ValueError:
        return tuple(xv.content_key(a) for a in args)


class SettingsMemo:
    """Values that depend on the settings and a few scalars, keyed by the Settings object's identity
    (it is held, so its id is never reused): hashing a Settings (dozens of fields) costs more than
    most ASM_* functions; :func:`settings_arg` gives one object per assumptions content."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._memo: dict = {}
        self._held: dict = {}

    def get(self, settings: Settings, key: tuple, compute):
        k = (id(settings), key)
        hit = self._memo.get(k, _MISSING)
        if hit is _MISSING:
            hit = compute()
            if len(self._memo) >= self.size:
                self._memo.clear()
                self._held.clear()
            self._held[id(settings)] = settings
            self._memo[k] = hit
        return hit


def participation_arg(participation, py: int) -> tuple:
    """The yes/no/blank cells of the performance years 2027-2031 (blank or omitted: assumed participating)
    as 1.0 / 0.0 / NaN for the years from ``py`` on, as :func:`~asm_xl.model.projection.yearly_projection`
    reads them."""
    cells = _participation_cells(participation)
    return tuple(_participation_flag(y, v) for y, v in zip(performance_years(), cells) if y >= py)


def year_participation(participation, py: int) -> float:
    """:func:`participation_arg`'s flag of ``py`` alone: the other years' cells are counted, not read (a typo
    in a later year's is the projection's error, not this year's)."""
    cells = _participation_cells(participation)
    return _participation_flag(py, cells[performance_years().index(py)])


def _participation_cells(participation) -> list:
    """The participation cells, one per performance year (omitted: all blank)."""
    years = performance_years()
    if participation is None:
        return [None] * len(years)
    cells = xv.flatten("participation", participation)
    if len(cells) != len(years):
        # one number: an earlier workbook's ASM_PROJECTION formula, whose 8th argument was rows
        earlier = len(cells) == 1 and isinstance(cells[0], (int, float)) and not isinstance(cells[0], bool)
        raise xv.ExcelError("#VALUE!", f"participation: {len(years)} cells, one per performance year {years[0]}-"
                                       f"{years[-1]} (Yes / No / blank), got {len(cells)}" + (
                                           ": a workbook of an earlier asm-xl? asm-xl generate --overwrite rebuilds it"
                                           if earlier else ": the Inputs sheet's Participating cells (In_Participation)"))
    return cells


def _participation_flag(year: int, v: object) -> float:
    return float("nan") if xv.is_blank(v) else float(xv.boolean(f"participation {year}", v, True))
