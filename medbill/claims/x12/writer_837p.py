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
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from medbill.claims.models import DX_LETTERS, Address, Claim, KeptSegment, Patient, Provider, ServiceLine
from medbill.claims.x12.interchange import check_options, isa_segment
from medbill.claims.x12.tokenizer import Separators
from medbill.exceptions import X12Error
from medbill.refdata import npi

VERSION = "005010X222A1"
# Characters medbill allows in names and addresses: they can never be separators.
_TEXT_PUNCTUATION = set(" .,'&()/#@!?%+=-")
_HEADER_TEXT = re.compile(r"[A-Za-z0-9 .,'&()/#@!?%+=\-]+")


@dataclasses.dataclass(frozen=True)
class Submitter:
    """Loop 1000A: who sends the file (usually the billing service or provider) and a contact."""

    name: str
    id: str  # ETIN assigned by the receiver; also ISA06 / GS02
    contact_name: str
    phone: str  # 10 digits

    def __post_init__(self) -> None:
        _element("submitter name", self.name, 60)
        _element("submitter id", self.id, 80)
        _element("submitter contact name", self.contact_name, 60)
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

    def __post_init__(self) -> None:
        _element("receiver name", self.name, 60)
        _element("receiver id", self.id, 80)


def _element(field: str, value: object, max_len: int) -> None:
    """Refuse a header field that is empty, too long, or holds characters that could be X12 separators."""
    if not isinstance(value, str) or not value.strip():
        raise X12Error(f"{field} {value!r} is required (text)")
    if len(value) > max_len or not _HEADER_TEXT.fullmatch(value):
        raise X12Error(
            f"{field} {value[:80]!r} must be at most {max_len} letters, digits, spaces or .,'&()/#- "
            "(X12 separators such as * ~ : ^ would corrupt the file)"
        )


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


def faithfulness_problems(claims: Sequence[Claim]) -> list[str]:
    """Claims read from a file whose content the writer cannot send back (``Claim.not_carried``)."""
    return [
        f"claim {claim.claim_id} cannot be written as it was read: {reason}"
        for claim in claims
        for reason in claim.not_carried
    ]


def check_claims(claims: Sequence[Claim]) -> list[str]:
    """What medbill refuses to write (beyond the models' own validation), as readable messages."""
    problems = faithfulness_problems(claims)
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
        for line in claim.lines:
            if line.ndc and (line.ndc_quantity is None or not line.ndc_unit):
                problems.append(
                    f"{who}: line {line.line_number} NDC {line.ndc} needs ndc_quantity and ndc_unit "
                    "(CTP04/CTP05: the drug quantity, not the service units)"
                )
        # 5010 allows a referring provider without an NPI (identified by REF*1G/G2 in loop 2310A).
        for provider, role in _providers(claim):
            if role in ("rendering", "line rendering") and not provider.npi:
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
    checks: bool = True,
) -> str:
    """The 837P interchange for ``claims`` as text.

    ``submitter`` defaults to the first claim's billing provider, ``receiver`` to its payer;
    ``control_number`` is ISA13/GS06 (1 to 999,999,999); ``usage`` is ``P`` production or ``T`` test.
    Raises X12Error listing every problem found by :func:`check_claims`. ``checks=False`` skips
    medbill's own policies (NPI check digits, 9-digit billing ZIP ...) to send a file's claims back as
    they were read; a claim that cannot be written faithfully (``Claim.not_carried``) is refused always.
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
            checks,
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
    checks: bool = True,
) -> int:
    """Write the 837P for ``claims`` to ``path`` one transaction at a time (memory holds one
    transaction's text, not the file's); returns the bytes written. Nothing is written when a
    pre-write check fails."""
    parts = _parts(
        claims,
        submitter,
        receiver,
        separators,
        control_number,
        created,
        usage,
        max_claims_per_transaction,
        checks,
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
    checks: bool,
) -> Iterator[str]:
    """The interchange as text pieces: ISA+GS, each transaction, GE+IEA (checks run before the first)."""
    claims = list(claims)
    if not claims:
        raise X12Error("no claims to write")
    problems = check_claims(claims) if checks else faithfulness_problems(claims)
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise X12Error("cannot write the 837P: " + "; ".join(problems[:10]) + more)
    sep = separators or Separators()
    if _TEXT_PUNCTUATION & {sep.element, sep.component, sep.repetition, sep.segment}:
        raise X12Error(
            f"separators {sep} collide with characters allowed in names and addresses ({''.join(sorted(_TEXT_PUNCTUATION))})"
        )
    check_options(control_number, usage)
    submitter = submitter or Submitter.from_provider(claims[0].billing_provider)
    receiver = receiver or Receiver(claims[0].subscriber.payer.name, claims[0].subscriber.payer.payer_id)
    now = created or datetime.now()
    e = sep.element
    ccyymmdd, hhmm = now.strftime("%Y%m%d"), now.strftime("%H%M")
    out: list[str] = [
        isa_segment(sep, submitter.id, receiver.id, now, control_number, usage),
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
        kind, first, middle = who.entity_type, who.first_name, who.middle_name
    else:
        kind, first, middle = "1", who.first_name, who.middle_name
    parts = ["NM1", code, kind, who.last_name, first, middle, "", "", qualifier if ident else "", ident]
    return e.join(parts).rstrip(e)


def _address(out: list[str], e: str, address: Address) -> None:
    out.append(e.join(("N3", address.line1, address.line2)).rstrip(e))
    out.append(e.join(("N4", address.city, address.state, address.zip)))


def _kept_text(segment: KeptSegment, sep: Separators) -> str:
    """A kept segment in the interchange's separators; refused when its data holds one of them."""
    if sep == _DEFAULT_SEPARATORS:
        return segment.text
    taken = {sep.element, sep.component, sep.repetition, sep.segment}
    elements = []
    for element in segment.text.split("*"):
        repeats = []
        for repeat in element.split("^"):
            components = repeat.split(":")
            if any(taken & set(piece) for piece in components):
                raise X12Error(
                    f"kept segment {segment.text[:40]!r} holds one of the separators {sep}; "
                    "write it with the default separators"
                )
            repeats.append(sep.component.join(components))
        elements.append(sep.repetition.join(repeats))
    return sep.element.join(elements)


