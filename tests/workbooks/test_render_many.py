"""Workbooks rendered together (their ASM_ACTIONS and ASM_PROJECTION computed in one batch) are the
workbooks rendered one by one, to the byte; the batch really replaces the per-workbook computations."""

import pytest

from asm_xl.excel import table_functions
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.roster.read import read_roster
from asm_xl.workbooks import batch
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.workbooks.inputs import workbook_inputs
from asm_xl.workbooks.render import TemplateImage
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

from tests.workbooks.test_actions_sheet import SAMPLE, _episode_cost_roster


def _forget(image: TemplateImage) -> None:
    image.evaluator.memo_clear()
    table_functions.ACTIONS_MEMO.clear()
    table_functions.PROJECTION_MEMO.clear()


@pytest.fixture(scope="module")
def image():
    return TemplateImage(DEFAULT_TEMPLATE)


def _inputs(roster, cohort="HF"):
    return [workbook_inputs(row, cohort_code=cohort, settings=DEFAULT_SETTINGS) for row in roster.to_dict("records")]


def test_a_chunk_evaluated_together_equals_each_workbook_evaluated_alone(image):
    roster = _episode_cost_roster(24)
    roster.loc[roster.index[5], "submitted_on_time"] = "no"   # minimum submission missed
    many = [{**image.constants, **i} for i in _inputs(roster)]
    # a text typed over Q008's rate on the Inputs sheet: the row's ASM_ACTIONS is an error
    many[3][(L.INPUTS, f"F{L.MEASURE_FIRST_ROW + 1}")] = "not a rate"
    _forget(image)
    alone = [image.evaluator.run(m) for m in many]
    _forget(image)
    solves_before = table_functions.ACTIONS_MEMO.solves
    together = image.evaluator.run_many(many)
    assert together == alone
    # the batch computed the tables: only the rows it leaves to themselves (the bad row) solve alone
    assert table_functions.ACTIONS_MEMO.solves - solves_before <= 2
    cell = image.cell_of("Sc_Final")
    assert all(isinstance(r[cell], float) for i, r in enumerate(together) if i != 3)
    assert together[3][(L.ACTIONS, "A4")].startswith("Not available")
    assert sum(isinstance(r[(L.ACTIONS, f"C{L.ACTIONS_FIRST_ROW}")], float) for r in together) == len(many) - 1


def test_generated_files_are_the_same_bytes_whether_rendered_in_chunks_or_one_by_one(tmp_path, monkeypatch):
    roster = read_roster(SAMPLE)
    chunked = generate_workbooks(roster, out_dir=tmp_path / "chunked")
    _forget(TemplateImage(DEFAULT_TEMPLATE))
    table_functions.ACTIONS_MEMO.clear()
    table_functions.PROJECTION_MEMO.clear()
    monkeypatch.setattr(batch, "CHUNK", 1)  # one workbook per chunk: evaluated alone
    single = generate_workbooks(roster, out_dir=tmp_path / "single")
    assert len(chunked.written) == len(single.written) == len(roster)
    for a, b in zip(sorted(chunked.written), sorted(single.written)):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_chunk_keeps_every_batched_result_when_the_memo_is_nearly_full(image):
    """A long-lived process (the xlwings server, generate after generate) finds the memo nearly full: the
    batch starts it again first instead of dropping some of its own results halfway, which would make
    those workbooks compute their actions alone."""
    many = [{**image.constants, **i} for i in _inputs(_episode_cost_roster(12))]
    _forget(image)
    memo = table_functions.ACTIONS_MEMO
    for k in range(memo.size - 5):   # results of earlier calls: 5 free places for a batch of 12
        memo.put(((("earlier", k),),), [["a table"]])
    solves_before = memo.solves
    image.evaluator.run_many(many)
    assert memo.solves == solves_before   # no workbook computed its actions alone
