"""The package's layers, read from the source with ``ast`` (nothing is imported).

Layers, lowest first: ``model`` (the methodology) < ``excel`` (the ``ASM_*`` functions) < ``xlsx``
(Excel files, no ASM knowledge: imports nothing of asm_xl) and ``calc`` (recalculation: may use
excel and xlsx) < ``roster`` < ``workbooks`` < ``cli``. ``asm_xl/udfs.py`` (what xlwings loads)
imports ``excel`` only; ``asm_xl/__init__.py`` (the library's front door) imports ``model`` only;
``asm_xl/launch.py`` (the ``asm-xl`` command's entry point) is the cli layer.
Imports are ``import`` statements and import calls (``importlib.import_module("asm_xl.workbooks.layout")``).
Also: no module uses another module's private names (imported, or reached through the module:
``settings._coerce``, ``asm_xl.model.settings._coerce``), and no module is over 400 lines.

Other engineers are still splitting the big modules and removing private imports; their current
violations are listed in ``ALLOWED`` with the reason. Delete an entry as soon as its file is fixed
(``test_allowed_violations_still_exist`` says which).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "asm_xl"
MAX_LINES = 400

#: layer → the layers its modules may import (their own included). "root" is ``import asm_xl``
#: itself (``__version__``, the library API): it loads model, so the layers above model may use it.
MAY_IMPORT = {
    "model": {"model"},
    "excel": {"model", "excel", "root"},
    "xlsx": {"xlsx"},
    "calc": {"model", "excel", "xlsx", "calc", "root"},
    "roster": {"model", "excel", "xlsx", "calc", "roster", "root"},
    "workbooks": {"model", "excel", "xlsx", "calc", "roster", "workbooks", "root"},
    "cli": {"model", "excel", "xlsx", "calc", "roster", "workbooks", "cli", "root"},
    "udfs": {"excel"},
    "root": {"model"},
}

#: (file, rule) → why it is tolerated for now. Rules: "layers", "private", "length".
#: Only violations that exist today in modules other engineers are reworking.
ALLOWED: dict[tuple[str, str], str] = {}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: the modules beside the layers' folders: the front door, xlwings' module, and the command's entry point (the
#: cli layer, outside its folder so that Ctrl-C is caught before the command's modules load)
_TOP_LEVEL = {"__init__.py": "root", "cli.py": "cli", "udfs.py": "udfs", "launch.py": "cli"}


def _layer_of_file(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 1:
        return _TOP_LEVEL.get(parts[0], "unknown")
    return parts[0]


def _layer_of_module(dotted: str) -> str:
    parts = dotted.split(".")
    if len(parts) == 1:
        return "root"
    return _TOP_LEVEL.get(parts[1] + ".py", parts[1])   # asm_xl.cli → cli, asm_xl.model.x → model, asm_xl.launch → cli


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    if not node.level:
        return node.module or ""
    package = _dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_import_call(node: ast.AST) -> bool:
    """``importlib.import_module(...)``, ``import_module(...)`` or ``__import__(...)``: an import the
    ``import`` statements do not show."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id in ("import_module", "__import__")) or \
        (isinstance(f, ast.Attribute) and f.attr == "import_module")


def _import_call_target(node: ast.Call) -> str | None:
    """The module an import call names when its text says it: a string ("asm_xl.workbooks.layout"), a relative
    one with a string package, or the fixed start of an f-string (f"asm_xl.workbooks.{name}": asm_xl.workbooks)."""
    if not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.JoinedStr):
        head = first.values[0] if first.values else None
        if isinstance(head, ast.Constant) and isinstance(head.value, str) and "." in head.value:
            return head.value.rsplit(".", 1)[0]
        return None
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    name = first.value
    if name.startswith("."):
        package = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "package"), None)
        if not (isinstance(package, ast.Constant) and isinstance(package.value, str)):
            return None
        return importlib.util.resolve_name(name, package.value)
    return name


def _names_a_module(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"asm_xl(\.\w+)+", value) is not None and _is_module(value)


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) of every asm_xl import, at any depth of the file: ``import``
    statements and import calls. A file that imports by a call whose module is not a plain string (a variable,
    a table) imports every asm_xl module a string of the file names, so a table of module names counts too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    dynamic = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "asm_xl"]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path)
            if module.split(".")[0] == "asm_xl":
                out += [(module, a.name, node.lineno) for a in node.names]
        elif _is_import_call(node):
            target = _import_call_target(node)
            if target is None:
                dynamic = True
            elif target.split(".")[0] == "asm_xl":
                out.append((target, None, node.lineno))
    if dynamic:
        out += [(n.value, None, n.lineno) for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and _names_a_module(n.value)]
    return sorted(dict.fromkeys(out), key=lambda t: t[2])


