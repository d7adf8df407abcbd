"""Settings in words, as the console, the dashboard, the README's tables and a kept workbook's status say them:
a value as the Assumptions sheet writes it, the settings changed from their defaults, and where two sets differ."""

from __future__ import annotations

from asm_xl.model.settings import Settings

__all__ = ["changed_settings_text", "settings_differences", "setting_value_text"]


def changed_settings_text(settings: Settings) -> str:
    """The settings (peer-model rows too) that differ from their defaults, as the console and the
    dashboard name them: "payments_growth 0.02 (default 0.0); ..." ("none" when none differs).

    >>> changed_settings_text(Settings(payments_growth=0.02, likely_gain_chance=0.9))
    'likely_gain_chance 0.9 (default 0.666667); payments_growth 0.02 (default 0.0)'
    """
    changed = [f"{i.name} {setting_value_text(i.value)} (default {setting_value_text(i.default)})"
               for i in settings.describe() if i.value != i.default]
    return "; ".join(changed) or "none"


def settings_differences(held: Settings, run: Settings) -> str:
    """The settings (peer-model rows too) in which ``held`` (a kept workbook's) differs from ``run``
    (this run's), as a kept workbook's stale status names them ("" when none differs).

    >>> settings_differences(Settings(tfs_midpoint=55), Settings())
    'tfs_midpoint 55.0 in the file, 50.0 in this run'
    """
    ours = {i.name: i.value for i in run.describe()}
    return "; ".join(f"{i.name} {setting_value_text(i.value)} in the file, {setting_value_text(ours.get(i.name))} "
                     "in this run" for i in held.describe() if ours.get(i.name) != i.value)


def setting_value_text(v) -> str:
    """A setting's value as the table (and the console, ``--set``) shows it: as Python writes it, a float with more than six
    significant digits to six (2/3: 0.666667), a yes/no setting as the Assumptions sheet writes it (Yes / No).

    >>> setting_value_text(0.15), setting_value_text(7.0), setting_value_text(2 / 3), setting_value_text("national")
    ('0.15', '7.0', '0.666667', 'national')
    >>> setting_value_text(False), setting_value_text(""), setting_value_text(None)
    ('No', 'blank', 'None')
    """
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if v == "":   # a text setting left blank (given_source): "(default )" said nothing
        return "blank"
    if isinstance(v, float):
        short = f"{v:.6g}"
        return str(v) if float(short) == v else short
    return str(v)
