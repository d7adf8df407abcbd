"""Rosters: read a CSV or Excel file of physicians safely, validate it row by row, report errors.

>>> from asm_xl.roster import read_roster, validate_roster
"""

from asm_xl.model.identifiers import npi_check_digit, npi_is_valid
from asm_xl.roster.read import FIRST_DATA_ROW, SUPPORTED_EXTENSIONS, RosterError, normalize_column_name, read_roster
from asm_xl.roster.report import report_rejected_rows, summarize_errors, write_error_report, write_table_csv
from asm_xl.roster.validate import ROSTER_ERROR_COLUMNS, RosterValidation, roster_text, validate_roster

__all__ = [
    "RosterError", "RosterValidation", "ROSTER_ERROR_COLUMNS", "SUPPORTED_EXTENSIONS", "FIRST_DATA_ROW",
    "npi_is_valid", "npi_check_digit", "normalize_column_name",
    "read_roster", "validate_roster", "write_error_report", "report_rejected_rows", "summarize_errors",
    "write_table_csv", "roster_text",
]
