"""The README's library example gives the figures it shows."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_first_lines_give_the_two_fresh_machine_commands():
    head = README.read_text(encoding="utf-8").splitlines()[:10]
    assert "    pip install -e . && asm-xl demo" in head
    assert '    pip install -e ".[test]" && python -m pytest -q' in head


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
