"""Patient responsibility: copay, deductible and coinsurance with yearly accumulators.

For each patient, plan (payer) and calendar year of service, lines are taken in date order
(then claim, then line number) and each line's allowed amount is split:

1. **copay**: a fixed amount per claim (visit), taken from the claim's first lines up to their
   allowed amounts; it does not count toward the deductible;
2. **deductible**: what is left of the line goes to the deductible until the year's deductible
   is met (the accumulator carries across the patient's claims);
3. **coinsurance**: the patient's percent of the rest, rounded to the cent half up;
4. **out-of-pocket maximum** (optional): once the patient's year total reaches it, the payer pays
   the rest (coinsurance is forgiven first, then deductible, then copay);

and the payer pays allowed minus the patient's share. The batch path is vectorised: running
totals are ``groupby().cumsum()`` over integer cents.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from medbill.exceptions import InvalidFormat
from medbill.pricing.explain import Step, steps_html, steps_table, steps_text

# Medicare Part B: 20% coinsurance after the yearly deductible (CMS announcements per year).
MEDICARE_PART_B_DEDUCTIBLE = {2024: Decimal("240.00"), 2025: Decimal("257.00")}
MEDICARE_PART_B_COINSURANCE = Decimal("0.20")


def _decimal(value: object, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise InvalidFormat(f"{what} {value!r} is not a number.") from None


def _cents(value: object, what: str) -> int:
    amount = _decimal(value, what)
    if not amount.is_finite() or amount < 0:
        raise InvalidFormat(f"{what} {value!r} must be a dollar amount of zero or more.")
    return int((amount * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


@dataclasses.dataclass(frozen=True)
class Benefit:
    """A plan's cost sharing. Dollars; ``coinsurance`` is the patient's fraction (0.20 = 20%)."""

    deductible: Decimal = Decimal("0")
    coinsurance: Decimal = Decimal("0")
    copay: Decimal = Decimal("0")
    out_of_pocket_max: Decimal | None = None
    name: str = ""

    def __post_init__(self) -> None:
        coins = _decimal(self.coinsurance, "coinsurance")
        if not coins.is_finite() or not 0 <= coins <= 1 or coins != coins.quantize(Decimal("0.0001")):
            raise InvalidFormat(
                f"coinsurance {self.coinsurance!r} must be a fraction from 0 to 1, e.g. 0.20."
            )
        for what in ("deductible", "copay", "out_of_pocket_max"):
            value = getattr(self, what)
            if value is not None:
                _cents(value, what)

    @classmethod
    def medicare_part_b(cls, year: int) -> Benefit:
        """Original Medicare Part B for ``year``: the yearly deductible, then 20% coinsurance."""
        if year not in MEDICARE_PART_B_DEDUCTIBLE:
            known = ", ".join(str(y) for y in sorted(MEDICARE_PART_B_DEDUCTIBLE))
            raise InvalidFormat(f"No Medicare Part B deductible recorded for {year}; known: {known}.")
        return cls(
            MEDICARE_PART_B_DEDUCTIBLE[year], MEDICARE_PART_B_COINSURANCE, name=f"Medicare Part B {year}"
        )

    @property
    def _ints(self) -> tuple[int, int, int, int]:
        """(deductible cents, coinsurance in 1/10000, copay cents, OOP max cents or -1)."""
        oop = -1 if self.out_of_pocket_max is None else _cents(self.out_of_pocket_max, "out_of_pocket_max")
        coins = int(Decimal(str(self.coinsurance)) * 10_000)
        return _cents(self.deductible, "deductible"), coins, _cents(self.copay, "copay"), oop


SHARE_COLUMNS = [
    "allowed", "copay", "deductible", "coinsurance", "oop_reduction", "patient_pays", "payer_pays",
    "deductible_to_date", "patient_to_date", "year",
]  # fmt: skip


def patient_share(
    lines: pd.DataFrame,
    benefits: Benefit | Mapping[str, Benefit],
    *,
    allowed: str | pd.Series = "allowed",
    claims: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split each line's allowed amount between patient and payer (same index as ``lines``).

    ``lines`` needs ``claim_id``, ``service_date`` and the allowed amount (a column name or a
    Series aligned on the index, e.g. ``FeeSchedule.price_lines(...)["allowed"]``); ``patient_id``
    and, when ``benefits`` is a mapping by payer, ``payer_id`` come from ``lines`` or from
    ``claims``. Lines without an allowed amount or a benefit get NA shares, never dropped.
    """
    frame = _prepare(lines, allowed, claims, benefits)
    if isinstance(benefits, Benefit):
        plans = {"": benefits}
        plan = pd.Series("", index=frame.index)
    else:
        plans = dict(benefits)
        plan = frame["payer_id"].astype("string").fillna("")
    plan_codes, plan_names = pd.factorize(plan)
    params = np.array(
        [plans[p]._ints if p in plans else (0, 0, 0, -1) for p in plan_names] + [(0, 0, 0, -1)],
        dtype=np.int64,
    )
    has_plan = np.array([p in plans for p in plan_names] + [False])[plan_codes]
    ded_limit, coins_bp, copay_amt, oop_max = (params[plan_codes, i] for i in range(4))

    amount = frame["_allowed_cents"].to_numpy(dtype=np.int64)
    valid = frame["_valid"].to_numpy() & has_plan
    a = np.where(valid, amount, 0)
    year = frame["service_date"].dt.year.to_numpy()
    person = pd.MultiIndex.from_arrays(
        [frame["patient_id"].astype("string").fillna(""), plan, year]
    ).factorize()[0]
    claim = pd.MultiIndex.from_arrays([person, frame["claim_id"].astype("string").fillna("")]).factorize()[0]

    # 1. copay per claim, from the claim's first lines.
    before_in_claim = _cumsum_before(a, claim)
    copay = np.minimum(a, np.maximum(0, copay_amt - before_in_claim))
    rest = a - copay
    # 2. deductible until the year's deductible is met.
    before_in_year = _cumsum_before(rest, person)
    deductible = np.minimum(rest, np.maximum(0, ded_limit - before_in_year))
    # 3. coinsurance on what is left.
    coinsurance = ((rest - deductible) * coins_bp + 5_000) // 10_000
    # 4. out-of-pocket maximum on the running patient total.
    share = copay + deductible + coinsurance
    total_before = _cumsum_before(share, person)
    total_after = total_before + share
    capped = np.where(
        oop_max >= 0, np.minimum(total_after, oop_max) - np.minimum(total_before, oop_max), share
    )
    excess = share - capped
    cut_coins = np.minimum(coinsurance, excess)
    cut_ded = np.minimum(deductible, excess - cut_coins)
    cut_copay = excess - cut_coins - cut_ded
    coinsurance, deductible, copay = coinsurance - cut_coins, deductible - cut_ded, copay - cut_copay
    patient = copay + deductible + coinsurance

    out = pd.DataFrame(
        {
            "allowed": a,
            "copay": copay,
            "deductible": deductible,
            "coinsurance": coinsurance,
            "oop_reduction": excess,
            "patient_pays": patient,
            "payer_pays": a - patient,
            "deductible_to_date": _cumsum_before(deductible, person) + deductible,
            "patient_to_date": _cumsum_before(patient, person) + patient,
        },
        index=frame.index,
    )
    out = out.astype("Float64") / 100
    out.loc[~valid, :] = pd.NA
    out["year"] = pd.array(year, dtype="Int64")
    out["rule"] = np.where(
        valid,
        "copay, deductible, coinsurance",
        np.where(has_plan, "no allowed amount", "no benefit for this payer"),
    )
    out["patient_id"] = frame["patient_id"].to_numpy()
    out["claim_id"] = frame["claim_id"].to_numpy()
    out = out.iloc[np.argsort(frame["_pos"].to_numpy())]  # back to the input's row order
    out.index = lines.index
    return out


