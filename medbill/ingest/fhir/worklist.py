"""FHIR resources -> the encounter worklist, the findings, and the skipped table.

One pass over the resources collects plain rows; joins (encounter references, payer, E/M family)
are done on the frames. Every resource read ends up in exactly one place: a worklist row, a
finding, a lookup used for names or payer (Patient, Practitioner, Organization, Coverage), a Claim
or ExplanationOfBenefit (also carried to the claims tables by :mod:`.billing`, which lists what it
cannot carry in its own skipped table), or ``skipped`` with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.ingest.fhir.billing import US_NPI, carry, npi_of, objects, payer_of
from medbill.ingest.fhir.reader import fhir_files, gc_paused, read_resources, reference_id

SYSTEMS = {
    "http://snomed.info/sct": "snomed",
    "http://loinc.org": "loinc",
    "http://hl7.org/fhir/sid/cvx": "cvx",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10cm",
    "http://www.ama-assn.org/go/cpt": "cpt",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "hcpcs",
}
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
US_NPI_SYSTEM = US_NPI.rstrip("|")
SUPPORTED = (
    "Patient",
    "Encounter",
    "Condition",
    "Procedure",
    "Immunization",
    "Practitioner",
    "Organization",
    "Coverage",
    "Claim",
    "ExplanationOfBenefit",
)
ENCOUNTER_COLUMNS = [
    "encounter_id", "patient_id", "date", "class", "type_text", "type_codes", "reason",
    "practitioner", "practitioner_npi", "organization", "payer", "em_family", "source",
]  # fmt: skip
FINDING_COLUMNS = [
    "finding_id", "encounter_id", "patient_id", "kind", "system", "code", "display", "date",
    "icd10cm_given", "source",
]  # fmt: skip
SKIPPED_COLUMNS = ["source", "resource_type", "resource_id", "reason"]

# (encounter class, words in the type text) -> E/M family; first match wins.
_EM_RULES = (
    ("EMER", "", "emergency department visit (99281-99285)"),
    ("IMP", "", "hospital inpatient visit (99221-99233)"),
    ("ACUTE", "", "hospital inpatient visit (99221-99233)"),
    ("OBSENC", "", "hospital observation (99221-99233)"),
    ("HH", "", "home visit (99341-99350)"),
    ("VR", "", "telehealth visit (98000-98015)"),
    ("AMB", "well child", "preventive visit (99381-99397)"),
    ("AMB", "general examination", "preventive visit (99381-99397)"),
    ("AMB", "check up", "preventive visit (99381-99397)"),
    ("AMB", "vaccine", "immunization only: administration codes, no E/M"),
    ("AMB", "", "office visit"),
)


def _coding(concept: Any) -> tuple[str, str, str, str]:
    """(system short name, code, display, text) of a CodeableConcept's first coding; ICD-10-CM first."""
    if not isinstance(concept, dict):
        return "", "", "", ""
    codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    codings.sort(key=lambda c: c.get("system") != ICD10CM)
    first = codings[0] if codings else {}
    system: str = first.get("system", "")
    return (
        SYSTEMS.get(system, system),
        first.get("code", ""),
        first.get("display", ""),
        concept.get("text", ""),
    )


def _day(value: Any) -> str:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else ""


def _finding(kind: str, r: dict[str, Any], where: str) -> dict[str, Any]:
    concept = r.get("vaccineCode") if kind == "immunization" else r.get("code")
    system, code, display, text = _coding(concept)
    icd = system == "icd10cm"
    when = (
        r.get("onsetDateTime")
        or (r.get("onsetPeriod") or {}).get("start")
        or r.get("recordedDate")
        or r.get("performedDateTime")
        or (r.get("performedPeriod") or {}).get("start")
        or r.get("occurrenceDateTime")
    )
    return {
        "finding_id": r.get("id", ""),
        "encounter_id": reference_id(r.get("encounter")),
        "patient_id": reference_id(r.get("subject") or r.get("patient")),
        "kind": kind,
        "system": system,
        "code": code,
        "display": display or text,
        "date": _day(when),
        "icd10cm_given": code if icd else "",
        "source": where,
    }


