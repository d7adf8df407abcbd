"""Numbers that are settings are never restated by hand (issue 8): help texts, docstrings, the
Inputs-sheet help, the roster column help and the README tables are generated from Settings."""

import re
from pathlib import Path

import openpyxl
import pytest

from asm_xl.excel import REGISTRY, call, explain
from asm_xl.excel.docs import SECTIONS, functions_table, main, readme_tables, roster_columns_table, update_readme
from asm_xl.model.columns import COLUMN_HELP_TEMPLATES, column_help
from asm_xl.model.settings import Settings
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.inputs_sheet import MEASURE_NOTE
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

README = Path(__file__).resolve().parents[2] / "README.md"

EDITED = Settings(cost_episode_minimum=25, completeness_threshold=0.8, topped_out_cap=6, given_scaling_factor=1.6,
                  solo_practice_bonus=12, small_practice_bonus=8, small_practice_max_clinicians=12, tfs_steepness=0.2,
                  tfs_midpoint=55, pool_withhold=0.2, ia_penalty_per_missing=5, pi_max_penalty=8,
                  complex_bonus_max=8)

#: Numbers that are not settings: the points scales, identifiers, the IA names, units, 90 days.
NOT_SETTINGS = ["0-100", "0-10", "1-10", "/ 10", "10-digit", "IA-1", "IA-2", "ia1_done/ia2_done", "B1..B10",
                "Q236", "236", "Q492", "70% = 0.70", "90 days", "100 person-years", "1/(1+exp(-k(final-m)))"]


def _hand_typed_texts():
    for fn in REGISTRY.values():
        yield fn.name, fn.help_template
        for a in fn.args + ((fn.variadic,) if fn.variadic else ()):
            yield f"{fn.name}.{a.name}", a.doc_template or a.doc
    for k, v in COLUMN_HELP_TEMPLATES.items():
        yield f"column {k}", v
    for k, v in L.SCALAR_INPUTS.items():
        yield f"Inputs {k}", v[2]
    yield "Inputs measure note", MEASURE_NOTE


