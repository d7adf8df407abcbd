"""The quicker cell XML of :func:`asm_xl.workbooks.xlsxwriter_cells.new_workbook`'s worksheets is XlsxWriter's own,
byte for byte (it overrides a private XlsxWriter method: a new XlsxWriter that writes cells otherwise shows here)."""

import io
import zipfile

import xlsxwriter

from asm_xl.workbooks.xlsxwriter_cells import OPTIONS, new_workbook, put_link, put_value


def _fill(wb) -> None:
    ws = wb.add_worksheet("Cells")
    money, bold = wb.add_format({"num_format": '"$"#,##0'}), wb.add_format({"bold": True})
    ws.set_row(3, 20, bold)
    ws.set_column(5, 5, 12, money)
    values = [0, -1, 2.5, 1e-300, 123456789.123456789, float("nan"), None, "", "text", "<&\"'>", "=SUM(A1)",
              " spaced ", "\x01ctl", True, False, -0.0, 2**53 + 1]
    for r, v in enumerate(values):
        for c, look in enumerate((None, money, bold)):
            put_value(ws, r, c, v, look)
        put_value(ws, r + 30, 700 + r, v, money)   # columns past Z and ZZ
    for r in range(4):   # unstyled cells in a styled row and column
        put_value(ws, 3, 8 + r, r)
        put_value(ws, 40 + r, 5, "x" if r % 2 else r)
    put_link(ws, 60, 0, "a b.xlsx", bold)
    ws.merge_range(61, 0, 61, 3, "", money)
    put_value(ws, 61, 0, "merged", money)
    ws.write_formula(62, 0, "=1+1", money, 2)
    ws.write_number("B64", 3, money)   # A1 notation: XlsxWriter's decorated way
    ws.write_string("C64", "a1", bold)
    ws.write_blank("D64", None, money)
    ws.write_number(64, 1, 4)          # 0-based: straight to the undecorated methods
    ws.write_string(64, 2, "rc", bold)
    ws.write_blank(64, 3, None, money)


def _members(wb, buf) -> dict:
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {m: z.read(m) for m in z.namelist() if m != "docProps/core.xml"}


def test_cells_are_written_as_xlsxwriter_writes_them():
    mine, buf = new_workbook()
    _fill(mine)
    stock_buf = io.BytesIO()
    stock = xlsxwriter.Workbook(stock_buf, OPTIONS)
    _fill(stock)
    got, want = _members(mine, buf), _members(stock, stock_buf)
    assert got.keys() == want.keys()
    assert got["xl/worksheets/sheet1.xml"] == want["xl/worksheets/sheet1.xml"]
    assert got == want


def test_a_cell_xlsxwriter_writes_otherwise_turns_the_quicker_way_off(monkeypatch):
    from asm_xl.workbooks import xlsxwriter_cells as xc
    from xlsxwriter.worksheet import Worksheet
    stock = Worksheet._write_cell

    def theirs(self, row, col, cell):   # an XlsxWriter that writes numbers in another form
        if type(cell).__name__ == "Number":
            self.fh.write(f'<c r="A{row + 1}"><v>{cell.number!r}</v></c>')
        else:
            stock(self, row, col, cell)
    monkeypatch.setattr(Worksheet, "_write_cell", theirs)
    monkeypatch.setattr(xc._CellsWorksheet, "_checks_left", 256)
    monkeypatch.setattr(xc._CellsWorksheet, "_same", True)
    wb, buf = new_workbook()
    ws = wb.add_worksheet("S")
    look = wb.add_format({"bold": True})
    for r in range(300):
        put_value(ws, r, 0, r + 0.5, look)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert xc._CellsWorksheet._same is False
    assert sheet.count("<v>") == 300 and '<c r="A300"><v>299.5</v></c>' in sheet   # every cell theirs
