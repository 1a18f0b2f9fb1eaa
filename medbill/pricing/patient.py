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

import csv
import dataclasses
import io
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources

import numpy as np
import pandas as pd

from medbill.exceptions import DataNotAvailable, InvalidFormat
from medbill.pricing._groups import cumsum_before, group_ids
from medbill.pricing.explain import Step, steps_html, steps_table, steps_text
from medbill.refdata.store import lazy

PART_B_FILE = "medicare_part_b.csv"


@dataclasses.dataclass(frozen=True)
class PartBYear:
    """Original Medicare Part B cost sharing of one calendar year, with the CMS source."""

    year: int
    deductible: Decimal
    coinsurance: Decimal
    source: str


@lazy
def medicare_part_b_years() -> dict[int, PartBYear]:
    """The yearly Part B deductible and coinsurance (``medbill/_data/medicare_part_b.csv``)."""
    text = (resources.files("medbill") / "_data" / PART_B_FILE).read_text(encoding="utf-8")
    rows = (
        PartBYear(int(r["year"]), Decimal(r["deductible"]), Decimal(r["coinsurance"]), r["source"])
        for r in csv.DictReader(io.StringIO(text))
    )
    return {r.year: r for r in rows}


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
        """Original Medicare Part B for ``year``: the yearly deductible, then the coinsurance (20%),
        as CMS announced them (see :func:`medicare_part_b_years` for the source of each year).

        ``DataNotAvailable`` naming the years known when ``year`` is not recorded.
        """
        if isinstance(year, bool) or not isinstance(year, int):
            raise InvalidFormat(f"Medicare Part B year {year!r} must be a calendar year such as 2026.")
        known = medicare_part_b_years()
        if year not in known:
            raise DataNotAvailable(
                f"No Medicare Part B deductible is recorded for {year}; known years: "
                f"{', '.join(str(y) for y in sorted(known))} (medbill/_data/{PART_B_FILE})."
            )
        row = known[year]
        return cls(row.deductible, row.coinsurance, name=f"Medicare Part B {year}")

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
    dates = frame["service_date"]
    year = dates.dt.year.to_numpy(dtype=float, na_value=np.nan)
    patient_codes = pd.factorize(frame["patient_id"], sort=True, use_na_sentinel=False)[0]
    claim_codes = pd.factorize(frame["claim_id"], sort=True, use_na_sentinel=False)[0]
    # Date order within each patient (then claim id, then line number); only arrays are reordered.
    keys = [patient_codes, dates.to_numpy(dtype="datetime64[ns]").view(np.int64), claim_codes]
    if "line_number" in frame.columns:
        keys.append(pd.to_numeric(frame["line_number"], errors="coerce").fillna(0).to_numpy())
    order = np.lexsort(keys[::-1])
    valid = (frame["_valid"].to_numpy() & has_plan)[order]
    a = np.where(valid, frame["_allowed_cents"].to_numpy(dtype=np.int64)[order], 0)
    ded_limit, coins_bp, copay_amt, oop_max = (params[plan_codes[order], i] for i in range(4))
    person = group_ids(patient_codes[order], plan_codes[order], year[order])
    claim = group_ids(person, claim_codes[order])

    # 1. copay per claim, from the claim's first lines.
    copay = np.minimum(a, np.maximum(0, copay_amt - cumsum_before(a, claim)))
    rest = a - copay
    # 2. deductible until the year's deductible is met.
    deductible = np.minimum(rest, np.maximum(0, ded_limit - cumsum_before(rest, person)))
    # 3. coinsurance on what is left.
    coinsurance = ((rest - deductible) * coins_bp + 5_000) // 10_000
    # 4. out-of-pocket maximum on the running patient total.
    share = copay + deductible + coinsurance
    total_before = cumsum_before(share, person)
    capped = np.where(
        oop_max >= 0, np.minimum(total_before + share, oop_max) - np.minimum(total_before, oop_max), share
    )
    excess = share - capped
    cut_coins = np.minimum(coinsurance, excess)
    cut_ded = np.minimum(deductible, excess - cut_coins)
    coinsurance, deductible = coinsurance - cut_coins, deductible - cut_ded
    copay = copay - (excess - cut_coins - cut_ded)
    patient = copay + deductible + coinsurance

    columns = {
        "allowed": a,
        "copay": copay,
        "deductible": deductible,
        "coinsurance": coinsurance,
        "oop_reduction": excess,
        "patient_pays": patient,
        "payer_pays": a - patient,
        "deductible_to_date": cumsum_before(deductible, person) + deductible,
        "patient_to_date": cumsum_before(patient, person) + patient,
    }
    missing = np.empty(len(order), dtype=bool)
    missing[order] = ~valid
    out = pd.DataFrame(index=lines.index)
    for name, sorted_values in columns.items():
        values = np.empty_like(sorted_values)
        values[order] = sorted_values  # back to the input's row order
        dollars = pd.array(values, dtype="Int64").astype("Float64") / 100
        dollars[missing] = pd.NA
        out[name] = dollars
    out["year"] = pd.array(year, dtype="Int64")
    rule = np.where(~missing, 0, np.where(has_plan, 1, 2))
    out["rule"] = pd.Categorical.from_codes(
        rule, categories=["copay, deductible, coinsurance", "no allowed amount", "no benefit for this payer"]
    )
    out["patient_id"] = frame["patient_id"].array
    out["claim_id"] = frame["claim_id"].array
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
    frame = lines.copy(deep=False)
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
    if isinstance(allowed, str):
        values = frame[allowed]
    else:
        values = allowed if allowed.index.equals(frame.index) else allowed.reindex(frame.index)
    dollars = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    frame["_valid"] = np.isfinite(dollars) & (dollars >= 0) & frame["service_date"].notna().to_numpy()
    frame["_allowed_cents"] = np.where(frame["_valid"], np.round(np.nan_to_num(dollars) * 100), 0).astype(
        np.int64
    )
    return frame
