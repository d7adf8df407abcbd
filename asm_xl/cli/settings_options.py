"""The options that choose the settings of a run (``generate``, ``demo``, ``score``): the pool
(``--pool``, ``--scaling-factor``, ``--midpoint``) and any setting (``--set NAME=VALUE``), checked when
the command line is read so that a bad one is the command's usage error, never a failure halfway."""

from __future__ import annotations

__all__ = ["pool_opts", "pool_problem", "pool_settings", "setting_pairs", "check_settings_options"]


def pool_opts(sp):
    """Add the options to a command's parser (the model's settings are imported when the parser is built,
    not when the CLI is)."""
    from asm_xl.model.settings import DEFAULT_SETTINGS
    sp.add_argument("--pool", choices=("national", "roster", "given"),
                    help="which cohort prices the scores: national (default: the national peer model, a "
                         "range over its simulated cohorts), roster (only when the roster IS the whole "
                         "cohort), given (needs --scaling-factor, e.g. from CMS's report)")
    sp.add_argument("--scaling-factor", type=float, help="the given pool's scaling factor (implies --pool given)")
    sp.add_argument("--midpoint", type=float, help="the given pool's exchange-function midpoint (default: the "
                                                   f"tfs_midpoint setting, {DEFAULT_SETTINGS.tfs_midpoint:g}; "
                                                   "with --scaling-factor only)")
    sp.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help="change a setting (README \"Assumptions\"; the workbooks' Assumptions sheets show it), "
                         "e.g. --set payments_growth=2%% --set likely_gain_chance=0.8; repeatable")
    sp.set_defaults(pool_parser=sp)  # pool_problem is said as this command's usage error


def pool_problem(args) -> str | None:
    """What is wrong with the pool options as given (None: nothing): ``--scaling-factor`` and
    ``--midpoint`` describe the given pool only, so each needs it (the factor implies it) and the
    national or roster pool takes neither; ``--pool given`` needs the factor."""
    if args.midpoint is not None and args.scaling_factor is None:
        return "--midpoint needs --scaling-factor: both describe a given pool (e.g. from CMS's report)"
    if args.scaling_factor is not None and args.pool in ("national", "roster"):
        return (f"--scaling-factor is not allowed with --pool {args.pool}: it gives the pool's factor (--pool given, "
                f"implied); the {args.pool} pool computes its own")
    if args.pool == "given" and args.scaling_factor is None:
        return "--pool given needs --scaling-factor (and optionally --midpoint), e.g. from CMS's report"
    return None


def pool_settings(args):
    """Settings the command line chose: each ``--set NAME=VALUE`` (any setting of README "Assumptions",
    a peer-model row too, its text read as the Assumptions sheet's: "2%" is 0.02), then the pool
    (``--pool``, ``--scaling-factor``, ``--midpoint``; without them, a ``--set pool=...`` or the national
    pool). Raises :class:`~asm_xl.model.errors.ASMInputError` for a setting or value not allowed (said as
    a usage error when the command line is read, as :func:`pool_problem` is)."""
    from asm_xl.model.settings import DEFAULT_SETTINGS
    settings = DEFAULT_SETTINGS.replace(**dict(setting_pairs(getattr(args, "set", None) or [])))
    given = {"given_scaling_factor": args.scaling_factor, "given_midpoint": args.midpoint}
    pool = args.pool or ("given" if args.scaling_factor is not None else None)
    if pool is None and settings.pool == DEFAULT_SETTINGS.pool:
        pool = "national"
    return settings.replace(**({"pool": pool} if pool else {}), **{k: v for k, v in given.items() if v is not None})


def setting_pairs(texts: list[str]) -> list[tuple[str, str]]:
    """(name, value text) of each ``--set NAME=VALUE``; raises ASMInputError naming one without "=".

    >>> setting_pairs(["payments_growth=2%", " likely_gain_chance = 0.8 "])
    [('payments_growth', '2%'), ('likely_gain_chance', '0.8')]
    """
    from asm_xl.model.errors import ASMInputError
    pairs = []
    for text in texts:
        name, eq, value = text.partition("=")
        if not eq or not name.strip():
            raise ASMInputError("--set", text, "NAME=VALUE, e.g. --set payments_growth=2%")
        pairs.append((name.strip(), value.strip()))
    return pairs


def check_settings_options(args) -> None:
    """Say a contradiction of the pool options (:func:`pool_problem`) or a setting or value ``--set``
    does not allow as the command's usage error (exit 2); a command without these options passes."""
    if not hasattr(args, "pool_parser"):
        return
    problem = pool_problem(args)
    if problem:
        args.pool_parser.error(problem)
    from asm_xl.model.errors import ASMInputError
    try:
        pool_settings(args)
    except ASMInputError as e:   # a setting or value not allowed
        args.pool_parser.error(str(e) if e.field == "--set" else f"--set: {e}")
