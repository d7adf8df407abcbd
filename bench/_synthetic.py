"""Shared synthetic roster maker for the workbook benchmarks (not a test, not package code).

``synthetic_roster(n, seed=0)`` returns a roster shaped like ``asm_xl/roster/data/sample_roster.csv`` and
like :func:`asm_xl.roster.read_roster` returns it: every cell a ``str`` (blank = ""),
object dtype, integer index 0..n-1 (file row - 2). Every row is valid for
:func:`asm_xl.roster.validate_roster` (``python bench/_synthetic.py`` checks it).

What it contains (all invented, deterministic for a given ``seed``):

* NPIs: 10 digits, unique, starting with 1, the 10th a Luhn check digit over "80840" + the first 9;
* practices (TINs, with and without a dash, some with a leading zero) of 1..200 clinicians (about
  8% solo, 35% small 2-15, the rest 16-200), each with 1..12 ASM physicians in the roster; about
  40% of physicians in heart-failure practices (Cardiology), 60% in low-back-pain practices (the
  six LBP specialties, mixed within a practice);
* performance year 2027; Part B payments (lognormal, a few typed with a thousands separator);
* cost: per practice either ``cost_points`` (a CMS feedback report, 1-10) or ``episode_cost``
  (dollars, scored on the pool's own deciles); about 7% of physicians with fewer than 20 episodes;
* IA-1/IA-2 as yes/no or TRUE/FALSE, PI score (some 0), complex bonus (some blank, 0-10), about 2%
  late submissions;
* measures of the physician's cohort: collection type (per practice where a measure offers a
  choice), eligible and reported cases, a rate; about 10% below 75% completeness, 6% under 20
  cases, some not reported at all; Q492 (administrative claims) as a native-unit rate, sometimes
  not available yet;
* a few names that look like spreadsheet formulas or carry accents (the generator must write them
  as text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from asm_xl.model.parameters import cohorts
from asm_xl.model.identifiers import npi_check_digit

__all__ = ["PERFORMANCE_YEAR", "synthetic_roster", "load_average"]

PERFORMANCE_YEAR = 2027

IDENTITY = ["npi", "tin", "name", "specialty"]
PARTICIPANT = ["performance_year", "practice_size", "part_b_payments", "cost_episodes", "episode_cost",
               "cost_points", "ia1_done", "ia2_done", "pi_score", "complex_bonus", "submitted_on_time"]
MEASURE_FIELDS = ["collection_type", "eligible", "reported", "rate"]

# measure id: (eligible cases range, rate range, decimals); proportions are fractions,
# Q492 is in its native units (admissions per 100 person-years), lower is better for inverse ones.
MEASURE_DATA = {
    "492": (None, (58.0, 82.0), 1),
    "008": ((30, 240), (0.80, 0.99), 4),
    "005": ((30, 220), (0.70, 0.97), 4),
    "236": ((80, 650), (0.50, 0.88), 4),
    "377": ((40, 320), (0.002, 0.15), 4),
    "238": ((60, 520), (0.0, 0.13), 4),
    "134": ((80, 650), (0.30, 0.97), 4),
    "128": ((80, 650), (0.35, 0.97), 4),
    "220": ((25, 220), (0.40, 0.96), 4),
}
MEASURE_DEFAULT = ((30, 300), (0.40, 0.95), 4)
EPISODE_COST = {"HF": (17_500.0, 34_000.0), "LBP": (3_800.0, 11_500.0)}

LAST = ["Okafor", "Lindqvist", "Patel", "Chen", "Hernández", "O'Brien", "Goldberg", "Nakamura", "Schwartz",
        "Adeyemi", "Kowalski", "Rahman", "Dubois", "Bianchi", "Al-Sayed", "Murphy", "Johansson", "Singh",
        "Washington", "Kim", "Fischer", "Ivanova", "Papadopoulos", "Nguyen", "García", "Smith", "Johnson",
        "Williams", "Brown", "Jones", "Miller", "Davis", "Rodríguez", "Martínez", "Wilson", "Anderson",
        "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris",
        "Sánchez", "Clark", "Ramírez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
        "Scott", "Torres", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
        "Campbell", "Mitchell", "Carter", "Roberts", "Müller", "Kowalczyk", "Søndergaard", "Ó Súilleabháin"]
FIRST = ["Adaeze", "Erik", "Rohan", "Wei", "María José", "Siobhan", "Miriam", "Kenji", "David", "Tolu",
         "Anna", "Farhan", "Céline", "Marco", "Omar", "Kathleen", "Ingrid", "Harpreet", "Denise", "Ji-ho",
         "Lukas", "Elena", "Nikos", "Lan", "James", "Mary", "Robert", "Patricia", "John", "Jennifer",
         "Michael", "Linda", "William", "Elizabeth", "Richard", "Barbara", "Joseph", "Susan", "Thomas",
         "Jessica", "Aisha", "Mohammed", "Priya", "Yusuf", "Chloé", "Zoë", "Björn", "Ana", "Kwame", "Mei"]
# Names a spreadsheet would take for formulas or numbers: must be written as text.
TRICKY = ['=HYPERLINK("http://x","y")', "+1-555-0100", "@SUM(A1)", "-2+3", "=1+1", "Nguyễn Thị Lan",
          "D'Angelo, Renée", "Smith, John \"Jack\"", "<b>Bold</b> & Co", "Ünal, Şule"]


def _fmt(x: float, decimals: int) -> str:
    """Canonical text of a number: no trailing zeros ("0.92", "245310.5", "12")."""
    s = f"{round(float(x), decimals):.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _npis(rng: np.random.Generator, n: int) -> list[str]:
    bases: set[int] = set()
    while len(bases) < n:
        bases.update(int(b) for b in rng.integers(100_000_000, 200_000_000, size=(n - len(bases)) * 2))
    chosen = sorted(bases)[:n]
    chosen = [chosen[i] for i in rng.permutation(n)]
    return [f"{b:09d}{npi_check_digit(f'{b:09d}')}" for b in chosen]


def _practices(rng: np.random.Generator, n: int) -> list[dict]:
    """Practices until they hold n roster physicians."""
    lbp_specialties = cohorts()["LBP"].specialties
    out, total, hf_total, tins = [], 0, 0, set()
    while total < n:
        u = rng.random()
        size = 1 if u < 0.08 else int(rng.integers(2, 16)) if u < 0.43 else int(rng.integers(16, 201))
        k = 1 if size == 1 else int(rng.integers(1, min(size, 12) + 1))
        k = min(k, n - total)
        while True:
            tin = int(rng.integers(0, 1_000_000_000))
            if (tin >= 10_000_000 or rng.random() < 0.5) and tin not in tins:  # a few leading zeros
                tins.add(tin)
                break
        digits = f"{tin:09d}"
        # about 40% of physicians in HF practices: nudge the odds toward the target as practices add up
        hf = rng.random() < (0.40 if total == 0 else 0.5 if hf_total / total < 0.40 else 0.3)
        hf_total += k if hf else 0
        out.append({
            "tin": f"{digits[:2]}-{digits[2:]}" if rng.random() < 0.5 else digits,
            "size": size, "k": k, "cohort": "HF" if hf else "LBP",
            "specialties": ("Cardiology",) if hf else tuple(rng.choice(lbp_specialties, size=int(rng.integers(1, 4)),
                                                                        replace=False)),
            "ctype_pref": "eCQM" if rng.random() < 0.55 else "MIPS CQM",
            "cost_input": "cost_points" if rng.random() < 0.5 else "episode_cost",
            "bool_style": ("TRUE", "FALSE") if rng.random() < 0.15 else ("yes", "no"),
        })
        total += k
    return out


def synthetic_roster(n: int, seed: int = 0) -> pd.DataFrame:
    """A valid synthetic roster of ``n`` physicians (text cells, like the sample roster)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = np.random.default_rng(seed)
    all_measures = [m for c in cohorts().values() for m in c.measures]
    columns = IDENTITY + PARTICIPANT + [f"{m.key}_{f}" for m in all_measures for f in MEASURE_FIELDS]
    npis = _npis(rng, n)
    rows: list[dict] = []
    for p in _practices(rng, n):
        cohort = cohorts()[p["cohort"]]
        yes, no = p["bool_style"]
        for _ in range(p["k"]):
            i = len(rows)
            r = dict.fromkeys(columns, "")
            r["npi"] = npis[i]
            r["tin"] = p["tin"]
            u = rng.random()
            if u < 0.004:
                r["name"] = TRICKY[int(rng.integers(len(TRICKY)))]
            else:
                r["name"] = f"{LAST[int(rng.integers(len(LAST)))]}, {FIRST[int(rng.integers(len(FIRST)))]}"
            r["specialty"] = str(p["specialties"][int(rng.integers(len(p["specialties"])))])
            r["performance_year"] = str(PERFORMANCE_YEAR)
            r["practice_size"] = str(p["size"])
            pay = float(np.clip(rng.lognormal(np.log(180_000), 0.7), 5_000, 5_000_000))
            r["part_b_payments"] = f"{pay:,.0f}" if rng.random() < 0.03 else _fmt(pay, 0)
            eps = int(rng.integers(0, 20)) if rng.random() < 0.07 else int(rng.poisson(55)) + 20
            r["cost_episodes"] = str(eps)
            if p["cost_input"] == "cost_points":
                r["cost_points"] = _fmt(np.clip(rng.normal(5.5, 2.2), 1, 10), 1)
            else:
                lo, hi = EPISODE_COST[cohort.code]
                r["episode_cost"] = _fmt(rng.uniform(lo, hi), 2)
            ia = rng.choice(3, p=[0.08, 0.22, 0.70])
            first_ia = rng.random() < 0.5
            r["ia1_done"] = yes if ia == 2 or (ia == 1 and first_ia) else no
            r["ia2_done"] = yes if ia == 2 or (ia == 1 and not first_ia) else no
            r["pi_score"] = "0" if rng.random() < 0.08 else _fmt(rng.beta(8, 2), 2)
            b = rng.random()
            r["complex_bonus"] = "" if b < 0.35 else "0" if b < 0.45 else "10" if b < 0.47 else _fmt(rng.uniform(0, 10), 1)
            r["submitted_on_time"] = no if rng.random() < 0.02 else yes
            for m in cohort.measures:
                elig_range, (rlo, rhi), dec = MEASURE_DATA.get(m.id, MEASURE_DEFAULT)
                if m.administrative_claims_only:  # CMS computes it from claims; sometimes not out yet
                    r[f"{m.key}_collection_type"] = "Administrative claims"
                    if rng.random() < 0.93:
                        r[f"{m.key}_rate"] = _fmt(rng.uniform(rlo, rhi), dec)
                    continue
                if rng.random() < 0.06:  # measure not reported at all: every cell blank
                    continue
                ctypes = m.collection_types
                r[f"{m.key}_collection_type"] = p["ctype_pref"] if p["ctype_pref"] in ctypes else ctypes[0]
                elig = int(rng.integers(1, 20)) if rng.random() < 0.06 else int(rng.integers(*elig_range))
                comp = rng.uniform(0.2, 0.75) if rng.random() < 0.10 else rng.uniform(0.75, 1.0)
                rep = min(elig, int(np.ceil(comp * elig)))
                r[f"{m.key}_eligible"] = str(elig)
                r[f"{m.key}_reported"] = str(rep)
                r[f"{m.key}_rate"] = _fmt(rng.uniform(rlo, rhi), dec)
            rows.append(r)
    df = pd.DataFrame({c: pd.array([r[c] for r in rows], dtype=object) for c in columns},
                      index=pd.RangeIndex(len(rows)).astype("int64"), dtype=object)
    return df


if __name__ == "__main__":  # a quick self-check: python bench/_synthetic.py [n]
    import sys
    import time

    from asm_xl.roster import npi_is_valid, validate_roster

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8600
    t = time.perf_counter()
    df = synthetic_roster(n)
    made = time.perf_counter() - t
    assert all(npi_is_valid(v) for v in df["npi"]), "an NPI fails the Luhn check"
    assert df["npi"].is_unique
    v = validate_roster(df)
    assert len(v.errors) == 0, v.errors.head(20).to_string()
    hf = (df["specialty"] == "Cardiology").mean()
    sizes = df["practice_size"].astype(int)
    print(f"{n} rows in {made:.2f} s, {len(v.errors)} validation errors, HF {hf:.1%}, "
          f"practice sizes {sizes.min()}..{sizes.max()}, warnings: {v.warnings}")


def load_average() -> str:
    """The machine's load average, printed next to timings (other work skews them)."""
    import os

    try:
        a, b, c = os.getloadavg()
        return f"load average {a:.2f} {b:.2f} {c:.2f}"
    except OSError:
        return "load average n/a"
