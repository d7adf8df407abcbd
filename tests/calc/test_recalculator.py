"""Compiled templates are objects the caller holds: results never depend on call history, a batch
compiles once, and one evaluator serves several threads."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from asm_xl.calc import evaluator as evaluator_module
from asm_xl.calc import fast as fast_module
from asm_xl.calc.evaluator import MEMO_SIZE, Evaluator
from asm_xl.calc.fast import CompiledTemplates, recalc_fast
from asm_xl.calc.recalc import ModelCache, Recalculator, recalc_file
from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.workbooks.template import DEFAULT_TEMPLATE
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.scan import scan_workbook
from asm_xl.xlsx.writer import write_cached_values

SAMPLE = DEFAULT_TEMPLATE.parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    out = tmp_path_factory.mktemp("recalculator")
    return generate_workbooks(SAMPLE, out_dir=out).written[:4]


def _blanked_copies(workbooks, folder):
    paths = []
    for src in workbooks:
        path = folder / src.name
        shutil.copy(src, path)
        write_cached_values(path, {k: None for k in scan_workbook(path).formulas})
        paths.append(path)
    return paths


def test_no_calc_module_keeps_compiled_templates_or_results():
    import importlib
    import pkgutil

    import asm_xl.calc
    for info in pkgutil.iter_modules(asm_xl.calc.__path__):
        module = importlib.import_module(f"asm_xl.calc.{info.name}")
        cached = [n for n, v in vars(module).items() if hasattr(v, "cache_info")]  # functools caches
        assert cached == [], f"{module.__name__}: {cached}"
    for gone in ("_COMPILED", "_DECODED", "_ENCODED", "_STRUCTURES", "forget"):
        assert not hasattr(fast_module, gone)
    assert not hasattr(evaluator_module, "_MEMO")


def test_a_batch_compiles_its_template_once_and_gives_the_numbers_of_fresh_calls(workbooks, tmp_path):
    held, fresh = tmp_path / "held", tmp_path / "fresh"
    held.mkdir(), fresh.mkdir()
    templates = CompiledTemplates()
    for path in _blanked_copies(workbooks, held):
        assert recalc_fast(path, templates=templates) > 0
    assert (templates.misses, templates.hits, len(templates)) == (1, len(workbooks) - 1, 1)
    for path in _blanked_copies(workbooks, fresh):
        assert recalc_fast(path) > 0                   # each call compiles for itself
    for a, b in zip(sorted(held.iterdir()), sorted(fresh.iterdir())):
        assert a.read_bytes() == b.read_bytes()


def test_recalc_file_takes_a_recalculator_or_a_model_cache(workbooks, tmp_path):
    path = _blanked_copies(workbooks[:1], tmp_path)[0]
    rec = Recalculator()
    n = recalc_file(path, cache=rec)
    assert n > 0 and len(rec.templates) == 1
    assert recalc_file(path, check=True, cache=rec) == []
    models = ModelCache()
    assert recalc_file(path, check=True, engine="formulas", cache=models) == []
    assert models.misses == 1


def test_forgetting_the_results_keeps_what_was_compiled(workbooks, tmp_path):
    path = _blanked_copies(workbooks[:1], tmp_path)[0]
    templates = CompiledTemplates()
    assert recalc_fast(path, templates=templates) > 0
    (compiled,) = templates._compiled.values()
    assert compiled.evaluator.memo_size > 0
    templates.memo_clear()
    assert compiled.evaluator.memo_size == 0
    assert recalc_fast(path, check=True, templates=templates) == []      # computed again, same numbers
    assert (templates.misses, len(templates)) == (1, 1)                  # not compiled again


def test_each_evaluator_has_its_own_bounded_memo():
    formulas = {("S", "A2"): "=ASM_RISK_LEVEL(A1)"}
    a, b = Evaluator(formulas, {}), Evaluator(formulas, {})
    assert a.run({("S", "A1"): 2031})[("S", "A2")] == b.run({("S", "A1"): 2031})[("S", "A2")]
    assert (a.memo_size, b.memo_size) == (1, 1)
    a.memo_clear()
    assert (a.memo_size, b.memo_size) == (0, 1)
    assert MEMO_SIZE >= 1000


def test_one_evaluator_gives_the_same_results_from_many_threads(workbooks):
    scan = scan_workbook(workbooks[0])
    names = {n: ref for n, local, _h, ref in scan.defined_names if local is None and ref}
    formulas = {k: "=" + v[0] for k, v in scan.formulas.items()}
    ev = Evaluator(formulas, names)
    inputs = [dict(scan_workbook(p).inputs) for p in workbooks]
    expected = [Evaluator(formulas, names).run(i) for i in inputs]  # one evaluator each, one thread
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(ev.run, inputs * 25))
    assert all(g == expected[i % len(inputs)] for i, g in enumerate(got))


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_recalc_through_a_symbolic_link_updates_the_target_and_keeps_the_link(workbooks, tmp_path, engine):
    (stale,) = _blanked_copies(workbooks[:1], tmp_path)
    link = tmp_path / "link.xlsx"
    link.symlink_to(stale)
    assert recalc_file(link, engine=engine) > 0
    assert link.is_symlink() and recalc_file(stale, check=True, engine=engine) == []


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_workbook_written_by_another_program_during_a_recalc_is_not_replaced(workbooks, tmp_path, engine,
                                                                               monkeypatch):
    from asm_xl.calc import formulas_engine
    from asm_xl.xlsx import writer
    from asm_xl.xlsx.atomic import FileChangedError
    (stale,) = _blanked_copies(workbooks[:1], tmp_path)
    theirs = workbooks[1].read_bytes()  # what the user saved while asm-xl computed
    # the save lands after asm-xl read the file and before it writes the result
    module, name = (writer, "rewritten") if engine == "auto" else (formulas_engine, "write_cached_values")
    real = getattr(module, name)

    def user_saves_meanwhile(*a, **k):
        stale.write_bytes(theirs)
        return real(*a, **k)

    monkeypatch.setattr(module, name, user_saves_meanwhile)
    with pytest.raises(FileChangedError, match="changed by another program"):
        recalc_file(stale, engine=engine)
    assert stale.read_bytes() == theirs  # their save stands; our result from old inputs is dropped
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_batch_recalculates_to_the_same_files_as_one_by_one_without_computing_actions_one_by_one(workbooks, tmp_path):
    from asm_xl.excel import table_functions
    alone = _blanked_copies(workbooks, _folder(tmp_path / "alone"))
    batch = _blanked_copies(workbooks, _folder(tmp_path / "batch"))
    table_functions.ACTIONS_MEMO.clear()
    table_functions.PROJECTION_MEMO.clear()
    first = Recalculator()
    counts_alone = [first.recalc_file(p) for p in alone]
    table_functions.ACTIONS_MEMO.clear()
    table_functions.PROJECTION_MEMO.clear()
    solves = table_functions.ACTIONS_MEMO.solves
    second = Recalculator()
    done = second.recalc_many(batch)
    assert table_functions.ACTIONS_MEMO.solves == solves  # every workbook's actions came from the batch
    assert list(done) == [str(p) for p in batch]
    assert list(done.values()) == counts_alone
    for a, b in zip(alone, batch):
        assert a.read_bytes() == b.read_bytes(), a.name  # the same file, byte for byte
        cached = scan_workbook(b).cached
        assert any(isinstance(v, float) for k, v in cached.items() if k[0] == "Actions")
    assert [p.name for p in batch[0].parent.iterdir() if p.name.startswith(".")] == []
    # current caches: nothing to write, each file left as it is
    stamps = [p.stat().st_mtime_ns for p in batch]
    assert Recalculator().recalc_many(batch) == dict(zip(map(str, batch), counts_alone))
    assert [p.stat().st_mtime_ns for p in batch] == stamps
    # check=True: the differences, nothing written
    assert Recalculator().recalc_many(batch, check=True) == {str(p): [] for p in batch}


def test_a_batch_leaves_out_what_it_cannot_do_and_recalc_file_says_why(workbooks, tmp_path):
    good = _blanked_copies(workbooks[:2], _folder(tmp_path / "mixed"))
    broken = tmp_path / "mixed" / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    missing = tmp_path / "mixed" / "missing.xlsx"
    rec = Recalculator()
    done = rec.recalc_many([good[0], broken, missing, good[1]])
    assert list(done) == [str(good[0]), str(good[1])]
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        rec.recalc_file(broken)
    with pytest.raises(WorkbookError, match="not found"):
        rec.recalc_file(missing)


def _folder(path):
    path.mkdir()
    return path


def test_a_batch_holds_at_most_its_byte_budget_and_leaves_the_rest_to_recalc_file(workbooks, tmp_path, monkeypatch):
    batch = _blanked_copies(workbooks[:3], _folder(tmp_path / "budget"))
    sizes = [p.stat().st_size for p in batch]
    monkeypatch.setattr(fast_module, "BATCH_BYTES", sizes[0] + sizes[1] // 2)   # room for the first file only
    rec = Recalculator()
    assert list(rec.recalc_many(batch)) == [str(batch[0])]
    assert [rec.recalc_file(p) for p in batch[1:]] == [rec.recalc_file(batch[0])] * 2


def test_named_errors_say_what_the_last_recalculation_left_whatever_the_paths_spelling(workbooks, tmp_path,
                                                                                          monkeypatch):
    import openpyxl
    path = tmp_path / "book.xlsx"
    wb = openpyxl.load_workbook(workbooks[0])
    (sheet, ref), = wb.defined_names["In_Payments"].destinations
    wb[sheet][ref.replace("$", "")] = "lots"
    wb.save(path)
    rec = Recalculator()
    monkeypatch.chdir(tmp_path)
    assert rec.recalc_file("book.xlsx") > 0                      # a relative name ...
    assert [e[0] for e in rec.named_errors(path)] == ["Sc_Impact", "Sc_DollarsP10", "Sc_DollarsP50",
                                                      "Sc_DollarsP90"]   # ... asked for by its full path
    assert rec.named_errors(path) == []                          # read once
    assert rec.recalc_file(path) > 0                             # errors kept, not read ...
    wb = openpyxl.load_workbook(path)
    wb[sheet][ref.replace("$", "")] = 250_000.0
    wb.save(path)
    assert rec.recalc_file(path) > 0                             # ... then a clean recalculation
    assert rec.named_errors(path) == []                          # the earlier errors no longer hold


def test_a_formula_too_deep_to_compile_fails_at_once_after_the_first_try():
    from asm_xl.calc.evaluator import UnsupportedFormula
    deep = {("S", "B1"): "=" + "IF(A1>0," * 120 + "1" + ",0)" * 120}
    ev = Evaluator(deep, {})
    for _ in range(2):
        with pytest.raises(UnsupportedFormula):
            ev.run({("S", "A1"): 1.0})
    assert "_run" in vars(ev)    # compiled (and failed) once: the failure is kept, not paid again


@pytest.mark.parametrize("engine", ["auto", "formulas"])
@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_a_sheet_the_formulas_read_that_is_gone_gives_ref_errors_not_default_settings(workbooks, tmp_path, engine,
                                                                                      change):
    # openpyxl deletes or renames a sheet without touching the formulas that read it: Excel shows #REF!
    # there; reading the missing Assumptions cells as blank would score with settings nobody chose
    import openpyxl
    book = openpyxl.load_workbook(workbooks[0])
    if change == "deleted":
        del book["Assumptions"]
    else:
        book["Assumptions"].title = "My assumptions"
    path = tmp_path / "edited.xlsx"
    book.save(path)
    recalc_file(path, engine=engine)
    shown = openpyxl.load_workbook(path, data_only=True)
    for name in ("Sc_Final", "Sc_Factor", "Sc_DollarsP50"):
        ((sheet, ref),) = shown.defined_names[name].destinations
        assert shown[sheet][ref.replace("$", "").split(":")[0]].value == "#REF!", name
