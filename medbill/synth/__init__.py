"""A synthetic practice: realistic, seeded claims and remittances at any scale.

``generate(lines=N, seed=S, start=..., end=...)`` draws one multi-specialty practice (providers with
valid NPIs, a patient panel, Medicare / Medicaid / commercial / self-pay payers), its encounters
with coherent diagnosis-procedure combinations, the claims (some carrying defects a scrubber
catches), the payers' answers as remittance tables, and the A/R state as of ``end``. Same arguments,
same tables, byte for byte once written. No real patient is in it.

Everything is drawn in numpy arrays from template tables (``medbill/_data/synth_*.csv``); the
modules: :mod:`~medbill.synth.practice` (who), :mod:`~medbill.synth.encounters` (what was done),
:mod:`~medbill.synth.defects` (what went wrong), :mod:`~medbill.synth.adjudication` (what the payers
paid), :mod:`~medbill.synth.patient_pay` (what the patients paid), :mod:`~medbill.synth.ar` (what is
still owed).
"""

from __future__ import annotations

import dataclasses
import numbers
from datetime import date

import numpy as np
import pandas as pd

from medbill.claims.tables import DX_COLUMNS, MODIFIER_COLUMNS, ClaimsData
from medbill.exceptions import MedbillError
from medbill.synth import adjudication, defects
from medbill.synth.ar import ar_state
from medbill.synth.encounters import (
    ChargeMaster,
    Scenarios,
    assign_em_codes,
    draw_encounters,
    expand_lines,
    keep_and_sort,
    take_lines,
)
from medbill.synth.patient_pay import patient_payments
from medbill.synth.practice import build_practice

__all__ = ["DEFAULT_END", "DEFAULT_SEED", "DEFAULT_START", "SynthData", "SynthParameterError", "generate"]

# The committed sample (data/sample) uses these: service dates inside ICD-10-CM FY2026.
DEFAULT_SEED = 20251001
DEFAULT_START = date(2025, 10, 1)
DEFAULT_END = date(2026, 6, 30)
_LINES_PER_ENCOUNTER_FLOOR = 1.5  # sizes the first draw; a second draw covers the rare shortfall
_ENCOUNTERS_PER_PATIENT = 4


class SynthParameterError(MedbillError, ValueError):
    message = "The synthetic practice cannot be generated with these parameters."


@dataclasses.dataclass
class SynthData(ClaimsData):
    """The claims and remittance tables, plus ``ar`` (A/R state per claim as of the end date) and
    ``truth`` (per claim: the scenario drawn and the defect planted, for checking scrubbers)."""

    ar: pd.DataFrame | None = None
    truth: pd.DataFrame | None = None


def _working_days(start: date, end: date) -> np.ndarray:
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    return days[((days.astype(np.int64) + 3) % 7) < 5]


