"""Billing reports: parameterised notebooks (``notebooks/reports/``) run by papermill and exported
to one offline HTML page each.

- :func:`~medbill.reports.registry.list_reports` / :func:`~medbill.reports.registry.get_report` — the templates
- :func:`~medbill.reports.runner.run_report` — validate, execute, export; :func:`~medbill.reports.runner.run_default_report`
- :func:`~medbill.reports.fanout.run_each` — one report per provider (or payer), in parallel
"""

from medbill.reports.fanout import run_each
from medbill.reports.registry import get_report, list_reports
from medbill.reports.runner import ReportOutput, run_default_report, run_report

__all__ = ["ReportOutput", "get_report", "list_reports", "run_default_report", "run_each", "run_report"]
