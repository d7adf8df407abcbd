"""The README: its first lines give the commands CI runs (.ci/run), its library example the figures it shows."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_first_lines_give_the_two_fresh_machine_commands():
    head = README.read_text(encoding="utf-8").splitlines()[:10]
    venv = "    python3 -m venv .venv && . .venv/bin/activate && "   # Debian's own Python refuses a system pip install
    assert venv + "pip install -e . && asm-xl demo" in head
    assert venv + 'pip install -e ".[test]" && python -m pytest -q' in head


def test_readme_library_example_runs_and_shows_its_figures():
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(from asm_xl import MeasureInput.*?)```", text, re.S).group(1)
    ns: dict = {}
    exec(code, ns)  # noqa: S102 - our own README
    s = ns["s"]
    shown = re.search(r"# \(([\d.]+), ([\d.]+), ([\d.]+), ([\d.]+)\) rounded", code).groups()
    got = (s.quality, s.final_score, s.factor, s.dollar_impact)
    for text_value, value in zip(shown, got):
        decimals = len(text_value.split(".")[1])
        assert round(value, decimals) == float(text_value)


def test_ci_runs_the_readme_test_command_after_the_linter_and_fails_without_libreoffice():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    head = README.read_text(encoding="utf-8").splitlines()[:10]
    venv, activate, install, test = next(line for line in head if "pytest" in line).strip().split(" && ")
    assert install == 'pip install -e ".[test]"' and test == "python -m pytest -q"
    assert "python3 -m venv" in ci and venv == "python3 -m venv .venv" and activate == ". .venv/bin/activate"
    assert 'pip install -q -e ".[test]"' in ci
    assert ci.index("ruff check asm_xl tests bench tools") < ci.index(test + " ")
    assert "|| echo" not in ci and "|| true" not in ci  # no failure is swallowed: a missing LibreOffice fails
    assert 'fail "LibreOffice (soffice) is not usable' in ci
    assert "--no-install-recommends" in ci and ci.index("apt-get update") < ci.index("apt-get install")


def test_the_readme_test_command_runs_the_docstring_examples_too():
    import tomllib
    config = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_opts = config["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in pytest_opts["addopts"].split()
    assert set(pytest_opts["testpaths"]) == {"tests", "asm_xl"}
    assert any(dep.startswith("ruff") for dep in config["project"]["optional-dependencies"]["test"])


def test_numbers_the_readme_prose_states_are_the_settings_and_the_models():
    # prose is not generated, so each number it states that is a setting, a model parameter or a figure the
    # model computes is tied here: edit the setting and this test names the sentence to change
    from asm_xl.excel.docs import range_narrowing
    from asm_xl.model.parameters import performance_years, risk_level
    from asm_xl.model.settings import DEFAULT_SETTINGS as S

    text = " ".join(README.read_text(encoding="utf-8").split())
    first, last = performance_years()[0], performance_years()[-1]
    hf, lbp = S.peer_assumptions("HF"), S.peer_assumptions("LBP")
    wide, narrow = range_narrowing(S)
    stated = [
        f"quality ({S.quality_weight:.0%}) and cost ({1 - S.quality_weight:.0%})",
        f"risk level ({risk_level(first):.0%} in {first} to {risk_level(last):.0%} in {last})",
        f"(about {hf.cohort_size:,} heart-failure and {lbp.cohort_size:,} low-back-pain clinicians",
        f"draws the national cohort {S.peer_draws:,} times (`peer_draws`",
        f"the luck of a {hf.cohort_size:,}-peer sample",
        f"narrows from about {wide:.1f} to {narrow:.1f} percentage points",
        f"chance of a gain at least {S.likely_gain_chance:.0%}, the setting `likely_gain_chance`), likely to lose "
        f"(at most {1 - S.likely_gain_chance:.0%})",
        f"(`benchmark_minimum_reporters`, {S.benchmark_minimum_reporters} as in MIPS)",
        f"a blank improvement activity counts as not done (-{S.ia_penalty_per_missing:g} points)",
        f"a physician with no measure at {S.completeness_threshold:.0%} data completeness misses the minimum data "
        "submission",
        f"`positive_85_of_negative` (positive adjustments = {1 - S.pool_withhold:.0%} of the negative ones)",
        f"only separates solo (+{S.solo_practice_bonus:g}) from small (+{S.small_practice_bonus:g})",
        "With the default settings the draws' steepness runs {:g}-{:g} (".format(*hf.range_of("steepness")),
        f"`tfs_steepness` ({S.tfs_steepness:g}, the spec's default)",
        f"(`tfs_midpoint`, {S.tfs_midpoint:g}, or the draws' median midpoint",
        f"(fixed midpoint {S.tfs_midpoint:g})",
        f"# < {S.case_minimum} cases: excluded",
        f"(\"cases not given: {S.case_minimum} assumed\")",
    ]
    # the library example's Q008: 42 of 60 reported is 70%, below the threshold (0 points)
    assert 42 / 60 < S.completeness_threshold and "reported_cases=42, rate=0.90), # 70%: 0 points" in text
    assert [s for s in stated if s not in text] == []


def test_the_readme_counts_the_templates_asm_formula_cells_as_they_are():
    import openpyxl
    from asm_xl.workbooks.template import DEFAULT_TEMPLATE
    wb = openpyxl.load_workbook(DEFAULT_TEMPLATE)
    cells = [c.value.text if hasattr(c.value, "text") else c.value for ws in wb for row in ws.iter_rows() for c in row]
    n = sum(1 for v in cells if isinstance(v, str) and v.startswith("=") and "ASM_" in v.upper())
    assert f"(595 -> {n} `ASM_*` formula" in README.read_text(encoding="utf-8")
    assert "Range over the pool's cohorts" in [c for c in cells if isinstance(c, str)]


def test_readme_names_the_columns_of_the_error_report_it_writes():
    # it said (row, column, value, reason); the file has the physician's NPI and name too
    from asm_xl.roster.validate import ROSTER_ERROR_COLUMNS
    text = " ".join(README.read_text(encoding="utf-8").split())
    shown = re.search(r"`roster_errors\.csv` \(([a-z_, ]+)\)", text).group(1)
    assert shown.split(", ") == list(ROSTER_ERROR_COLUMNS) == ["row", "npi", "name", "column", "value", "reason"]
