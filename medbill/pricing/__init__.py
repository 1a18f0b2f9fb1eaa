"""Pricing: Medicare Physician Fee Schedule to the cent, payer contracts, patient responsibility.

- :class:`FeeSchedule`, one quarterly RVU release (``FeeSchedule.for_date(day)`` or
  ``FeeSchedule.load("RVU25D")`` after ``medbill data import pfs DIR``):
  ``.price(code, locality, modifiers, pos, units, qp=...)`` -> :class:`PriceExplanation` (Decimal
  amount and the steps); :func:`price_lines` prices a whole lines table, each line with the release
  in effect on its date of service (lines no release covers are not priced and say why).
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