def _kept(out: list[str], kept: tuple[KeptSegment, ...], loops: Sequence[str], sep: Separators) -> None:
    out.extend(_kept_text(k, sep) for k in kept if k.loop in loops)


def _ranked(order: dict[str, int], ranks: dict[str, dict[str, int]], e: str, text: str) -> tuple[int, int]:
    """Sort key of a flat 2300/2400 segment: the guide's segment order, then its qualifier order."""
    sid, _, rest = text.partition(e)
    qualifier = rest.split(e, 1)[0]
    return order.get(sid, len(order)), ranks.get(sid, {}).get(qualifier, 99)


def _flat(
    out: list[str],
    modelled: list[str],
    kept: tuple[KeptSegment, ...],
    loop: str,
    sep: Separators,
    order: dict[str, int],
    ranks: dict[str, dict[str, int]],
) -> None:
    """The segments of a loop without sub-loops, modelled and kept, in the guide's order."""
    segments = modelled + [_kept_text(k, sep) for k in kept if k.loop == loop]
    out.extend(sorted(segments, key=lambda text: _ranked(order, ranks, sep.element, text)))


def _enumerated(*names: str) -> dict[str, int]:
    return {name: index for index, name in enumerate(names)}


_ORDER_2300 = _enumerated(
    "CLM", "DTP", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP"
)
_RANKS_2300 = {
    "DTP": _enumerated(
        "431", "454", "304", "453", "439", "484", "455", "471", "314", "360", "361", "297", "296", "435",
        "096", "090", "091", "444", "050",
    ),
    "REF": _enumerated("4N", "F5", "EW", "9F", "G1", "F8", "X4", "9A", "9C", "LX", "D9", "EA", "P4", "1J"),
}  # fmt: skip
_ORDER_2400 = _enumerated(
    "LX", "SV1", "SV5", "PWK", "CR1", "CR3", "CRC", "DTP", "QTY", "MEA", "CN1", "REF", "AMT", "K3", "NTE",
    "PS1", "HCP",
)  # fmt: skip
_RANKS_2400 = {
    "DTP": _enumerated(
        "472", "471", "607", "463", "461", "304", "738", "739", "011", "455", "454", "441", "484", "150", "151",
    ),
    "REF": _enumerated("9B", "9D", "G1", "6R", "EW", "X4", "F4", "BT"),
}  # fmt: skip
_DEFAULT_SEPARATORS = Separators()


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
    e = sep.element
    first = len(out)
    st_control = f"{number:04d}"
    out.append(e.join(("ST", "837", st_control, VERSION)))
    out.append(e.join(("BHT", "0019", "00", f"{control_number}{number:04d}", ccyymmdd, hhmm, "CH")))
    out.append(e.join(("NM1", "41", "2", submitter.name, "", "", "", "", "46", submitter.id)))
    out.append(e.join(("PER", "IC", submitter.contact_name, "TE", submitter.phone)))
    out.append(e.join(("NM1", "40", "2", receiver.name, "", "", "", "", "46", receiver.id)))
    hl = 0
    billing_hl = subscriber_hl = 0
    last_billing: tuple | None = None
    last_subscriber: tuple | None = None
    for claim in claims:
        billing = _billing_key(claim)
        if billing != last_billing:
            hl += 1
            billing_hl, last_billing, last_subscriber = hl, billing, None
            out.append(f"HL{e}{hl}{e}{e}20{e}1")
            _write_billing(out, claim, sep)
        is_self = claim.is_self
        key = _subscriber_key(claim)
        if key != last_subscriber:
            hl += 1
            subscriber_hl, last_subscriber = hl, key
            out.append(f"HL{e}{hl}{e}{billing_hl}{e}22{e}{'0' if is_self else '1'}")
            _write_subscriber(out, claim, sep)
        if not is_self:
            hl += 1
            out.append(f"HL{e}{hl}{e}{subscriber_hl}{e}23{e}0")
            _write_patient(out, claim, sep)
        _write_claim(out, claim, sep)
    out.append(f"SE{e}{len(out) - first + 1}{e}{st_control}")


