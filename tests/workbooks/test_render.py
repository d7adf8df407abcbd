"""A sheet that repeats from one workbook to the next (the Benchmarks sheet's ladders, the Assumptions
of a batch) is packed once and reused: the workbook is the same bytes as one rendered by a fresh
template image, and a value written differently (-0.0, a text) is never taken for another."""

import io
import re
import zipfile

import pytest

from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.roster.read import read_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.inputs import workbook_inputs
from asm_xl.workbooks.render import TemplateImage
from asm_xl.workbooks.sheets.style import TABLES_SHEET
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

SAMPLE = "asm_xl/roster/data/sample_roster.csv"


@pytest.fixture(scope="module")
def inputs():
    roster = read_roster(SAMPLE)
    hf = roster[roster["specialty"] == "Cardiology"].head(3)
    return [workbook_inputs(r, cohort_code="HF", settings=DEFAULT_SETTINGS) for r in hf.to_dict("records")]


def _fresh(inputs_: dict) -> bytes:
    return TemplateImage(DEFAULT_TEMPLATE).render(inputs_)[0]


def _sheet_xml(data: bytes, image: TemplateImage, sheet: str) -> bytes:
    member = next(m for m, s in image.sheet_of_member.items() if s == sheet)
    return zipfile.ZipFile(io.BytesIO(data)).read(member)


def test_workbooks_after_others_are_the_bytes_a_fresh_image_renders(inputs):
    image = TemplateImage(DEFAULT_TEMPLATE)
    rendered = [image.render(i)[0] for i in inputs]
    for data, i in zip(rendered, inputs):
        assert data == _fresh(i)
    # the sheets that repeated were packed once: one record each for the three workbooks
    assert {s: len(m) for s, m in image._packed.items() if s in (L.BENCHMARKS, L.ASSUMPTIONS)} == \
        {L.BENCHMARKS: 1, L.ASSUMPTIONS: 1}


def test_a_value_written_differently_is_not_taken_for_an_equal_one(inputs):
    image = TemplateImage(DEFAULT_TEMPLATE)
    first_cost_cell = (L.BENCHMARKS, "H" + image.names["CostLadder"].split("$")[-1])
    for value in (0.0, -0.0, 0, "0", 1.0, True):   # equal keys to a dict, not the same cell
        i = {**inputs[0], first_cost_cell: value}
        data = image.render(i)[0]
        assert data == _fresh(i), value
    zero, minus_zero = ({**inputs[0], first_cost_cell: v} for v in (0.0, -0.0))
    assert _sheet_xml(image.render(zero)[0], image, L.BENCHMARKS) != \
        _sheet_xml(image.render(minus_zero)[0], image, L.BENCHMARKS)


def test_every_cell_a_table_covers_gets_its_cached_value_and_the_anchor_keeps_its_array_formula(inputs, tmp_path):
    # the tables are fixed array formulas: the renderer writes the block's values into the covered cells
    # (openpyxl data_only, LibreOffice and previews show them) and leaves the anchor's <f t="array" ref>
    from asm_xl.xlsx.scan import scan_workbook
    image = TemplateImage(DEFAULT_TEMPLATE)
    data, results = image.render(inputs[0])
    path = tmp_path / "one.xlsx"
    path.write_bytes(data)
    scan = scan_workbook(path)
    assert len(scan.array_cells) == len(image.evaluator.covered) == 25 * 5 + 5 * 8 + 15 * 17 + 4 * 21
    for key in scan.array_cells:
        assert scan.cached[key] == results[key], key
    tables = _sheet_xml(data, image, TABLES_SHEET)   # the blocks (Actions A4:E28, projection A31:H35, ladders)
    assert re.search(rb'<f t="array" ref="A(\d+):E(\d+)">ASM_ACTIONS\(', tables)
    assert re.search(rb'<f t="array" ref="A(\d+):H(\d+)">ASM_PROJECTION\(', tables)
    assert b'<f t="array"' not in _sheet_xml(data, image, L.ACTIONS)   # the visible table: references, each cached
    top = int(re.search(rb'<f t="array" ref="A(\d+):E\d+">ASM_ACTIONS', tables).group(1))
    for r in range(25):
        for c in "ABCDE":
            assert results[(L.ACTIONS, f"{c}{7 + r}")] == results[(TABLES_SHEET, f"{c}{top + r}")]
    label, p50 = results[(L.ACTIONS, "A7")], results[(L.ACTIONS, "C7")]
    assert isinstance(label, str) and label and isinstance(p50, float)   # the first action, its value at P50
