"""Benchmark: recalculating generated workbooks with our headless engine against LibreOffice headless.

Generates the workbooks of the sample roster (``asm_xl/data/sample_roster.csv``, 30 physicians; with
``--batch N`` > 30 a synthetic roster of N from ``bench/_synthetic.py``) and recalculates them:

* OURS, SINGLE: ``asm_xl.workbooks.recalc.recalc_file(path, cache=ModelCache())`` on one workbook, a
  fresh ModelCache every time (so the template's formulas are compiled every time), after one
  warm-up call (imports, function registration: the cold first call is printed too).
* OURS, BATCH: all workbooks through ONE ModelCache: the template is compiled once (checked:
  ``cache.misses == 1``, ``cache.hits == N - 1``) and the other workbooks substitute their inputs.
* LIBREOFFICE, SINGLE: ``soffice --headless --convert-to xlsx --outdir OUT file`` per workbook
  (start-up included: that is what converting one file costs), in an isolated profile
  (``-env:UserInstallation``) whose ``registrymodifications.xcu`` sets
  ``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` = 0 (always recalculate on
  load). LibreOffice does not know the ASM_* functions: those cells come out as #NAME?, which is
  fine for timing and proves it recalculated (the inputs have none; the script counts them).
* LIBREOFFICE, BATCH: one soffice invocation with every file.

Per-workbook times are MEDIANS of repeats (batch: wall / N). Ratios are LibreOffice / ours, both
measured in the same run. Target: ours >= 50x faster than LibreOffice per workbook in batch. On a
miss (or with ``--profile``) the script shows where our time goes: the batch path's stages timed
one by one and cProfile top 15 cumulative.

Run:  python bench/bench_recalc.py [--batch 30] [--single 5] [--repeats 3] [--profile] [--no-libreoffice]

This is a script, not a test. Other load on the machine skews wall times: the load average is
printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TARGET_RATIO = 50.0
SAMPLE_ROSTER = HERE.parent / "asm_xl" / "data" / "sample_roster.csv"

XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""
_NAME_ERR = re.compile(rb"<(?:\w+:)?v>#NAME\?</(?:\w+:)?v>")


def _load() -> str:
    try:
        a, b, c = os.getloadavg()
        return f"load average {a:.2f} {b:.2f} {c:.2f}"
    except OSError:
        return "load average n/a"


def _ms(s: float) -> str:
    return f"{s * 1e3:9.1f} ms"


def _name_errors(path: Path) -> int:
    """Cells whose cached value is #NAME? over every worksheet of an xlsx."""
    with zipfile.ZipFile(path) as zf:
        return sum(len(_NAME_ERR.findall(zf.read(n))) for n in zf.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _timed(fn, *args, **kw):
    """(result, seconds) of one call."""
    t = time.perf_counter()
    result = fn(*args, **kw)
    return result, time.perf_counter() - t


def _copy_all(files: list[Path], dest: Path) -> list[Path]:
    dest.mkdir(parents=True)
    out = []
    for f in files:
        shutil.copy2(f, dest / f.name)
        out.append(dest / f.name)
    return out


# ------------------------------------------------------------------------------------- LibreOffice
class LibreOffice:
    def __init__(self, root: Path):
        self.exe = shutil.which("soffice") or shutil.which("libreoffice")
        self.profile = root / "lo_profile"
        (self.profile / "user").mkdir(parents=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(XCU, encoding="utf-8")

    def version(self) -> str:
        p = subprocess.run([self.exe, "--version"], capture_output=True, text=True, timeout=120, check=False)
        return p.stdout.strip().splitlines()[0] if p.stdout.strip() else "?"

    def convert(self, files: list[Path], outdir: Path) -> float:
        outdir.mkdir(parents=True, exist_ok=True)
        cmd = [self.exe, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "xlsx", "--outdir", str(outdir),
               *map(str, files)]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
        wall = time.perf_counter() - t0
        missing = [f.name for f in files if not (outdir / f.name).exists()]
        if p.returncode != 0 or missing:
            raise RuntimeError(f"soffice failed ({p.returncode}), missing {missing[:3]}:\n{p.stderr[-2000:]}")
        return wall


# ------------------------------------------------------------------------------------- ours: stages
def _stages(files: list[Path], scratch: Path) -> list[tuple[str, float]]:
    """The batch path's stages, timed one by one (medians over the workbooks after the first)."""
    from asm_xl.workbooks.cached_values import write_cached_values
    from asm_xl.workbooks.headless import CompiledWorkbook, scan_workbook
    from asm_xl.workbooks.recalc import register_asm_functions
    register_asm_functions()
    work = _copy_all(files, scratch)
    t = time.perf_counter()
    scan0 = scan_workbook(work[0])
    compiled = CompiledWorkbook(work[0], scan=scan0)
    compile_s = time.perf_counter() - t
    scans, calcs, writes, rescans = [], [], [], []
    for f in work[1:]:
        scan, secs = _timed(scan_workbook, f)
        scans.append(secs)
        fresh, secs = _timed(compiled.calculate, f, scan=scan)
        calcs.append(secs)
        assert compiled.last_reused
        writes.append(_timed(write_cached_values, f, fresh)[1])
        rescans.append(_timed(scan_workbook, f)[1])
    # What-if (NOT what recalc_file does): the generator's own evaluator (asm_xl.workbooks.formula_eval,
    # through TemplateImage.values) on the same inputs, and whether it agrees with formulas.
    from asm_xl.workbooks.generate import TemplateImage
    from asm_xl.workbooks.template import default_template
    image = TemplateImage(default_template())
    fast, agree, total = [], 0, 0
    for f in work[1:]:
        scan = scan_workbook(f)
        ref = compiled.calculate(f, scan=scan)
        got, secs = _timed(image.values, scan.inputs)
        fast.append(secs)
        for key, want in ref.items():
            total += 1
            g = got.get(key)
            g = str(g) if g is not None and type(g).__name__ == "XlErr" else g
            if isinstance(want, (int, float)) and isinstance(g, (int, float)) and not isinstance(g, bool):
                agree += abs(want - g) <= 1e-9 * max(1.0, abs(want))
            else:
                agree += want == g or (want == 0 and g is None)
    med = statistics.median
    return [("compile the template once (scan + formulas ExcelModel load/finish)", compile_s),
            ("per workbook: scan_workbook (defusedxml parse of every sheet)", med(scans)),
            ("per workbook: model.calculate with substituted inputs (formulas/schedula)", med(calcs)),
            ("per workbook: write_cached_values (rewrite the zip)", med(writes)),
            ("(for scale: one more scan_workbook of the same file)", med(rescans)),
            (f"what-if: formula_eval.Evaluator, same inputs (not used by recalc) [{agree}/{total} agree]",
             med(fast))]


def _profile(files: list[Path], scratch: Path, top: int = 15) -> str:
    from asm_xl.workbooks.recalc import ModelCache, recalc_file
    work = _copy_all(files, scratch)
    cache = ModelCache()
    pr = cProfile.Profile()
    pr.enable()
    for f in work:
        recalc_file(f, cache=cache)
    pr.disable()
    s = io.StringIO()
    st = pstats.Stats(pr, stream=s)
    st.sort_stats("cumulative").print_stats(top)
    text = "\n".join(ln for ln in s.getvalue().splitlines() if ln.strip())
    # the two places that matter: compiling (should run once) and formulas' calculate (every workbook)
    total = st.total_tt
    picked = []
    for (file, _line, func), (_cc, nc, _tt, ct, _callers) in st.stats.items():
        if file.endswith("headless.py") and func == "__init__":
            picked.append(f"CompiledWorkbook.__init__ (compile): {nc} call(s), {ct:.2f} s")
        if file.endswith(os.path.join("formulas", "excel", "__init__.py")) and func == "calculate":
            picked.append(f"formulas ExcelModel.calculate: {nc} calls, {ct:.2f} s")
        if file.endswith("headless.py") and func == "scan_workbook":
            picked.append(f"scan_workbook: {nc} calls, {ct:.2f} s")
        if file.endswith("cached_values.py") and func == "write_cached_values":
            picked.append(f"write_cached_values: {nc} calls, {ct:.2f} s")
    return text + f"\nof {total:.2f} s profiled: " + "; ".join(sorted(picked))


# ------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=30,
                    help="workbooks in the batch (default 30 = the sample roster; more: synthetic)")
    ap.add_argument("--single", type=int, default=5, help="single-workbook repeats (default 5)")
    ap.add_argument("--repeats", type=int, default=3, help="batch repeats (default 3)")
    ap.add_argument("--profile", action="store_true", help="always print the profile (default: on a miss)")
    ap.add_argument("--no-libreoffice", action="store_true", help="time ours only")
    args = ap.parse_args(argv)

    import pandas as pd  # noqa: F401

    from asm_xl.workbooks.batch import INDEX_NAME, generate_workbooks
    from asm_xl.workbooks.recalc import ModelCache, recalc_file
    from asm_xl.workbooks.roster import read_roster, validate_roster

    med = statistics.median
    print(f"bench_recalc: batch={args.batch} single={args.single} repeats={args.repeats}")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}; {_load()}")
    tmp = Path(tempfile.mkdtemp(prefix="asm_bench_recalc_"))
    try:
        # --- the workbooks
        if args.batch <= 30:
            df = read_roster(SAMPLE_ROSTER).head(args.batch)
            source = f"{SAMPLE_ROSTER.name}"
        else:
            from _synthetic import synthetic_roster
            df = synthetic_roster(args.batch)
            source = "synthetic roster"
        v = validate_roster(df)
        assert len(v.errors) == 0, v.errors.head().to_string()
        rep = generate_workbooks(df, out_dir=tmp / "src", jobs=1, overwrite=True)
        files = sorted(p for p in rep.written if p.name != INDEX_NAME)
        n = len(files)
        kb = statistics.mean(p.stat().st_size for p in files) / 1024
        print(f"workbooks: {n} generated from {source} (mean {kb:.0f} KB; 0 roster errors)")

        # --- ours, single workbook, fresh ModelCache each time
        one = files[0]
        w = _copy_all([one], tmp / "ours_cold")[0]
        t0 = time.perf_counter()
        cells = recalc_file(w, cache=ModelCache())
        cold = time.perf_counter() - t0
        diffs = recalc_file(w, check=True, cache=ModelCache())
        assert diffs == [], f"recalculated values differ from the generated ones: {diffs[:5]}"
        ours_single = []
        for i in range(args.single):
            w = _copy_all([files[i % n]], tmp / f"ours_single_{i}")[0]
            t0 = time.perf_counter()
            recalc_file(w, cache=ModelCache())
            ours_single.append(time.perf_counter() - t0)

        # --- ours, batch through one ModelCache
        ours_batch, steady = [], []
        for r in range(args.repeats):
            work = _copy_all(files, tmp / f"ours_batch_{r}")
            cache = ModelCache()
            each = []
            t0 = time.perf_counter()
            for f in work:
                t1 = time.perf_counter()
                recalc_file(f, cache=cache)
                each.append(time.perf_counter() - t1)
            ours_batch.append((time.perf_counter() - t0) / n)
            steady.append(med(each[1:]) if n > 1 else each[0])
            assert cache.misses == 1 and cache.hits == n - 1, (cache.hits, cache.misses)
            hits, misses = cache.hits, cache.misses

        print()
        print("=== ours (asm_xl.workbooks.recalc.recalc_file) ===")
        print(f"cold first call in this process (imports, registration, compile): {cold:.2f} s, {cells} cells written; "
              f"recalc_file(check=True) finds 0 differences with the generator's cached values")
        print(f"single workbook, fresh ModelCache (compile + calculate + write), median of {args.single}: "
              f"{_ms(med(ours_single)).strip()}")
        print(f"batch of {n}, one ModelCache (hits={hits}, misses={misses}: compiled once), median of "
              f"{args.repeats}: {_ms(med(ours_batch)).strip()} /workbook amortized; "
              f"{_ms(med(steady)).strip()} /workbook after the first (median)")

        lo_single = lo_batch = None
        if not args.no_libreoffice:
            lo = LibreOffice(tmp)
            if not lo.exe:
                print("\nLibreOffice: soffice not found, skipped")
            else:
                print()
                print(f"=== LibreOffice headless ({lo.version()}), OOXMLRecalcMode=0 (always recalculate) ===")
                first = lo.convert([files[0]], tmp / "lo_first")
                before = _name_errors(files[0])
                after = _name_errors(tmp / "lo_first" / files[0].name)
                print(f"first start (creates the profile), not counted: {first:.2f} s; #NAME? cells: "
                      f"{before} in our file, {after} after LibreOffice -> "
                      f"{'recalculated on load' if after > before else 'NOT RECALCULATED: check the profile'}")
                lo_single_t = []
                for i in range(args.single):
                    lo_single_t.append(lo.convert([files[i % n]], tmp / f"lo_single_{i}"))
                lo_batch_t = []
                for r in range(args.repeats):
                    out = tmp / f"lo_batch_{r}"
                    lo_batch_t.append(lo.convert(files, out) / n)
                    recalced = sum(_name_errors(out / f.name) > _name_errors(f) for f in files)
                    assert recalced == n, f"LibreOffice recalculated {recalced}/{n} workbooks"
                lo_single, lo_batch = med(lo_single_t), med(lo_batch_t)
                marginal = (lo_batch * n - lo_single) / (n - 1) if n > 1 else lo_batch
                print(f"single workbook (one soffice per file, start-up included), median of {args.single}: "
                      f"{_ms(lo_single).strip()}")
                print(f"batch of {n} in one soffice, median of {args.repeats}: {_ms(lo_batch).strip()} /workbook "
                      f"amortized ({lo_batch * n:.2f} s total; every output has #NAME? cells: recalculated); "
                      f"marginal without start-up ~{_ms(marginal).strip()}")

        ratio_batch = None
        if lo_batch is not None:
            ratio_single = lo_single / med(ours_single)
            ratio_batch = lo_batch / med(ours_batch)
            print()
            print("=== ratios LibreOffice / ours (higher = ours faster) ===")
            print(f"single workbook          : {ratio_single:6.1f}x  ({_ms(lo_single).strip()} vs "
                  f"{_ms(med(ours_single)).strip()})")
            print(f"batch, per workbook      : {ratio_batch:6.1f}x  ({_ms(lo_batch).strip()} vs "
                  f"{_ms(med(ours_batch)).strip()})")
            print(f"batch, LO marginal vs our steady state: {marginal / med(steady):6.1f}x")
            ok = ratio_batch >= TARGET_RATIO
            print(f"target ours >= {TARGET_RATIO:g}x faster than LibreOffice per workbook in batch: "
                  f"{'MET' if ok else 'MISSED'} ({ratio_batch:.1f}x)")
        print(_load())

        if args.profile or ratio_batch is None or ratio_batch < TARGET_RATIO:
            print()
            print(f"=== where our time goes: batch path stages (median over {n - 1} workbooks after the first) ===")
            for label, secs in _stages(files, tmp / "stages"):
                print(f"  {label:<84} {_ms(secs)}")
            print()
            print(f"=== cProfile: recalc_file over {n} workbooks, one ModelCache, top 15 cumulative ===")
            print(_profile(files, tmp / "profile"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
