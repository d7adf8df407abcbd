"""A workbook package with every formula removed, each cell keeping its saved (cached) value.

What a program that cannot compute a workbook's functions should see: LibreOffice recalculates a
cell whose cached value is an error, and shows ``#NAME?`` for a function it does not know; with
the formulas gone it shows the value the file stores. Each worksheet's ``<c>`` elements lose
their ``<f>`` child (and the ``cm`` attribute that marks a dynamic-array formula) and keep their
``<v>`` and type; a formula's text result (``t="str"``, a type only formula cells have) becomes
an inline string. The calculation chain (``calcChain.xml``, a list of formula cells) is dropped
with its content-type and relationship entries. Every other member is copied as it is.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from asm_xl.xlsx.limits import open_workbook
from asm_xl.xlsx.parts import WORKBOOK_RELS, sheet_parts
from asm_xl.xlsx.sheetxml import TOKEN, attributes
from asm_xl.xlsx.zipcopy import clone_info, read_member

__all__ = ["values_only_sheet", "values_only_package"]

_CONTENT_TYPES = "[Content_Types].xml"
_F_ELEM = re.compile(rb"<(?:[\w.-]+:)?f(?=[\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(?:/>|>.*?</(?:[\w.-]+:)?f\s*>)",
                     re.S)
_V_TEXT = re.compile(rb"<(?P<p>[\w.-]+:)?v(?:\s[^>]*)?>(?P<text>.*?)</(?:[\w.-]+:)?v\s*>", re.S)
_DROP_ATTR = re.compile(rb"""\s+(?:cm|t)\s*=\s*(?:"[^"]*"|'[^']*')""")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^>]*?/>|<(?:[\w.-]+:)?Relationship\s.*?</(?:[\w.-]+:)?"
                           rb"Relationship\s*>", re.S)
_OVERRIDE = re.compile(rb"<(?:[\w.-]+:)?Override\s[^>]*?/>|<(?:[\w.-]+:)?Override\s.*?</(?:[\w.-]+:)?"
                       rb"Override\s*>", re.S)


def _value_cell(m: re.Match) -> bytes:
    """The cell matched by :data:`TOKEN` without its formula (unchanged when it has none)."""
    body = m.group("body") or b""
    if not _F_ELEM.search(body):
        return m.group(0)
    body = _F_ELEM.sub(b"", body)
    prefix = m.group("cp") or b""
    cattrs = m.group("cattrs").rstrip(b"/")
    t = attributes(cattrs).get(b"t")
    attrs = _DROP_ATTR.sub(b"", cattrs)
    v = _V_TEXT.search(body)
    if v is None:  # a formula without a saved value: an empty cell
        return b"<" + prefix + b"c" + attrs + b"/>"
    if t == b"str":  # a formula's text: as a constant, an inline string
        p = v.group("p") or b""
        body = (b"<" + p + b"is><" + p + b't xml:space="preserve">' + v.group("text") + b"</" + p + b"t></"
                + p + b"is>")
        t = b"inlineStr"
    if t is not None:
        attrs += b' t="' + t + b'"'
    return b"<" + prefix + b"c" + attrs + b">" + body + b"</" + prefix + b"c>"


def values_only_sheet(data: bytes) -> bytes:
    """A worksheet part with every cell's formula removed, its cached value and type kept (every
    byte outside the cells that held a formula unchanged)."""
    return TOKEN.sub(lambda m: _value_cell(m) if m.group("cell") is not None else m.group(0), data)


def _calc_chain(zin: zipfile.ZipFile) -> tuple[str | None, bytes | None]:
    """(the calculation chain's member, the workbook relationships without it), (None, None) when
    the package has none."""
    if WORKBOOK_RELS not in zin.NameToInfo:
        return None, None
    rels = read_member(zin, WORKBOOK_RELS)
    for m in _RELATIONSHIP.finditer(rels):
        a = attributes(m.group(0))
        if a.get(b"Type", b"").endswith(b"/calcChain") and a.get(b"TargetMode") != b"External":
            target = a.get(b"Target", b"").decode("utf-8", "replace")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return member, rels[:m.start()] + rels[m.end():]
    return None, None


def values_only_package(path, target) -> None:
    """Write to *target* (a new file) the workbook at *path* with no formula: each cell shows its
    saved value (:func:`values_only_sheet`), no calculation chain. Raises
    :class:`~asm_xl.xlsx.errors.WorkbookError` for a package asm-xl cannot open."""
    with open_workbook(path) as zin:
        new = {member: values_only_sheet(read_member(zin, member)) for _name, member in sheet_parts(zin)}
        chain, rels = _calc_chain(zin)
        if chain is None and "xl/calcChain.xml" in zin.NameToInfo:
            chain = "xl/calcChain.xml"
        if chain is not None:
            if rels is not None:
                new[WORKBOOK_RELS] = rels
            if _CONTENT_TYPES in zin.NameToInfo:
                types = read_member(zin, _CONTENT_TYPES)
                new[_CONTENT_TYPES] = _OVERRIDE.sub(
                    lambda m: b"" if attributes(m.group(0)).get(b"PartName", b"").lstrip(b"/") == chain.encode()
                    else m.group(0), types)
        with zipfile.ZipFile(target, "x", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                if info.filename == chain:
                    continue
                data = new.get(info.filename)
                zout.writestr(clone_info(info), read_member(zin, info.filename) if data is None else data)
