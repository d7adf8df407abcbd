"""Every rule constant and every [ASSUMPTION] of the methodology as one named, editable setting.

A setting has a default, a one-line description and a source tag:

- ``REG``  42 CFR 512 subpart G (regulation text),
- ``CMS``  CMS's own material (the ASM overview webcast),
- ``MIPS`` the MIPS rule ASM reuses (42 CFR 414.1380, CMS benchmark files),
- ``ASSUMPTION`` not published in full; the default is this project's choice and only the default
  changes when CMS publishes the missing piece.

>>> from asm_xl.model.settings import Settings
>>> s = Settings().replace(pool="given", given_scaling_factor=1.5)
>>> s.pool, s.given_scaling_factor
('given', 1.5)

The workbook's Assumptions sheet lists :meth:`Settings.describe` and feeds edits back through
:meth:`Settings.from_mapping`.
"""

from __future__ import annotations

import string

import difflib

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any, Iterator, Mapping, NamedTuple

from asm_xl.model import peer_settings
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peer_assumptions import MIN_STEEPNESS, PeerAssumptions, cohort_defaults_text
from asm_xl.model.validation import YES_NO_ALLOWED, as_bool, as_number, as_whole, is_blank, label_text, percent_hint

__all__ = ["Settings", "SettingInfo", "DEFAULT_SETTINGS", "SOURCES", "FRACTION_SETTINGS", "PLANNING_SETTINGS",
           "SETTING_TEXT_LIMIT", "LABEL_SETTINGS"]

SOURCES = ("REG", "CMS", "MIPS", "ASSUMPTION")


def _setting(default: Any, source: str, description: str, *, minimum: float | None = None,
             maximum: float | None = None, choices: tuple[str, ...] | None = None):
    assert source in SOURCES
    return field(default=default, metadata={
        "source": source, "description": description,
        "minimum": minimum, "maximum": maximum, "choices": choices,
    })


class SettingInfo(NamedTuple):
    """A setting as the Assumptions sheet lists it."""

    name: str
    value: Any
    default: Any
    source: str
    description: str


