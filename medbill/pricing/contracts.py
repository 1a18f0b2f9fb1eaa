"""Payer contracts: what a payer should allow for each line and each claim.

A line's contract rate comes from the first method that has one:

1. a per-code **carve-out** (a fixed amount per unit that overrides the rest of the contract);
2. the contract's **fixed fee schedule** (amount per unit by code, or by ``code-modifier`` such as
   ``71046-26`` which wins over the plain code);
3. a **percent of Medicare** (of the PFS allowed amount of the line, rounded to the cent).

With **lesser of billed charge** (the usual clause) the expected allowed amount is the lower of
that rate and the line's charge. Lines with no rate keep an NA amount and say why.
Money is computed in integer cents, rounding half up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from medbill.exceptions import InvalidFormat

BASIS_CARVE_OUT = "carve-out"
BASIS_FEE_SCHEDULE = "fee schedule"
BASIS_MEDICARE = "percent of Medicare"
BASIS_NONE = "no contract rate"


def _to_cents(value: object, what: str) -> int:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise InvalidFormat(f"{what} {value!r} is not an amount in dollars.") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidFormat(f"{what} {value!r} must be a dollar amount of zero or more.")
    return int((amount * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


@dataclasses.dataclass(frozen=True)
class Contract:
    """One payer contract. Amounts are dollars per unit; ``percent_of_medicare`` is e.g. 120."""

    name: str
    percent_of_medicare: Decimal | None = None
    fee_schedule: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)
    carve_outs: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)
    lesser_of_billed: bool = True

    def __post_init__(self) -> None:
        if self.percent_of_medicare is not None:
            pct = Decimal(str(self.percent_of_medicare))
            if not pct.is_finite() or pct <= 0 or pct != pct.quantize(Decimal("0.01")):
                raise InvalidFormat(
                    f"percent_of_medicare {self.percent_of_medicare!r} must be a positive percent with "
                    "at most two decimals, e.g. 120 or 112.5."
                )
        # Validate once; ``_cents`` keeps the rates as integer cents for the batch path.
        cents = {
            "fee": {_key(k): _to_cents(v, f"fee for {k}") for k, v in self.fee_schedule.items()},
            "carve": {_key(k): _to_cents(v, f"carve-out for {k}") for k, v in self.carve_outs.items()},
        }
        object.__setattr__(self, "_cents", cents)

    @classmethod
    def from_fee_table(cls, name: str, table: pd.DataFrame, **kwargs: Any) -> Contract:
        """A contract whose fee schedule is a table with ``code`` (or ``code-mod``) and ``amount``."""
        missing = {"code", "amount"} - set(table.columns)
        if missing:
            raise InvalidFormat(f"The fee table needs columns code and amount; missing {sorted(missing)}.")
        return cls(name, fee_schedule=dict(zip(table["code"], table["amount"], strict=True)), **kwargs)

    def expected_allowed(self, lines: pd.DataFrame, medicare: pd.DataFrame | None = None) -> pd.DataFrame:
        """Expected allowed amount per line (same index as ``lines``).

        ``lines`` follows docs/tables.md (``procedure_code``, ``modifier1``, ``units``, ``charge``).
        ``medicare`` is ``FeeSchedule.price_lines(lines, ...)`` for the same rows; it is needed
        only for percent-of-Medicare contracts. Columns: ``basis``, ``rate`` (contract amount
        before the lesser-of clause), ``charge``, ``expected_allowed``, ``lesser_of_applied``, ``rule``.
        """
        if "procedure_code" not in lines.columns:
            raise InvalidFormat("The lines table has no procedure_code column (see docs/tables.md).")
        n = len(lines)
        units = (
            pd.to_numeric(lines["units"], errors="coerce").fillna(1).to_numpy(dtype=float)
            if "units" in lines.columns
            else np.ones(n)
        )
        units_int = np.where((units >= 1) & (units == np.floor(units)), units, 1).astype(np.int64)
        code = lines["procedure_code"].astype("string").str.strip().str.upper().fillna("")
        mod = (
            lines["modifier1"].astype("string").str.strip().str.upper().fillna("")
            if "modifier1" in lines.columns
            else pd.Series("", index=lines.index, dtype="string")
        )
        with_mod = (code + "-" + mod).where(mod != "", code)
        rate = np.full(n, -1, dtype=np.int64)
        basis = np.full(n, BASIS_NONE, dtype=object)
        cents: dict[str, dict[str, int]] = self._cents  # type: ignore[attr-defined]

        for label, table in ((BASIS_CARVE_OUT, cents["carve"]), (BASIS_FEE_SCHEDULE, cents["fee"])):
            if not table:
                continue
            per_unit = with_mod.map(table).fillna(code.map(table)).to_numpy(dtype=float, na_value=np.nan)
            hit = ~np.isnan(per_unit) & (rate < 0)
            rate[hit] = per_unit[hit].astype(np.int64) * units_int[hit]
            basis[hit] = label
        if self.percent_of_medicare is not None:
            if medicare is None or "allowed_cents" not in medicare.columns:
                raise InvalidFormat(
                    f"Contract {self.name!r} pays a percent of Medicare: pass medicare=FeeSchedule.price_lines(lines, ...)."
                )
            base = medicare["allowed_cents"].reindex(lines.index).to_numpy(dtype=float, na_value=np.nan)
            bp = int(Decimal(str(self.percent_of_medicare)) * 100)
            hit = ~np.isnan(base) & (rate < 0)
            rate[hit] = (base[hit].astype(np.int64) * bp + 5_000) // 10_000
            basis[hit] = BASIS_MEDICARE

        if "charge" in lines.columns:
            charge = pd.to_numeric(lines["charge"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        else:
            charge = np.full(n, np.nan)
        charge_cents = np.where(np.isnan(charge), -1, np.round(charge * 100)).astype(np.int64)
        lesser = self.lesser_of_billed & (rate >= 0) & (charge_cents >= 0) & (charge_cents < rate)
        allowed = np.where(lesser, charge_cents, rate)
        rule = np.where(
            basis == BASIS_NONE,
            "no carve-out, fee or Medicare basis for this code",
            np.where(lesser, basis + "; lesser of billed charge", basis),
        )
        return pd.DataFrame(
            {
                "basis": pd.Categorical(
                    basis, categories=[BASIS_CARVE_OUT, BASIS_FEE_SCHEDULE, BASIS_MEDICARE, BASIS_NONE]
                ),
                "rate": _dollars(rate),
                "charge": charge,
                "expected_allowed": _dollars(allowed),
                "lesser_of_applied": lesser,
                "rule": pd.Categorical(rule),
            },
            index=lines.index,
        )

    def expected_allowed_by_claim(
        self, lines: pd.DataFrame, medicare: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Per claim: lines, lines with a rate, and the expected allowed total (sum of rated lines)."""
        if "claim_id" not in lines.columns:
            raise InvalidFormat("The lines table has no claim_id column (see docs/tables.md).")
        per_line = self.expected_allowed(lines, medicare)
        frame = per_line.assign(claim_id=lines["claim_id"].to_numpy())
        grouped = frame.groupby("claim_id", sort=True, observed=True)
        return pd.DataFrame(
            {
                "lines": grouped.size(),
                "rated_lines": grouped["expected_allowed"].count(),
                "charge": grouped["charge"].sum(min_count=1),
                "expected_allowed": grouped["expected_allowed"].sum(),
            }
        ).reset_index()


def _key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidFormat(f"Contract code {key!r} must be a code such as '99213' or '71046-26'.")
    return key.strip().upper()


def _dollars(cents: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Cents (-1 = none) -> Float64 dollars with NA."""
    values = pd.array(cents, dtype="Int64")
    values[cents < 0] = pd.NA
    return values.astype("Float64") / 100