def explain_share(shares: pd.DataFrame, index: object, benefit: Benefit) -> ShareExplanation:
    """Step-by-step payer/patient split of one line of ``patient_share``'s result."""
    row = shares.loc[index]
    dollars = {
        k: (None if pd.isna(row[k]) else Decimal(str(row[k])).quantize(Decimal("0.01")))
        for k in SHARE_COLUMNS[:-1]
    }
    if dollars["allowed"] is None:
        return ShareExplanation(str(row["claim_id"]), [Step("allowed amount", str(row["rule"]), "")])
    before_ded = dollars["deductible_to_date"] - dollars["deductible"]
    before_total = dollars["patient_to_date"] - dollars["patient_pays"]
    after_copay = dollars["allowed"] - dollars["copay"]
    steps = [
        Step("allowed amount", "what the payer allows for the line", f"{dollars['allowed']}"),
        Step(
            "copay", f"{benefit.copay} per visit, taken from the visit's first lines", f"{dollars['copay']}"
        ),
        Step(
            "deductible",
            f"{benefit.deductible} a year; {before_ded} met before this line; from {after_copay}",
            f"{dollars['deductible']}",
        ),
        Step(
            "coinsurance",
            f"{(Decimal(str(benefit.coinsurance)) * 100).normalize():f}% of {after_copay - dollars['deductible']}",
            f"{dollars['coinsurance']}",
        ),
    ]
    if benefit.out_of_pocket_max is not None:
        steps.append(
            Step(
                "out-of-pocket maximum",
                f"{benefit.out_of_pocket_max} a year; patient paid {before_total} before this line",
                f"{-dollars['oop_reduction']}" if dollars["oop_reduction"] else "0.00",
            )
        )
    steps += [
        Step("patient pays", "copay + deductible + coinsurance", f"{dollars['patient_pays']}"),
        Step("payer pays", "allowed - patient pays", f"{dollars['payer_pays']}"),
    ]
    return ShareExplanation(f"{row['patient_id']} claim {row['claim_id']}", steps)


