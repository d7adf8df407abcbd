"""Hand-made files in the schema of CMS's ASM Participants dataset, for the tests of the CMS modules."""

from __future__ import annotations

import csv
from pathlib import Path

from asm_xl.model.identifiers import npi_check_digit
from asm_xl.roster.cms_participants import CMS_COLUMNS

#: CMS's schema, 6,510 rows reconstructed from the preliminary list (not CMS's file: see its README)
RECONSTRUCTED = Path(__file__).parents[1] / "data" / "cms" / "asm_participants_preliminary_reconstructed.csv"


def npi(base: int) -> str:
    """A valid NPI from a 9-digit base (its Luhn check digit appended)."""
    nine = f"{base:09d}"
    return nine + str(npi_check_digit(nine))


def cms_row(npi_text: str, first="Ann", last="Lee", state="TX", cohort="Heart Failure", org="Heart Group PA",
            **flags) -> dict:
    """One row of CMS's file; flags as ``cy27_participant="Yes"`` etc. (default: CY27 Yes / No, later blank)."""
    row = {c: "" for c in CMS_COLUMNS}
    row.update({"NPI": npi_text, "FIRST_NAME": first, "LAST_NAME": last, "STATE": state, "ASM_COHORT": cohort,
                "ORGANIZATION_LEGAL_NAME": org, "ASM_CY27_PARTICIPANT": "Yes", "ASM_CY27_SMALLPRACTICE": "No"})
    for key, value in flags.items():
        row[f"ASM_{key.upper()}"] = value
    return row


def write_cms_csv(path: Path, rows: list[dict], columns=CMS_COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path
