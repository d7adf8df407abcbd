"""Generate xlwings' Windows "Import Functions" VBA on any platform (test helper).

On Windows, the xlwings add-in's *Import Functions* button calls
``xlwings.import_udfs`` -> ``xlwings.udfs.generate_vba_wrapper`` which writes one VBA
``Function`` per ``@xw.func`` in the module, then sets the function description,
category and argument docs through ``Application.MacroOptions``.

Off Windows two things get in the way (checked against xlwings 0.37.8):

* ``import xlwings.udfs`` fails: it does ``import pythoncom``, ``import pywintypes``
  and ``from win32com.client import Dispatch`` at import time, and builds
  ``ThreadPoolExecutor(initializer=pythoncom.CoInitialize)``.
* ``xlwings.func`` / ``arg`` / ``ret`` / ``script`` / ``sub`` are no-ops: in
  ``xlwings/__init__.py`` they are bound to ``udfs.xlfunc``/``xlarg``/``xlret``/``xlsub``
  only when ``sys.platform`` is win32 *and* pywin32 imports; otherwise they return the
  function unchanged (no ``__xlfunc__``).  (``XLWINGS_ON_SERVER=true`` gives
  ``xlwings.server`` decorators instead, which record different metadata.)

Recipe used here: put minimal stub modules for pywin32 into ``sys.modules`` just long
enough to import ``xlwings.udfs`` (then remove them again so nothing else is fooled
into thinking pywin32 exists), and import/reload the UDF module while
``xlwings.func``/``arg``/``ret``/``script``/``sub`` temporarily point at the real
``xlwings.udfs`` decorators.  No reload of xlwings, no ``sys.platform`` patching.

Public helpers:

* ``load_xlwings_udf_api()`` -> ``UdfApi(func, arg, ret, script, udfs)`` (real ones).
* ``real_xlwings_decorators()`` -> context manager patching ``xlwings.func`` etc.
* ``import_udf_module(name)`` -> import (or re-import) a module with real decorators.
* ``generate_vba(module)`` -> VBA text from xlwings' own ``generate_vba_wrapper``.
* ``vba_signatures(vba_text)`` -> ``{name: ["x", "Optional y", "ParamArray z()"]}``.
* ``macro_options(module)`` -> what ``import_udfs`` passes to
  ``Application.MacroOptions`` (description, category, argument docs, truncated
  exactly like xlwings does) -- this is NOT part of the VBA text.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import sys
import types
from typing import Any, Iterator, NamedTuple

__all__ = [
    "UdfApi",
    "load_xlwings_udf_api",
    "real_xlwings_decorators",
    "import_udf_module",
    "udf_functions",
    "generate_vba",
    "vba_signatures",
    "macro_options",
]


class UdfApi(NamedTuple):
    func: Any  # xlwings.udfs.xlfunc
    arg: Any  # xlwings.udfs.xlarg
    ret: Any  # xlwings.udfs.xlret
    script: Any  # xlwings.udfs.xlsub (xw.script / deprecated xw.sub)
    udfs: types.ModuleType  # xlwings.udfs itself (generate_vba_wrapper, func_sig...)


def _pywin32_stubs() -> dict[str, types.ModuleType]:
    """Stubs for exactly what ``xlwings/udfs.py`` touches at import time (plus the
    few names its functions reference, so attribute lookups give clear errors)."""

    def _unavailable(name: str):
        def _f(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"pywin32 stub: {name}() is not available off Windows")

        _f.__name__ = name
        return _f

    pythoncom = types.ModuleType("pythoncom")
    # Used as ThreadPoolExecutor(initializer=...) at import; threads are only
    # started lazily (async UDFs), so a no-op is fine.
    pythoncom.CoInitialize = lambda *a, **k: None
    pythoncom.CoUninitialize = lambda *a, **k: None
    pythoncom.IID_IDispatch = object()
    pythoncom.CoMarshalInterThreadInterfaceInStream = _unavailable(
        "CoMarshalInterThreadInterfaceInStream"
    )
    pythoncom.CoGetInterfaceAndReleaseStream = _unavailable(
        "CoGetInterfaceAndReleaseStream"
    )

    pywintypes = types.ModuleType("pywintypes")

    class com_error(Exception):  # noqa: N801 - mirrors pywintypes.com_error
        pass

    pywintypes.com_error = com_error

    win32com = types.ModuleType("win32com")
    win32com.__path__ = []  # make it look like a package
    win32com_client = types.ModuleType("win32com.client")
    win32com_client.Dispatch = _unavailable("Dispatch")
    win32com.client = win32com_client

    return {
        "pythoncom": pythoncom,
        "pywintypes": pywintypes,
        "win32com": win32com,
        "win32com.client": win32com_client,
    }


_API: UdfApi | None = None


def load_xlwings_udf_api() -> UdfApi:
    """Return the *real* xlwings UDF decorators on any OS.

    Imports ``xlwings.udfs`` with pywin32 stubbed (only the modules that are not
    really importable get stubbed; real pywin32 on Windows is used as is). The stubs
    are removed from ``sys.modules`` afterwards; ``xlwings.udfs`` keeps its own
    references to them.
    """
    global _API
    if _API is not None:
        return _API

    import xlwings  # noqa: F401  (package must be importable first)

    if "xlwings.udfs" in sys.modules:
        udfs = sys.modules["xlwings.udfs"]
    else:
        inserted: list[str] = []
        for name, stub in _pywin32_stubs().items():
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)  # real pywin32 wins if present
            except ImportError:
                sys.modules[name] = stub
                inserted.append(name)
        try:
            udfs = importlib.import_module("xlwings.udfs")
        finally:
            for name in inserted:
                sys.modules.pop(name, None)

    _API = UdfApi(
        func=udfs.xlfunc, arg=udfs.xlarg, ret=udfs.xlret, script=udfs.xlsub, udfs=udfs
    )
    return _API


@contextlib.contextmanager
def real_xlwings_decorators() -> Iterator[UdfApi]:
    """Temporarily make ``xlwings.func/arg/ret/script/sub`` the real decorators.

    Decorators are looked up when the decorated module is *executed*, so import (or
    reload) the UDF module inside this block; ``import xlwings as xw; @xw.func`` and
    ``from xlwings import func`` both pick up the real ones.
    """
    import xlwings

    api = load_xlwings_udf_api()
    replacement = {
        "func": api.func,
        "arg": api.arg,
        "ret": api.ret,
        "script": api.script,
        "sub": api.script,
    }
    missing = object()
    saved = {name: getattr(xlwings, name, missing) for name in replacement}
    try:
        for name, value in replacement.items():
            setattr(xlwings, name, value)
        yield api
    finally:
        for name, value in saved.items():
            if value is missing:
                delattr(xlwings, name)
            else:
                setattr(xlwings, name, value)


def udf_functions(module: types.ModuleType) -> dict[str, Any]:
    """``{attribute_name: function}`` for every module attribute carrying
    ``__xlfunc__`` -- the same ``dir(module)`` scan xlwings does (alphabetical)."""
    found = {}
    for attr in dir(module):
        obj = getattr(module, attr)
        if hasattr(obj, "__xlfunc__"):
            found[attr] = obj
    return found


def import_udf_module(name: str) -> types.ModuleType:
    """Import ``name`` with the real decorators (reloading it if it was already
    imported with the no-op ones)."""
    with real_xlwings_decorators():
        module = sys.modules.get(name)
        if module is None:
            return importlib.import_module(name)
        return importlib.reload(module)


def generate_vba(
    module: types.ModuleType,
    *,
    module_name: str | None = None,
    workbook_name: str = "Book1.xlsm",
    header: bool = False,
) -> str:
    """VBA text that xlwings' *Import Functions* would generate for ``module``.

    Calls ``xlwings.udfs.generate_vba_wrapper(module_name, module, f, xl_workbook)``
    (the 0.37.8 signature); the only thing it reads from ``xl_workbook`` is
    ``.Name`` (``*.xlam`` -> ``ActiveWorkbook``, else ``ThisWorkbook``), so a
    namespace stands in for the COM workbook.

    If no attribute of ``module`` has ``__xlfunc__`` (it was imported with the no-op
    Linux decorators), the module is reloaded in place with the real decorators.
    ``header=True`` prepends the three lines ``import_udfs`` writes before the
    wrappers (module name attribute, comment, ``#Const App``).
    """
    api = load_xlwings_udf_api()
    if not udf_functions(module):
        spec = getattr(module, "__spec__", None)
        if spec is None or spec.loader is None:
            raise ValueError(
                f"{module.__name__!r} has no @xw.func functions with xlwings metadata "
                "and cannot be reloaded; decorate with load_xlwings_udf_api() "
                "decorators or execute it inside real_xlwings_decorators()."
            )
        module = import_udf_module(module.__name__)
        if not udf_functions(module):
            raise ValueError(f"{module.__name__!r} defines no @xw.func functions")

    buf = io.StringIO()
    if header:
        writer = api.udfs.VBAWriter(buf)
        writer.writeln('Attribute VB_Name = "xlwings_udfs"')
        writer.writeln(
            "'Autogenerated code by xlwings - changes will be lost with next import!"
        )
        writer.writeln(
            """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel"""
        )
    api.udfs.generate_vba_wrapper(
        module_name or module.__name__,
        module,
        buf,
        types.SimpleNamespace(Name=workbook_name),
    )
    return buf.getvalue()


_DECL = re.compile(r"^(?:Public\s+|Private\s+)?(Function|Sub)\s+(\w+)\s*\((.*)\)\s*$")


def vba_signatures(vba_text: str) -> dict[str, list[str]]:
    """``{function_name: [argument, ...]}`` from ``Function``/``Sub`` declarations.

    Arguments are kept as written in VBA (``"Optional y"``, ``"ParamArray args()"``).
    VBA line continuations (`` _`` + newline, which xlwings' VBAWriter inserts for
    lines longer than 1024 characters) are joined first.
    """
    text = re.sub(r" _\r?\n", "", vba_text)
    result: dict[str, list[str]] = {}
    for line in text.splitlines():
        m = _DECL.match(line)
        if not m:
            continue
        _kind, name, args = m.groups()
        arg_list = [a.strip() for a in args.split(",")] if args.strip() else []
        if name in result:
            # VBA would refuse to compile ("Ambiguous name detected").
            raise ValueError(f"duplicate VBA procedure {name!r}")
        result[name] = arg_list
    return result


def macro_options(module: types.ModuleType) -> dict[str, dict[str, Any]]:
    """Per function, what ``import_udfs`` hands to ``Application.MacroOptions``
    (Excel >= 2010 branch), with xlwings' own truncation applied: description and
    each argument description cut to 255 chars; category (str) cut to 255 in
    ``get_category``. Arguments with ``vba=...`` and ``caller`` are left out, just
    as they are left out of the VBA signature."""
    if not udf_functions(module):
        module = import_udf_module(module.__name__)
    out = {}
    for fn in udf_functions(module).values():
        xlf = fn.__xlfunc__
        args = [a for a in xlf["args"] if not a["vba"] and a["name"] != "caller"]
        out[xlf["name"]] = {
            "Description": xlf["ret"]["doc"][:255],
            "Category": xlf["category"],
            "ArgumentDescriptions": [a["doc"][:255] for a in args] or None,
        }
    return out


if __name__ == "__main__":  # self-check: python tests/excel/vba_wrappers.py
    import tempfile
    import textwrap
    from pathlib import Path

    toy_source = textwrap.dedent(
        '''
        import xlwings as xw


        @xw.func(category="ASM")
        @xw.arg("rate", doc="Payment adjustment rate, e.g. -0.09")
        @xw.arg("floor", doc="Lowest allowed result (optional, default 0)")
        @xw.ret(expand="table")
        def asm_adjust(rate, floor=0.0):
            """Applies the ASM payment adjustment."""
            return max(rate, floor)


        @xw.func(category="ASM")
        @xw.arg("values", ndim=2, doc="Score range")
        def asm_total(values):
            return sum(sum(row) for row in values)
        '''
    )

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "toy_asm_udfs.py").write_text(toy_source)
        sys.path.insert(0, tmp)
        try:
            import xlwings as xw

            # 1. a plain import on Linux: the decorators are no-ops
            toy = importlib.import_module("toy_asm_udfs")
            print("plain import, __xlfunc__ present:", hasattr(toy.asm_total, "__xlfunc__"))
            print("xw.func is a no-op:", xw.func.__module__ == "xlwings")

            # 2. real decorators + 3. xlwings' own generator
            vba = generate_vba(toy)  # reloads toy with the real decorators
            assert xw.func.__module__ == "xlwings", "xlwings.func was not restored"
            meta = toy.asm_total.__xlfunc__
            assert meta["category"] == "ASM"
            assert meta["args"][0]["options"] == {"ndim": 2}
            assert toy.asm_adjust.__xlfunc__["args"][1]["optional"] == 0.0
            assert toy.asm_adjust.__xlfunc__["ret"]["options"] == {"expand": "table"}
            print("----- generated VBA -----")
            print(vba, end="")
            print("----- signatures -----")
            sigs = vba_signatures(vba)
            print(sigs)
            assert sigs == {
                "asm_adjust": ["rate", "Optional floor"],
                "asm_total": ["values"],
            }, sigs
            print("----- MacroOptions (not in the VBA) -----")
            for name, opts in macro_options(toy).items():
                print(name, opts)
            print("OK")
        finally:
            sys.path.remove(tmp)
            sys.modules.pop("toy_asm_udfs", None)
