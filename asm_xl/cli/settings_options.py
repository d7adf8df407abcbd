"""The options that choose the settings of a run (``generate``, ``demo``, ``score``): the pool
(``--pool``, ``--scaling-factor``, ``--midpoint``) and any setting (``--set NAME=VALUE``), checked when
the command line is read so that a bad one is the command's usage error, never a failure halfway."""

from __future__ import annotations

from pathlib import Path

from asm_xl.cli.arguments import file_name, finite_number

__all__ = ["pool_opts", "pool_problem", "pool_settings", "setting_pairs", "check_settings_options", "OptionError",
           "changed_settings_line", "unused_settings_note", "ladders_option"]


def pool_opts(sp, *, workbooks: bool = True, examples: str = "payments_growth=2% --set likely_gain_chance=0.8"):
    """Add the options to a command's parser (the model's settings are imported when the parser is built,
    not when the CLI is); ``workbooks``: the command writes workbooks, whose Assumptions sheets show a
    setting changed; ``examples``: ``--set`` examples of settings that change what this command shows."""
    from asm_xl.model.settings import DEFAULT_SETTINGS
    sp.add_argument("--pool", choices=("national", "roster", "given"),
                    help="which cohort prices the scores: national (default: the national peer model, a "
                         "range over its simulated cohorts), roster (only when the roster IS the whole "
                         "cohort), given (needs --scaling-factor, e.g. from CMS's report)")
    sp.add_argument("--scaling-factor", type=finite_number, help="the given pool's scaling factor (implies --pool given)")
    sp.add_argument("--midpoint", type=finite_number, help="the given pool's exchange-function midpoint (default: the "
                                                   f"tfs_midpoint setting, {DEFAULT_SETTINGS.tfs_midpoint:g}; "
                                                   "with --scaling-factor only)")
    sp.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help="change a setting (README \"Assumptions\"" + ("; the workbooks' Assumptions sheets show it"
                                                                    if workbooks else "") + "), "
                         "e.g. --set " + examples.replace("%", "%%") + "; repeatable")
    sp.add_argument("--ladders", metavar="FILE", type=file_name,
                    help="your quality ladders (.csv/.xlsx: measure, collection_type, topped_out, source, b1..b10 in "
                         "percent as CMS publishes them), e.g. CMS's ASM benchmarks once published: each measure "
                         "given is scored on yours, not on the packaged MIPS proxy" + (
                             " (the workbooks' Benchmarks sheets hold them)" if workbooks else ""))
    sp.set_defaults(pool_parser=sp)  # pool_problem is said as this command's usage error


def ladders_option(args):
    """The quality ladders of ``--ladders FILE`` (None without it), read by
    :func:`~asm_xl.roster.ladders_file.read_quality_ladders`, or from a workbook asm-xl generated (the table on its
    Benchmarks sheet, :attr:`~asm_xl.workbooks.kept.KeptWorkbook.ladders`: what a kept workbook was made with); a file that cannot be read, or a row that is no
    ladder, raises its :class:`~asm_xl.roster.ladders_file.LadderFileError` (a ``RosterError``: the command says it
    and exits 1, as for a roster)."""
    path = getattr(args, "ladders", None)
    if not path:
        return None
    from asm_xl.roster.ladders_file import LadderFileError, read_quality_ladders
    if str(path).lower().endswith((".xlsx", ".xlsm")):   # a workbook asm-xl wrote: the ladders on its Benchmarks sheet
        from asm_xl.model.errors import ASMInputError
        from asm_xl.model.user_ladders import quality_ladders
        from asm_xl.workbooks.kept import read_kept_workbook
        book = read_kept_workbook(path)
        if book is not None and book.ladders is not None:
            try:
                return quality_ladders(book.ladders)
            except ASMInputError as e:
                raise LadderFileError(f"ladder file {Path(path).name} (its Benchmarks sheet's quality ladders): "
                                      f"{e}") from None
    return read_quality_ladders(path)


class OptionError(ValueError):
    """Options of a run that contradict each other or that a setting does not allow: the command's usage error."""


#: the options that set the given pool's numbers, by the setting each sets
_POOL_OPTIONS = {"given_scaling_factor": "--scaling-factor", "given_midpoint": "--midpoint"}