@dataclasses.dataclass(frozen=True)
class ShareExplanation:
    """The payer/patient split of one line, step by step (``.table``, text, notebook HTML)."""

    title: str
    steps: list[Step]

    @property
    def table(self) -> pd.DataFrame:
        return steps_table(self.steps)

    def __str__(self) -> str:
        return steps_text(self.title, self.steps, "")

    def _repr_html_(self) -> str:
        return steps_html(self.title, self.steps, "")


def _prepare(
    lines: pd.DataFrame, allowed: str | pd.Series, claims: pd.DataFrame | None, benefits: object
) -> pd.DataFrame:
    if not isinstance(lines, pd.DataFrame):
        raise InvalidFormat(f"patient_share needs a DataFrame of lines, not {type(lines).__name__}.")
    frame = lines.copy()
    needed = ["patient_id"] + ([] if isinstance(benefits, Benefit) else ["payer_id"])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        if claims is None or "claim_id" not in frame.columns:
            raise InvalidFormat(f"The lines need {missing} or a claims table to take them from.")
        lookup = claims.drop_duplicates("claim_id").set_index("claim_id")
        for col in missing:
            if col not in lookup.columns:
                raise InvalidFormat(f"Neither lines nor claims have a {col} column.")
            frame[col] = frame["claim_id"].map(lookup[col])
    for col in ("claim_id", "service_date"):
        if col not in frame.columns:
            raise InvalidFormat(f"The lines table has no {col} column (see docs/tables.md).")
    frame["service_date"] = pd.to_datetime(frame["service_date"], errors="coerce")
    values = frame[allowed] if isinstance(allowed, str) else allowed.reindex(frame.index)
    dollars = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    frame["_valid"] = np.isfinite(dollars) & (dollars >= 0) & frame["service_date"].notna().to_numpy()
    frame["_allowed_cents"] = np.where(frame["_valid"], np.round(np.nan_to_num(dollars) * 100), 0).astype(
        np.int64
    )
    frame["_pos"] = np.arange(len(frame))
    order = ["patient_id", "service_date", "claim_id"] + (
        ["line_number"] if "line_number" in frame.columns else []
    )
    return frame.sort_values(order, kind="stable", na_position="last")


def _cumsum_before(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running total within each group of everything before the row (rows are in date order)."""
    running = pd.Series(values).groupby(groups).cumsum().to_numpy()
    return running - values
