"""The Excel-file layer knows nothing of ASM, modules use each other's public names only, and the
file and calculation layers stay in modules a reader can take in (<= 400 lines)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "asm_xl"
#: besides the standard library: safe XML parsing, reference helpers, and ISA-L's deflate (zip members)
ALLOWED_IN_XLSX = {"defusedxml", "openpyxl.utils", "openpyxl.utils.cell", "openpyxl.utils.exceptions", "isal"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


@pytest.mark.parametrize("path", sorted((PACKAGE / "xlsx").glob("*.py")), ids=lambda p: p.name)
def test_the_excel_file_layer_imports_only_the_stdlib_defusedxml_openpyxl_utils_and_isal(path):
    import sys
    for module, _names in _imports(path):
        top = module.split(".")[0]
        if module.startswith("asm_xl."):
            assert module.startswith("asm_xl.xlsx"), f"{path.name} imports {module}"
        elif top not in sys.stdlib_module_names and top != "__future__":
            assert module in ALLOWED_IN_XLSX or top == "defusedxml", f"{path.name} imports {module}"


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for module, names in _imports(path):
            if module.startswith("asm_xl"):
                offenders += [f"{path.relative_to(PACKAGE)}: {module}.{n}" for n in names
                              if n.startswith("_") and not n.startswith("__")]
    assert offenders == []


@pytest.mark.parametrize("path", sorted([*(PACKAGE / "xlsx").glob("*.py"), *(PACKAGE / "calc").glob("*.py"),
                                         PACKAGE / "workbooks" / "render.py"]), ids=lambda p: p.name)
def test_modules_of_the_file_and_calculation_layers_stay_under_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400
