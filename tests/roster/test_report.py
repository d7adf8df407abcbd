"""The roster's error report (asm_xl.roster.report): the rule generate and score share."""
from __future__ import annotations

import pandas as pd

from asm_xl.roster import ROSTER_ERROR_COLUMNS, report_rejected_rows


def test_rejected_rows_are_written_and_a_clean_run_removes_the_earlier_report(tmp_path):
    path = tmp_path / "roster_errors.csv"
    errors = pd.DataFrame([[3, "1234567893", "Okafor", "npi", "123", "must be 10 digits"]],
                          columns=ROSTER_ERROR_COLUMNS)
    assert report_rejected_rows(errors, path) == path
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "3,1234567893,Okafor,npi,123,must be 10 digits"
    assert report_rejected_rows(errors.iloc[0:0], path) is None
    assert not path.exists()
    assert report_rejected_rows(errors.iloc[0:0], path) is None  # nothing to remove: nothing happens