_BILLING_LOOPS = ("2000A", "2010AA", "2010AB", "2010AC")
_SUBSCRIBER_LOOPS = ("2000B", "2010BA", "2010BB")


def _billing_key(claim: Claim) -> tuple:
    """Claims share a billing provider HL when all of loops 2000A-2010AC would be written the same."""
    return (
        claim.billing_provider,
        claim.pay_to_address,
        tuple(k for k in claim.kept if k.loop in _BILLING_LOOPS),
    )


def _subscriber_key(claim: Claim) -> tuple:
    return (
        claim.subscriber,
        claim.patient if claim.is_self else None,
        tuple(k for k in claim.kept if k.loop in _SUBSCRIBER_LOOPS),
    )


def claim_segments(claim: Claim, sep: Separators = _DEFAULT_SEPARATORS) -> list[str]:
    """Every segment the writer sends for ``claim`` below the HL segments (loops 2000A to 2440, HL
    excluded), as :mod:`medbill.claims.x12.fidelity` compares them with what was read."""
    out: list[str] = []
    _write_billing(out, claim, sep)
    _write_subscriber(out, claim, sep)
    if not claim.is_self:
        _write_patient(out, claim, sep)
    _write_claim(out, claim, sep)
    return out


def _write_billing(out: list[str], claim: Claim, sep: Separators) -> None:
    e = sep.element
    billing = claim.billing_provider
    if billing.taxonomy:
        out.append(f"PRV{e}BI{e}PXC{e}{billing.taxonomy}")
    _kept(out, claim.kept, ("2000A",), sep)
    out.append(_name(e, "85", billing, "XX", billing.npi))
    if billing.address is not None:  # check_claims refuses a billing provider without one
        _address(out, e, billing.address)
    if billing.tax_id:
        out.append(f"REF{e}{billing.tax_id_type}{e}{billing.tax_id}")
    _kept(out, claim.kept, ("2010AA",), sep)
    if claim.pay_to_address is not None:
        out.append(f"NM1{e}87{e}2")
        _address(out, e, claim.pay_to_address)
    _kept(out, claim.kept, ("2010AB", "2010AC"), sep)


def _write_subscriber(out: list[str], claim: Claim, sep: Separators) -> None:
    e = sep.element
    sub = claim.subscriber
    is_self = claim.is_self
    out.append(
        e.join(
            (
                "SBR",
                sub.payer_responsibility,
                "18" if is_self else "",
                sub.group_number,
                sub.group_name,
                sub.insurance_type,
                "",
                "",
                "",
                sub.payer.claim_filing_indicator,
            )
        )
    )
    _kept(out, claim.kept, ("2000B",), sep)
    person = claim.patient if is_self else sub.person
    assert person is not None  # Subscriber guarantees a person unless the patient is the subscriber
    out.append(_name(e, "IL", person, "MI", sub.member_id))
    if person.address is not None:
        _address(out, e, person.address)
    if person.birth_date is not None:
        out.append(f"DMG{e}D8{e}{_d8(person.birth_date)}{e}{person.sex}")
    _kept(out, claim.kept, ("2010BA",), sep)
    payer = sub.payer
    out.append(e.join(("NM1", "PR", "2", payer.name, "", "", "", "", payer.id_qualifier, payer.payer_id)))
    if payer.address is not None:
        _address(out, e, payer.address)
    _kept(out, claim.kept, ("2010BB",), sep)


def _write_patient(out: list[str], claim: Claim, sep: Separators) -> None:
    e = sep.element
    patient = claim.patient
    out.append(f"PAT{e}{claim.subscriber.relationship}")
    _kept(out, claim.kept, ("2000C",), sep)
    out.append(_name(e, "QC", patient))
    if patient.address is not None:  # check_claims refuses a patient without one
        _address(out, e, patient.address)
    out.append(f"DMG{e}D8{e}{_d8(patient.birth_date)}{e}{patient.sex}")
    _kept(out, claim.kept, ("2010CA",), sep)


