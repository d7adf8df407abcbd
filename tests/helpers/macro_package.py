"""Test helper: turn an .xlsx into a macro-enabled .xlsm package with a given vbaProject.bin."""

import zipfile
from pathlib import Path

XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = b"application/vnd.ms-office.vbaProject"
VBA_REL = b"http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def make_xlsm(src: Path, dst: Path, vba: bytes) -> None:
    """Copy ``src`` to ``dst`` as Excel would save it with macros: content type, relationship, bin."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                assert data.count(XLSX_MAIN) == 1
                data = data.replace(XLSX_MAIN, XLSM_MAIN).replace(
                    b"</Types>", b'<Override PartName="/xl/vbaProject.bin" ContentType="' + VBA_TYPE + b'"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="' + VBA_REL
                                    + b'" Target="vbaProject.bin"/></Relationships>')
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", vba)
