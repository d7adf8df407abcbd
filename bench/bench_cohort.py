"""Benchmark: the vectorized cohort API against the scalar API looped over participants.

Builds a synthetic national population (default 100,000 participants, PY2027, ~40% heart failure,
~60% low back pain, mixed practice sizes, some incomplete and low-case measures, some late
submitters, some participants with too few cost episodes), then

1. scores the whole population with ``asm_xl.model.cohort.score_cohort`` several times (default 5) and
   reports the MEDIAN wall time;
2. scores a random sample (default 2,000) one by one with ``asm_xl.score_participant`` (passing the
   pool's scaling factor and TFS midpoint from step 1), times it, and EXTRAPOLATES the per-participant
   cost to the whole population (the full scalar loop is not run);
3. checks that both APIs agree on the sample (final score, quality, cost, factor, dollar impact).

Run:  python bench/bench_cohort.py [--n 100000] [--sample 2000] [--repeats 5] [--seed 2027] [--profile]

Targets: cohort API >= 100x faster per participant than the scalar loop, and under 1 s for 100,000.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import statistics
import sys
import time

import numpy as np
import pandas as pd

import asm_xl
from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.model.cohort import score_cohort
from asm_xl.model.identifiers import npi_check_digit
from asm_xl.model.parameters import cohorts

SPECIALTIES_LBP = cohorts()["LBP"].specialties


def synthetic_population(n: int, seed: int = 2027, performance_year: int = 2027) -> pd.DataFrame:
    """A roster of ``n`` participants shaped like the national ASM population (synthetic)."""
    rng = np.random.default_rng(seed)
    hf = rng.random(n) < 0.40
    df = pd.DataFrame({
        "npi": [f"{100_000_000 + i:09d}" + str(npi_check_digit(f"{100_000_000 + i:09d}")) for i in range(n)],
        "tin": [f"{100_000_000 + i // 7}" for i in range(n)],
        "specialty": np.where(hf, "Cardiology", rng.choice(np.array(SPECIALTIES_LBP, dtype=object), n)),
        "cohort": np.where(hf, "HF", "LBP"),
        "performance_year": performance_year,
    })
    # Practice size: ~8% solo, ~35% small (2-15), the rest in larger groups.
    u = rng.random(n)
    df["practice_size"] = np.where(u < 0.08, 1, np.where(u < 0.43, rng.integers(2, 16, n), rng.integers(16, 400, n)))
    df["part_b_payments"] = np.round(rng.lognormal(mean=np.log(180_000), sigma=0.7, size=n), 2)
    eps = rng.poisson(45, n)
    eps = np.where(rng.random(n) < 0.07, rng.integers(0, 20, n), eps)  # ~7% too few episodes: no cost score
    df["cost_episodes"] = eps
    df["cost_points"] = np.round(np.clip(rng.normal(5.5, 2.2, n), 1, 10), 2)
    df["ia_done"] = rng.choice([0, 1, 2], n, p=[0.08, 0.22, 0.70])
    df["pi_score"] = np.round(np.where(rng.random(n) < 0.1, 0.0, rng.beta(8, 2, n)), 4)
    df["complex_bonus"] = np.round(rng.uniform(0, 10, n) * (rng.random(n) < 0.6), 2)
    df["submitted_on_time"] = np.where(rng.random(n) < 0.98, "yes", "no")

    for code, cohort in cohorts().items():
        mine = (df["cohort"] == code).to_numpy()
        for m in cohort.measures:
            k = m.key
            if m.administrative_claims_only:  # Q492: CMS computes the rate; some too few cases
                df[f"{k}_eligible"] = np.where(mine, rng.integers(10, 300, n), np.nan)
                df[f"{k}_rate"] = np.where(mine, np.round(rng.normal(70, 5, n), 2), np.nan)
                continue
            reported_measure = mine & (rng.random(n) < 0.85)
            elig = np.where(rng.random(n) < 0.06, rng.integers(1, 20, n), rng.integers(20, 500, n))
            # ~10% below 75% completeness, the rest 75-100%
            comp = np.where(rng.random(n) < 0.10, rng.uniform(0.2, 0.75, n), rng.uniform(0.75, 1.0, n))
            rep = np.minimum(elig, np.ceil(comp * elig))
            rate = rng.beta(8, 3, n) if not m.inverse else rng.beta(1.2, 25, n)
            df[f"{k}_collection_type"] = np.where(reported_measure, rng.choice(np.array(m.collection_types, dtype=object), n), None)
            df[f"{k}_eligible"] = np.where(reported_measure, elig, np.nan)
            df[f"{k}_reported"] = np.where(reported_measure, rep, np.nan)
            df[f"{k}_rate"] = np.where(reported_measure, np.round(rate, 4), np.nan)
    return df


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def row_to_participant(row: dict) -> Participant:
    """One roster row as the scalar API's Participant."""
    cohort = cohorts()[row["cohort"]]
    measures = []
    for m in cohort.measures:
        vals = {f: row.get(f"{m.key}_{f}") for f in ("collection_type", "eligible", "reported", "rate",
                                                     "points", "completeness")}
        if all(_blank(v) for v in vals.values()):
            continue
        measures.append(MeasureInput(m.label, None if _blank(vals["collection_type"]) else vals["collection_type"],
                                     eligible_cases=None if _blank(vals["eligible"]) else vals["eligible"],
                                     reported_cases=None if _blank(vals["reported"]) else vals["reported"],
                                     rate=None if _blank(vals["rate"]) else vals["rate"],
                                     points=None if _blank(vals["points"]) else vals["points"],
                                     completeness=None if _blank(vals["completeness"]) else vals["completeness"]))
    return Participant(cohort=row["cohort"], specialty=row["specialty"], performance_year=row["performance_year"],
                       practice_size=row["practice_size"], ia_done=row["ia_done"], pi_score=row["pi_score"],
                       part_b_payments=row["part_b_payments"], cost_episodes=row["cost_episodes"],
                       cost_points=row["cost_points"], complex_bonus=row["complex_bonus"],
                       submitted_on_time=row["submitted_on_time"], npi=row["npi"], tin=row["tin"],
                       measures=tuple(measures))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--profile", action="store_true", help="cProfile one cohort run and print the top entries")
    args = ap.parse_args(argv)

    print(f"asm_xl {asm_xl.__version__}, numpy {np.__version__}, pandas {pd.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (timings are wall-clock; other load inflates them)")
    t0 = time.perf_counter()
    df = synthetic_population(args.n, args.seed)
    print(f"synthetic population: {len(df):,} participants ({(df['cohort'] == 'HF').mean():.1%} HF), "
          f"{df.shape[1]} columns, built in {time.perf_counter() - t0:.2f} s")

    # ---- cohort API: median of several runs --------------------------------------------------
    score_cohort(df.head(1000))  # warm caches (benchmark table, parameters)
    times, res = [], None
    for _ in range(args.repeats):
        t = time.perf_counter()
        res = score_cohort(df)
        times.append(time.perf_counter() - t)
    cohort_total = statistics.median(times)
    scored = len(res.scores)
    print(f"\ncohort API (score_cohort), {args.repeats} runs: " + ", ".join(f"{x:.3f}" for x in times) + " s")
    print(f"  scored {scored:,} rows, {len(res.errors):,} input errors; pools:")
    print(res.pools[["cohort", "performance_year", "participants", "scaling_factor", "scaling_method",
                     "budget_residual"]].to_string(index=False))

    # ---- scalar API: time a random sample, extrapolate ---------------------------------------
    rng = np.random.default_rng(args.seed + 1)
    sample_idx = rng.choice(len(df), size=min(args.sample, len(df)), replace=False)
    records = df.iloc[sample_idx].to_dict("records")
    pool = res.pools.set_index(["cohort", "performance_year"])
    t = time.perf_counter()
    participants = [row_to_participant(r) for r in records]
    convert = time.perf_counter() - t
    t = time.perf_counter()
    results = []
    for p, r in zip(participants, records):
        sf, mid = pool.loc[(r["cohort"], r["performance_year"]), ["scaling_factor", "tfs_midpoint"]]
        results.append(score_participant(p, scaling_factor=float(sf), tfs_midpoint=float(mid)))
    scalar_sample = time.perf_counter() - t
    per_scalar = scalar_sample / len(participants)
    per_cohort = cohort_total / len(df)

    # ---- agreement on the sample -------------------------------------------------------------
    worst = 0.0
    mismatches = 0
    for i, s in zip(df.index[sample_idx], results):
        row = res.scores.loc[i]
        for name in ("final_score", "quality", "cost", "factor", "dollar_impact"):
            a, b = getattr(s, name), row[name]
            if a is None or pd.isna(b):
                mismatches += (a is None) != bool(pd.isna(b))
                continue
            worst = max(worst, abs(a - float(b)) / max(1.0, abs(a)))

    print(f"\nscalar API (score_participant loop), random sample of {len(participants):,}: "
          f"{scalar_sample:.3f} s (+ {convert:.3f} s building Participant objects, not counted)")
    print("\nRESULTS (cohort: median of runs; scalar: measured on the sample, EXTRAPOLATED to the population)")
    print(f"  cohort API  : {cohort_total:10.3f} s total for {len(df):,}  = {per_cohort * 1e6:10.2f} us/participant")
    print(f"  scalar loop : {per_scalar * len(df):10.3f} s total for {len(df):,} (extrapolated) "
          f"= {per_scalar * 1e6:10.2f} us/participant")
    print(f"  speed-up    : {per_scalar / per_cohort:10.1f}x per participant")
    print(f"  agreement on the sample: max relative difference {worst:.2e}, "
          f"scored/not-scored mismatches {mismatches}")
    ok_speed = per_scalar / per_cohort >= 100
    ok_time = cohort_total < 1.0
    ok_agree = worst <= 1e-12 and mismatches == 0
    print(f"  targets: >=100x {'MET' if ok_speed else 'MISSED'}; cohort < 1 s for {len(df):,} "
          f"{'MET' if ok_time else 'MISSED'}; APIs agree {'YES' if ok_agree else 'NO'}")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        score_cohort(df)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return 0 if ok_agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
