"""The catalogue of actions a physician can take to raise the ASM final score (issue 10).

Each action names, in plain words for a finance reader, what it is, which inputs it changes, the
rule its value rests on (source tag) and the setting holding its effort weight, the editable
[ASSUMPTION] "cheapest combination" is measured in (:mod:`asm_xl.model.score_needed`). An action's
value is never computed here: the changed inputs are scored again by the cohort API
(:mod:`asm_xl.model.rescoring`) and priced by the peer model (:mod:`asm_xl.model.actions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_xl.model.settings import Settings

__all__ = ["Action", "ACTIONS", "MEETS_MINIMUM_SUBMISSION"]


#: what a label adds when the action also meets the minimum submission the physician misses today
MEETS_MINIMUM_SUBMISSION = "meets the minimum submission"


@dataclass(frozen=True)
class Action:
    """One kind of action. ``label`` and ``changes`` may name ``{measure}``.

    ``can_lower``: whether the action can lower the final score (only making cost scored can: the
    new cost score may be below the quality score that had all the weight). ``is_minimum_submission``:
    the label already says that the action meets the minimum submission. ``ends_in_note``: the label
    ends with a note in parentheses on what the change does, which a further effect joins.
    """

    id: str
    label: str
    changes: str
    source: str
    effort_setting: str
    can_lower: bool = False
    is_minimum_submission: bool = False
    ends_in_note: bool = False

    def text(self, measure: str = "", *, meets_minimum_submission: bool = False) -> str:
        """The label; ``meets_minimum_submission`` (the scoring core found the minimum submission missed
        before the change and met after it, :func:`~asm_xl.model.actions.action_values`) adds that
        effect, the biggest one (final 0 -> scored) [CMS]: "Report quality measure Q008 (not reported
        today; meets the minimum submission)", "Report enough ... threshold (meets the minimum submission)"."""
        label = self.label.format(measure=measure)
        if not meets_minimum_submission or self.is_minimum_submission:
            return label
        if self.ends_in_note:
            return f"{label[:-1]}; {MEETS_MINIMUM_SUBMISSION})"
        return f"{label} ({MEETS_MINIMUM_SUBMISSION})"

    def change_text(self, measure: str = "") -> str:
        return self.changes.format(measure=measure)

    def source_text(self, settings: "Settings") -> str:
        """The rule the value rests on, its numbers those of ``settings`` (:meth:`Settings.fill`), so
        that an edited threshold or penalty is the one named."""
        return settings.fill(self.source)


ACTIONS: dict[str, Action] = {a.id: a for a in (
    Action("ia1", "Complete improvement activity IA-1 (90 days)",
           "ia1_done: no -> yes", "CMS (IA adjustment: -{ia_penalty_per_missing:g} points per activity not done)", "action_effort_ia"),
    Action("ia2", "Complete improvement activity IA-2 (90 days)",
           "ia2_done: no -> yes", "CMS (IA adjustment: -{ia_penalty_per_missing:g} points per activity not done)", "action_effort_ia"),
    Action("ia_remaining", "Complete the remaining improvement activity (IA-1 or IA-2)",
           "ia_done: 1 -> 2", "CMS (IA adjustment: -{ia_penalty_per_missing:g} points per activity not done)", "action_effort_ia"),
    Action("pi_full", "Raise the Promoting Interoperability score to 100%",
           "pi_score -> 100%", "CMS; ASSUMPTION linear PI adjustment", "action_effort_pi"),
    Action("quality_decile", "Improve quality measure {measure} by one decile",
           "{measure} rate (or points) one decile better: +1 measure point, at most the top",
           "MIPS benchmark deciles (42 CFR 414.1380)", "action_effort_quality_decile"),
    Action("quality_top", "Bring quality measure {measure} to its top decile",
           "{measure} rate to the start of the top decile (10 points, or the topped-out cap)",
           "MIPS benchmark deciles (42 CFR 414.1380)", "action_effort_quality_decile"),
    Action("completeness", "Report enough {measure} cases to reach the completeness threshold",
           "{measure} data completeness -> the threshold (rate as reported)", "REG (below {completeness_threshold:.0%} complete: 0 points)",
           "action_effort_completeness"),
    Action("report_measure", "Report quality measure {measure} (not reported today)",
           "{measure}: data completeness -> the threshold, eligible cases -> the case minimum, points -> assumed",
           "CMS (unreported measure: 0 points, counted); ASSUMPTION action_assumed_measure_points",
           "action_effort_report_measure", ends_in_note=True),
    Action("report_no_benchmark", "Report quality measure {measure} (no benchmark: excluded, no longer a 0)",
           "{measure}: data completeness -> the threshold, eligible cases -> the case minimum, collection type "
           "as given; its rate is not scored (no ladder), the measure leaves the quality denominator",
           "CMS (unreported measure: 0 points, counted); 90 FR 49634 (no benchmark: excluded) [spec 8.1]",
           "action_effort_report_measure", ends_in_note=True),
    Action("minimum_submission", "Meet the minimum data submission: avoids the automatic maximum penalty",
           "submitted on time; {measure} data completeness -> the threshold where no measure meets it",
           "CMS (minimum submission not met: final score 0); ASSUMPTION (final score 0: factor = -risk level, secondary sources)",
           "action_effort_minimum_submission", is_minimum_submission=True),
    Action("cost_point", "Lower episode costs by one cost point",
           "cost points +1 (at most 10)", "REG (cost category = cost points / 10)", "action_effort_cost_point"),
    Action("cost_episodes", "Reach the cost episode minimum so that cost is scored",
           "cost episodes -> the minimum; cost points as known, else assumed",
           "REG (fewer than {cost_episode_minimum} episodes: no cost score); ASSUMPTION action_assumed_cost_points",
           "action_effort_cost_episodes", can_lower=True),
)}
