"""The peer model's assumptions as rows of the settings: editable on the Assumptions sheet, by name."""

import pytest

from asm_xl.excel import call
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peer_assumptions import MAX_PEER_COHORT, MIN_PEER_COHORT, PeerAssumptions
from asm_xl.model.peer_settings import peer_rows
from asm_xl.model.pool_choice import national_pool
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings


def test_every_peer_assumption_has_its_rows_with_the_defaults():
    rows = {r.name: r for r in peer_rows()}
    hf, lbp = PeerAssumptions.for_cohort("HF"), PeerAssumptions.for_cohort("LBP")
    assert (rows["peer_steepness_low"].value, rows["peer_steepness_high"].value) == hf.steepness
    assert rows["peer_cohort_size_hf"].value == hf.cohort_size == 2610
    assert rows["peer_cohort_size_lbp"].value == lbp.cohort_size == 4027
    assert rows["peer_measure_correlation"].value == hf.measure_correlation
    assert all(r.source in ("CMS", "ASSUMPTION", "REG") and r.description for r in rows.values())
    # the settings list them after their own rows, so the Assumptions sheet shows them
    names = [i.name for i in DEFAULT_SETTINGS.describe()]
    assert names[-len(rows):] == list(rows)


def test_an_edited_row_moves_the_peer_model_and_the_defaults_compare_equal():
    s = Settings().replace(peer_steepness_low=0.1, peer_steepness_high=0.1, peer_cohort_size_lbp=500)
    assert s.peer_assumptions("HF").steepness == (0.1, 0.1)
    assert s.peer_assumptions("LBP").cohort_size == 500 and s.peer_assumptions("HF").cohort_size == 2610
    assert Settings.from_mapping({"peer_steepness_low": 0.08, "peer_cohort_size_hf": 2610}) == DEFAULT_SETTINGS
    small = Settings(peer_draws=30)
    fixed_k = small.replace(peer_steepness_low=0.1, peer_steepness_high=0.1)
    assert set(national_pool("HF", 2027, fixed_k).steepness) == {0.1}
    assert len(set(national_pool("HF", 2027, small).steepness)) > 1


def test_a_bad_peer_row_is_refused_with_its_name():
    with pytest.raises(ASMInputError, match="steepness"):
        Settings().replace(peer_steepness_low=0.5)  # above its high end, 0.15
    with pytest.raises(ASMInputError, match="peer_nonsense"):
        Settings().replace(peer_nonsense=1)


def test_the_assumptions_range_of_a_workbook_edits_the_peer_model():
    table = [["peer_draws", 30], ["peer_steepness_low", 0.1], ["peer_steepness_high", 0.1],
             ["peer_share_median_midpoint", 0]]
    wide = call("ASM_FACTOR_RANGE", 70, 2027, "HF", 90, None, [["peer_draws", 30]])
    narrow = call("ASM_FACTOR_RANGE", 70, 2027, "HF", 90, None, table)
    assert isinstance(wide, float) and isinstance(narrow, float) and wide != narrow
    assert call("ASM_FACTOR_RANGE", 70, 2027, "HF", 90, None, [["peer_steepness_low", 0.5]]) == "#NUM!"


def test_a_share_row_reads_a_percent_sign_as_every_fraction_setting_does():
    s = Settings().replace(peer_share_no_ia="30%", peer_mean_pi_score_low="70%")
    assert dict(s.peer_overrides) == {"peer_share_no_ia": 0.3, "peer_mean_pi_score_low": 0.7}
    with pytest.raises(ASMInputError, match="peer_steepness_low"):   # a steepness is no share
        Settings().replace(peer_steepness_low="9%")


def test_a_row_the_model_refuses_is_named_as_the_assumptions_sheet_names_it():
    with pytest.raises(ASMInputError, match=r"^peer_steepness_low / peer_steepness_high: \(0\.2, 0\.15\) is not "
                                            r"allowed \(.*the low end at most the high end\)$"):
        Settings().replace(peer_steepness_low=0.2)


@pytest.mark.parametrize("size", [1, 19, 20_001, 1e7])
def test_a_peer_cohort_size_outside_20_to_20000_is_refused_naming_the_bounds(size):
    # 1 or 2 gave blank factors and ranges with no reason; 10 million grew to 24 GB (1e9 asked for 37 GiB)
    with pytest.raises(ASMInputError, match=r"within \[20, 20000\]"):
        Settings().replace(peer_cohort_size_hf=size).peer_assumptions("HF")


def test_a_peer_cohort_size_at_its_bounds_is_taken():
    for size in (MIN_PEER_COHORT, MAX_PEER_COHORT):
        assert Settings().replace(peer_cohort_size_lbp=size).peer_assumptions("LBP").cohort_size == size
