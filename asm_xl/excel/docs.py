"""The README's reference tables, generated from the registry, :class:`Settings` and the column list.

``python -m asm_xl.excel.docs`` prints the tables ("Excel functions", "Assumptions", "Roster
columns", "The peer model's assumptions", "The actions priced") as markdown; ``--write README.md`` replaces them in place; ``--check README.md`` exits 1
when the README's tables differ from the generated ones (a test does the same). Every number that is
a setting comes from :meth:`Settings.fill`, so editing a default updates the README, the Function
Wizard help, the docstrings and the Inputs sheet together.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Callable

from asm_xl.excel.registry import REGISTRY
from asm_xl.model.action_catalogue import ACTIONS
from asm_xl.model.peer_assumptions import COHORT_SPECIFIC
from asm_xl.model.peer_settings import is_peer_row
from asm_xl.model.columns import IDENTITY_COLUMNS, MEASURE_FIELDS, PARTICIPANT_COLUMNS, column_help
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.settings_text import setting_value_text

__all__ = ["functions_table", "assumptions_table", "roster_columns_table", "peer_model_table", "range_example_table",
           "range_narrowing",
           "actions_table",
           "SECTIONS",
           "readme_tables",
           "update_readme", "main"]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def functions_table(settings: Settings = DEFAULT_SETTINGS) -> str:
    """One row per ``ASM_*`` function: signature and Function Wizard help (a table function's, with what
    its last argument ``rows`` does: one fixed array formula's block)."""
    return _table(("function", "what it returns"),
                  [(f"`{fn.signature}`", fn.help_for(settings) + (f" `rows`: {fn.args[-1].doc}" if fn.table else ""))
                   for fn in REGISTRY.values()])


def assumptions_table(settings: Settings = DEFAULT_SETTINGS) -> str:
    """One row per setting: name, value, source tag, meaning (the peer model's rows: its own table)."""
    return _table(("setting", "default", "source", "meaning"),
                  [(f"`{i.name}`", setting_value_text(i.value), i.source, i.description) for i in settings.describe()
                   if not is_peer_row(i.name)])


def roster_columns_table(settings: Settings = DEFAULT_SETTINGS) -> str:
    """One row per roster column; measure columns as ``qNNN_<field>``."""
    helps = column_help(settings)
    rows = [(f"`{c}`", helps[c]) for c in IDENTITY_COLUMNS + PARTICIPANT_COLUMNS]
    rows += [(f"`qNNN_{f}`", helps[f]) for f in MEASURE_FIELDS]
    return _table(("column", "meaning"), rows)


def peer_model_table(settings: Settings = DEFAULT_SETTINGS) -> str:
    """One row per peer-model assumption: HF and LBP defaults, source tag, meaning, and the rows of the
    Assumptions sheet that edit it (``peer_<name>``, ``_low``/``_high`` for a range, ``_hf``/``_lbp``)."""
    hf, lbp = settings.peer_assumptions("HF"), settings.peer_assumptions("LBP")

    def shown(v) -> str:
        return f"{v[0]:g} to {v[1]:g}" if isinstance(v, tuple) else (f"{v:,}" if isinstance(v, int) else f"{v:g}")

    def row_names(name: str, value) -> str:
        if name in COHORT_SPECIFIC:
            return f"`peer_{name}_hf`, `_lbp`"
        return f"`peer_{name}_low`, `_high`" if isinstance(value, tuple) else f"`peer_{name}`"

    rows = [(f"`{i.name}`", shown(i.value), shown(getattr(lbp, i.name)), i.source, row_names(i.name, i.value),
             i.description) for i in hf.describe() if i.name != "cohort"]
    return _table(("assumption", "HF", "LBP", "source", "Assumptions rows", "meaning"), rows)


def range_example_table(settings: Settings = DEFAULT_SETTINGS) -> str:
    """The README's example of ranges: an HF physician in 2027 with $250,000 of Part B payments."""
    from asm_xl.model.pool_choice import national_pool

    def dollars(x: float) -> str:
        return f"{'-' if x < 0 else '+'}${abs(x):,.0f}"

    rng = national_pool("HF", 2027, settings).price([50.0, 60.0, 70.0, 80.0], [250_000.0] * 4)
    rows = [(f"{f:g}", dollars(a), dollars(b), dollars(c), f"{g:.0%}")
            for f, a, b, c, g in zip((50, 60, 70, 80), rng.dollars_p10, rng.dollars_p50, rng.dollars_p90, rng.p_gain)]
    return _table(("final score", "P10", "P50", "P90", "chance of a gain"), rows)


def range_narrowing(settings: Settings = DEFAULT_SETTINGS, final: float = 70.0) -> tuple[float, float]:
    """The README's figure of where a range comes from: the P10-P90 width of the factor (percentage
    points) of an HF physician in 2027 at ``final``, with the peer model's ranges as they are, and with
    every range fixed at its middle (``peer_<name>_low`` = ``_high``): what is left is the midpoint rule
    (drawn too, ``peer_share_median_midpoint``) and the luck of a national sample."""
    from asm_xl.model.pool_choice import national_pool

    ranges = [i for i in settings.peer_assumptions("HF").describe() if isinstance(i.value, tuple)]
    middle = {f"peer_{i.name}_{end}": (i.value[0] + i.value[1]) / 2 for i in ranges for end in ("low", "high")}
    widths = []
    for s in (settings, settings.replace(**middle)):
        rng = national_pool("HF", 2027, s).price([final], [1.0])
        widths.append(100.0 * float(rng.factor_p90[0] - rng.factor_p10[0]))
    return widths[0], widths[1]


def actions_table(settings: Settings = DEFAULT_SETTINGS) -> str:
    """One row per kind of action the Actions sheet and the dashboard price (the catalogue,
    :data:`~asm_xl.model.action_catalogue.ACTIONS`): its label, what it changes, the rule its value
    rests on and its effort weight (the setting and its value)."""
    values = {i.name: i.value for i in settings.describe()}
    return _table(("action", "what is changed before scoring again", "source", "effort weight"),
                  [(a.text("QNNN"), a.change_text("QNNN"), a.source_text(settings), f"`{a.effort_setting}` = {values[a.effort_setting]}")
                   for a in ACTIONS.values()])


#: README heading → the generator of the first table under it
SECTIONS: dict[str, Callable[[Settings], str]] = {
    "Excel functions": functions_table,
    "Roster columns": roster_columns_table,
    "Assumptions": assumptions_table,
    "How sure is this number?": range_example_table,
    "The peer model's assumptions": peer_model_table,
    "The actions priced": actions_table,
}

_TABLE = re.compile(r"(?m)^\|.*\|\n(?:^\|.*\|\n)+")


def _section_span(text: str, heading: str) -> tuple[int, int]:
    """(start, end) of the first table after the markdown heading ``heading``."""
    m = re.search(rf"(?m)^#+ {re.escape(heading)}\s*$", text)
    if m is None:
        raise ValueError(f"README has no section {heading!r}")
    t = _TABLE.search(text, m.end())
    if t is None:
        raise ValueError(f"README section {heading!r} has no table")
    return t.start(), t.end()


def readme_tables(text: str) -> dict[str, str]:
    """The tables the README shows now, by section."""
    return {h: text[slice(*_section_span(text, h))] for h in SECTIONS}


def update_readme(text: str, settings: Settings = DEFAULT_SETTINGS) -> str:
    """``text`` with every generated table replaced by the current one."""
    for heading, make in SECTIONS.items():
        start, end = _section_span(text, heading)
        text = text[:start] + make(settings) + text[end:]
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m asm_xl.excel.docs", description=__doc__.split("\n")[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="README", help="replace the tables in this file")
    group.add_argument("--check", metavar="README", help="exit 1 when this file's tables are not current")
    args = ap.parse_args(argv)
    if args.write or args.check:
        path = Path(args.write or args.check)
        try:
            text = path.read_text(encoding="utf-8")
            new = update_readme(text)
        except (OSError, UnicodeError, ValueError) as e:
            print(f"{ap.prog}: cannot read the tables of {path}: {_why(e)}", file=sys.stderr)
            return 1
        if args.check:
            stale = [h for h in SECTIONS if readme_tables(text)[h] != readme_tables(new)[h]]
            if stale:
                print(f"{path}: stale tables: {', '.join(stale)} (python -m asm_xl.excel.docs --write {path})")
                return 1
            return 0
        if new != text:
            try:
                path.write_text(new, encoding="utf-8")
            except OSError as e:
                print(f"{ap.prog}: cannot write {path}: {_why(e)}", file=sys.stderr)
                return 1
        return 0
    for heading, make in SECTIONS.items():
        sys.stdout.write(f"### {heading}\n\n{make(DEFAULT_SETTINGS)}\n")
    return 0


def _why(e: Exception) -> str:
    """An error as one line: an OSError's reason without its repeated file name."""
    return (e.strerror if isinstance(e, OSError) and e.strerror else str(e)).splitlines()[0]


def run(argv: list[str] | None = None) -> int:
    """:func:`main`, quiet when the reader of its output goes away (``| head``): exit 1, no traceback."""
    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