@dataclass(frozen=True)
class Settings:
    """The methodology's parameters. Immutable: use :meth:`replace` to override some."""

    # --- quality category (spec 3) ---
    completeness_threshold: float = _setting(
        0.75, "REG", "Data completeness (reported / eligible cases) below which a measure gets 0 points.",
        minimum=0, maximum=1)
    case_minimum: int = _setting(
        20, "REG", "Eligible cases below which a complete measure is excluded from the quality score.",
        minimum=0)
    topped_out_cap: float = _setting(
        7.0, "ASSUMPTION", "Most points a measure topped out by program can earn (MIPS rule; no ASM source mentions it).",
        minimum=1, maximum=10)
    benchmark_minimum_reporters: int = _setting(
        20, "MIPS", "Reporters (participants with a rate or an episode cost) a ladder built from cohort data needs; "
        "fewer: no ladder, the measure is excluded and episode costs give no cost score.", minimum=1)
    measure_points_decimals: int = _setting(
        -1, "MIPS", "Round measure points to this many decimals as CMS reports them (4); -1 keeps full precision.",
        minimum=-1, maximum=10)
    benchmark_year: int = _setting(
        0, "ASSUMPTION", "MIPS benchmark performance year used until CMS publishes ASM benchmarks; 0 = latest available.",
        minimum=0)
    unreported_admin_claims_excluded: bool = _setting(
        True, "ASSUMPTION", "An administrative-claims measure with no rate (CMS computes it) is excluded, not scored 0.")
    # --- cost category (spec 4) ---
    cost_episode_minimum: int = _setting(
        20, "REG", "EBCM episodes below which there is no cost score.", minimum=0)
    # --- weights and reweighting (spec 5, 7) ---
    quality_weight: float = _setting(
        0.5, "REG", "Weight of the quality category in the final score (cost gets the rest).", minimum=0, maximum=1)
    reweight_unscored_category: bool = _setting(
        True, "ASSUMPTION", "If quality or cost is not scored, its weight moves to the other one.")
    # --- adjustments (spec 6) ---
    ia_penalty_per_missing: float = _setting(
        10.0, "CMS", "Points deducted per improvement activity (IA-1, IA-2) not completed.", minimum=0)
    pi_max_penalty: float = _setting(
        10.0, "CMS", "Points deducted at a Promoting Interoperability score of 0%.", minimum=0)
    pi_adjustment_linear: bool = _setting(
        True, "ASSUMPTION", "PI adjustment = -max penalty x (1 - PI score), linear in the PI score.")
    complex_bonus_max: float = _setting(
        10.0, "CMS", "Largest complex patient bonus (entered as an input, formula unpublished).", minimum=0)
    solo_practice_bonus: float = _setting(
        15.0, "CMS", "Points added for a solo practice (1 clinician in the TIN).", minimum=0)
    small_practice_bonus: float = _setting(
        10.0, "CMS", "Points added for a small practice (2 to the small-practice limit clinicians).", minimum=0)
    small_practice_max_clinicians: int = _setting(
        15, "CMS", "Most clinicians in a TIN for it to count as a small practice.", minimum=1)
    # --- payment (spec 8) ---
    tfs_steepness: float = _setting(
        0.1, "ASSUMPTION", "k of the logistic exchange function TFS = 1 / (1 + exp(-k (final - m))) of the point "
        "estimate and a given pool; the national peer model's range draws its own k (peer_steepness_low/_high). "
        "CMS's illustration (80 -> 0.95) does not identify k: it only gives k x (80 - m) = ln 19.",
        minimum=MIN_STEEPNESS)
    tfs_midpoint: float = _setting(
        50.0, "ASSUMPTION", "m of the exchange function when the midpoint is fixed.", minimum=0, maximum=100)
    tfs_midpoint_mode: str = _setting(
        "either", "ASSUMPTION", "Midpoint m of the exchange function: 'fixed' (tfs_midpoint), 'cohort_median' (the "
        "cohort's median final score), or 'either' (CMS has not said: the national range covers both, the median in "
        "a share peer_share_median_midpoint of its cohorts; the point estimate takes the fixed m).",
        choices=("either", "fixed", "cohort_median"))
    pool_withhold: float = _setting(
        0.15, "ASSUMPTION", "Share of the amount at risk CMS keeps; the rest is paid back (secondary sources: CMS has "
        "not published it).",
        minimum=0, maximum=1)
    payment_weighted_pool: bool = _setting(
        True, "ASSUMPTION", "The budget identity weights each participant by Part B payments (else equal weights).")
    pool_definition: str = _setting(
        "payment_weighted_withhold", "ASSUMPTION",
        "Budget identity of the incentive pool: 'payment_weighted_withhold' (sum P x factor = -pool_withhold x r x "
        "sum P) or 'positive_85_of_negative' (positive adjustments = 1 - pool_withhold of the negative ones).",
        choices=("payment_weighted_withhold", "positive_85_of_negative"))
    bound_factors: bool = _setting(
        True, "CMS", "Payment adjustment factors are bounded to [-r, +r] (CMS: the risk level is the 'upside or downside').")
    exceptions_neutral: bool = _setting(
        True, "ASSUMPTION", "A participant with an exception (euc_exception, § 512.780; payment_exception, "
        "§ 512.750(f); their text is unpublished) gets a neutral factor 0 and is left out of its cohort's pool; No: "
        "the flags are shown but not applied, the participant is scored, ranked and priced as any other (what "
        "the exception is worth). Not participating (CMS's file) is no adjustment either way.")
    # --- the pool: which cohort prices a final score (spec 8) ---
    pool: str = _setting(
        "national", "ASSUMPTION",
        "Which cohort prices a final score: 'national' (the national peer model: its median scaling factor and "
        "midpoint, and the range over its draws; a practice's default), 'roster' (the roster is the whole "
        "cohort: its own scaling factor; only when it is), or 'given' (given_scaling_factor and given_midpoint, "
        "e.g. from CMS's report: the range collapses to them).", choices=("national", "roster", "given"))
    given_scaling_factor: float | None = _setting(
        None, "ASSUMPTION", "The scaling factor of the 'given' pool (e.g. from CMS's report); blank unless the pool "
        "is 'given' (with another pool it is not used, and a warning says so).", minimum=0)
    given_midpoint: float | None = _setting(
        None, "ASSUMPTION", "The exchange function's midpoint m that goes with a given scaling factor (the 'given' "
        "pool's, or one given to ASM_FACTOR or score_participant), e.g. from CMS's report; blank = tfs_midpoint "
        "when tfs_midpoint_mode is fixed or either, an error when it is cohort_median (give the cohort's median).",
        minimum=0, maximum=100)
    given_source: str = _setting(
        "", "ASSUMPTION", "Where the 'given' pool's scaling factor and midpoint come from (e.g. CMS's 2029 "
        "report), said with them wherever they price; asm-xl generate --pool roster writes the roster's. Blank: "
        "not said.")
    roster_pool_minimum_share: float = _setting(
        0.5, "ASSUMPTION", "A 'roster' pool smaller than this share of CMS's cohort (peer model "
        f"cohort_size: {cohort_defaults_text('cohort_size', ',')}) is warned about: it is not the cohort.",
        minimum=0, maximum=1)
    # --- the national peer model: every payment estimate as a range (spec 8) ---
    peer_draws: int = _setting(
        1000, "ASSUMPTION", "National cohorts the peer model draws to give each payment estimate as a range "
        "(P10 / P50 / P90, chance of a gain).", minimum=1, maximum=100_000)
    peer_seed: int = _setting(
        0, "ASSUMPTION", "Seed of the peer model's draws: the same seed gives the same range.", minimum=0)
    #: the peer model's rows (asm_xl.model.peer_settings: peer_steepness_low, ...) that differ from their
    #: defaults, as sorted (name, value) pairs; listed by describe() as rows of their own, edited by name
    peer_overrides: tuple = field(default=(), metadata={
        "source": "ASSUMPTION", "description": "", "minimum": None, "maximum": None, "choices": None, "rows": True})
    # --- planning: the value of each action, the score needed, the five-year projection (issue 10) ---
    gain_chance_target: float = _setting(
        0.8, "ASSUMPTION", "Chance of a gain (share of the peer model's draws with a positive factor) the 'score "
        "needed for a target' aims at; a user's choice, not a rule.", minimum=0, maximum=1)
    likely_gain_chance: float = _setting(
        2 / 3, "ASSUMPTION", "The practice dashboard calls a physician 'likely to gain' when the chance of a gain is "
        "at least this, 'likely to lose' when it is at most 1 minus this, 'either way' in between (at 0.5 there is "
        "no 'either way': a chance of one half counts as a gain); a reading aid, not a rule.", minimum=0.5, maximum=1)
    payments_growth: float = _setting(
        0.0, "ASSUMPTION", "Yearly growth of a physician's Part B payments in the five-year projection (0 = today's "
        "level every year; fee schedule updates and volume are not published per physician).", minimum=-0.5, maximum=1)
    action_assumed_cost_points: float = _setting(
        5.5, "ASSUMPTION", "Cost points assumed when an action makes cost scored (enough episodes) and neither cost "
        "points nor a scorable episode cost are known: the middle of the 1-10 ladder.", minimum=1, maximum=10)
    action_assumed_measure_points: float = _setting(
        5.5, "ASSUMPTION", "Achievement points assumed when an action reports a cohort quality measure not reported "
        "today: it has no rate to place on its ladder, so the middle of the 1-10 ladder, also the centre of the peer "
        "model's mean points of a scored measure ({:g} to {:g}: cohort deciles make points near uniform); at most the "
        "topped-out cap on a topped-out ladder.".format(*PeerAssumptions().range_of("mean_measure_points")),
        minimum=0, maximum=10)
    action_effort_ia: float = _setting(
        1.0, "ASSUMPTION", "Effort weight of completing one improvement activity (IA-1 or IA-2). The effort weights "
        "serve only to find the cheapest actions that reach a score (asm-xl plan, the library's "
        "score_needed.path_to_score); workbooks and the dashboard rank actions by their dollar value (relative "
        "units, editable).", minimum=0)
    action_effort_pi: float = _setting(
        1.0, "ASSUMPTION", "Effort weight of raising the Promoting Interoperability score to 100% (relative units).",
        minimum=0)
    action_effort_quality_decile: float = _setting(
        1.0, "ASSUMPTION", "Effort weight of raising one quality measure by one decile; reaching the top decile "
        "costs this per decile climbed (relative units).", minimum=0)
    action_effort_completeness: float = _setting(
        1.0, "ASSUMPTION", "Effort weight of reporting enough cases to reach the completeness threshold on one "
        "measure (relative units).", minimum=0)
    action_effort_report_measure: float = _setting(
        2.0, "ASSUMPTION", "Effort weight of reporting a quality measure not reported today (setting up its data "
        "capture, then the completeness threshold): more than completing one already reported (relative units).",
        minimum=0)
    action_effort_minimum_submission: float = _setting(
        1.0, "ASSUMPTION", "Effort weight of meeting the minimum data submission (on time, one measure complete) "
        "(relative units).", minimum=0)
    action_effort_cost_point: float = _setting(
        2.0, "ASSUMPTION", "Effort weight of one cost achievement point better (lower episode costs) (relative units).",
        minimum=0)
    action_effort_cost_episodes: float = _setting(
        2.0, "ASSUMPTION", "Effort weight of reaching the cost episode minimum where cost is not scored (relative "
        "units).", minimum=0)

    # ------------------------------------------------------------------ API
    def __post_init__(self) -> None:
        for f in fields(self):
            if f.metadata.get("rows"):
                object.__setattr__(self, f.name, peer_settings.peer_overrides({}, getattr(self, f.name)))
            else:
                object.__setattr__(self, f.name, _coerce(f, getattr(self, f.name)))

    def replace(self, **overrides: Any) -> "Settings":
        """A copy with some settings changed; unknown names are an error. Peer-model rows
        (``peer_steepness_low=0.09``, see :mod:`asm_xl.model.peer_settings`) are accepted by name."""
        names = {f.name for f in fields(self) if not f.metadata.get("rows")}
        peer = {k: v for k, v in overrides.items() if peer_settings.is_peer_row(k)}
        for k in overrides:
            if k not in names and k not in peer and k != "peer_overrides":
                close = difflib.get_close_matches(str(k), sorted(names), n=1, cutoff=0.75)
                hint = f"did you mean {close[0]!r}? Otherwise " if close else ""
                raise ASMInputError("setting", k, f"{hint}one of {', '.join(sorted(names))} or a peer_ row")
        if not isinstance(overrides.get("peer_overrides", ()), tuple):   # its rows are named one by one
            raise ASMInputError("setting", "peer_overrides", "a peer-model row by its name, e.g. peer_steepness_low")
        plain = {k: v for k, v in overrides.items() if k not in peer}
        if peer:
            plain["peer_overrides"] = peer_settings.peer_overrides(peer, plain.get("peer_overrides",
                                                                                   self.peer_overrides))
        return dataclasses.replace(self, **plain)

    def peer_assumptions(self, cohort: str) -> PeerAssumptions:
        """The national peer model's assumptions of a cohort under these settings."""
        return peer_settings.peer_assumptions_for(cohort, self.peer_overrides)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Settings":
        """Settings from name → value pairs (e.g. the Assumptions sheet); blank values keep defaults."""
        return cls().replace(**{k: v for k, v in values.items() if not is_blank(v)})

    def describe(self) -> list[SettingInfo]:
        """Every setting with its value, default, source tag and description, then the peer model's rows."""
        return [SettingInfo(f.name, getattr(self, f.name), f.default, f.metadata["source"],
                            f.metadata["description"]) for f in fields(self) if not f.metadata.get("rows")] + [
            SettingInfo(*row) for row in peer_settings.peer_rows(self.peer_overrides)]

    def assumptions(self) -> list[SettingInfo]:
        """Only the settings tagged ASSUMPTION."""
        return [s for s in self.describe() if s.source == "ASSUMPTION"]

    def fill(self, text: str) -> str:
        """A help text with its numbers taken from these settings and the model's parameters.

        ``{case_minimum}``, ``{completeness_threshold:.0%}`` etc. name settings; also available:
        ``{pool_payback}`` (1 - pool_withhold), ``{first_year}``, ``{last_year}`` (performance
        years), ``{risk_levels}`` ("9%, 9%, 10%, 11%, 12%"). Help texts, the Inputs sheet and the
        README are written through this, so editing a setting's default updates them.

        >>> Settings(case_minimum=25).fill("fewer than {case_minimum} cases")
        'fewer than 25 cases'

        Only a plain name (with a format spec) is filled: attribute or index access
        (``{case_minimum.__class__}``), which ``str.format`` allows and a workbook's ``ASM_HELP`` text could
        use to read Python's internals, raises ValueError naming the field.
        """
        return _PLAIN_FIELDS.vformat(text, (), doc_values(self))

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return ((f.name, getattr(self, f.name)) for f in fields(self))

    def __hash__(self) -> int:
        """The hash of the fields, as the dataclass's, computed once per object: a Settings is part of the key
        of the ASM_* functions' caches (a measure row's kernel, a solve over ranges), looked up dozens of
        times a workbook, and hashing its ~40 fields cost ~1 µs each time. Not pickled (:meth:`__getstate__`)."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        """The fields without the kept hash: a text's hash differs from one process to another."""
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


