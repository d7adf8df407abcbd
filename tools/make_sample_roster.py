"""Generate ``asm_xl/roster/data/sample_roster.csv``: a synthetic ASM roster, deterministic (seeded).

    python tools/make_sample_roster.py            # (re)write the sample
    python tools/make_sample_roster.py --check    # exit 1 if the file differs from what it makes

30 physicians, performance year 2027, in ten practices (TINs): both cohorts (HF: Cardiology;
LBP: the six specialties), solo (1), small (2-15, including the boundary 15) and large (>15,
including the boundary 16) practices. Every row is valid; the edge cases are deliberate:

- a measure below 75% data completeness (0 points) and a measure below 20 cases (excluded),
  in each cohort; an LBP measure not reported at all; a Q492 (administrative claims) rate not
  available yet;
- physicians with fewer than 20 cost episodes (cost not scored: weight moves to quality);
- one improvement activity, no improvement activity, PI score 0, complex bonus 0-10 (10 once),
  one late submission (final score 0);
- cost as ``cost_points`` (from a CMS feedback report) in some practices, as ``episode_cost``
  (scored on the pool's own cost deciles) in others;
- non-ASCII names (José Müller, Nguyễn Thị Lan, Søndergaard), commas and apostrophes in names.
  Names that look like spreadsheet formulas (``=HYPERLINK(...)``, ``@SUM(A1)``) are not in the demo
  a new user opens: they are a test fixture, ``tests/data/injection_roster.csv``;
- an NPI typed with surrounding spaces, a TIN with a leading zero, TINs with and without dashes,
  booleans typed yes/no and TRUE/FALSE, a payment typed with a thousands separator.

All names, NPIs and TINs are invented; NPIs carry valid check digits (Luhn over 80840 + 9 digits).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from asm_xl.model.columns import measure_columns  # noqa: E402
from asm_xl.model.parameters import cohorts  # noqa: E402
from asm_xl.model.identifiers import npi_check_digit  # noqa: E402

SEED = 20270101
OUT = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"
PERFORMANCE_YEAR = 2027

# TIN key: (practice size, collection type used where a measure offers a choice, cost input, booleans)
PRACTICES = {
    "A": (48, "eCQM", "cost_points", "yes"),       # large cardiology group
    "B": (6, "MIPS CQM", "episode_cost", "yes"),   # small cardiology group
    "C": (1, "eCQM", "cost_points", "yes"),        # solo cardiologist
    "D": (12, "MIPS CQM", "episode_cost", "yes"),  # small cardiology group
    "E": (85, "eCQM", "episode_cost", "TRUE"),     # large spine center (multispecialty)
    "F": (9, "MIPS CQM", "cost_points", "yes"),    # small pain practice
    "G": (1, "MIPS CQM", "cost_points", "yes"),    # solo PM&R
    "H": (1, "eCQM", "episode_cost", "yes"),       # solo pain management
    "I": (15, "mixed", "episode_cost", "yes"),     # small orthopedic group at the boundary (15)
    "J": (16, "eCQM", "cost_points", "yes"),       # large neurosurgery group at the boundary (16)
}

CARD, ANES, IPM, NEURO, ORTHO, PM, PMR = ("Cardiology", "Anesthesiology", "Interventional Pain Management",
                                         "Neurosurgery", "Orthopedic Surgery", "Pain Management",
                                         "Physical Medicine and Rehabilitation")

# (name, TIN key, specialty, edge cases)
PHYSICIANS = [
    ("Okafor, Adaeze", "A", CARD, {}),
    ("Mensah, Kwame", "A", CARD, {}),
    ("Lindqvist, Erik", "A", CARD, {"completeness": ("377", 0.6)}),
    ("José Müller", "A", CARD, {}),
    ("Patel, Rohan", "A", CARD, {"bonus": 3.5}),
    ("Chen, Wei", "A", CARD, {"no_rate": "492"}),
    ("Brooks, Theresa", "B", CARD, {}),
    ("Hernández, María José", "B", CARD, {"cases": ("005", 14)}),
    ("O'Brien, Siobhan", "B", CARD, {"ia": ("yes", "no")}),
    ("Goldberg, Miriam", "C", CARD, {"bonus": 10}),
    ("Nakamura, Kenji", "D", CARD, {"episodes": 12}),
    ("Reyes, Daniel", "D", CARD, {"pi": 0}),
    ("Schwartz, David", "E", ORTHO, {}),
    ("Adeyemi, Tolu", "E", ORTHO, {}),
    ("Søndergaard, Mette", "E", ORTHO, {}),
    ("Kowalski, Anna", "E", NEURO, {"npi_spaces": True}),
    ("Rahman, Farhan", "E", NEURO, {"completeness": ("134", 0.5)}),
    ("Dubois, Céline", "E", PMR, {}),
    ("Nguyễn Thị Lan", "E", ANES, {}),
    ("Bianchi, Marco", "F", IPM, {"cases": ("128", 11)}),
    ("Al-Sayed, Omar", "F", IPM, {}),
    ("Murphy, Kathleen", "F", PM, {"payment_text": "312,450"}),
    ("Johansson, Ingrid", "F", PM, {"episodes": 9}),
    ("Singh, Harpreet", "F", ANES, {}),
    ("Washington, Denise", "G", PMR, {"ia": ("no", "no")}),
    ("Na, Yun-seo", "H", PM, {"not_reported": "220"}),
    ("Kim, Ji-ho", "I", ORTHO, {}),
    ("Fischer, Lukas", "I", ORTHO, {"bonus": 0}),
    ("Ivanova, Elena", "J", NEURO, {}),
    ("Papadopoulos, Nikos", "J", NEURO, {"late": True}),
]

# measure id: (eligible range, rate range (fractions; Q492 in admissions per 100 person-years), decimals)
MEASURE_DATA = {
    "492": (None, (60.0, 80.0), 1),
    "008": ((30, 220), (0.84, 0.99), 4),
    "005": ((30, 200), (0.74, 0.96), 4),
    "236": ((80, 600), (0.52, 0.86), 4),
    "377": ((40, 300), (0.002, 0.14), 4),
    "238": ((60, 500), (0.0, 0.12), 4),
    "134": ((80, 600), (0.35, 0.97), 4),
    "128": ((80, 600), (0.40, 0.97), 4),
    "220": ((25, 200), (0.45, 0.95), 4),
}
EPISODE_COST = {"HF": (17_500.0, 34_000.0), "LBP": (3_800.0, 11_500.0)}
EPISODES = {"HF": (22, 140), "LBP": (25, 180)}

IDENTITY = ["npi", "tin", "name", "specialty"]
PARTICIPANT = ["performance_year", "practice_size", "part_b_payments", "cost_episodes", "episode_cost",
               "cost_points", "ia1_done", "ia2_done", "pi_score", "complex_bonus", "submitted_on_time"]
MEASURE_FIELDS = ["collection_type", "eligible", "reported", "rate"]


def fmt(x: float, decimals: int) -> str:
    """Canonical text of a number: no trailing zeros ("0.92", "245310.5", "12")."""
    s = f"{round(x, decimals):.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def new_npi(rng: random.Random, used: set[str]) -> str:
    while True:
        base = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
        npi = base + str(npi_check_digit(base))
        if npi not in used:
            used.add(npi)
            return npi


def tins(rng: random.Random) -> dict[str, str]:
    out = {}
    for key in PRACTICES:
        digits = "".join(str(rng.randrange(10)) for _ in range(9))
        if key == "C":
            digits = "0" + digits[1:]  # a TIN with a leading zero must survive reading
        out[key] = f"{digits[:2]}-{digits[2:]}" if key in "ACEGI" else digits
    return out


def build_rows() -> tuple[list[str], list[list[str]]]:
    rng = random.Random(SEED)
    specialty_cohort = {s.casefold(): c for c in cohorts().values() for s in c.specialties}
    all_measures = [m for c in cohorts().values() for m in c.measures]
    header = IDENTITY + PARTICIPANT + [measure_columns(m.key)[f] for m in all_measures for f in MEASURE_FIELDS]
    tin_of = tins(rng)
    used: set[str] = set()
    rows = []
    for name, tin_key, specialty, edge in PHYSICIANS:
        size, ctype_pref, cost_input, yes = PRACTICES[tin_key]
        no = "FALSE" if yes == "TRUE" else "no"
        cohort = specialty_cohort[specialty.casefold()]
        rec = dict.fromkeys(header, "")
        npi = new_npi(rng, used)
        rec["npi"] = f"  {npi} " if edge.get("npi_spaces") else npi
        rec["tin"] = tin_of[tin_key]
        rec["name"] = name
        rec["specialty"] = specialty
        rec["performance_year"] = str(PERFORMANCE_YEAR)
        rec["practice_size"] = str(size)
        pay = min(900_000.0, max(80_000.0, math.exp(rng.gauss(math.log(260_000 if size > 1 else 180_000), 0.5))))
        cents = rng.random() < 0.3
        rec["part_b_payments"] = edge.get("payment_text") or fmt(pay, 2 if cents else 0)
        lo, hi = EPISODES[cohort.code]
        episodes = edge.get("episodes", rng.randint(lo, hi))
        rec["cost_episodes"] = str(episodes)
        cost_draw = rng.uniform(*EPISODE_COST[cohort.code])
        points_draw = rng.uniform(1.0, 10.0)
        if episodes >= 20:
            if cost_input == "episode_cost":
                rec["episode_cost"] = fmt(cost_draw, 2)
            else:
                rec["cost_points"] = fmt(points_draw, 1)
        ia1, ia2 = edge.get("ia", ("yes", "yes"))
        rec["ia1_done"] = yes if ia1 == "yes" else no
        rec["ia2_done"] = yes if ia2 == "yes" else no
        pi_draw = 1.0 if rng.random() < 0.3 else rng.uniform(0.55, 1.0)
        rec["pi_score"] = fmt(edge.get("pi", pi_draw), 2)
        bonus_draw = rng.uniform(0.5, 6.5) if rng.random() < 0.5 else None
        bonus = edge.get("bonus", bonus_draw)
        rec["complex_bonus"] = "" if bonus is None else fmt(bonus, 1)
        rec["submitted_on_time"] = no if edge.get("late") else yes
        for m in cohort.measures:
            cols = measure_columns(m.key)
            spec = MEASURE_DATA.get(m.id)
            draws = (rng.random(), rng.uniform(0.78, 1.0), rng.random(), rng.random())
            if spec is None or edge.get("not_reported") == m.id:
                continue  # a measure this sample does not know, or deliberately not reported
            elig_range, (rlo, rhi), dec = spec
            if len(m.collection_types) == 1:
                ctype = m.collection_types[0]
            elif ctype_pref == "mixed":
                ctype = m.collection_types[int(draws[3] * len(m.collection_types))]
            else:
                ctype = ctype_pref if ctype_pref in m.collection_types else m.collection_types[0]
            rec[cols["collection_type"]] = ctype
            if edge.get("no_rate") == m.id:
                continue
            rec[cols["rate"]] = fmt(rlo + draws[2] * (rhi - rlo), dec)
            if elig_range is None:
                continue  # administrative claims: CMS computes the rate, no counts to report
            elig = elig_range[0] + int(draws[0] * (elig_range[1] - elig_range[0]))
            completeness = draws[1]
            if edge.get("cases", (None,))[0] == m.id:
                elig = edge["cases"][1]
                completeness = 1.0
            reported = max(math.ceil(0.75 * elig), round(elig * completeness))
            if edge.get("completeness", (None,))[0] == m.id:
                reported = round(elig * edge["completeness"][1])
            rec[cols["eligible"]] = str(elig)
            rec[cols["reported"]] = str(min(reported, elig))
        rows.append([rec[c] for c in header])
    return header, rows


def render() -> bytes:
    header, rows = build_rows()
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="only compare with the existing file")
    args = ap.parse_args(argv)
    data = render()
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'differs from the generator output'}")
        return 0 if same else 1
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(args.out)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