def test_no_hand_typed_help_text_states_a_number_other_than_0_1_or_2():
    # "fewer than 20", "75%", "1.7", "cap 7", "k=0.1, m=50", "+15/+10" must be {setting} placeholders.
    for where, text in _hand_typed_texts():
        rest = re.sub(r"\{[^}]*\}", "", text)
        for phrase in NOT_SETTINGS:
            rest = rest.replace(phrase, "")
        numbers = {float(n) for n in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", rest)}
        assert numbers <= {0.0, 1.0, 2.0}, (where, text, numbers)


def test_editing_a_setting_updates_the_function_help_and_docstrings():
    table = functions_table(EDITED)
    for phrase in ("fewer than 25 episodes", "at 80% completeness", "k=0.2; m:", "pays back 80%",
                   "+12 solo, +8 for 2-12 clinicians", "-5 points per activity", "-8 x (1 - PI score), 0 to -8"):
        assert phrase in table, phrase
    for old in ("fewer than 20 episodes", "75%", "k=0.1", "85%", "+15", "-10 x"):
        assert old not in table, old
    assert "cap points at 6 " in REGISTRY["ASM_POINTS"].docstring(EDITED)
    assert "k=0.2" in REGISTRY["ASM_TFS"].docstring(EDITED) and "or 55." in REGISTRY["ASM_TFS"].docstring(EDITED)
    assert "fewer than 20 episodes" in REGISTRY["ASM_COST"].impl.__doc__  # declared with the defaults


def test_editing_a_setting_updates_the_roster_column_help():
    helps = column_help(EDITED)
    assert helps["cost_episodes"] == "Attributed EBCM episodes (fewer than 25: no cost score)"
    assert helps["practice_size"] == ("Clinicians billing under the TIN (1 = solo, 2-12 = small, >12 = no bonus; "
                                      "with small_practice given, only solo vs small, and blank means not solo)")
    assert "`complex_bonus` | Complex patient bonus, 0-8 points" in roster_columns_table(EDITED)


def test_inputs_sheet_help_is_filled_from_the_settings():
    # a help naming settings is ASM_HELP of the workbook's Assumptions (it follows an edited setting); others are text
    from asm_xl.excel.registry import call
    ws = openpyxl.load_workbook(DEFAULT_TEMPLATE)[L.INPUTS]
    live = 0
    for name, (row, _, help_text, _) in L.SCALAR_INPUTS.items():
        shown = ws.cell(row=row, column=3).value
        if "{" in help_text:
            live += 1
            assert shown == '=ASM_HELP("' + help_text.replace('"', '""') + '",Assumptions)', name
            assert call("ASM_HELP", help_text) == Settings().fill(help_text), name
        else:
            assert shown == help_text, name
    assert live >= 4
    assert call("ASM_HELP", L.SCALAR_INPUTS["In_PracticeSize"][2]) == \
        "1 = solo (+15), 2-15 = small (+10), more = no bonus"


def test_asm_help_fills_a_settings_name_only_never_an_attribute_or_an_index():
    # str.format reads attributes and items: ASM_HELP("{case_minimum.__class__}") showed "<class 'int'>", a way
    # for a workbook's text (recalculated on a server) into Python's internals; a format a value cannot take
    # ("{given_scaling_factor:.2f}" of None) was an internal error with a traceback in the log
    for text in ("{case_minimum.__class__}", "{case_minimum.__class__.__init__.__globals__}", "{pool[0]}", "{0}",
                 "{given_scaling_factor:.2f}"):
        assert call("ASM_HELP", text) == "#VALUE!", text
        assert explain("ASM_HELP", text).startswith(f"text: {text!r} names no setting as written"), text
    assert call("ASM_HELP", "{case_minimum} cases, {completeness_threshold:.0%}") == "20 cases, 75%"
    with pytest.raises(ValueError, match="only a setting's name may be in braces"):
        Settings().fill("{case_minimum.real}")


@pytest.mark.parametrize("section", list(SECTIONS))
def test_readme_tables_are_the_generated_ones(section):
    text = README.read_text(encoding="utf-8")
    assert readme_tables(text)[section] == readme_tables(update_readme(text))[section], \
        "README is stale: run python -m asm_xl.excel.docs --write README.md"


def test_docs_check_reports_a_stale_readme(tmp_path, capsys):
    stale = tmp_path / "README.md"
    stale.write_text(README.read_text(encoding="utf-8").replace("fewer than 20 episodes", "fewer than 30 episodes"),
                     encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert "Excel functions" in capsys.readouterr().out
    assert main(["--write", str(stale)]) == 0 and main(["--check", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")


def test_docs_of_a_missing_or_unwritable_readme_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "none.md"
    assert main(["--write", str(missing)]) == 1
    assert capsys.readouterr().err == (f"python -m asm_xl.excel.docs: cannot read the tables of {missing}: "
                                       "No such file or directory\n")
    no_tables = tmp_path / "notes.md"
    no_tables.write_text("# Notes\n", encoding="utf-8")
    assert main(["--check", str(no_tables)]) == 1
    assert capsys.readouterr().err.endswith(": README has no section 'Excel functions'\n")
    stale = tmp_path / "README.md"
    stale.write_text(README.read_text(encoding="utf-8").replace("fewer than 20 episodes", "fewer than 30 episodes"),
                     encoding="utf-8")

    def disk_full(self, *a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Path, "write_text", disk_full)
    assert main(["--write", str(stale)]) == 1
    assert capsys.readouterr().err == f"python -m asm_xl.excel.docs: cannot write {stale}: No space left on device\n"


def test_docs_piped_into_a_reader_that_stops_early_is_quiet():
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "asm_xl.excel.docs"], cwd=README.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout.read(20) == b"### Excel functions\n"
    proc.stdout.close()  # as `| head -1` does
    assert proc.stderr.read() == b""
    assert proc.wait(timeout=60) in (0, 1)  # 0 when the output fit in the pipe before it closed


#: a hint that writes a call with argument names: ASM_POOL_MIDPOINT(performance_year, cohort, [assumptions])
_HINT = re.compile(r"\b(ASM_[A-Z0-9_]+)\(\s*(\[?[a-z_][a-z0-9_]*\]?(?:\s*,\s*\[?[a-z_][a-z0-9_]*\]?)*)\s*\)")


def _texts_of_the_package():
    """Every string of the package's source (docstrings, messages, help; implicit concatenation joined,
    f-strings' literal parts) and the README."""
    import ast
    package = Path(__file__).resolve().parents[2] / "asm_xl"
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield path.name, node.value
    yield "README.md", README.read_text(encoding="utf-8")


def test_every_hint_that_writes_a_call_names_the_registered_arguments_in_their_order():
    hints = [(where, m.group(1), [a.strip() for a in m.group(2).split(",")])
             for where, text in _texts_of_the_package() for m in _HINT.finditer(text)]
    assert any(where != "README.md" for where, *_ in hints)  # the package's own hints are read (e.g. ASM_TFS's)
    for where, name, written in hints:
        fn = REGISTRY[name]
        declared = [(a.name, a.optional) for a in fn.args]
        got = [(a.strip("[]"), a.startswith("[")) for a in written]
        assert len(got) <= len(declared) and [n for n, _ in got] == [n for n, _ in declared[:len(got)]], \
            f"{where}: {name}({', '.join(written)}) but the registry declares {name}({', '.join(n for n, _ in declared)})"
        assert all(opt for (n, bracketed), (_, opt) in zip(got, declared) if bracketed), f"{where}: {name} {written}"