def _private_attribute_uses(path: Path) -> list[str]:
    """``alias._name``, ``asm_xl.model.x._name`` and ``import_module("asm_xl.model.x")._name``: a private name
    reached through an asm_xl module that an import of this file binds (or that an import call names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] != "asm_xl":
                    continue
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases["asm_xl"] = "asm_xl"   # import asm_xl.model.x binds asm_xl: asm_xl.model.x._name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path)
            for a in node.names:
                if module.split(".")[0] == "asm_xl" and _is_module(f"{module}.{a.name}"):
                    aliases[a.asname or a.name] = f"{module}.{a.name}"

    def dotted(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if _is_import_call(node):
            return _import_call_target(node)
        return None

    own = _dotted(path)
    uses = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and _is_private(n.attr):
            module = dotted(n.value)
            if module and module != own and (module == "asm_xl" or _names_a_module(module)):
                uses.append((n.lineno, n.col_offset, f"{module}.{n.attr} (line {n.lineno})"))
    return [text for _, _, text in sorted(uses)]


def _violations() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in _modules():
        rel, own = _rel(path), _dotted(path)
        layer = _layer_of_file(path)
        for module, name, line in _imports(path):
            target = module
            if module == "asm_xl" and name and _is_module(f"asm_xl.{name}"):
                target = f"asm_xl.{name}"  # from asm_xl import model
            to = _layer_of_module(target)
            if to not in MAY_IMPORT.get(layer, set()):
                found.setdefault((rel, "layers"), []).append(f"line {line}: {layer} imports {target} ({to})")
            if name and _is_private(name) and module != own and not _is_module(f"{module}.{name}"):
                found.setdefault((rel, "private"), []).append(f"line {line}: from {module} import {name}")
        for use in _private_attribute_uses(path):
            found.setdefault((rel, "private"), []).append(use)
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.setdefault((rel, "length"), []).append(f"{lines} lines (at most {MAX_LINES})")
    return found


def test_every_module_belongs_to_a_known_layer():
    assert {_layer_of_file(p) for p in _modules()} <= set(MAY_IMPORT)


@pytest.mark.parametrize("rule", ["layers", "private", "length"])
def test_no_module_breaks_the_rule_outside_the_allow_list(rule):
    broken = {key: why for key, why in _violations().items() if key[1] == rule and key not in ALLOWED}
    assert broken == {}


def test_allowed_violations_still_exist():
    """An allow-list entry whose file is fixed must go, so the list only shrinks."""
    assert sorted(set(ALLOWED) - set(_violations())) == []


def test_the_checker_sees_a_lower_layer_importing_a_higher_one_and_a_private_import(tmp_path, monkeypatch):
    fake = tmp_path / "asm_xl"
    (fake / "model").mkdir(parents=True)
    (fake / "workbooks").mkdir()
    for f in ("__init__.py", "model/__init__.py", "model/other.py", "workbooks/__init__.py", "workbooks/index.py"):
        (fake / f).write_text("")
    (fake / "model" / "bad.py").write_text(
        "def f():\n    from asm_xl.workbooks.index import write_index\n"
        "from asm_xl.workbooks.index import _helper\nfrom . import other\nother._cache.clear()\n"
        + "x = 1\n" * 396)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    found = _violations()
    assert found[("asm_xl/model/bad.py", "layers")] == [
        "line 2: model imports asm_xl.workbooks.index (workbooks)",
        "line 3: model imports asm_xl.workbooks.index (workbooks)"]
    assert found[("asm_xl/model/bad.py", "private")] == ["line 3: from asm_xl.workbooks.index import _helper",
                                                         "asm_xl.model.other._cache (line 5)"]
    assert found[("asm_xl/model/bad.py", "length")] == ["401 lines (at most 400)"]
    assert ("asm_xl/model/other.py", "private") not in found


def test_the_checker_sees_a_private_name_by_its_full_path_and_an_import_by_a_call(tmp_path, monkeypatch):
    fake = tmp_path / "asm_xl"
    for d in ("model", "workbooks"):
        (fake / d).mkdir(parents=True)
    for f in ("__init__.py", "model/__init__.py", "model/settings.py", "workbooks/__init__.py",
              "workbooks/layout.py", "workbooks/index.py"):
        (fake / f).write_text("")
    (fake / "model" / "sneaky.py").write_text(
        "import importlib\n"
        "import asm_xl.model.settings\n"
        "asm_xl.model.settings._coerce(1, 2)\n"
        "layout = importlib.import_module('asm_xl.workbooks.layout')\n"
        "def f(name):\n"
        "    from importlib import import_module\n"
        "    return import_module(f'asm_xl.workbooks.{name}')\n"
        "_LAZY = {'write_index': 'asm_xl.workbooks.index'}\n"
        "def g(name):\n"
        "    return importlib.import_module(_LAZY[name])\n"
        "importlib.import_module('asm_xl.model.settings')._coerce\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    found = _violations()
    assert found[("asm_xl/model/sneaky.py", "layers")] == [
        "line 4: model imports asm_xl.workbooks.layout (workbooks)",
        "line 7: model imports asm_xl.workbooks (workbooks)",
        "line 8: model imports asm_xl.workbooks.index (workbooks)"]
    assert found[("asm_xl/model/sneaky.py", "private")] == ["asm_xl.model.settings._coerce (line 3)",
                                                            "asm_xl.model.settings._coerce (line 11)"]
    # the module's own private names, and a private attribute of an object (not a module), are not flagged
    (fake / "model" / "sneaky.py").write_text(
        "import asm_xl.model.settings\nasm_xl.model.settings.DEFAULT._cache\n")
    (fake / "model" / "settings.py").write_text("import asm_xl.model.settings\nasm_xl.model.settings._coerce\n")
    assert {k: v for k, v in _violations().items() if k[1] == "private"} == {}