def pool_settings(args):
    """Settings the command line chose: each ``--set NAME=VALUE`` (any setting of README "Assumptions",
    a peer-model row too, its text read as the Assumptions sheet's: "2%" is 0.02), then the given pool's
    numbers (``--scaling-factor``, ``--midpoint``), then the pool: ``--pool``; else a ``--set pool=...``;
    else the given one where a scaling factor is given (either way); else the national one.

    The pool's options describe one pool, so they must agree (:func:`pool_problem`). Raises
    :class:`OptionError` naming the option for a contradiction or a value not allowed."""
    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.settings import DEFAULT_SETTINGS
    # a blank value is the default, as on the Assumptions sheet
    pairs = {k: v for k, v in setting_pairs(getattr(args, "set", None) or []) if v != ""}
    for option, value, name in (("--pool", args.pool, "pool"), ("--scaling-factor", args.scaling_factor,
                                "given_scaling_factor"), ("--midpoint", args.midpoint, "given_midpoint")):
        if value is not None and name in pairs:   # the same thing said twice: which one was meant?
            shown = value if isinstance(value, str) else f"{value:g}"
            raise OptionError(f"{option} {shown} and --set {name}={pairs[name]} both give the {name}: give one")
    try:
        settings = DEFAULT_SETTINGS.replace(**pairs)
    except ASMInputError as e:   # (a fraction typed as a percent, pool_withhold=15, says "did you mean 15%?")
        raise OptionError(f"--set: {e}") from None
    given = {k: v for k, v in (("given_scaling_factor", args.scaling_factor), ("given_midpoint", args.midpoint))
             if v is not None}
    try:
        settings = settings.replace(**given)
    except ASMInputError as e:
        raise _said_by_option(e) from None
    if args.pool:
        pool = args.pool
    elif "pool" in pairs:
        pool = settings.pool
    else:
        pool = "given" if settings.given_scaling_factor is not None else "national"
    problem = pool_problem(pool, settings, args, pairs)
    if problem:
        raise OptionError(problem)
    settings = settings.replace(pool=pool)
    _check_usable(settings)
    return settings


def _check_usable(settings) -> None:
    """What the scoring of any roster would refuse in these settings, said when the command line is read
    (by the rules' own functions): a benchmark year the packaged table has no ladders of, and a given
    pool whose midpoint the cohort_median mode needs but no option gives."""
    from asm_xl.model.benchmarks import packaged_benchmarks
    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.pool_choice import given_point
    try:
        if settings.benchmark_year:
            packaged_benchmarks().check_year(settings.benchmark_year)
        if settings.pool == "given":
            given_point(None, 0, settings)
    except ASMInputError as e:   # (a missing midpoint: the option that gives it)
        raise _said_by_option(e) from None


def _said_by_option(e) -> OptionError:
    """An input error of the pool's numbers, named by the option that gives them (else ``--set``)."""
    return OptionError(f"{_POOL_OPTIONS.get(e.field, '--set')}: {e}")


def pool_problem(pool: str, settings, args, pairs: dict) -> str | None:
    """What is wrong with the pool the options chose (None: nothing): a scaling factor and a midpoint
    describe the given pool only, so each needs it (a factor implies it) and the national or roster pool
    takes neither; the given pool needs a factor. Each option is named as typed."""
    factor = "--scaling-factor" if args.scaling_factor is not None else "--set given_scaling_factor"
    midpoint = "--midpoint" if args.midpoint is not None else "--set given_midpoint"
    chosen = f"--pool {pool}" if args.pool else f"--set pool={pool}"
    if settings.given_midpoint is not None and settings.given_scaling_factor is None:
        return (f"{midpoint} needs --scaling-factor (or --set given_scaling_factor=...): both describe a given pool "
                "(e.g. from CMS's report)")
    if settings.given_scaling_factor is not None and pool in ("national", "roster"):
        return (f"{factor} is not allowed with {chosen}: it gives the pool's factor (--pool given, "
                f"implied); the {pool} pool computes its own")
    if pool == "given" and settings.given_scaling_factor is None:
        return (f"{chosen} needs --scaling-factor (or --set given_scaling_factor=...), and optionally --midpoint, "
                "e.g. from CMS's report")
    return None