def _write_claim(out: list[str], claim: Claim, sep: Separators) -> None:
    e, c = sep.element, sep.component
    related = ""
    if claim.accident_code:
        related = f"{claim.accident_code}{c}{c}{c}{claim.accident_state}".rstrip(c)
    header = [
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
                claim.patient_signature_source,
                related,
            )
        ).rstrip(e)
    ]
    if claim.onset_date is not None:
        header.append(f"DTP{e}431{e}D8{e}{_d8(claim.onset_date)}")
    if claim.accident_date is not None:
        header.append(f"DTP{e}439{e}D8{e}{_d8(claim.accident_date)}")
    if claim.prior_authorization:
        header.append(f"REF{e}G1{e}{claim.prior_authorization}")
    if claim.original_claim_ref:
        header.append(f"REF{e}F8{e}{claim.original_claim_ref}")
    icd10 = claim.dx_code_set == "ICD10"
    principal, other = ("ABK", "ABF") if icd10 else ("BK", "BF")
    header.append(
        e.join(
            ["HI", *(f"{principal if i == 0 else other}{c}{code}" for i, code in enumerate(claim.diagnoses))]
        )
    )
    _flat(out, header, claim.kept, "2300", sep, _ORDER_2300, _RANKS_2300)
    if claim.referring_provider is not None:
        out.append(_name(e, "DN", claim.referring_provider, "XX", claim.referring_provider.npi))
    _kept(out, claim.kept, ("2310A",), sep)
    rendering = claim.rendering_provider
    if rendering is not None:
        out.append(_name(e, "82", rendering, "XX", rendering.npi))
        if rendering.taxonomy:
            out.append(f"PRV{e}PE{e}PXC{e}{rendering.taxonomy}")
    _kept(out, claim.kept, ("2310B",), sep)
    facility = claim.service_facility
    if facility is not None:
        out.append(
            e.join(
                ("NM1", "77", "2", facility.name, "", "", "", "", "XX" if facility.npi else "", facility.npi)
            ).rstrip(e)
        )
        _address(out, e, facility.address)
    # 2310C's own kept segments, then the loops medbill keeps whole: 2310D-F, and the prior payers
    # (2320 with its 2330 loops) in the order they were read.
    _kept(out, claim.kept, _LATER_CLAIM_LOOPS, sep)
    for line in claim.lines:
        _write_line(out, line, sep)


_LATER_CLAIM_LOOPS = ("2310C", "2310D", "2310E", "2310F", "2320", *(f"2330{x}" for x in "ABCDEFG"))


def _write_line(out: list[str], line: ServiceLine, sep: Separators) -> None:
    e, c = sep.element, sep.component
    procedure = c.join(("HC", line.procedure_code, *line.modifiers))
    if line.description:
        procedure = c.join((procedure, *[""] * (4 - len(line.modifiers)), line.description))
    pointers = c.join(str(DX_LETTERS.index(p) + 1) for p in line.dx_pointers)
    sv1 = e.join(
        (
            "SV1",
            procedure,
            _fmt_amount(line.charge),
            line.unit_code,
            _fmt_units(line.units),
            line.place_of_service,
            "",
            pointers,
            "",
            "Y" if line.emergency else "",
        )
    ).rstrip(e)
    if line.service_date_to != line.service_date:
        dtp = f"DTP{e}472{e}RD8{e}{_d8(line.service_date)}-{_d8(line.service_date_to)}"
    else:
        dtp = f"DTP{e}472{e}D8{e}{_d8(line.service_date)}"
    control = line.control_number or str(line.line_number)
    modelled = [f"LX{e}{line.line_number}", sv1, dtp, f"REF{e}6R{e}{control}"]
    _flat(out, modelled, line.kept, "2400", sep, _ORDER_2400, _RANKS_2400)
    if line.ndc:
        out.append(f"LIN{e}{e}N4{e}{line.ndc}")
        out.append(f"CTP{e}{e}{e}{e}{_fmt_units(line.ndc_quantity)}{e}{line.ndc_unit}")
    _kept(out, line.kept, ("2410",), sep)
    rendering = line.rendering_provider
    if rendering is not None:
        out.append(_name(e, "82", rendering, "XX", rendering.npi))
        if rendering.taxonomy:
            out.append(f"PRV{e}PE{e}PXC{e}{rendering.taxonomy}")
    _kept(out, line.kept, _LATER_LINE_LOOPS, sep)


_LATER_LINE_LOOPS = ("2420A", *(f"2420{x}" for x in "BCDEFGH"), "2430", "2440")