def _dates(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[ns]"))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return pd.Series(numbers).astype(str).str.zfill(width).radd(prefix).to_numpy(dtype=object)


def generate(
    lines: int = 5000, seed: int = DEFAULT_SEED, start: date = DEFAULT_START, end: date = DEFAULT_END
) -> SynthData:
    """Generate a practice with exactly ``lines`` service lines, visits from ``start`` to ``end``."""
    if not isinstance(lines, numbers.Integral) or isinstance(lines, bool) or lines < 1:
        raise SynthParameterError(f"lines must be a positive whole number, got {lines!r}")
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        raise SynthParameterError(f"need start <= end as dates, got start={start!r} end={end!r}")
    days = _working_days(start, end)
    if len(days) == 0:
        raise SynthParameterError(
            f"no working day (Monday-Friday) between {start} and {end}; widen the range"
        )

    rng = np.random.default_rng(seed)
    lines = int(lines)
    cm = ChargeMaster.load()
    sc = Scenarios.load(cm)
    n_draw = int(lines / _LINES_PER_ENCOUNTER_FLOOR) + 50
    practice = build_practice(rng, max(40, n_draw // _ENCOUNTERS_PER_PATIENT), start)
    enc = draw_encounters(rng, practice, sc, n_draw, days)
    ln, per_encounter = expand_lines(rng, enc, sc)
    if per_encounter.sum() < lines:  # every encounter has a line, so ``lines`` encounters suffice
        enc = draw_encounters(rng, practice, sc, lines, days)
        ln, per_encounter = expand_lines(rng, enc, sc)
    ln, n_claims = take_lines(ln, per_encounter, lines)
    enc, ln = keep_and_sort(rng, enc, ln, n_claims, practice, days[0], days[-1])
    assign_em_codes(rng, ln, enc, practice, cm)

    payers = practice.payers
    payer = practice.payer[enc.patient]
    payer_kind = payers["kind"].to_numpy()[payer]
    dx = np.where(enc.dx >= 0, sc.dx_vocab[np.maximum(enc.dx, 0)], "").astype(object)
    member_id = practice.member_id[enc.patient].copy()
    modifier = ln.modifier.astype(object)
    pointer = ln.pointer.astype(object)
    late_possible = enc.service_day <= adjudication.latest_late_service_day(payers, payer, end)
    planted = defects.ClaimArrays(
        dx=dx,
        member_id=member_id,
        injury=sc.kind[enc.scenario] == "injury",
        header_variant=sc.header_variant[enc.scenario],
        payer_billed=payer_kind != "selfpay",
        late_possible=late_possible,
        line_claim=ln.encounter,
        line_modifier=modifier,
        line_pointer=pointer,
        line_is_em=np.isin(cm.category[ln.code], ["em_new", "em_established"]),
    )
    defect, bundled = defects.plant(rng, planted)

    claim_ids = _ids("C", np.arange(1, n_claims + 1), 8)
    c = adjudication.Claims(
        claim_id=claim_ids,
        payer=payer,
        patient=enc.patient,
        service_day=enc.service_day,
        primary_care=np.isin(sc.group[enc.scenario], ["primary_care", "pediatrics"]),
        defect=defect,
    )
    charge = np.round(cm.charge[ln.code] * ln.units, 2)
    procedure = cm.codes[ln.code]
    sent = adjudication.submission_days(
        rng, c, payers, end, defect == defects.DEFECTS.index("late_submission")
    )
    remits = adjudication.adjudicate(
        rng,
        c,
        adjudication.ClaimLines(
            claim=ln.encounter,
            line_number=ln.line_number,
            code=ln.code,
            units=ln.units,
            charge=charge,
            bundled=bundled,
            procedure=procedure,
            modifier=modifier,
        ),
        payers,
        cm.reference_allowed,
        cm.category,
        cm.necessity_denial_rate,
        sent,
        end,
    )
    remits["remit_payments"]["payee_npi"] = practice.billing_npi

    patients = practice.patients
    npi = practice.clinician_npi
    claims = pd.DataFrame(
        {
            "claim_id": claim_ids,
            "patient_id": patients["patient_id"].to_numpy()[enc.patient],
            "patient_birth_date": patients["birth_date"].to_numpy()[enc.patient],
            "patient_sex": patients["sex"].to_numpy()[enc.patient],
            "payer_id": payers["payer_id"].to_numpy()[payer],
            "member_id": member_id,
            "subscriber_relationship": "18",
            "billing_npi": practice.billing_npi,
            "rendering_npi": npi[enc.clinician],
            "referring_npi": np.where(enc.referring >= 0, npi[np.maximum(enc.referring, 0)], ""),
            "place_of_service": "11",
            "claim_frequency": "1",
            "submitted_date": _dates(sent),
            **{col: (dx[:, i] if i < dx.shape[1] else "") for i, col in enumerate(DX_COLUMNS)},
        }
    )
    line_days = enc.service_day[ln.encounter]
    lines_df = pd.DataFrame(
        {
            "claim_id": claim_ids[ln.encounter],
            "line_number": ln.line_number,
            "service_date": _dates(line_days),
            "service_date_to": _dates(line_days),
            "procedure_code": procedure,
            "modifier1": modifier,
            **{col: "" for col in MODIFIER_COLUMNS[1:]},
            "units": ln.units.astype(float),
            "charge": charge,
            "dx_pointers": pointer,
        }
    )
    bundled_line = pd.Series(ln.line_number[bundled], index=ln.encounter[bundled]).reindex(range(n_claims))
    truth = pd.DataFrame(
        {
            "claim_id": claim_ids,
            "scenario": sc.table["scenario"].to_numpy()[enc.scenario],
            "defect": np.array(defects.DEFECTS, dtype=object)[defect],
            "bundled_line": bundled_line.astype("Int64").to_numpy(),
        }
    )
    data = SynthData(
        claims=claims,
        lines=lines_df,
        patients=patients,
        providers=practice.providers,
        payers=payers[
            [
                "payer_id",
                "name",
                "kind",
                "claim_filing_indicator",
                "address1",
                "city",
                "state",
                "zip",
                "timely_filing_days",
                "appeal_days",
            ]
        ],
        truth=truth,
        **remits,
    )
    visit_line = np.isin(cm.category[ln.code], ["em_new", "em_established"])
    has_visit = np.zeros(n_claims, dtype=bool)
    np.logical_or.at(has_visit, ln.encounter, visit_line)
    data.patient_payments = patient_payments(seed, data, payers, c.primary_care, has_visit, end)
    data.ar = ar_state(data, end)
    return data
