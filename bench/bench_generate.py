"""Benchmark: per-physician workbook generation at national ASM scale against the naive openpyxl way.

Builds a valid synthetic roster (default 8,600 physicians, ``bench/_synthetic.py``; asserted to
have zero validation errors), then in ONE run:

1. OURS, BATCH: ``asm_xl.workbooks.batch.generate_workbooks(df, out_dir=tmp, jobs=J, overwrite=True)``
   for the whole roster with jobs=1 and jobs=--jobs (default 2), --repeats times each (default 3).
   Every run is a fresh Python process (so ``ru_maxrss`` is that run's peak): wall time of the call
   (validation, scoring, inputs, render, write, index), CPU time, peak RSS of the parent
   (RUSAGE_SELF) and of the largest worker (RUSAGE_CHILDREN).
2. BASELINE, NAIVE: on a random sample (default 100 physicians), per physician
   ``openpyxl.load_workbook(template)``, fill the same input cells
   (``asm_xl.workbooks.inputs.workbook_inputs`` + the cost ladder where the batch fills it),
   ``wb.save(path)``. The inputs are computed before the clock starts (favours the naive way), and
   each repeat runs in a fresh process, as each batch run does (in this process it paid for the
   collector's walks over this process's heap, which grows with --n).
   The naive files have NO cached values: formulas are saved without results, so previews,
   LibreOffice (by default), pandas/openpyxl ``data_only`` see blanks until Excel recalculates.
   The script checks this on the files it wrote.
3. OURS, SAME SAMPLE: ``generate_workbooks`` on the same sample, jobs=1 (includes the per-call
   fixed cost: reading and compiling the template, the index).
4. Where the time goes: the serial phases of the batch timed one by one, and (``--profile``, or
   automatically when a target is missed) cProfile top 15 cumulative of ``generate_workbooks`` on
   a 1,000-physician slice, jobs=1.

Figures are MEDIANS over the repeats; ratios are against the naive baseline measured in the same
run. Targets: >= 20x cheaper per workbook than naive; all 8,600 in < 60 s with 2 jobs.

Run:  python bench/bench_generate.py [--n 8600] [--jobs 2] [--sample 100] [--repeats 3] [--seed 0] [--profile]
                                     [--kept-draws]

``--kept-draws``: the batch runs read the national draws from a store filled before the clock starts
(``asm_xl.calc.draws_cache``: what ``asm-xl generate`` does after its first run) instead of drawing
them (~0.4 s a cohort, in every fresh process).

This is a script, not a test. The machine's other load skews wall times: the script prints the
load average and CPU times so a reader can tell.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pickle
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pandas as pd
from _synthetic import load_average, synthetic_roster

TARGET_RATIO = 20.0
TARGET_SECONDS = 60.0
NATIONAL_N = 8600


# ------------------------------------------------------------------------------------------ helpers
def _mb(kb: int) -> float:
    return kb / 1024.0  # Linux ru_maxrss is in KiB


def _ms(s: float) -> str:
    return f"{s * 1e3:8.2f} ms"




def _timed(fn, *args, **kw):
    """(result, seconds) of one call."""
    t = time.perf_counter()
    result = fn(*args, **kw)
    return result, time.perf_counter() - t


def _cpu(who) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _validated(df: pd.DataFrame):
    from asm_xl.roster import validate_roster
    v = validate_roster(df)
    assert len(v.errors) == 0, "synthetic roster has validation errors:\n" + v.errors.head(20).to_string()
    return v


# --------------------------------------------------------------------- child: one measured batch run
def _child(args) -> None:
    """One batch run in a fresh process; prints one JSON line."""
    from asm_xl.workbooks.batch import generate_workbooks
    if args.kept_draws:  # as the CLI after its first run: the national draws read from the store
        from asm_xl.calc import draws_cache
        draws_cache.install({"ASM_XL_CACHE": args.kept_draws})
    df = synthetic_roster(args.n, seed=args.seed)
    import asm_xl.workbooks.render  # noqa: F401  (imports outside the clock)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = Path(args.out)
    cpu0_self, cpu0_child = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    report = generate_workbooks(df, out_dir=out, jobs=args.jobs, overwrite=True)
    wall = time.perf_counter() - t0
    rec = {
        "wall": wall,
        "cpu_self": _cpu(resource.RUSAGE_SELF) - cpu0_self,
        "cpu_children": _cpu(resource.RUSAGE_CHILDREN) - cpu0_child,
        "rss_before_kb": base_rss,
        "rss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "written": len(report.written), "rejected": report.rejected_rows,
        "files": sum(1 for p in out.iterdir() if p.suffix == ".xlsx"),
        "bytes": sum(p.stat().st_size for p in out.iterdir()),
    }
    print("RESULT " + json.dumps(rec))


def _batch_run(n: int, jobs: int, seed: int, out: Path, kept: str | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", "--n", str(n), "--jobs", str(jobs),
           "--seed", str(seed), "--out", str(out)] + (["--kept-draws", kept] if kept else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"batch run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    shutil.rmtree(out, ignore_errors=True)
    return json.loads(line[len("RESULT "):])


# --------------------------------------------------------------------------------- naive baseline
def _naive_inputs(sample: pd.DataFrame, template: str) -> list[tuple[str, dict]]:
    """(file name, {(sheet, cell): value}) per physician: the same cells the batch fills."""
    from asm_xl.model.cohort import score_cohort
    from asm_xl.model.parameters import get_cohort
    from asm_xl.workbooks.filenames import safe_filename
    from asm_xl.workbooks.inputs import workbook_inputs
    from asm_xl.workbooks.render import TemplateImage
    scored = score_cohort(sample)
    ladder_cells = TemplateImage(template).cost_ladder_cells
    out = []
    for idx, row in sample.iterrows():
        s = scored.scores.loc[idx]
        inputs = workbook_inputs(row.to_dict(), cohort_code=s["cohort"])
        ladder = scored.ladders.get((s["cohort"], int(s["performance_year"]),
                                     get_cohort(s["cohort"]).cost_measure_id, "cost"))
        if ladder is not None and str(row.get("cost_points", "")).strip() == "" \
                and str(row.get("episode_cost", "")).strip() != "":
            for cell, v in zip(ladder_cells, ladder.starts):
                inputs[cell] = float(v)
        out.append((safe_filename(str(row["npi"]), str(row["name"])), inputs))
    return out


def _naive_one(template: str, inputs: dict, path: Path) -> None:
    import openpyxl
    wb = openpyxl.load_workbook(template)
    for (sheet, cell), value in inputs.items():
        c = wb[sheet][cell]
        c.value = value
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # a name like =HYPERLINK(...) is text, not a formula
    wb.save(path)


def _naive_child(args) -> None:
    """The naive way on the sample's inputs (pickled by the parent) in a fresh process, as each batch run is:
    timed in the parent, it paid for the collector's walks over the parent's heap (the 8,600-row roster and
    its scores): 129-158 ms a workbook at --n 8600 against 129.5 ms in a fresh process. Prints one JSON line."""
    with open(args.inputs, "rb") as f:
        template, items = pickle.load(f)
    import openpyxl  # noqa: F401  (imported outside the clock, as ours is)
    out = Path(args.out)
    each = []
    t0, c0 = time.perf_counter(), time.process_time()
    for name, inputs in items:
        t1 = time.perf_counter()
        _naive_one(template, inputs, out / name)
        each.append(time.perf_counter() - t1)
    rec = {"per_wb": (time.perf_counter() - t0) / len(items), "cpu": (time.process_time() - c0) / len(items),
           "each": each}
    print("RESULT " + json.dumps(rec))


def _naive_run(data: Path, out: Path) -> dict:
    """One naive run of the pickled (template, inputs) ``data`` in a fresh process, into ``out``."""
    out.mkdir()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_naive", "--inputs", str(data), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"naive run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def _cached_final(path: Path, ref: tuple[str, str]):
    import openpyxl
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return wb[ref[0]][ref[1]].value
    finally:
        wb.close()


# ---------------------------------------------------------------------------------------- phases
def _phases(df: pd.DataFrame, template: str) -> list[tuple[str, float]]:
    """The batch's serial parent-side phases, timed one by one (public functions only)."""
    from asm_xl.model.cohort import score_cohort
    from asm_xl.workbooks.inputs import workbook_inputs
    from asm_xl.workbooks.render import TemplateImage
    from asm_xl.roster import validate_roster
    out = []
    v, secs = _timed(validate_roster, df)
    out.append(("validate_roster (runs score_cohort)", secs))
    sc, secs = _timed(score_cohort, v.valid)
    out.append(("score_cohort again", secs))
    t = time.perf_counter()
    records = v.valid.to_dict("records")  # batch.py: rows as dicts, scores as column lists (no per-row .loc)
    cohorts = sc.scores["cohort"].tolist()
    for row, cohort in zip(records, cohorts):
        workbook_inputs(row, cohort_code=cohort)
    out.append(("to_dict('records') + workbook_inputs", time.perf_counter() - t))
    summary = pd.DataFrame({"npi": v.valid["npi"], "name": v.valid["name"], "cohort": sc.scores["cohort"],
                            "performance_year": 2027, "final_score": sc.scores["final_score"].astype(float),
                            "factor": sc.scores["factor"].astype(float),
                            "dollar_impact": sc.scores["dollar_impact"].astype(float),
                            "rank_in_roster_cohort": 1, "roster_cohort_size": len(df),
                            "file": v.valid["npi"] + ".xlsx", "status": "written"})
    with tempfile.TemporaryDirectory() as d:
        from asm_xl.workbooks.index import write_index
        _, secs = _timed(write_index, summary, Path(d) / "index.xlsx")
        out.append(("write_index (XlsxWriter)", secs))
    img, secs = _timed(TemplateImage, template)
    out.append(("TemplateImage(template) (once per process)", secs))
    from asm_xl.workbooks.dashboard import roster_dashboard, write_dashboard
    data, secs = _timed(roster_dashboard, v.valid, sc.scores)
    out.append(("roster_dashboard (the dashboard's numbers)", secs))
    with tempfile.TemporaryDirectory() as d:
        _, secs = _timed(write_dashboard, data, Path(d) / "dashboard.xlsx")
    out.append(("write_dashboard (XlsxWriter)", secs))
    from asm_xl.excel import table_functions
    from asm_xl.workbooks.batch import CHUNK
    rows = list(v.valid.head(CHUNK).iterrows())  # one chunk, rendered together as batch.py does
    inputs = [workbook_inputs(r.to_dict(), cohort_code=sc.scores.at[i, "cohort"]) for i, r in rows]
    full = [{**img.constants, **inp} for inp in inputs]

    def cold():  # the memos as a fresh chunk finds them
        img.evaluator.memo_clear()
        table_functions.ACTIONS_MEMO.clear()
        table_functions.PROJECTION_MEMO.clear()
    cold()
    t = time.perf_counter()
    img.evaluator.run_many(full)
    ev = (time.perf_counter() - t) / len(inputs)
    cold()
    t = time.perf_counter()
    blobs = [b for b, _ in img.render_many(inputs)]
    rd = (time.perf_counter() - t) / len(inputs)
    with tempfile.TemporaryDirectory() as d:
        from asm_xl.xlsx.atomic import write_atomic
        t = time.perf_counter()
        for k, b in enumerate(blobs):
            write_atomic(Path(d) / f"{k}.xlsx", b, durable=False)  # as batch.py writes them
        wr = (time.perf_counter() - t) / len(blobs)
    out.append((f"all workbooks: formula evaluation, chunks of {CHUNK} (x{len(df)})", ev * len(df)))
    out.append((f"all workbooks: render = evaluation + XML + deflate (x{len(df)})", rd * len(df)))
    out.append((f"all workbooks: write_atomic (x{len(df)})", wr * len(df)))
    out.append((f"  per workbook: evaluation (run_many: the {len(img.evaluator.shared_cells)} of "
                f"{len(img.evaluator.keys)} formula cells computed once a chunk, both passes and the batch)", ev))
    out.append(("  per workbook: render (evaluation + XML + deflate)", rd))
    out.append(("  per workbook: write_atomic (temp file + rename)", wr))
    return out


