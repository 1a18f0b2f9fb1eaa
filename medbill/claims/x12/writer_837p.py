"""X12 837P (005010X222A1) writer.

One interchange (ISA/IEA) with one functional group (GS/GE) holding one or more transactions
(ST/SE, at most ``max_claims_per_transaction`` claims each, 5,000 being the guide's recommendation).
Inside a transaction the hierarchy is billing provider (HL 20) -> subscriber (HL 22) -> patient
(HL 23, only when the patient is not the subscriber). Consecutive claims sharing a billing provider
(and subscriber) share its HL, so claim order is preserved and ``read_837p`` returns the claims in
the order given.

medbill's own pre-write checks refuse what the guide requires but pyx12 lets through (a billing
provider without an NPI, tax id or 9-digit ZIP; a patient without an address): see
:func:`check_claims`.

The hot path builds strings with joins; there is no per-segment object.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from medbill.claims.models import DX_LETTERS, Address, Claim, Patient, Provider
from medbill.claims.x12.tokenizer import Separators
from medbill.exceptions import X12Error
from medbill.refdata import npi

VERSION = "005010X222A1"
# Characters medbill allows in names and addresses: they can never be separators.
_TEXT_PUNCTUATION = set(" .,'&()/#@!?%+=-")


@dataclasses.dataclass(frozen=True)
class Submitter:
    """Loop 1000A: who sends the file (usually the billing service or provider) and a contact."""

    name: str
    id: str  # ETIN assigned by the receiver; also ISA06 / GS02
    contact_name: str
    phone: str  # 10 digits

    def __post_init__(self) -> None:
        if not self.name or not self.id:
            raise X12Error(f"submitter name {self.name!r} and id {self.id!r} are required")
        if not (self.phone.isdigit() and len(self.phone) == 10):
            raise X12Error(f"submitter phone {self.phone!r} must be 10 digits")

    @classmethod
    def from_provider(cls, provider: Provider) -> Submitter:
        """The billing provider submits for itself (its NPI as submitter id, its phone as contact)."""
        if not provider.phone:
            raise X12Error(
                f"billing provider {provider.npi} has no phone for the submitter contact (PER); "
                "give one in providers.phone or pass a Submitter"
            )
        return cls(provider.last_name, provider.npi or "UNKNOWN", "BILLING OFFICE", provider.phone)


@dataclasses.dataclass(frozen=True)
class Receiver:
    """Loop 1000B: who receives the file (the payer or a clearinghouse); ``id`` is also ISA08 / GS03."""

    name: str
    id: str


@functools.lru_cache(maxsize=65536)  # amounts and dates repeat across claims: format each once
def _fmt_amount(value: Decimal) -> str:
    """X12 R type: no needless trailing zeros ("100", "40.5", "12.34")."""
    text = f"{value:.2f}"
    if text.endswith(".00"):
        return text[:-3]
    return text[:-1] if text.endswith("0") else text


@functools.lru_cache(maxsize=4096)
def _fmt_units(value: Decimal) -> str:
    text = f"{value:.3f}".rstrip("0")
    return text[:-1] if text.endswith(".") else text


@functools.lru_cache(maxsize=65536)
def _d8(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def check_claims(claims: Sequence[Claim]) -> list[str]:
    """What medbill refuses to write (beyond the models' own validation), as readable messages."""
    problems = []
    npi_ok: dict[str, bool] = {}  # the same providers recur on most claims: check each NPI once
    for claim in claims:
        who = f"claim {claim.claim_id}"
        billing = claim.billing_provider
        if not billing.npi:
            problems.append(
                f"{who}: billing provider {billing.last_name!r} has no NPI (2010AA NM109 is required)"
            )
        if not billing.tax_id:
            problems.append(
                f"{who}: billing provider {billing.npi or billing.last_name} has no tax id (2010AA REF*EI/SY)"
            )
        if billing.address is None:
            problems.append(
                f"{who}: billing provider {billing.npi or billing.last_name} has no address (2010AA N3/N4)"
            )
        elif len(billing.address.zip) != 9:
            problems.append(
                f"{who}: billing provider ZIP {billing.address.zip!r} must have 9 digits (ZIP+4) on an 837P (2010AA N403)"
            )
        if claim.patient.address is None:
            problems.append(f"{who}: patient {claim.patient.last_name} has no address (2010BA/2010CA N3/N4)")
        for provider, role in _providers(claim):
            if role in ("rendering", "referring", "line rendering") and not provider.npi:
                problems.append(f"{who}: {role} provider {provider.last_name!r} has no NPI")
                continue
            valid = npi_ok.get(provider.npi) if provider.npi else True
            if valid is None:
                valid = npi_ok[provider.npi] = npi.is_valid(provider.npi)
            if not valid:
                problems.append(f"{who}: {role} provider NPI {provider.npi!r} fails its check digit")
    return problems


def _providers(claim: Claim) -> Iterator[tuple[Provider, str]]:
    yield claim.billing_provider, "billing"
    if claim.rendering_provider is not None:
        yield claim.rendering_provider, "rendering"
    if claim.referring_provider is not None:
        yield claim.referring_provider, "referring"
    for line in claim.lines:
        if line.rendering_provider is not None:
            yield line.rendering_provider, "line rendering"
    if claim.service_facility is not None and claim.service_facility.npi:
        facility = claim.service_facility
        yield Provider(npi=facility.npi, last_name=facility.name), "service facility"


def write_837p(
    claims: Iterable[Claim],
    *,
    submitter: Submitter | None = None,
    receiver: Receiver | None = None,
    separators: Separators | None = None,
    control_number: int = 1,
    created: datetime | None = None,
    usage: str = "P",
    max_claims_per_transaction: int = 5000,
) -> str:
    """The 837P interchange for ``claims`` as text.

    ``submitter`` defaults to the first claim's billing provider, ``receiver`` to its payer;
    ``control_number`` is ISA13/GS06 (1 to 999,999,999); ``usage`` is ``P`` production or ``T`` test.
    Raises X12Error listing every problem found by :func:`check_claims`.
    """
    return "".join(
        _parts(
            claims,
            submitter,
            receiver,
            separators,
            control_number,
            created,
            usage,
            max_claims_per_transaction,
        )
    )


def write_837p_file(
    claims: Iterable[Claim],
    path: str | os.PathLike,
    *,
    submitter: Submitter | None = None,
    receiver: Receiver | None = None,
    separators: Separators | None = None,
    control_number: int = 1,
    created: datetime | None = None,
    usage: str = "P",
    max_claims_per_transaction: int = 5000,
) -> int:
    """Write the 837P for ``claims`` to ``path`` one transaction at a time (memory holds one
    transaction's text, not the file's); returns the bytes written. Nothing is written when a
    pre-write check fails."""
    parts = _parts(
        claims, submitter, receiver, separators, control_number, created, usage, max_claims_per_transaction
    )
    first = next(parts)  # runs every check before the file is created
    written = 0
    with open(path, "w", encoding="ascii", newline="") as out:
        written += out.write(first)
        for text in parts:
            written += out.write(text)
    return written


def _parts(
    claims: Iterable[Claim],
    submitter: Submitter | None,
    receiver: Receiver | None,
    separators: Separators | None,
    control_number: int,
    created: datetime | None,
    usage: str,
    max_claims_per_transaction: int,
) -> Iterator[str]:
    """The interchange as text pieces: ISA+GS, each transaction, GE+IEA (checks run before the first)."""
    claims = list(claims)
    if not claims:
        raise X12Error("no claims to write")
    problems = check_claims(claims)
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise X12Error("cannot write the 837P: " + "; ".join(problems[:10]) + more)
    sep = separators or Separators()
    if _TEXT_PUNCTUATION & {sep.element, sep.component, sep.repetition, sep.segment}:
        raise X12Error(
            f"separators {sep} collide with characters allowed in names and addresses ({''.join(sorted(_TEXT_PUNCTUATION))})"
        )
    if not 1 <= control_number <= 999_999_999:
        raise X12Error(f"control number {control_number} must be between 1 and 999999999")
    if usage not in ("P", "T"):
        raise X12Error(f"usage {usage!r} must be 'P' (production) or 'T' (test)")
    submitter = submitter or Submitter.from_provider(claims[0].billing_provider)
    receiver = receiver or Receiver(claims[0].subscriber.payer.name, claims[0].subscriber.payer.payer_id)
    now = created or datetime.now()
    e, c = sep.element, sep.component
    ccyymmdd, hhmm = now.strftime("%Y%m%d"), now.strftime("%H%M")
    out: list[str] = [
        e.join(
            [
                "ISA",
                "00",
                " " * 10,
                "00",
                " " * 10,
                "ZZ",
                f"{submitter.id[:15]:<15}",
                "ZZ",
                f"{receiver.id[:15]:<15}",
                ccyymmdd[2:],
                hhmm,
                sep.repetition,
                "00501",
                f"{control_number:09d}",
                "0",
                usage,
                c,
            ]
        ),
        e.join(["GS", "HC", submitter.id, receiver.id, ccyymmdd, hhmm, str(control_number), "X", VERSION]),
    ]
    t = sep.segment
    yield t.join(out) + t
    transactions = 0
    for start in range(0, len(claims), max_claims_per_transaction):
        transactions += 1
        out = []
        batch = claims[start : start + max_claims_per_transaction]
        _write_transaction(out, batch, transactions, submitter, receiver, sep, ccyymmdd, hhmm, control_number)
        yield t.join(out) + t
    yield f"GE{e}{transactions}{e}{control_number}{t}IEA{e}1{e}{control_number:09d}{t}"


def _name(e: str, code: str, who: Provider | Patient, qualifier: str = "", ident: str = "") -> str:
    if isinstance(who, Provider):
        kind, first, middle = who.entity_type, who.first_name, ""
    else:
        kind, first, middle = "1", who.first_name, who.middle_name
    parts = ["NM1", code, kind, who.last_name, first, middle, "", "", qualifier if ident else "", ident]
    return e.join(parts).rstrip(e)


def _address(out: list[str], e: str, address: Address) -> None:
    out.append(e.join(("N3", address.line1, address.line2)).rstrip(e))
    out.append(e.join(("N4", address.city, address.state, address.zip)))


def _write_transaction(
    out: list[str],
    claims: Sequence[Claim],
    number: int,
    submitter: Submitter,
    receiver: Receiver,
    sep: Separators,
    ccyymmdd: str,
    hhmm: str,
    control_number: int,
) -> None:
    e, c = sep.element, sep.component
    first = len(out)
    st_control = f"{number:04d}"
    out.append(e.join(("ST", "837", st_control, VERSION)))
    out.append(e.join(("BHT", "0019", "00", f"{control_number}{number:04d}", ccyymmdd, hhmm, "CH")))
    out.append(e.join(("NM1", "41", "2", submitter.name, "", "", "", "", "46", submitter.id)))
    out.append(e.join(("PER", "IC", submitter.contact_name, "TE", submitter.phone)))
    out.append(e.join(("NM1", "40", "2", receiver.name, "", "", "", "", "46", receiver.id)))
    hl = 0
    billing_hl = subscriber_hl = 0
    last_billing: Provider | None = None
    last_subscriber: tuple | None = None
    for claim in claims:
        billing = claim.billing_provider
        if billing != last_billing:
            hl += 1
            billing_hl, last_billing, last_subscriber = hl, billing, None
            out.append(f"HL{e}{hl}{e}{e}20{e}1")
            if billing.taxonomy:
                out.append(f"PRV{e}BI{e}PXC{e}{billing.taxonomy}")
            out.append(_name(e, "85", billing, "XX", billing.npi))
            _address(out, e, billing.address)  # type: ignore[arg-type]  # check_claims guarantees it
            out.append(f"REF{e}{billing.tax_id_type}{e}{billing.tax_id}")
        sub = claim.subscriber
        is_self = sub.relationship == "18"
        key = (sub, claim.patient if is_self else None)
        if key != last_subscriber:
            hl += 1
            subscriber_hl, last_subscriber = hl, key
            out.append(f"HL{e}{hl}{e}{billing_hl}{e}22{e}{'0' if is_self else '1'}")
            out.append(
                e.join(
                    (
                        "SBR",
                        sub.payer_responsibility,
                        "18" if is_self else "",
                        sub.group_number,
                        "",
                        "",
                        "",
                        "",
                        "",
                        sub.payer.claim_filing_indicator,
                    )
                )
            )
            person = claim.patient if is_self else sub.person
            out.append(_name(e, "IL", person, "MI", sub.member_id))  # type: ignore[arg-type]
            if person.address is not None:  # type: ignore[union-attr]
                _address(out, e, person.address)  # type: ignore[union-attr]
            if person.birth_date is not None:  # type: ignore[union-attr]
                out.append(f"DMG{e}D8{e}{_d8(person.birth_date)}{e}{person.sex}")  # type: ignore[union-attr]
            payer = sub.payer
            out.append(e.join(("NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.payer_id)))
            if payer.address is not None:
                _address(out, e, payer.address)
        if not is_self:
            hl += 1
            patient = claim.patient
            out.append(f"HL{e}{hl}{e}{subscriber_hl}{e}23{e}0")
            out.append(f"PAT{e}{sub.relationship}")
            out.append(_name(e, "QC", patient))
            _address(out, e, patient.address)  # type: ignore[arg-type]
            out.append(f"DMG{e}D8{e}{_d8(patient.birth_date)}{e}{patient.sex}")
        _write_claim(out, claim, e, c)
    out.append(f"SE{e}{len(out) - first + 1}{e}{st_control}")


def _write_claim(out: list[str], claim: Claim, e: str, c: str) -> None:
    related = ""
    if claim.accident_code:
        related = f"{claim.accident_code}{c}{c}{c}{claim.accident_state}".rstrip(c)
    out.append(
        e.join(
            (
                "CLM",
                claim.claim_id,
                _fmt_amount(claim.charge),
                "",
                "",
                f"{claim.place_of_service}{c}B{c}{claim.frequency}",
                "Y" if claim.provider_signature else "N",
                claim.assignment,
                "Y" if claim.benefits_assigned else "N",
                claim.release_of_information,
                "",
                related,
            )
        ).rstrip(e)
    )
    if claim.onset_date is not None:
        out.append(f"DTP{e}431{e}D8{e}{_d8(claim.onset_date)}")
    if claim.accident_date is not None:
        out.append(f"DTP{e}439{e}D8{e}{_d8(claim.accident_date)}")
    if claim.prior_authorization:
        out.append(f"REF{e}G1{e}{claim.prior_authorization}")
    if claim.original_claim_ref:
        out.append(f"REF{e}F8{e}{claim.original_claim_ref}")
    icd10 = claim.dx_code_set == "ICD10"
    principal, other = ("ABK", "ABF") if icd10 else ("BK", "BF")
    out.append(
        e.join(
            ["HI", *(f"{principal if i == 0 else other}{c}{code}" for i, code in enumerate(claim.diagnoses))]
        )
    )
    if claim.referring_provider is not None:
        out.append(_name(e, "DN", claim.referring_provider, "XX", claim.referring_provider.npi))
    rendering = claim.rendering_provider
    if rendering is not None:
        out.append(_name(e, "82", rendering, "XX", rendering.npi))
        if rendering.taxonomy:
            out.append(f"PRV{e}PE{e}PXC{e}{rendering.taxonomy}")
    facility = claim.service_facility
    if facility is not None:
        out.append(
            e.join(
                ("NM1", "77", "2", facility.name, "", "", "", "", "XX" if facility.npi else "", facility.npi)
            ).rstrip(e)
        )
        _address(out, e, facility.address)
    for line in claim.lines:
        out.append(f"LX{e}{line.line_number}")
        procedure = c.join(("HC", line.procedure_code, *line.modifiers))
        pointers = c.join(str(DX_LETTERS.index(p) + 1) for p in line.dx_pointers)
        out.append(
            e.join(
                (
                    "SV1",
                    procedure,
                    _fmt_amount(line.charge),
                    line.unit_code,
                    _fmt_units(line.units),
                    line.place_of_service,
                    "",
                    pointers,
                )
            )
        )
        if line.service_date_to != line.service_date:
            out.append(f"DTP{e}472{e}RD8{e}{_d8(line.service_date)}-{_d8(line.service_date_to)}")
        else:
            out.append(f"DTP{e}472{e}D8{e}{_d8(line.service_date)}")
        out.append(f"REF{e}6R{e}{line.line_number}")
        if line.ndc:
            out.append(f"LIN{e}{e}N4{e}{line.ndc}")
            out.append(f"CTP{e}{e}{e}{e}{_fmt_units(line.units)}{e}UN")
        if line.rendering_provider is not None:
            out.append(_name(e, "82", line.rendering_provider, "XX", line.rendering_provider.npi))
            if line.rendering_provider.taxonomy:
                out.append(f"PRV{e}PE{e}PXC{e}{line.rendering_provider.taxonomy}")