def _encounter(r: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The worklist row of an Encounter, and the reference of its first participant."""
    types = [_coding(t) for t in r.get("type") or []]
    individuals = (p.get("individual") for p in r.get("participant") or [] if isinstance(p, dict))
    performer: dict[str, Any] = next((i for i in individuals if isinstance(i, dict) and i), {})
    reasons = [_coding(c) for c in r.get("reasonCode") or []]
    row = {
        "encounter_id": r.get("id", ""),
        "patient_id": reference_id(r.get("subject")),
        "date": _day((r.get("period") or {}).get("start")),
        "class": (r.get("class") or {}).get("code", ""),
        "type_text": "; ".join(t[3] or t[2] for t in types),
        "type_codes": "; ".join(f"{t[0]}|{t[1]}" for t in types if t[1]),
        "reason": "; ".join(c[2] or c[3] for c in reasons),
        "practitioner": performer.get("display", ""),
        "practitioner_npi": reference_id(performer),
        "organization": (r.get("serviceProvider") or {}).get("display", ""),
        "source": where,
    }
    return row, performer


def _payers(r: dict[str, Any]) -> tuple[list[str], str]:
    """(encounter ids, payer name) of a Claim or ExplanationOfBenefit."""
    encounters = [reference_id(e) for item in objects(r.get("item")) for e in objects(item.get("encounter"))]
    return sorted(set(filter(None, encounters))), payer_of(r)[1]


def em_family(cls: pd.Series, type_text: pd.Series, established: pd.Series) -> pd.Series:
    """The E/M family an encounter's class and type suggest; office visits split new/established."""
    text = type_text.str.lower()
    family = pd.Series("", index=cls.index)
    for code, words, label in reversed(_EM_RULES):  # earlier rules overwrite later ones
        family = family.mask((cls == code) & text.str.contains(words, regex=False), label)
    office = family == "office visit"
    family[office & established] = "office visit, established patient (99212-99215)"
    family[office & ~established] = "office visit, new patient (99202-99205)"
    return family


def _established(frame: pd.DataFrame) -> pd.Series:
    """Seen in this export within three years before the encounter (the CPT new/established rule)."""
    visits = pd.DataFrame(
        {"patient": frame["patient_id"], "when": pd.to_datetime(frame["date"], errors="coerce")}
    )
    visits = visits.sort_values(["patient", "when"], kind="stable")
    gap = (visits["when"] - visits.groupby("patient")["when"].shift()).dt.days
    return gap.le(3 * 365).reindex(frame.index).fillna(False).astype(bool)


def build(path: str | Path) -> dict[str, Any]:
    """Read ``path`` and return the ``encounters``, ``findings`` and ``skipped`` frames, the claims and
    remittance tables (``billing``, a ClaimsData) with ``claims_skipped``, and counts."""
    files, ignored = fhir_files(path)
    # The parsed resources are freed when _read returns, before the collector runs again: otherwise
    # its first pass walks them all.
    with gc_paused():
        built = _read(files)
    return {**built, "files": len(files), "ignored_files": [p.name for p in ignored]}


def _read(files: Iterable[Path]) -> dict[str, Any]:
    seen = _Collected()
    for where, r, problem in _all(files):
        seen.add(where, r, problem)
    billing, claims_skipped = carry(
        seen.claims, seen.eobs, seen.patients, seen.conditions, seen.npis, seen.performers()
    )
    return {
        **_frames(seen),
        "billing": billing,
        "claims_skipped": claims_skipped,
        "resources_read": seen.read,
    }


@dataclasses.dataclass
class _Collected:
    """What one pass over the resources keeps: plain rows, and the resources the claims need."""

    encounters: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    skipped: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    patients: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    payer_of_patient: dict[str, str] = dataclasses.field(default_factory=dict)
    payer_of_encounter: dict[str, str] = dataclasses.field(default_factory=dict)
    names: dict[str, str] = dataclasses.field(default_factory=dict)  # practitioner / org id or NPI -> name
    npis: dict[str, str] = dataclasses.field(default_factory=dict)  # practitioner / org id -> NPI
    conditions: dict[str, str] = dataclasses.field(default_factory=dict)  # Condition id -> ICD-10-CM
    performer_refs: dict[str, Any] = dataclasses.field(default_factory=dict)  # Encounter id -> reference
    claims: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    eobs: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    read: int = 0

    def add(self, where: str, r: dict[str, Any] | None, problem: str) -> None:
        self.read += 1
        kind = r.get("resourceType", "") if r else ""
        if r is None:
            self.skipped.append({"source": where, "resource_type": "", "resource_id": "", "reason": problem})
        elif kind not in SUPPORTED:
            self.skipped.append(_skip(where, r, f"unsupported type {kind}"))
        elif kind == "Patient":
            self.patients[r.get("id", "")] = r
        elif kind == "Encounter":
            row, performer = _encounter(r, where)
            self.encounters.append(row)
            self.performer_refs[row["encounter_id"]] = performer
        elif kind in ("Condition", "Procedure", "Immunization"):
            row = _finding(kind.lower(), r, where)
            self.findings.append(row)
            if kind == "Condition":
                self.conditions[row["finding_id"]] = row["icd10cm_given"]
        elif kind in ("Practitioner", "Organization"):
            name = r.get("name")
            if isinstance(name, list) and name:  # Practitioner HumanName
                name = " ".join([*name[0].get("given", []), name[0].get("family", "")]).strip()
            identifiers = [i for i in r.get("identifier") or [] if isinstance(i, dict)]
            for key in [r.get("id", ""), *(i.get("value", "") for i in identifiers)]:
                self.names[key] = str(name or "")
            npi = next((i.get("value", "") for i in identifiers if i.get("system") == US_NPI_SYSTEM), "")
            if npi:
                self.npis[r.get("id", "")] = npi
        elif kind == "Coverage":
            payer = next((p.get("display", "") for p in r.get("payor") or []), "")
            self.payer_of_patient[reference_id(r.get("beneficiary"))] = payer
        else:  # Claim, ExplanationOfBenefit: carried to the claims tables, and the payer of their encounters
            (self.claims if kind == "Claim" else self.eobs).append((where, r))
            ids, payer = _payers(r)
            for encounter_id in ids:
                self.payer_of_encounter.setdefault(encounter_id, payer)

    def performers(self) -> dict[str, tuple[str, str]]:
        """Encounter id -> (NPI, name) of its first participant, where it has an NPI."""
        out = {}
        for encounter_id, ref in self.performer_refs.items():
            npi = npi_of(ref, self.npis)
            if npi:
                out[encounter_id] = (npi, ref.get("display") or self.names.get(npi, ""))
        return out


def _frames(seen: _Collected) -> dict[str, pd.DataFrame]:
    skipped = seen.skipped
    enc = pd.DataFrame(
        seen.encounters, columns=[c for c in ENCOUNTER_COLUMNS if c not in ("payer", "em_family")]
    )
    enc, bad = _require(enc, "Encounter", "date", "no date")
    skipped += bad
    if seen.patients:  # bulk exports without Patient files still load; with them, references must resolve
        enc, bad = _require_ref(enc, "Encounter", "patient_id", set(seen.patients), "Patient")
        skipped += bad
    named = enc["practitioner_npi"].map(seen.names).astype(object)
    enc["practitioner"] = (
        enc["practitioner"].where(enc["practitioner"] != "", named).where(lambda s: s.notna(), "")
    )
    payer = enc["encounter_id"].map(seen.payer_of_encounter).astype(object)
    payer = payer.where(payer.notna(), enc["patient_id"].map(seen.payer_of_patient).astype(object))
    enc["payer"] = payer.where(payer.notna(), "")
    enc["em_family"] = em_family(enc["class"], enc["type_text"], _established(enc))
    enc = enc[ENCOUNTER_COLUMNS].sort_values(["date", "encounter_id"], kind="stable").reset_index(drop=True)

    fnd = pd.DataFrame(seen.findings, columns=FINDING_COLUMNS)
    fnd, bad = _require(fnd, "Finding", "encounter_id", "no encounter reference")
    skipped += bad
    fnd, bad = _require_ref(fnd, "Finding", "encounter_id", set(enc["encounter_id"]), "Encounter")
    skipped += bad
    fnd, bad = _require(fnd, "Finding", "code", "no code")
    skipped += bad
    # A finding without its own date takes the encounter's date.
    fnd["date"] = fnd["date"].where(
        fnd["date"] != "", fnd["encounter_id"].map(enc.set_index("encounter_id")["date"])
    )
    return {
        "encounters": enc,
        "findings": fnd.reset_index(drop=True),
        "skipped": pd.DataFrame(skipped, columns=SKIPPED_COLUMNS),
    }


def _all(files: Iterable[Path]) -> Iterable[tuple[str, dict[str, Any] | None, str]]:
    for path in files:
        yield from read_resources(path)


def _skip(where: str, r: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "source": where,
        "resource_type": r.get("resourceType", ""),
        "resource_id": r.get("id", ""),
        "reason": reason,
    }


def _rows_skipped(
    frame: pd.DataFrame, mask: pd.Series, kind: str, reason: pd.Series | str
) -> list[dict[str, Any]]:
    id_col = "encounter_id" if kind == "Encounter" else "finding_id"
    types = "Encounter" if kind == "Encounter" else frame.loc[mask, "kind"].str.capitalize()
    out = pd.DataFrame(
        {
            "source": frame.loc[mask, "source"],
            "resource_type": types,
            "resource_id": frame.loc[mask, id_col],
            "reason": reason,
        }
    )
    return out.to_dict("records")


def _require(
    frame: pd.DataFrame, kind: str, column: str, reason: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    missing = frame[column].fillna("") == ""
    return frame[~missing], _rows_skipped(frame, missing, kind, reason)


def _require_ref(
    frame: pd.DataFrame, kind: str, column: str, known: set[str], target: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    missing = ~frame[column].isin(known)
    reason = "missing reference " + target + "/" + frame.loc[missing, column]
    return frame[~missing], _rows_skipped(frame, missing, kind, reason)