def _profile(df: pd.DataFrame, tmp: Path, top: int = 15) -> str:
    from asm_xl.workbooks.batch import generate_workbooks
    pr = cProfile.Profile()
    pr.enable()
    generate_workbooks(df, out_dir=tmp, jobs=1, overwrite=True)
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(top)
    return "\n".join(ln for ln in s.getvalue().splitlines() if ln.strip())


# ------------------------------------------------------------------------------------------ main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=NATIONAL_N, help="physicians in the batch (default 8600)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the parallel batch (default 2)")
    ap.add_argument("--sample", type=int, default=100, help="physicians in the naive comparison (default 100)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of every measurement (median quoted)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", action="store_true", help="always print the cProfile (default: on a miss)")
    ap.add_argument("--kept-draws", nargs="?", const="", default=None,
                    help="time the batch as asm-xl does after its first run: the national draws read from a "
                         "store (asm_xl.calc.draws_cache) filled before the clock starts (default: drawn in each run)")
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_naive", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--inputs", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._child:
        _child(args)
        return 0
    if args._naive:
        _naive_child(args)
        return 0

    from asm_xl.workbooks.batch import generate_workbooks
    from asm_xl.calc.evaluator import parse_ref
    from asm_xl.workbooks.render import TemplateImage
    from asm_xl.workbooks.template import default_template

    template = os.fspath(default_template())
    print(f"bench_generate: n={args.n:,} jobs={args.jobs} sample={args.sample} repeats={args.repeats} seed={args.seed}")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}; {load_average()}")
    print(f"template: {template}")

    t = time.perf_counter()
    df = synthetic_roster(args.n, seed=args.seed)
    made = time.perf_counter() - t
    v = _validated(df)
    hf = (df["specialty"] == "Cardiology").mean()
    print(f"roster: {len(df):,} physicians ({hf:.0%} HF, {1 - hf:.0%} LBP), made in {made:.2f} s, "
          f"validate_roster: {len(v.errors)} errors (asserted 0)")

    tmp = Path(tempfile.mkdtemp(prefix="asm_bench_generate_"))
    try:
        # --- 1. the batch, jobs=1 and jobs=J, interleaved, each run in a fresh process
        kept = None
        if args.kept_draws is not None:  # fill a store once, outside every clock
            from asm_xl.calc.draws_cache import DirectoryStore
            from asm_xl.model import kept_draws
            from asm_xl.model.pool_choice import forget_pools, national_pool
            kept = str(tmp / "kept_draws")
            previous = kept_draws.use_store(DirectoryStore(kept))
            for cohort in ("HF", "LBP"):
                national_pool(cohort, 2027)
            kept_draws.use_store(previous)
            forget_pools()
            print(f"national draws: read from a store filled before timing ({kept}), as asm-xl after its first run")
        jobs_list = sorted({1, args.jobs})
        runs: dict[int, list[dict]] = {j: [] for j in jobs_list}
        for r in range(args.repeats):
            for j in jobs_list:
                rec = _batch_run(args.n, j, args.seed, tmp / f"batch_j{j}_r{r}", kept)
                assert rec["written"] == args.n and rec["rejected"] == 0, rec
                assert rec["files"] == args.n + 2, rec  # + the index and the dashboard
                runs[j].append(rec)
                print(f"  batch jobs={j} repeat {r + 1}: {rec['wall']:.2f} s wall, "
                      f"CPU {rec['cpu_self']:.1f} s parent + {rec['cpu_children']:.1f} s workers", flush=True)

        # --- 2. naive baseline on a sample
        sample = df.sample(n=min(args.sample, len(df)), random_state=args.seed)
        naive_inputs = _naive_inputs(sample, template)
        naive_per_wb, naive_each, naive_cpu = [], [], []
        data = tmp / "naive_inputs.pickle"
        with open(data, "wb") as f:
            pickle.dump((template, naive_inputs), f)
        for r in range(args.repeats):   # each run a fresh process, as each batch run is
            d = tmp / f"naive_r{r}"
            rec = _naive_run(data, d)
            naive_each.extend(rec["each"])
            naive_per_wb.append(rec["per_wb"])
            naive_cpu.append(rec["cpu"])
            if r < args.repeats - 1:
                shutil.rmtree(d)

        # --- 3. ours on the same sample, jobs=1
        ours_sample = []
        for r in range(args.repeats):
            d = tmp / f"ours_sample_r{r}"
            t0 = time.perf_counter()
            rep = generate_workbooks(sample, out_dir=d, jobs=1, overwrite=True)
            ours_sample.append((time.perf_counter() - t0) / len(sample))
            assert len(rep.written) == len(sample)
            if r < args.repeats - 1:
                shutil.rmtree(d)

        # cached values: ours carry them, the naive files do not
        img = TemplateImage(template)
        sheet, grid = parse_ref(img.names["Sc_Final"], "")
        final_ref = (sheet, grid[0][0])
        first_name = naive_inputs[0][0]
        ours_v = _cached_final(tmp / f"ours_sample_r{args.repeats - 1}" / first_name, final_ref)
        naive_v = _cached_final(tmp / f"naive_r{args.repeats - 1}" / first_name, final_ref)
        naive_cached = sum(_cached_final(tmp / f"naive_r{args.repeats - 1}" / nm, final_ref) is not None
                           for nm, _ in naive_inputs)

        # --- report
        med = statistics.median
        batch = {j: {"wall": med([x["wall"] for x in rs]), "cpu": med([x["cpu_self"] + x["cpu_children"] for x in rs]),
                     "rss_self": med([x["rss_self_kb"] for x in rs]), "rss_before": med([x["rss_before_kb"] for x in rs]),
                     "rss_children": med([x["rss_children_kb"] for x in rs]), "bytes": med([x["bytes"] for x in rs]),
                     "walls": [x["wall"] for x in rs]}
                 for j, rs in runs.items()}
        naive = med(naive_per_wb)
        ours_s = med(ours_sample)
        print()
        print(f"=== per-workbook cost (medians of {args.repeats} repeats) ===")
        print(f"naive openpyxl load+fill+save, {len(sample)} sample  : {_ms(naive)} /workbook "
              f"(median of single workbooks {_ms(med(naive_each)).strip()})")
        print(f"ours, same {len(sample)} sample, jobs=1             : {_ms(ours_s)} /workbook "
              f"(incl. per-call template compile + index)")
        for j in jobs_list:
            b = batch[j]
            print(f"ours, batch of {args.n:,}, jobs={j}, amortized     : {_ms(b['wall'] / args.n)} /workbook wall, "
                  f"{_ms(b['cpu'] / args.n).strip()} CPU /workbook")
        print()
        print("=== ratios naive / ours (higher = ours cheaper) ===")
        print(f"same sample, both single process            : {naive / ours_s:6.1f}x")
        print(f"batch {args.n:,} jobs=1 (same CPU budget)     : {naive / (batch[1]['wall'] / args.n):6.1f}x")
        cpu_ratio = med(naive_cpu) / (batch[1]["cpu"] / args.n)
        print(f"batch {args.n:,} jobs=1, CPU time per workbook : {cpu_ratio:6.1f}x "
              f"(naive {_ms(med(naive_cpu)).strip()} CPU, ours {_ms(batch[1]['cpu'] / args.n).strip()} CPU: "
              "what the ratio is when other load on the machine stretches wall times)")
        if args.jobs != 1:
            bj = batch[args.jobs]
            print(f"batch {args.n:,} jobs={args.jobs} (wall, {args.jobs} processes)   : "
                  f"{naive / (bj['wall'] / args.n):6.1f}x")
        print("note: the naive files have no cached values (formula results): "
              f"Score final score read with openpyxl data_only = {naive_v!r} in the naive file, "
              f"{ours_v!r} in ours; {naive_cached}/{len(naive_inputs)} naive files have one.")
        print()
        print(f"=== batch of {args.n:,} (medians of {args.repeats}; each run a fresh process) ===")
        for j in jobs_list:
            b = batch[j]
            walls = ", ".join(f"{w:.1f}" for w in b["walls"])
            worker = f"{_mb(b['rss_children']):.0f} MB" if j > 1 else "n/a (in-process)"
            print(f"jobs={j}: {b['wall']:.2f} s wall [{walls}], CPU {b['cpu']:.1f} s "
                  f"(parallel efficiency CPU/(wall x jobs) {b['cpu'] / (b['wall'] * j):.0%}), "
                  f"peak RSS parent {_mb(b['rss_self']):.0f} MB (before the call {_mb(b['rss_before']):.0f} MB), "
                  f"largest worker {worker}, output {b['bytes'] / 1e6:.0f} MB")
        if args.jobs != 1:
            print(f"speed-up jobs={args.jobs} vs jobs=1: {batch[1]['wall'] / batch[args.jobs]['wall']:.2f}x")
        print()
        jw = batch[args.jobs]["wall"]
        ratio_ok = naive / (batch[1]["wall"] / args.n) >= TARGET_RATIO
        time_ok = jw * (NATIONAL_N / args.n) < TARGET_SECONDS
        print(f"target >= {TARGET_RATIO:g}x cheaper per workbook than naive (batch, jobs=1): "
              f"{'MET' if ratio_ok else 'MISSED'}")
        scaled = "" if args.n == NATIONAL_N else f" (scaled to {NATIONAL_N:,}: {jw * NATIONAL_N / args.n:.1f} s)"
        print(f"target all {NATIONAL_N:,} in < {TARGET_SECONDS:g} s with jobs={args.jobs}: {jw:.1f} s{scaled}: "
              f"{'MET' if time_ok else 'MISSED'}")
        print(load_average())

        print()
        print(f"=== where the time goes: batch phases for {args.n:,}, timed one by one in this process ===")
        phases = _phases(df, template)
        for label, secs in phases:
            print(f"  {label:<64} {secs * 1e3 if secs < 0.1 else secs:9.2f} {'ms' if secs < 0.1 else 's'}")
        # the practice's own files, which the naive way does not make: shown apart, not taken off the verdict
        practice = sum(secs for label, secs in phases if label.startswith(("write_index", "roster_dashboard",
                                                                           "write_dashboard")))
        alone = batch[1]["wall"] - practice
        print(f"of the jobs=1 batch, the practice's index and dashboard (which the naive way does not make): "
              f"{_ms(practice / args.n).strip()} /workbook; the workbooks alone ~{_ms(alone / args.n).strip()} "
              f"/workbook: ~{naive / (alone / args.n):.1f}x naive (for information; the target is judged above)")
        if args.profile or not (ratio_ok and time_ok):
            k = min(1000, len(df))
            print()
            print(f"=== cProfile: generate_workbooks on {k:,} physicians, jobs=1, top 15 cumulative ===")
            print(_profile(df.head(k), tmp / "profile"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
