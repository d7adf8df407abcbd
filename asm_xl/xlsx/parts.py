"""Reading a workbook package's structure: which member holds which sheet, the shared strings and
the defined names. Everything is parsed with defusedxml; element namespaces are ignored, so
transitional and strict OOXML both work."""

from __future__ import annotations

import posixpath
import re
import zipfile
from typing import NamedTuple

from defusedxml import ElementTree as SafeET

from asm_xl.xlsx.cells import unescape_ooxml
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import WORKBOOK_PART
from asm_xl.xlsx.zipcopy import read_member

__all__ = ["WORKBOOK_RELS", "sheet_parts", "shared_strings", "DefinedName", "defined_names", "formula_names",
           "local_name", "without_full_calc_on_load"]

WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)


_CALC_PROPERTIES = re.compile(rb"<(?:[\w.-]+:)?calcPr\b[^>]*>")
_FULL_CALC_ON_LOAD = re.compile(rb"""\s+fullCalcOnLoad\s*=\s*["'](?:1|true)["']""")


def without_full_calc_on_load(workbook_xml: bytes) -> bytes:
    """``xl/workbook.xml`` without ``fullCalcOnLoad`` on its ``<calcPr>`` (the same bytes when it has none).

    For a package whose every formula cell has just been given its cached value: with the flag, Excel
    and LibreOffice compute every formula again when they open the file (ECMA-376 Part 1, 18.2.2), and
    an application that does not know a function shows ``#NAME?`` where the value was.

    >>> without_full_calc_on_load(b'<calcPr calcId="191029" fullCalcOnLoad="1"/>')
    b'<calcPr calcId="191029"/>'
    >>> without_full_calc_on_load(b'<x:calcPr fullCalcOnLoad="true" calcId="124519"/>')
    b'<x:calcPr calcId="124519"/>'
    """
    return _CALC_PROPERTIES.sub(lambda m: _FULL_CALC_ON_LOAD.sub(b"", m.group(0)), workbook_xml)


def local_name(tag: str) -> str:
    """An element's tag without its namespace: '{ns}sheet' → 'sheet'."""
    return tag.rsplit("}", 1)[-1]


def _relationships(zf: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(Id, Type, member) of the workbook's internal relationships."""
    if WORKBOOK_RELS not in zf.NameToInfo:
        return []
    out = []
    for rel in SafeET.fromstring(read_member(zf, WORKBOOK_RELS)).iter():
        if local_name(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        member = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join("xl", target))
        out.append((rel.get("Id"), rel.get("Type", ""), member))
    return out


def sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """Return ``[(sheet_name, member_path), ...]`` in workbook order."""
    book = SafeET.fromstring(read_member(zf, WORKBOOK_PART))
    targets = {rid: member for rid, _type, member in _relationships(zf)}
    out, seen = [], set()
    for el in book.iter():
        if local_name(el.tag) != "sheet":
            continue
        name = el.get("name") or ""
        if name.lower() in seen:   # two sheets of one name: formulas reading one of them read either (lower(), as
            raise WorkbookError(f"corrupt workbook: two sheets are named {name!r} (Excel allows a name once)")
        seen.add(name.lower())    # Excel compares: casefold() took 'Maße' and 'Masse' for one name)
        rid = next((el.get(f"{{{ns}}}id") for ns in _REL_NS if el.get(f"{{{ns}}}id") is not None), None)
        member = targets.get(rid)
        if member is None or member not in zf.NameToInfo:  # a sheet without its part: a corrupt package
            raise WorkbookError(f"corrupt workbook: sheet {el.get('name')!r} has no part in the package "
                                f"(relationship {rid!r} -> {member or 'nothing'})")
        out.append((el.get("name"), member))
    return out


def shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """The shared string table: each ``<si>``'s text (its ``<t>``, or its runs' ``<t>``s joined;
    phonetic runs left out), ``_xHHHH_`` escapes decoded. [] when the workbook has none."""
    member = next((m for _id, typ, m in _relationships(zf) if typ.endswith("/sharedStrings")), None)
    if member is None or member not in zf.NameToInfo:
        return []
    out = []
    for si in SafeET.fromstring(read_member(zf, member)):
        if local_name(si.tag) != "si":
            continue
        texts = []
        for child in si:
            name = local_name(child.tag)
            if name == "t":
                texts.append(child.text or "")
            elif name == "r":
                texts.extend(t.text or "" for t in child if local_name(t.tag) == "t")
        out.append(unescape_ooxml("".join(texts)))
    return out


class DefinedName(NamedTuple):
    """A ``<definedName>``: its name, the sheet index it is local to (None: workbook scope),
    its ``hidden`` attribute and its reference text."""

    name: str
    local_sheet: str | None
    hidden: str | None
    ref: str | None


def defined_names(zf: zipfile.ZipFile) -> tuple[DefinedName, ...]:
    """The workbook's defined names, in the order written."""
    book = SafeET.fromstring(read_member(zf, WORKBOOK_PART))
    return tuple(DefinedName(el.get("name"), el.get("localSheetId"), el.get("hidden"), el.text)
                 for el in book.iter() if local_name(el.tag) == "definedName")


def formula_names(names) -> dict[str, str] | None:
    """{name: reference text} of the defined names a formula can read: the workbook-scope ones of
    ``names`` ((name, localSheetId, hidden, ref) each, as :func:`defined_names` gives them). Excel's own
    sheet-scoped names (``_xlnm.Print_Titles``, ``_xlnm._FilterDatabase``, ...) are left out: no formula
    reads them. None when a user's name is sheet-scoped: a formula on that sheet reads it, not the
    workbook's name, which a reader of workbook-scope names cannot model.

    >>> formula_names([("Rate", None, None, "S!$A$1"), ("_xlnm.Print_Titles", "0", None, "S!$1:$1")])
    {'Rate': 'S!$A$1'}
    >>> formula_names([("Rate", "0", None, "S!$A$1")]) is None
    True
    """
    out = {}
    for name, local, _hidden, ref in names:
        if local is None:
            out[name] = ref or ""
        elif not name.startswith("_xlnm."):
            return None
    return out
