"""Billing analytics over the claims and remittance tables (docs/tables.md): pure pandas.

The report notebooks in ``notebooks/reports/`` call these functions; every figure they show is
computed here and tested against hand-computed tables.

- :mod:`~medbill.analytics.tables` — typed tables, reading a claims folder, filtering by provider/payer/period
- :mod:`~medbill.analytics.facts` — one row per claim: charges, remittance outcome, insurance and patient A/R
- :mod:`~medbill.analytics.rollup` — figures computed per partition of a partitioned dataset and combined
- :mod:`~medbill.analytics.kpis` — the KPIs with numerator, denominator, definition and rows
- :mod:`~medbill.analytics.aging` — insurance or patient A/R by age bucket
- :mod:`~medbill.analytics.denials`, :mod:`~medbill.analytics.summary`, :mod:`~medbill.analytics.payers`,
  :mod:`~medbill.analytics.coding` — the report views
- :mod:`~medbill.analytics.figures` — plotly figures and offline-safe display helpers
- :mod:`~medbill.analytics.labels` — payer and provider names, CARC/RARC text, POS names for identifiers
- :mod:`~medbill.analytics.formats` — business formats ($, %, counts, dates) and headers in words
- :mod:`~medbill.analytics.datatable` — offline tables: every row, sortable, filterable, CSV download
"""

from medbill.analytics.aging import ar_aging, open_items
from medbill.analytics.facts import claim_facts
from medbill.analytics.kpis import KPI, all_kpis, kpi_definitions, kpi_table
from medbill.analytics.tables import Tables, as_tables, filter_tables, read_dir

__all__ = [
    "KPI",
    "Tables",
    "all_kpis",
    "ar_aging",
    "as_tables",
    "claim_facts",
    "filter_tables",
    "kpi_definitions",
    "kpi_table",
    "open_items",
    "read_dir",
]