class _PlainFields(string.Formatter):
    """``str.format`` for names only: a field is a name of :func:`doc_values`, never ``a.b`` or ``a[0]``."""

    def get_field(self, field_name, args, kwargs):
        if not field_name.isidentifier():
            raise ValueError(f"{{{field_name}}}: only a setting's name may be in braces")
        return self.get_value(field_name, args, kwargs), field_name


_PLAIN_FIELDS = _PlainFields()


def doc_values(settings: "Settings") -> dict[str, Any]:
    """Names usable in :meth:`Settings.fill`: every setting, plus derived values and model parameters."""
    from asm_xl.model.parameters import performance_years, risk_level
    years = performance_years()
    return {**dict(settings), "pool_payback": 1.0 - settings.pool_withhold,
            "first_year": years[0], "last_year": years[-1],
            "risk_levels": ", ".join(f"{risk_level(y):.0%}" for y in years)}


#: the longest text a text setting takes (given_source: a source's name, not a document)
SETTING_TEXT_LIMIT = 200
#: settings that say where numbers come from and move none: a workbook kept from an earlier run is not stale for them
#: (one written before given_source existed, by generate --pool roster, was stale for ever: '--set given_source='
#: could not give the blank it held, since the roster pool writes its own)
LABEL_SETTINGS = ("given_source",)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    meta = f.metadata
    lo, hi, choices = meta["minimum"], meta["maximum"], meta["choices"]
    if choices:
        text = str(value).strip().casefold() if isinstance(value, str) else value
        if text not in choices:
            raise ASMInputError(f.name, value, f"one of {', '.join(choices)}")
        return text
    if f.default is None and is_blank(value):
        return None  # an optional value left blank
    if isinstance(f.default, str):   # a text said as it is (given_source): one line, no control characters
        return label_text(f.name, value, SETTING_TEXT_LIMIT)
    if isinstance(f.default, bool):
        if is_blank(value):   # (as_bool reads a blank cell as no: here it would switch a rule off unsaid)
            raise ASMInputError(f.name, value, YES_NO_ALLOWED)
        return as_bool(f.name, value)
    if isinstance(f.default, int):
        return as_whole(f.name, value, minimum=lo, maximum=hi)
    # a fraction or rate setting reads "70%" as 0.70, as roster fractions do
    try:
        return as_number(f.name, value, minimum=lo, maximum=hi, percent=_is_fraction(f))
    except ASMInputError as e:   # pool_withhold 15: "did you mean 15%?", as a roster's fraction says
        hint = percent_hint(value, lo, hi) if _is_fraction(f) else ""
        if hint:
            raise ASMInputError(f.name, value, e.allowed + hint) from None
        raise


def _is_fraction(f: dataclasses.Field) -> bool:
    """A fraction or rate setting: a number bounded within -1 to 1 (weights, thresholds, shares, growth)."""
    lo, hi = f.metadata.get("minimum"), f.metadata.get("maximum")
    return lo is not None and hi is not None and -1 <= lo and hi <= 1


DEFAULT_SETTINGS = Settings()
#: the settings that are fractions (typed as 0.75 or 75%; the Assumptions sheet shows them as percents)
FRACTION_SETTINGS = frozenset(f.name for f in fields(Settings) if isinstance(f.default, float) and _is_fraction(f))
#: the planning settings (from gain_chance_target on: the actions' values, the score needed, the five-year
#: projection, the dashboard's outlook): they change no score, factor or range, only what plan, a workbook's
#: Actions sheet and the dashboard show
_NAMES = [f.name for f in fields(Settings)]
PLANNING_SETTINGS = tuple(_NAMES[_NAMES.index("gain_chance_target"):])
