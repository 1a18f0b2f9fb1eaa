"""The answers of worked problems, computed from their ``data`` by medbill's own functions.

The bank stores each answer; :func:`worked_problems` recomputes them and lists every difference,
so a bank can never teach a figure medbill itself would not produce. Question names say what is
asked (a trailing number lets one exercise ask the same thing twice, e.g. ``adjustment2``):

- ``remittance`` (``data.x12``: an 835; ``claim``: its claim id when it holds several):
  ``paid`` (CLP04), ``patient`` (CLP05), ``charge`` (CLP03); per line (``field: line2``)
  ``line_paid``, ``allowed`` (AMT*B6), ``adjustment`` (the largest CO/OA/PI adjustment),
  ``patient_reason`` (the largest PR adjustment) and ``remark`` (its RARC).
- ``denial`` (``data.claim``, ``data.lines``, ``data.remit``: group, carc, rarc of the denied line):
  ``action`` and ``why`` from the follow-up action table; ``corrected`` (``field: dx1`` or
  ``line1``) is verified by the scrubber: the corrected claim clears an error of the claim as sent
  and adds none.
- ``pricing`` (``data.release``, ``locality``, ``pos``, ``lines``, ``coinsurance``; ``figures``:
  the RVUs, GPCIs and CF the student is shown): ``line1``... the allowed amount of each line
  (multiple procedure reduction included), ``total``, ``patient`` (coinsurance on the total, the
  deductible met) and ``payer``. Needs the named PFS release imported (``medbill data import pfs``).
- ``kpi`` (``data``: small claims and remittance tables, ``as_of``, ``scrubber_errors``): a KPI key
  of :mod:`medbill.analytics.kpis` (``clean_claim_rate``, ``initial_denial_rate``,
  ``net_collection_rate``, ``gross_collection_rate``, ``days_in_ar``, ...).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd

from medbill.exceptions import DataNotAvailable, MedbillError
from medbill.teach.exercises import Exercise
from medbill.teach.questions import Question, canonical, close_enough

FIGURE_COLUMNS = ("work_rvu", "pe_rvu", "mp_rvu", "gpci_work", "gpci_pe", "gpci_mp", "conversion_factor")


def base_name(q: Question) -> str:
    return re.sub(r"\d+$", "", q.name)


def solve(ex: Exercise) -> dict[str, str | None]:
    """Each question's answer as medbill computes it (canonical text); ``None`` for a question
    that is verified rather than computed (a denial's correction)."""
    solver = {"remittance": _remittance, "denial": _denial, "pricing": _pricing, "kpi": _kpi}[ex.kind]
    return solver(ex)


def worked_problems(ex: Exercise) -> list[str]:
    """Every way the stored answers differ from medbill's, empty when they agree."""
    try:
        computed = solve(ex)
    except DataNotAvailable:
        raise  # a release to import, not a fault of the bank: the caller says so
    except (MedbillError, KeyError, ValueError, TypeError) as exc:
        return [f"cannot compute the answers from data: {exc}"]
    out = []
    for q in ex.questions:
        want = computed.get(q.name)
        if want is None:
            continue
        if q.answer is None or not close_enough(q, q.answer, want):
            out.append(f"question {q.name}: the bank says {q.answer}, medbill computes {want}")
    if ex.kind == "denial":
        out += _correction_problems(ex)
    if ex.kind == "pricing":
        out += _figure_problems(ex)
    return out


def _unknown(ex: Exercise, q: Question) -> ValueError:
    return ValueError(f"no {ex.kind} question is called {base_name(q)!r} (see medbill.teach.solve)")


def _line_number(q: Question) -> int:
    m = re.fullmatch(r"line(\d+)", q.field)
    if not m:
        raise ValueError(f"question {q.name} needs field: lineN (the service line it asks about)")
    return int(m[1])


def _one(rows: pd.DataFrame, what: str) -> pd.Series:
    """The first row, or ``ValueError`` naming what the data lacks."""
    if rows.empty:
        raise ValueError(f"the data has no {what}")
    return rows.iloc[0]


def _choice(q: Question, value: str) -> str:
    letters = [k for k, v in q.options.items() if v == value]
    if len(letters) != 1:
        raise ValueError(f"question {q.name}: {value!r} must be exactly one of the options")
    return letters[0]


# --- reading an 835 ----------------------------------------------------------------------------


def _remittance(ex: Exercise) -> dict[str, str | None]:
    from medbill.claims.x12 import read_835

    remit = read_835(str(ex.data["x12"]))
    claims = remit.claims
    claim_id = str(ex.data.get("claim", claims["claim_id"].iloc[0]))
    claim = _one(claims[claims["claim_id"] == claim_id], f"claim {claim_id} in the 835")
    adj = remit.adjustments[remit.adjustments["claim_id"] == claim_id]
    out: dict[str, str | None] = {}
    for q in ex.questions:
        name = base_name(q)
        if name in ("paid", "patient", "charge"):
            column = {"paid": "paid", "patient": "patient_responsibility", "charge": "charge"}[name]
            out[q.name] = canonical(q, claim[column])
            continue
        line = _line_number(q)
        on_line = adj[adj["line_number"] == line]
        lines = remit.lines
        svc = _one(lines[(lines["claim_id"] == claim_id) & (lines["line_number"] == line)], f"line {line}")
        if name in ("line_paid", "allowed"):
            out[q.name] = canonical(q, svc["paid" if name == "line_paid" else "allowed"])
        elif name in ("adjustment", "patient_reason"):
            picked = on_line[on_line["group"].eq("PR") == (name == "patient_reason")]
            top = _one(
                picked.sort_values("amount", ascending=False, kind="stable"),
                f"such adjustment on line {line}",
            )
            out[q.name] = canonical(q, f"{top['group']}-{top['reason']}")
        elif name == "remark":
            remarks = remit.remarks
            on = remarks[(remarks["claim_id"] == claim_id) & (remarks["line_number"] == line)]
            out[q.name] = _choice(q, str(_one(on, f"remark on line {line}")["code"]))
        else:
            raise _unknown(ex, q)
    return out


# --- working a denial --------------------------------------------------------------------------


def _denial(ex: Exercise) -> dict[str, str | None]:
    from medbill.followup import resolve

    r = ex.data["remit"]
    rule = resolve(
        pd.Series([str(r["group"])]), pd.Series([str(r["carc"])]), pd.Series([str(r.get("rarc", ""))])
    )
    action, key = str(rule["action"].iloc[0]), str(rule["rule"].iloc[0])
    out: dict[str, str | None] = {}
    for q in ex.questions:
        name = base_name(q)
        if name == "action":
            out[q.name] = _choice(q, action)
        elif name == "why":
            out[q.name] = _choice(q, key)
        elif name == "corrected":
            out[q.name] = None  # verified by the scrubber in _correction_problems
        else:
            raise _unknown(ex, q)
    return out


def claim_tables(ex: Exercise, fix: tuple[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The denial's claim as medbill's claims and lines tables; ``fix`` = (field, canonical value)
    puts a corrected diagnosis (``dx1``) or service line (``line1``) in place."""
    claim = dict(ex.data["claim"])
    dx = list(claim.pop("dx"))
    lines = [dict(line) for line in ex.data["lines"]]
    if fix is not None:
        field, value = fix
        if field.startswith("dx"):
            dx[int(field[2:]) - 1] = value
        else:
            code, *mods = value.split("x")[0].split("-")
            units = int(value.split("x")[1]) if "x" in value else 1
            lines[int(field[4:]) - 1].update(procedure_code=code, modifiers=mods, units=units)
    claims = pd.DataFrame(
        [
            {
                "claim_id": "EX1",
                "patient_id": "P1",
                "payer_id": "PAYER",
                "member_id": "M1",
                "billing_npi": "1234567893",
                "rendering_npi": "1234567893",
                **claim,
                **{f"dx{i}": code for i, code in enumerate(dx, 1)},
            }
        ]
    )
    rows = []
    for n, line in enumerate(lines, 1):
        mods = list(line.get("modifiers") or [])
        rows.append(
            {
                "claim_id": "EX1",
                "line_number": n,
                "service_date": pd.Timestamp(ex.date_of_service),
                "procedure_code": str(line["procedure_code"]),
                **{f"modifier{i}": m for i, m in enumerate(mods, 1)},
                "units": float(line.get("units", 1)),
                "charge": float(line["charge"]),
                "dx_pointers": str(line.get("dx_pointers", "A")),
            }
        )
    return claims, pd.DataFrame(rows)


def _errors(ex: Exercise, fix: tuple[str, str] | None = None) -> set[tuple[str, str]]:
    from medbill.edits import scrub

    claims, lines = claim_tables(ex, fix)
    found = scrub(claims, lines, as_of=ex.date_of_service).findings
    errors = found[found["severity"] == "error"]
    return set(zip(errors["rule_id"], errors["line_number"].astype("string").fillna(""), strict=True))


def _correction_problems(ex: Exercise) -> list[str]:
    out = []
    before = _errors(ex)
    for q in ex.questions:
        if base_name(q) != "corrected" or q.answer is None:
            continue
        after = _errors(ex, (q.field, q.answer))
        if not before - after:
            out.append(f"question {q.name}: the claim as sent and with {q.answer} fail the same edits")
        if after - before:
            new = ", ".join(sorted(rule for rule, _ in after - before))
            out.append(f"question {q.name}: {q.answer} makes the claim fail {new}")
    return out


# --- pricing a claim ---------------------------------------------------------------------------


def _priced(ex: Exercise) -> pd.DataFrame:
    from medbill.pricing import FeeSchedule

    schedule = FeeSchedule.for_date(ex.date_of_service)
    if schedule.release != ex.data["release"]:
        raise ValueError(
            f"the exercise names PFS {ex.data['release']}, but {schedule.release} is in effect on {ex.date_of_service}"
        )
    lines = pd.DataFrame(
        [
            {
                "claim_id": "EX1",
                "service_date": pd.Timestamp(ex.date_of_service),
                "procedure_code": str(line["procedure_code"]),
                **{f"modifier{i}": m for i, m in enumerate(line.get("modifiers") or [], 1)},
                "units": int(line.get("units", 1)),
            }
            for line in ex.data["lines"]
        ]
    )
    return schedule.price_lines(lines, str(ex.data["locality"]), str(ex.data.get("pos", "11")))


def _pricing(ex: Exercise) -> dict[str, str | None]:
    from medbill.pricing import Benefit, patient_share

    priced = _priced(ex)
    allowed = priced["allowed"].astype(float)
    visit = pd.DataFrame(
        {"claim_id": ["EX1"], "patient_id": ["P1"], "service_date": [pd.Timestamp(ex.date_of_service)]}
    )
    benefit = Benefit(
        deductible=Decimal(0), coinsurance=Decimal(str(ex.data["coinsurance"])), copay=Decimal(0)
    )
    share = patient_share(visit.assign(allowed=round(allowed.sum(), 2)), benefit).iloc[0]
    out: dict[str, str | None] = {}
    for q in ex.questions:
        name = base_name(q)
        if name == "line":
            out[q.name] = canonical(q, allowed.iloc[int(q.name[4:]) - 1])
        elif name == "total":
            out[q.name] = canonical(q, round(allowed.sum(), 2))
        elif name in ("patient", "payer"):
            out[q.name] = canonical(q, share["patient_pays" if name == "patient" else "payer_pays"])
        else:
            raise _unknown(ex, q)
    return out


def _figure_problems(ex: Exercise) -> list[str]:
    """The RVUs, GPCIs and CF shown to the student are the release's."""
    priced = _priced(ex)
    shown = ex.data.get("figures") or []
    if len(shown) != len(priced):
        return [f"figures has {len(shown)} row(s) for {len(priced)} line(s)"]
    out = []
    for n, (row, (_, used)) in enumerate(zip(shown, priced.iterrows(), strict=True), 1):
        for column in FIGURE_COLUMNS:
            if Decimal(str(row[column])) != Decimal(str(used[column])):
                out.append(
                    f"figures line {n}: {column} {row[column]} is {used[column]} in {ex.data['release']}"
                )
    return out


# --- computing a KPI ---------------------------------------------------------------------------

KPI_TABLES = ("claims", "lines", "payers", "remit_claims", "remit_adjustments", "remit_payments")


def kpi_tables(ex: Exercise) -> dict[str, pd.DataFrame]:
    """The exercise's tables as DataFrames (only those it gives)."""
    return {name: pd.DataFrame(ex.data[name]) for name in KPI_TABLES if name in ex.data}


# KPIs over the claims of the period (the exercise's tables are the period)
PERIOD_KPIS = (
    "initial_denial_rate",
    "gross_collection_rate",
    "net_collection_rate",
    "denial_write_off_pct",
    "first_pass_resolution_rate",
    "charge_lag",
    "payment_lag",
)


def _kpi(ex: Exercise) -> dict[str, str | None]:
    from medbill.analytics import kpis
    from medbill.analytics.tables import as_tables

    tables = as_tables(kpi_tables(ex))
    as_of = date.fromisoformat(str(ex.data["as_of"]))
    errors = pd.DataFrame({"claim_id": [str(c) for c in ex.data.get("scrubber_errors") or []]})
    errors = errors.assign(severity="error", rule_id="given")
    out: dict[str, str | None] = {}
    for q in ex.questions:
        name = base_name(q)
        if name == "clean_claim_rate":
            kpi = kpis.clean_claim_rate(tables, errors)
        elif name == "days_in_ar":
            kpi = kpis.days_in_ar(tables, as_of=as_of, lookback_days=int(ex.data.get("lookback_days", 90)))
        elif name == "ar_over_90_pct":
            kpi = kpis.ar_over_90_pct(tables, as_of=as_of)
        elif name in PERIOD_KPIS:
            kpi = getattr(kpis, name)(tables)
        else:
            raise _unknown(ex, q)
        if kpi.value is None:
            raise ValueError(f"question {q.name}: {kpi.name} has no value on these tables (denominator 0)")
        out[q.name] = canonical(q, round(kpi.value * 100 if kpi.unit == "percent" else kpi.value, 1))
    return out
