"""asm-xl --ladders FILE: a CSV or Excel table of quality ladders read safely, each bad value named by its file
row, column, value and what is allowed."""

import openpyxl
import pytest

from asm_xl.roster.ladders_file import MAX_LADDER_FILE_BYTES, LadderFileError, read_quality_ladders

HEADER = "measure,collection_type,topped_out,source,b1,b2,b3,b4,b5,b6,b7,b8,b9,b10\n"
Q236 = "Q236,eCQM,No,CMS ASM PY2027,10,20,30,40,50,60,70,80,90,95\n"


def _file(tmp_path, text: str, name: str = "ladders.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p




def test_a_csv_of_ladders_is_read_with_the_optional_columns_left_out(tmp_path):
    ladders = read_quality_ladders(_file(tmp_path, HEADER + Q236 + "Q492,,,,70,68,66,64,62,60,58,56,54,52\n"))
    assert ladders.describe() == "your ladders: Q236 eCQM (CMS ASM PY2027), Q492 (every collection type)"
    assert ladders.get("492", "Administrative claims").starts == (70, 68, 66, 64, 62, 60, 58, 56, 54, 52)
    short = read_quality_ladders(_file(tmp_path, "Measure,B1,B2,B3,B4,B5,B6,B7,B8,B9,B10\n236,1,2,3,4,5,6,7,8,9,10\n"))
    assert short.get("236", "MIPS CQM").starts == tuple(float(k) for k in range(1, 11))


def test_an_excel_workbook_of_ladders_is_read_too(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.strip().split(","))
    wb.active.append(["Q236", "eCQM", "Yes", "CMS", 10, 20, 30, 40, 50, 60, 70, 80, 90, 95])
    wb.save(tmp_path / "ladders.xlsx")
    lad = read_quality_ladders(tmp_path / "ladders.xlsx").get("236", "eCQM")
    assert lad.topped_out and lad.starts[6] == 70.0 and lad.note == "CMS"


@pytest.mark.parametrize("text, said", [
    (HEADER + Q236 + "\n" + Q236, "ladders row 4: 'Q236 eCQM' is not allowed (each measure and collection type once "
                                  "(row 2 gives it too))"),
    (HEADER + "Q236,eCQM,No,x,10,20,30,40,50,60,70,80,90,oops\n", "ladders row 2: b10: 'oops' is not allowed"),
    (HEADER.replace("b10", "b11") + Q236, "unknown column 'b11'"),
    ("measure,b1,b2\nQ236,1,2\n", "no column b3, b4, b5, b6, b7, b8, b9, b10"),
    (HEADER + '=HYPERLINK("http://x"),,,,1,2,3,4,5,6,7,8,9,10\n', "ladders row 2: measure: '=HYPERLINK(\"http://x\")' "
                                                                   "is not allowed (an ASM measure"),
])
def test_a_bad_file_is_refused_naming_the_file_row_column_and_value(tmp_path, text, said):
    with pytest.raises(LadderFileError) as e:
        read_quality_ladders(_file(tmp_path, text))
    assert str(e.value).startswith("ladder file ") and said in str(e.value)


def test_a_missing_file_names_a_file_of_a_close_name_and_a_huge_one_is_refused_before_it_is_read(tmp_path):
    _file(tmp_path, HEADER + Q236)
    with pytest.raises(LadderFileError, match="ladder file not found: .*ladder.csv; did you mean ladders.csv"):
        read_quality_ladders(tmp_path / "ladder.csv")
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(MAX_LADDER_FILE_BYTES + 1)
    with pytest.raises(LadderFileError, match="big.csv is too large: 1,000,001 bytes, the limit is 1,000,000"):
        read_quality_ladders(big)
