"""Notes that describe the category weights come from the code that computes them (issue 8)."""

import pandas as pd

from asm_xl import score_participant
from asm_xl.model.cohort import score_cohort
from asm_xl.model.final_score import category_note
from asm_xl.model.settings import Settings

from tests.model.test_cohort import hf_row
from tests.model.test_final_score import CMS_MEASURES, hf

NO_REWEIGHT = Settings(reweight_unscored_category=False)


def test_cohort_note_without_reweighting_does_not_say_the_weight_moved():
    # Issue 8: with reweight_unscored_category=False the cohort API still said "weight moved to quality".
    res = score_cohort(pd.DataFrame([hf_row(8, cost_episodes=19)]), settings=NO_REWEIGHT)
    note = res.scores["note"].iloc[0]
    assert "moves" not in note and "moved" not in note
    assert note == ("Cost not scored: it adds 0 (quality weighs 50%; reweighting is off) [ASSUMPTION]. "
                    "Cost: 19 episodes, fewer than 20 [REG].")
    # and the numbers agree: quality 8/10 x 0.5 x 100 = 40
    assert float(res.scores["final_score"].iloc[0]) == 40.0


def test_cohort_without_reweighting_and_quality_not_scored_counts_cost_at_half_weight():
    # every measure excluded (10 cases < 20), cost 6 / 10 = 0.6, reweighting off:
    # w_q = 0, w_c = 0.5 -> final = 100 x 0.5 x 0.6 = 30; the note says quality adds 0
    excluded = {f"{m}_{k}": v for m in ("q008", "q005", "q236", "q377")
                for k, v in (("eligible", 10), ("reported", 10), ("rate", 0.5))}
    row = score_cohort(pd.DataFrame([hf_row(None, cost=6, **excluded)]), settings=NO_REWEIGHT).scores.iloc[0]
    assert pd.isna(row["quality"]) and row["cost"] == 0.6
    assert (row["quality_weight"], row["cost_weight"]) == (0.0, 0.5)
    assert float(row["final_score"]) == 30.0
    assert row["note"] == "Quality not scored: it adds 0 (cost weighs 50%; reweighting is off) [ASSUMPTION]."


def test_scalar_and_cohort_apis_give_the_same_note():
    s = score_participant(hf(cost_episodes=19, measures=CMS_MEASURES), settings=NO_REWEIGHT)
    assert "Cost not scored: it adds 0 (quality weighs 50%; reweighting is off) [ASSUMPTION]." in s.notes
    res = score_cohort(pd.DataFrame([hf_row(8, cost_episodes=19)]))
    assert res.scores["note"].iloc[0] == ("Cost not scored: its weight moves to quality [ASSUMPTION]. "
                                          "Cost: 19 episodes, fewer than 20 [REG].")


def test_a_note_says_why_cost_is_not_scored_in_either_api_and_in_asm_cost_s_reason():
    # score --out's note said only "Cost not scored: its weight moves to quality" for 12 episodes; the
    # workbook's Why cell said why. One sentence (categories.few_episodes_note) in all three.
    from asm_xl.excel import explain
    why = "12 episodes, fewer than 20 [REG]."
    assert f"Cost: {why}" in score_participant(hf(cost_episodes=12, measures=CMS_MEASURES)).notes
    assert score_cohort(pd.DataFrame([hf_row(8, cost_episodes=12)])).scores["note"].iloc[0] == (
        f"Cost not scored: its weight moves to quality [ASSUMPTION]. Cost: {why}")
    assert explain("ASM_COST", 5, 12) == f"Cost not scored: {why}"
    edited = Settings(cost_episode_minimum=10)   # 12 is enough: cost is scored and no note says otherwise
    assert not any("episodes" in n for n in score_participant(hf(cost_episodes=12, measures=CMS_MEASURES),
                                                                settings=edited).notes)


def test_note_states_the_edited_quality_weight():
    assert category_note(True, True) == "Quality weighs 50% and cost 50% of the final score."
    assert category_note(True, True, settings=Settings(quality_weight=0.7)) == \
        "Quality weighs 70% and cost 30% of the final score."


def test_note_for_a_missed_minimum_submission_wins_over_the_weights():
    assert category_note(False, False, False) == "Minimum data submission not met: final score 0 [CMS]."
