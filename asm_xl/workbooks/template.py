"""Build the per-physician workbook template (``asm-xl template``) with openpyxl.

Sheets: Inputs (unlocked, validated input cells), Score (a CMS-style annual performance report,
live ASM_* formulas), Scenarios (exchange curve, upside and downside, a native chart), Assumptions
(every setting; formulas read them), Benchmarks (ladders in use, an editable cost ladder), About,
and a hidden Lists sheet for drop-down lists; one module per sheet in :mod:`asm_xl.workbooks.sheets`.
Every cell that applies a rule calls an ``ASM_*`` function; the template composes, references and
formats, and restates no threshold.

The build is deterministic: :func:`build_template` writes byte-identical files for the same code,
so a test can assert that the committed ``templates/asm_template.xlsx`` is what the code builds.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook

from asm_xl import __version__
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.inputs_sheet import build_inputs
from asm_xl.workbooks.sheets.reference import build_about, build_assumptions, build_benchmarks, build_lists
from asm_xl.workbooks.sheets.scenarios import build_scenarios
from asm_xl.workbooks.sheets.score import build_score
from asm_xl.workbooks.sheets.style import TABLES_SHEET, keep_text_within_print

__all__ = ["build_template", "template_bytes", "default_template", "DEFAULT_TEMPLATE", "EXCEL_CALC_ID"]

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "asm_template.xlsx"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_ISO = "2026-01-01T00:00:00Z"
#: the calculation engine the workbooks declare (``<calcPr calcId>``): Excel 2019, 2021 and 365's. Excel
#: computes every formula again when it opens a file last calculated by an earlier engine (openpyxl
#: writes 124519, Excel 2007's), which without the xlwings add-in turned every ASM_* cell into #NAME?
#: and with it called Python for every one; declaring the current engine, Excel keeps the stored values,
#: which generation and ``asm-xl recalc`` compute, until an input changes.
EXCEL_CALC_ID = 191029



def template_bytes() -> bytes:
    """The template as deterministic .xlsx bytes."""
    wb = Workbook()
    build_inputs(wb)
    build_score(wb)
    build_scenarios(wb)
    build_assumptions(wb)
    build_benchmarks(wb)
    build_about(wb)
    build_lists(wb)
    wb.move_sheet(TABLES_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(TABLES_SHEET))  # last, hidden
    for ws in wb.worksheets:  # print each sheet one page wide, landscape
        if ws.sheet_state == "visible":
            keep_text_within_print(ws)
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        # the Score sheet, the physician's one-page report, on one page: one page wide, it ran 3 lines of its last
        # note onto a second page; the other sheets as many pages tall as they are
        ws.page_setup.fitToHeight = 1 if ws.title == L.SCORE else 0
        # printed pages of 30 physicians' workbooks stay matched: the file (NPI_name) and sheet on top,
        # the reminder and the page number below, as the dashboard's pages have them
        ws.oddHeader.center.text = "&F: &A"
        ws.oddHeader.center.size = 9
        ws.oddFooter.left.text = "Estimates, not CMS determinations"
        ws.oddFooter.left.size = 8
        ws.oddFooter.right.text = "Page &P of &N"
        ws.oddFooter.right.size = 8
    wb.calculation.fullCalcOnLoad = True  # the bare template has no cached values (generation removes it)
    wb.calculation.calcId = EXCEL_CALC_ID
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic(buf.getvalue())


def _deterministic(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + FIXED_ISO.encode()
                              + rb"\g<3>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, body)
    return out.getvalue()


def build_template(path: str | os.PathLike = DEFAULT_TEMPLATE) -> Path:
    """Write the template to ``path`` atomically and return the path."""
    from asm_xl.xlsx.atomic import write_atomic
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, template_bytes())
    return path


def default_template() -> Path:
    """The repository's ``templates/asm_template.xlsx``; in an installed package (no repository)
    the same template built by code into a per-version cache file."""
    if DEFAULT_TEMPLATE.exists():
        return DEFAULT_TEMPLATE
    cached = Path(tempfile.gettempdir()) / f"asm-xl-template-{__version__}.xlsx"
    if not cached.exists() or cached.read_bytes() != template_bytes():
        build_template(cached)
    return cached
