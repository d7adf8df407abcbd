"""The practice dashboard workbook (``asm_dashboard.xlsx``, beside the index): totals by cohort and
for the practice, every physician with a link to their workbook, the five-year view, the scores on
the exchange-curve band, the assumptions in force. :mod:`.data` builds the tables, :mod:`.compute`
runs the model API on a roster, :mod:`.sheets` writes them."""

from asm_xl.workbooks.dashboard.compute import DashboardNumbers, dashboard_numbers, roster_dashboard, yearly_pools
from asm_xl.workbooks.dashboard.data import Dashboard, practice_dashboard

__all__ = ["Dashboard", "DashboardNumbers", "dashboard_numbers", "practice_dashboard", "roster_dashboard",
           "yearly_pools", "write_dashboard", "DASHBOARD_NAME"]

DASHBOARD_NAME = "asm_dashboard.xlsx"


def write_dashboard(data, path):
    """Write ``data`` (a :class:`Dashboard`) to ``path`` atomically; see :mod:`.sheets`."""
    from asm_xl.workbooks.dashboard.sheets import write_dashboard as write
    return write(data, path)
