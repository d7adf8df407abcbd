"""Workbook contents no spreadsheet writes, refused before the work with one line and the file untouched.

Found by a hostile-file review: =SUM(A:Z) in a 6 KB file ran to 22 GB; a 50 MB formula in a 193 KB file took
48 s and 3.9 GB before its length was refused; two sheets of one name gave stale values reported as right; a
negative shared-string index read the table's last string; an index out of range or a bad cell reference was a
Python exception's text (exit 2).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from asm_xl.cli import main
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.refs import formula_ranges


def _book(path: Path, formula: str = "=A1*2", sheets: int = 1) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write("A1", 1)
    ws.write("B1", "hello")
    ws.write_formula("A2", "=LEN(B1)+A1", None, 0)
    ws.write_formula("C1", formula, None, 0)
    for _ in range(sheets - 1):
        wb.add_worksheet().write_formula("A1", "=Sheet1!A2*2", None, 0)
    wb.close()
    return path


def _edit(path: Path, member: str, old: bytes, new: bytes) -> Path:
    out = path.with_name("edited_" + path.name)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                assert old in data
                data = data.replace(old, new)
            zout.writestr(info.filename, data)
    return out


def _refused(path: Path, capsys) -> str:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert main(["recalc", str(path)]) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(p.name for p in path.parent.iterdir()
                                                                   if not p.name.startswith("."))
    out = capsys.readouterr()
    line = (out.out + out.err).strip()
    assert "Traceback" not in line and line.endswith("; the file is left untouched")
    return line


def test_a_formulas_ranges_are_read_with_their_sheet_and_size_and_not_in_strings():
    assert formula_ranges("=SUM(A1:B10)") == (("", "A1:B10", 20),)
    assert formula_ranges("=SUM($A:$C)") == (("", "A:C", 3 * 1_048_576),)
    assert formula_ranges("=COUNT('Q1 2027'!3:4)") == (("Q1 2027", "3:4", 2 * 16_384),)
    assert formula_ranges('=SUM(A1:A3)+LEN("A:Z")+TEXT(A1,"hh:mm")') == (("", "A1:A3", 3),)
    assert formula_ranges("=A1+LOG10(B2)") == ()


@pytest.mark.parametrize("formula, area, cells", [("=SUM(A:Z)", "A:Z", 27_262_976),
                                                  ("=SUM(A1:XFD1048576)", "A1:XFD1048576", 17_179_869_184),
                                                  ("=SUMPRODUCT(A2:C1048576*1)", "A2:C1048576", 3_145_725)])
def test_ranges_over_three_whole_columns_of_cells_are_refused_before_an_engine_holds_them(tmp_path, capsys, formula,
                                                                                       area, cells):
    line = _refused(_book(tmp_path / "wide.xlsx", formula), capsys)
    assert (f"workbook too large to recalculate: its formulas' ranges cover {cells:,} cells, more than the 3,000,000 "
            f"asm-xl computes (a whole column, A:A, is 1,048,576); Sheet1!C1 reads {area} ({cells:,} cells): bound such "
            "ranges (A1:A5000, not A:A)") in line


def test_a_range_many_formulas_read_counts_once_and_two_whole_columns_pass():
    # 300 =COUNTIF($A$2:$A$5000, A2) (each written, not shared) were refused as 1,049,790 cells (it recalculated in
    # 12.6 s, 164 MB); =VLOOKUP(A1, A:B, 2, FALSE) is a common lookup over two whole columns
    from asm_xl.xlsx.limits import check_formula_ranges
    countifs = [(f"Sheet1!C{r}", f"=COUNTIF($A$2:$A$5000,A{r})") for r in range(2, 1002)]
    check_formula_ranges(countifs + [("Sheet1!D1", "=VLOOKUP(A1,A:B,2,FALSE)")])   # 4,999 + 2,097,152 cells
    check_formula_ranges([("Sheet1!D1", "=SUM(Sheet2!A:A)"), ("Sheet2!D1", "=SUM(A:A)")])   # one range, two spellings
    with pytest.raises(WorkbookError, match=r"its formulas' ranges cover 3,145,728 cells"):
        check_formula_ranges([("Sheet1!D1", "=SUM(A:A)"), ("Sheet2!D1", "=SUM(A:A)"), ("Sheet3!D1", "=SUM(A:A)")])


def test_a_defined_name_over_whole_columns_counts_as_the_range_it_names(tmp_path, capsys):
    # =SUM(Data) with Data = Sheet1!$A:$Z read 0 cells: the 22 GB case was reachable through a name
    path = tmp_path / "named.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet().write_formula("C1", "=SUM(Data)", None, 0)
    wb.define_name("Data", "=Sheet1!$A:$Z")
    wb.close()
    assert "Data reads A:Z (27,262,976 cells)" in _refused(path, capsys)


def test_an_escaped_quote_in_a_formula_is_read_as_a_quote_by_both_readers(tmp_path, capsys):
    # <f>TEXT(A1,&quot;hh:mm&quot;)</f> was counted as the columns HH:MM (142,606,336 cells) by the byte reader
    path = _edit(_book(tmp_path / "time.xlsx"), "xl/worksheets/sheet1.xml", b"<f>A1*2</f>",
                 b"<f>TEXT(A1,&quot;hh:mm&quot;)</f>")
    assert main(["recalc", str(path)]) == 0


def test_a_formula_longer_than_excel_allows_is_refused_while_its_part_is_streamed(tmp_path, capsys):
    path = _edit(_book(tmp_path / "long.xlsx"), "xl/worksheets/sheet1.xml", b"<f>A1*2</f>",
                 b"<f>1" + b"+1" * 2_000_000 + b"</f>")
    line = _refused(path, capsys)
    assert "xl/worksheets/sheet1.xml: a formula of more than " in line and "more than the 8,192 Excel allows" in line


def test_two_sheets_of_one_name_are_a_corrupt_workbook(tmp_path, capsys):
    path = _edit(_book(tmp_path / "two.xlsx", sheets=2), "xl/workbook.xml", b'name="Sheet2"', b'name="sheet1"')
    assert "corrupt workbook: two sheets are named 'sheet1' (Excel allows a name once)" in _refused(path, capsys)


@pytest.mark.parametrize("stored, said", [(b"-1", "shared-string index -1 out of range (the table holds 1)"),
                                          (b"99", "shared-string index 99 out of range (the table holds 1)"),
                                          (b"abc", "shared-string index is not a number: 'abc'")])
def test_a_shared_string_index_outside_the_table_is_a_corrupt_cell_not_another_string(tmp_path, capsys, stored, said):
    path = _edit(_book(tmp_path / "sst.xlsx"), "xl/worksheets/sheet1.xml", b'<c r="B1" t="s"><v>0</v>',
                 b'<c r="B1" t="s"><v>' + stored + b"</v>")
    assert f"corrupt workbook: {path}: sheet 'Sheet1': B1: {said}" in _refused(path, capsys)


def test_a_cell_reference_outside_the_sheet_is_a_corrupt_cell(tmp_path, capsys):
    path = _edit(_book(tmp_path / "ref.xlsx"), "xl/worksheets/sheet1.xml", b'<c r="B1" t="s">', b'<c r="A0" t="s">')
    assert f"corrupt workbook: {path}: sheet 'Sheet1': bad cell reference 'A0'" in _refused(path, capsys)


def test_memory_and_recursion_failures_are_said_in_words(tmp_path):
    from asm_xl.cli.recalc_command import recalc_failure
    path = _book(tmp_path / "ok.xlsx")
    line, code = recalc_failure(path, MemoryError())
    assert code == 2 and "could not recalculate: not enough memory (a workbook's formulas or ranges too large" in line
    line, code = recalc_failure(path, RecursionError("maximum recursion depth exceeded"))
    assert code == 2 and "could not recalculate: a formula nested too deeply to compute here" in line


def test_a_device_a_pipe_or_a_dangling_link_is_named_as_such_not_as_missing(tmp_path, capsys):
    import os
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.xlsx")
    (tmp_path / "gone.xlsx").symlink_to(tmp_path / "nothing.xlsx")
    assert main(["recalc", str(tmp_path / "zero.xlsx"), str(tmp_path / "pipe.xlsx"), str(tmp_path / "gone.xlsx")]) == 1
    out = capsys.readouterr()
    said = out.out + out.err
    for name in ("zero", "pipe"):
        assert f"not a workbook: {tmp_path / name}.xlsx is not a regular file (a device, a pipe or a socket)" in said
    assert f"workbook not found: {tmp_path / 'gone.xlsx'} (a link to nothing)" in said


def test_a_file_given_twice_is_recalculated_once(tmp_path, capsys, monkeypatch):
    path = _book(tmp_path / "twice.xlsx")
    monkeypatch.chdir(tmp_path)
    assert main(["recalc", str(path), "twice.xlsx", "./twice.xlsx"]) == 0
    out = capsys.readouterr()
    assert out.err.count("skipped: the same file as") == 2 and f"twice.xlsx: skipped: the same file as {path}" in out.err
    assert out.out.count("recalculated") == 1


@pytest.mark.parametrize("old, new, said", [
    (b'<c r="A1"><v>1</v>', b'<c r="A1" t="e"><v>#BOGUS</v>', "A1: an error cell holds '#BOGUS', not one of Excel's error values"),
    (b'<c r="A1"><v>1</v>', b'<c r="A1" t="b"><v>7</v>', "A1: a logical cell holds '7', not 0 or 1"),
    (b'<c r="A1"><v>1</v>', b'<c r="A1" t="zz"><v>1</v>', "A1: cell type 'zz'"),
    (b'<c r="A1"><v>1</v>', b'<c r="A1"><v>abc</v>', "A1: not a number: 'abc'"),
    (b"<f>A1*2</f>", b"<f></f>", "C1: an empty formula"),
])
def test_a_cell_value_excel_never_writes_is_a_corrupt_cell_not_copied_on(tmp_path, capsys, old, new, said):
    path = _edit(_book(tmp_path / "cell.xlsx"), "xl/worksheets/sheet1.xml", old, new)
    assert f"corrupt workbook: {path}: sheet 'Sheet1': {said}" in _refused(path, capsys)


def test_an_encrypted_member_is_named_without_pythons_zipinfo(tmp_path, capsys):
    path = _book(tmp_path / "locked.xlsx")
    data = bytearray(path.read_bytes())
    for magic, flag in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):   # the first member's encrypted bit, both headers
        data[data.find(magic) + flag] |= 1
    path.write_bytes(bytes(data))
    line = _refused(path, capsys)
    assert "is encrypted: save the workbook without a password" in line and "ZipInfo" not in line


def test_a_function_the_engines_do_not_compute_is_warned_about_not_silently_written_as_name(tmp_path, capsys):
    path = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write("A1", 1)
    ws.write_formula("C1", "=OFFSET(A1,1,0)+A1", None, 1)
    ws.write_formula("C2", "=A1*3", None, 0)
    wb.close()
    assert main(["recalc", str(path)]) == 0
    err = capsys.readouterr().err
    assert (f"{path}: warning: OFFSET is a function asm-xl's engines do not compute: 1 cell(s) written as #NAME? "
            "(Sheet1!C1); Excel computes them when it opens the file") in err


def test_a_long_formula_cut_by_the_streams_chunk_before_its_closing_tag_is_refused():
    # the byte scan reads a part in 1 MiB chunks, each cut before its last "<": where that "<" was the one of the
    # formula's "</f>", the formula's text ended the chunk's body and was not seen (the tree reader refused it later,
    # after parsing it)
    import io
    from asm_xl.xlsx.limits import check_content
    head = b'<worksheet><sheetData><row r="1"><c r="A1"><f>1'
    text = b"+1" * ((1 << 20) - 1 - len(head) >> 1)
    part = head + text + b"</f></c></row></sheetData></worksheet>"
    assert part.index(b"</f>") == (1 << 20) - 1   # its "<" ends the first chunk
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", part)
    with zipfile.ZipFile(buf) as z, pytest.raises(WorkbookError, match=r"^xl/worksheets/sheet1.xml: a formula of "
                                                                        r"[0-9,]+ characters, more than the 8,192"):
        check_content(z, "cut.xlsx")