def setting_pairs(texts: list[str]) -> list[tuple[str, str]]:
    """(name, value text) of each ``--set NAME=VALUE``; raises :class:`OptionError` for one without "=".

    >>> setting_pairs(["payments_growth=2%", " Likely-Gain-Chance = 0.8 "])
    [('payments_growth', '2%'), ('likely_gain_chance', '0.8')]
    """
    pairs, given = [], {}
    for text in texts:
        name, eq, value = text.partition("=")
        if not eq or not name.strip():
            raise OptionError(f"--set: {text!r} is not allowed (NAME=VALUE, e.g. --set payments_growth=2%)")
        name, value = name.strip().casefold().replace("-", "_"), value.strip()   # Payments-Growth as well
        if given.setdefault(name, value) != value:   # the last one won, without a word
            raise OptionError(f"--set {name}={given[name]} and --set {name}={value} both give the {name}: give one")
        pairs.append((name, value))
    return pairs


def check_settings_options(args) -> None:
    """``args.settings``: the run's :func:`pool_settings`, read once when the command line is read; options
    that contradict each other or a setting or value not allowed are the command's usage error (exit 2),
    before any work. A command without these options passes."""
    if not hasattr(args, "pool_parser"):
        return
    try:
        args.settings = pool_settings(args)
    except OptionError as e:
        args.pool_parser.error(str(e))


def changed_settings_line(args, settings) -> str | None:
    """For a run with ``--set`` or a pool option: one line naming every setting that differs from its
    default (the pool included), so the console says what the figures rest on; None without them.

    >>> from types import SimpleNamespace
    >>> from asm_xl.model.settings import Settings
    >>> given = SimpleNamespace(set=["likely_gain_chance=0.9"], pool=None, scaling_factor=None, midpoint=None)
    >>> changed_settings_line(given, Settings(likely_gain_chance=0.9))
    'settings changed from their defaults: likely_gain_chance 0.9 (default 0.666667)'
    """
    if not (getattr(args, "set", None) or args.pool or args.scaling_factor is not None or args.midpoint is not None):
        return None
    from asm_xl.model.settings_text import changed_settings_text
    return f"settings changed from their defaults: {changed_settings_text(settings)}"


#: where each planning setting (:data:`~asm_xl.model.settings.PLANNING_SETTINGS`) changes what a user sees: the
#: commands that show it, and the words for it
PLANNING_USES = {
    "gain_chance_target": ({"plan"}, "asm-xl plan --target gain and the score needed in the workbooks and dashboard"),
    "likely_gain_chance": (set(), "the dashboard's likely to gain / to lose"),
    "payments_growth": (set(), "the five-year view of generate's Actions sheets and dashboard"),
}
_ACTIONS_USE = ({"plan"}, "the actions' values and plans: asm-xl plan, generate's Actions sheets and dashboard")


def unused_settings_note(settings, command: str, also_unused: tuple = ()) -> str | None:
    """For ``command`` (score, plan): a note naming the planning settings that differ from their defaults
    (:data:`~asm_xl.model.settings.PLANNING_SETTINGS`) and change nothing it shows, and where each is used
    (:data:`PLANNING_USES`); None when there is none. ``also_unused``: settings it would use, not used this run
    (plan's gain_chance_target without --target gain).

    >>> from asm_xl.model.settings import Settings
    >>> unused_settings_note(Settings(payments_growth=0.02, tfs_midpoint=55), "score")
    "note: payments_growth changes nothing score shows (used by the five-year view of generate's Actions sheets and dashboard)"
    >>> unused_settings_note(Settings(gain_chance_target=0.9, action_effort_pi=2), "plan") is None
    True
    """
    from asm_xl.model.settings import DEFAULT_SETTINGS, PLANNING_SETTINGS
    changed = [n for n in PLANNING_SETTINGS if getattr(settings, n) != getattr(DEFAULT_SETTINGS, n)
               and (command not in PLANNING_USES.get(n, _ACTIONS_USE)[0] or n in also_unused)]
    if not changed:
        return None
    uses = "; ".join(f"{n}: {PLANNING_USES.get(n, _ACTIONS_USE)[1]}" for n in changed)
    if len(changed) == 1:
        return f"note: {changed[0]} changes nothing {command} shows (used by {uses.split(': ', 1)[1]})"
    return f"note: {', '.join(changed)} change nothing {command} shows (used by {uses})"
