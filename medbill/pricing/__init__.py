"""Pricing: Medicare Physician Fee Schedule to the cent, payer contracts, patient responsibility.

- :class:`FeeSchedule` (``FeeSchedule.load(2025)`` after ``medbill data import pfs DIR``):
  ``.price(code, locality, modifiers, pos, units)`` -> :class:`PriceExplanation` (Decimal amount
  and the steps), ``.price_lines(lines, locality=...)`` for a whole lines table.
- :class:`Contract`: percent of Medicare, fixed fees, carve-outs, lesser of billed charge.
- :class:`Benefit` and :func:`patient_share`: copay, deductible, coinsurance with yearly
  accumulators; :func:`explain_share` for one line's split.

Importing this package reads no data file.
"""

from medbill.pricing.contracts import Contract
from medbill.pricing.explain import PriceExplanation
from medbill.pricing.patient import Benefit, ShareExplanation, explain_share, patient_share
from medbill.pricing.pfs import FeeSchedule, price, price_lines

__all__ = [
    "Benefit",
    "Contract",
    "FeeSchedule",
    "PriceExplanation",
    "ShareExplanation",
    "explain_share",
    "patient_share",
    "price",
    "price_lines",
]
