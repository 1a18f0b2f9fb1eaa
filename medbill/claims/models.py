"""Professional claim models: what a CMS-1500 / X12 837P carries, validated at construction.

Every model is a frozen dataclass. ``__post_init__`` normalises (codes compacted, money to
``Decimal`` with two places, dates to ``datetime.date``) and raises a :mod:`medbill.exceptions`
error naming the field, the value and why it was refused. Fields that exist only in medbill's
tables and are not carried by an 837P (local keys such as ``patient_id``, ``submitted_date``) are
excluded from equality, so ``read_837p(write_837p(claims)) == claims`` is meaningful.

Build claims from Python, or from the tidy tables of ``docs/tables.md`` with
:meth:`Claim.from_tables` / :func:`claims_from_tables`; :func:`claims_to_tables` goes back.

Nothing an 837P carried is dropped: segments the models do not hold are kept verbatim as
:class:`KeptSegment` values (``Claim.kept`` for loops 2000A-2330G, ``ServiceLine.kept`` for 2400-2440),
tagged with their loop so the writer puts them back in the guide's order; ``Claim.not_carried`` names
what a read claim holds that neither the models nor the kept segments can send back, and the writer
refuses such a claim. To model more of the 837P (or a 276/277), add a field with its validation here,
read it in ``x12/reader_837p.py`` (a handler that returns True consumes the segment, so it is no longer
kept), write it in ``x12/writer_837p.py``, and add a column in ``tables.py``, ``_from_tables.py`` and
``docs/tables.md``; the round-trip test over the public samples then shows that nothing was lost.
Corrected and void claims already have ``frequency`` (CLM05-3) and ``original_claim_ref`` (REF*F8).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from medbill.exceptions import CodeError, InvalidFormat

if TYPE_CHECKING:
    import pandas as pd

    from medbill.claims.tables import ClaimsData

CENT = Decimal("0.01")
UNIT_PLACES = Decimal("0.001")
DX_LETTERS = "ABCDEFGHIJKL"
MAX_DIAGNOSES = 12
MAX_LINES = 50  # 837P loop 2400 repeats at most 50 times per claim
SEXES = ("F", "M", "U")
FREQUENCIES = ("1", "6", "7", "8")
ASSIGNMENT_CODES = ("A", "B", "C")
ACCIDENT_CODES = ("AA", "EM", "OA")
# ICD-10-CM (ABK/ABF) is the code set of every claim since 2015-10-01; ICD-9-CM (BK/BF) is accepted
# only so legacy sample files can be read.
DX_CODE_SETS = ("ICD10", "ICD9")

_PROCEDURE = re.compile(r"[A-Z0-9]{5}")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_POS = re.compile(r"\d{2}")
_ZIP = re.compile(r"\d{5}(\d{4})?")
_STATE = re.compile(r"[A-Z]{2}")
_NDC = re.compile(r"\d{11}")
_ICD9 = re.compile(r"[0-9EV][0-9]{2}[0-9]{0,2}")
_TAX_ID = re.compile(r"\d{9}")
_TAXONOMY = re.compile(r"[0-9A-Z]{10}")
# X12 data elements may not contain the separators; keep free text to the basic character set.
_TEXT = re.compile(r"[A-Za-z0-9 .,'&()/#@!?%+=\-]*")
NDC_UNITS = ("F2", "GR", "ME", "ML", "UN")  # CTP05-1: international unit, gram, milligram, millilitre, unit

# 837P loops whose segments medbill keeps verbatim when it does not model them, in the guide's order.
# Claim-level loops (billing provider down to the prior payers of loop 2330) sit on ``Claim.kept``;
# line-level loops (2400 to 2440) on ``ServiceLine.kept``.
CLAIM_LOOPS = (
    "2000A", "2010AA", "2010AB", "2010AC", "2000B", "2010BA", "2010BB", "2000C", "2010CA",
    "2300", "2310A", "2310B", "2310C", "2310D", "2310E", "2310F",
    "2320", "2330A", "2330B", "2330C", "2330D", "2330E", "2330F", "2330G",
)  # fmt: skip
LINE_LOOPS = (
    "2400", "2410", "2420A", "2420B", "2420C", "2420D", "2420E", "2420F", "2420G", "2420H", "2430", "2440",
)  # fmt: skip
_KEPT_TEXT = re.compile(r"[A-Z][A-Z0-9]{1,2}(\*[\x20-\x7d]*)*")


def _refuse(field: str, value: Any, why: str, error: type[CodeError] = InvalidFormat) -> None:
    raise error(f"{field}: {value!r} {why}")


def _sequence(field: str, value: Any, what: str) -> tuple[Any, ...]:
    """``value`` as a tuple when it is a list or tuple of items; InvalidFormat otherwise."""
    if isinstance(value, str):
        _refuse(field, value, f"must be a sequence of {what}, not one string")
    if not isinstance(value, (list, tuple)):
        _refuse(field, value, f"must be a list or tuple of {what}")
    return tuple(value)


def _missing(value: Any) -> bool:
    """None, "", NaN, pandas NA or NaT: values a table cell holds when empty."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def _text(field: str, value: Any, *, required: bool = True, max_len: int = 60, min_len: int = 1) -> str:
    if _missing(value):  # None / NaN / pandas NA -> empty
        value = ""
    if not isinstance(value, str):
        _refuse(field, value, f"must be text, not {type(value).__name__}")
    value = value.strip()
    if required and not value:
        _refuse(field, value, "is required")
    if len(value) > max_len:
        _refuse(field, value[:80], f"is longer than {max_len} characters")
    if value and len(value) < min_len:
        _refuse(field, value, f"is shorter than {min_len} characters")
    if not _TEXT.fullmatch(value):
        _refuse(
            field,
            value,
            "contains characters an X12 claim cannot carry (use letters, digits, spaces, .,'&()/#-)",
        )
    return value


def _ident(field: str, value: Any, *, required: bool = True, max_len: int = 50) -> str:
    """An identifier kept exactly as given (case and inner spaces included), at most ``max_len`` characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _text(field, value, required=required, max_len=max_len)


def _code(field: str, value: Any, pattern: re.Pattern[str], what: str, *, required: bool = True) -> str:
    value = _text(field, value, required=required, max_len=80).upper().replace(" ", "")
    if value and not pattern.fullmatch(value):
        _refuse(field, value, f"is not {what}")
    return value


def _date(field: str, value: Any, *, required: bool = True) -> date | None:
    if _missing(value):
        if required:
            _refuse(field, value, "is required (a date)")
        return None
    if isinstance(value, datetime):  # also pandas.Timestamp
        if value != value:  # NaT
            return _date(field, None, required=required)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            _refuse(field, value, "is not an ISO date (YYYY-MM-DD)")
    _refuse(field, value, f"must be a date, not {type(value).__name__}")
    return None  # unreachable


def _decimal(field: str, value: Any, places: Decimal = CENT, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        _refuse(field, value, f"must be a number, not {type(value).__name__}")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
        if not number.is_finite():
            raise InvalidOperation
        number = number.quantize(places)
    except InvalidOperation:
        _refuse(field, value, "is not a finite number")
    if number < 0 or (positive and number == 0):
        _refuse(field, value, "must be greater than zero" if positive else "must not be negative")
    if number >= Decimal("1e10"):
        _refuse(field, value, "is too large for an X12 amount")
    return number


def _choice(field: str, value: Any, choices: Iterable[str], default: str | None = None) -> str:
    if _missing(value):
        if default is not None:
            return default
        value = ""
    value = str(value).strip().upper() if isinstance(value, str) else value
    if value not in tuple(choices):
        _refuse(field, value, f"is not one of {', '.join(choices)}")
    return value


_LENIENT_CHECK_DIGITS: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "lenient_check_digits", default=False
)


@contextlib.contextmanager
def lenient_check_digits() -> Iterator[None]:
    """Within this block an NPI with a wrong check digit or length is kept (it must still be digits).

    Readers use it so a file's claims can be inspected as sent (many public sample files carry
    made-up NPIs); ``write_837p`` and ``medbill x12 validate`` still refuse such NPIs.
    """
    token = _LENIENT_CHECK_DIGITS.set(True)
    try:
        yield
    finally:
        _LENIENT_CHECK_DIGITS.reset(token)


def _npi(field: str, value: Any, *, required: bool) -> str:
    if _missing(value):
        if required:
            _refuse(field, value, "is required (a 10-digit NPI)")
        return ""
    from medbill.refdata import npi

    try:
        return npi.validate(value)
    except CodeError as exc:
        if (
            _LENIENT_CHECK_DIGITS.get()
            and isinstance(value, str)
            and value.strip().isdigit()
            and value.isascii()
        ):
            return value.strip()
        raise type(exc)(f"{field}: {exc}") from None


def _icd10(field: str, value: Any) -> str:
    from medbill.refdata import icd10cm

    try:
        return icd10cm.compact(value)
    except CodeError as exc:
        raise type(exc)(f"{field}: {exc}") from None


@dataclasses.dataclass(frozen=True)
class KeptSegment:
    """An 837P segment medbill does not model, kept verbatim so a read -> write round trip loses nothing.

    ``loop`` is the 837P loop it was read in (one of ``CLAIM_LOOPS`` or ``LINE_LOOPS``), which tells the
    writer where to put it back; ``text`` is the segment with ``*`` between elements, ``:`` between
    components and ``^`` between repetitions (no terminator), e.g. ``CR1*LB*140``. The writer
    translates to the interchange's own separators. Segments of one loop are written in the guide's
    order (in 2300: DTP, PWK, CN1, AMT, REF, K3, NTE, CR1, CR2, CRC, HI, HCP), so kept segments given in
    that order come back from ``read_837p`` in the same order, as a file's always do.
    """

    loop: str
    text: str

    def __post_init__(self) -> None:
        _choice("kept.loop", self.loop, CLAIM_LOOPS + LINE_LOOPS)
        if not isinstance(self.text, str) or not _KEPT_TEXT.fullmatch(self.text) or "~" in self.text:
            _refuse("kept.text", self.text, "is not one X12 segment (ID*element*..., printable ASCII, no ~)")

    @property
    def id(self) -> str:
        """The segment id (``CR1``, ``NTE`` ...)."""
        return self.text.split("*", 1)[0]


def _kept(field: str, value: Any, loops: tuple[str, ...]) -> tuple[KeptSegment, ...]:
    kept = () if value is None else _sequence(field, value, "KeptSegment values")
    for segment in kept:
        if not isinstance(segment, KeptSegment):
            _refuse(field, segment, "must hold KeptSegment values")
        if segment.loop not in loops:
            _refuse(field, segment.loop, f"is not one of the loops kept here ({loops[0]} to {loops[-1]})")
    return kept


@dataclasses.dataclass(frozen=True)
class Address:
    """A US postal address; ``zip`` is 5 or 9 digits (billing providers need 9 on an 837P)."""

    line1: str
    city: str
    state: str
    zip: str
    line2: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "line1", _text("address.line1", self.line1, max_len=55))
        object.__setattr__(self, "line2", _text("address.line2", self.line2, required=False, max_len=55))
        object.__setattr__(self, "city", _text("address.city", self.city, max_len=30, min_len=2))
        object.__setattr__(
            self, "state", _code("address.state", self.state, _STATE, "a two-letter state code")
        )
        zip_code = self.zip.replace("-", "") if isinstance(self.zip, str) else self.zip
        object.__setattr__(self, "zip", _code("address.zip", zip_code, _ZIP, "a 5- or 9-digit ZIP code"))


@dataclasses.dataclass(frozen=True)
class Patient:
    """A person on a claim (the patient, or a subscriber who is not the patient)."""

    last_name: str
    first_name: str
    birth_date: date | None  # required for the patient; a subscriber's may be unknown
    sex: str = "U"
    address: Address | None = None
    middle_name: str = ""
    # medbill's own key (``patients.patient_id``); an 837P does not carry it.
    patient_id: str = dataclasses.field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "last_name", _text("patient.last_name", self.last_name))
        object.__setattr__(
            self, "first_name", _text("patient.first_name", self.first_name, required=False, max_len=35)
        )
        object.__setattr__(
            self, "middle_name", _text("patient.middle_name", self.middle_name, required=False, max_len=25)
        )
        object.__setattr__(self, "birth_date", _date("patient.birth_date", self.birth_date, required=False))
        object.__setattr__(self, "sex", _choice("patient.sex", self.sex, SEXES))
        object.__setattr__(
            self, "patient_id", _text("patient.patient_id", self.patient_id, required=False, max_len=80)
        )


@dataclasses.dataclass(frozen=True)
class Provider:
    """Billing, rendering or referring provider. ``entity_type`` is ``1`` person or ``2`` organisation."""

    npi: str
    last_name: str  # organisation name when entity_type is "2"
    entity_type: str = "2"
    first_name: str = ""
    taxonomy: str = ""
    tax_id: str = ""
    tax_id_type: str = "EI"  # EI employer identification number, SY social security number
    address: Address | None = None
    phone: str = dataclasses.field(default="", compare=False)
    specialty: str = dataclasses.field(default="", compare=False)
    middle_name: str = ""  # NM105, people only

    def __post_init__(self) -> None:
        object.__setattr__(self, "npi", _npi("provider.npi", self.npi, required=False))
        object.__setattr__(
            self, "middle_name", _text("provider.middle_name", self.middle_name, required=False, max_len=25)
        )
        object.__setattr__(
            self, "entity_type", _choice("provider.entity_type", str(self.entity_type), ("1", "2"))
        )
        object.__setattr__(self, "last_name", _text("provider.last_name", self.last_name))
        object.__setattr__(
            self, "first_name", _text("provider.first_name", self.first_name, required=False, max_len=35)
        )
        if self.entity_type == "2" and self.first_name:
            _refuse(
                "provider.first_name", self.first_name, "must be empty for an organisation (entity_type 2)"
            )
        object.__setattr__(
            self,
            "taxonomy",
            _code(
                "provider.taxonomy",
                self.taxonomy,
                _TAXONOMY,
                "a 10-character provider taxonomy code",
                required=False,
            ),
        )
        object.__setattr__(
            self,
            "tax_id",
            _code(
                "provider.tax_id",
                str(self.tax_id).replace("-", ""),
                _TAX_ID,
                "a 9-digit tax id",
                required=False,
            ),
        )
        object.__setattr__(
            self, "tax_id_type", _choice("provider.tax_id_type", self.tax_id_type, ("EI", "SY"), default="EI")
        )
        phone = re.sub(r"[^0-9]", "", self.phone or "") if isinstance(self.phone, str) else self.phone
        object.__setattr__(
            self,
            "phone",
            _code("provider.phone", phone, re.compile(r"\d{10}"), "a 10-digit phone number", required=False),
        )
        object.__setattr__(self, "specialty", _text("provider.specialty", self.specialty, required=False))


@dataclasses.dataclass(frozen=True)
class Payer:
    """The destination payer; ``claim_filing_indicator`` is X12 SBR09 (MB, MC, CI, BL, HM, ZZ ...)."""

    payer_id: str
    name: str
    claim_filing_indicator: str = "CI"
    address: Address | None = None
    kind: str = dataclasses.field(default="", compare=False)
    timely_filing_days: int | None = dataclasses.field(default=None, compare=False)
    id_qualifier: str = "PI"  # NM108: PI payer identification, XV CMS plan id

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "id_qualifier", _choice("payer.id_qualifier", self.id_qualifier, ("PI", "XV"), default="PI")
        )
        object.__setattr__(
            self,
            "payer_id",
            _ident("payer.payer_id", self.payer_id, max_len=80),
        )
        object.__setattr__(self, "name", _text("payer.name", self.name))
        object.__setattr__(
            self,
            "claim_filing_indicator",
            _choice(
                "payer.claim_filing_indicator",
                self.claim_filing_indicator,
                CLAIM_FILING_INDICATORS,
                default="CI",
            ),
        )


CLAIM_FILING_INDICATORS = (
    "11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM", "LM",
    "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Subscriber:
    """The insurance: who holds the policy with which payer. ``person`` is None when the patient is the
    subscriber (relationship ``18``)."""

    member_id: str
    payer: Payer
    relationship: str = "18"  # X12 individual relationship code of the patient to the subscriber
    group_number: str = ""
    person: Patient | None = None
    payer_responsibility: str = "P"  # P primary, S secondary, T tertiary
    group_name: str = ""  # SBR04, the insurance plan or group name
    insurance_type: str = ""  # SBR05 (e.g. 12-16, 41-43, 47 Medicare secondary payer reasons)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "group_name", _text("subscriber.group_name", self.group_name, required=False)
        )
        object.__setattr__(
            self,
            "insurance_type",
            _code(
                "subscriber.insurance_type",
                self.insurance_type,
                re.compile(r"[0-9A-Z]{1,3}"),
                "an SBR05 insurance type code",
                required=False,
            ),
        )
        object.__setattr__(
            self,
            "member_id",
            _ident("subscriber.member_id", self.member_id, max_len=80),
        )
        object.__setattr__(
            self,
            "group_number",
            _ident("subscriber.group_number", self.group_number, required=False),
        )
        object.__setattr__(
            self,
            "relationship",
            _choice("subscriber.relationship", str(self.relationship), RELATIONSHIPS, default="18"),
        )
        object.__setattr__(
            self,
            "payer_responsibility",
            _choice("subscriber.payer_responsibility", self.payer_responsibility, ("P", "S", "T")),
        )
        if self.relationship == "18" and self.person is not None:
            _refuse(
                "subscriber.person",
                "set",
                "must be None when the patient is the subscriber (relationship 18)",
            )
        if self.relationship != "18" and self.person is None:
            _refuse(
                "subscriber.person",
                None,
                f"is required when the patient is not the subscriber (relationship {self.relationship})",
            )


# PAT01 patient relationship codes allowed in 837P 2000C, plus 18 (self).
RELATIONSHIPS = ("18", "01", "19", "20", "21", "39", "40", "53", "G8")


@dataclasses.dataclass(frozen=True)
class ServiceFacility:
    """Where the service was rendered when not the billing provider's address (loop 2310C)."""

    name: str
    address: Address
    npi: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _text("service_facility.name", self.name))
        object.__setattr__(self, "npi", _npi("service_facility.npi", self.npi, required=False))
        if not isinstance(self.address, Address):
            _refuse("service_facility.address", self.address, "must be an Address")


@dataclasses.dataclass(frozen=True)
class ServiceLine:
    """One service line (loop 2400). ``dx_pointers`` are letters A-L into the claim's diagnoses."""

    procedure_code: str
    charge: Decimal
    service_date: date
    units: Decimal = Decimal("1")
    modifiers: tuple[str, ...] = ()
    dx_pointers: str = "A"
    service_date_to: date | None = None
    place_of_service: str = ""  # empty: the claim's place of service
    ndc: str = ""
    unit_code: str = "UN"  # UN units, MJ minutes (anesthesia)
    rendering_provider: Provider | None = None  # None: the claim's rendering provider
    # REF*6R line item control number, echoed by the payer's 835 for line matching; empty means the
    # line's position (LX). Tables fill it from their own line_number so renumbering cannot move payments.
    control_number: str = ""
    ndc_quantity: Decimal | None = None  # CTP04 drug quantity (required with an NDC)
    ndc_unit: str = ""  # CTP05-1: F2, GR, ME, ML or UN
    emergency: bool = False  # SV109 "Y"
    description: str = ""  # SV101-7, for unlisted (NOC) codes
    kept: tuple[KeptSegment, ...] = ()  # unmodelled segments of loops 2400-2440, verbatim
    line_number: int = dataclasses.field(default=0, compare=False)  # set by the claim (1-based)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "procedure_code",
            _code(
                "line.procedure_code",
                self.procedure_code,
                _PROCEDURE,
                "a CPT or HCPCS code (5 letters/digits)",
            ),
        )
        set_(self, "charge", _decimal("line.charge", self.charge))
        set_(self, "units", _decimal("line.units", self.units, UNIT_PLACES, positive=True))
        set_(self, "service_date", _date("line.service_date", self.service_date))
        to = _date("line.service_date_to", self.service_date_to, required=False) or self.service_date
        if to < self.service_date:
            _refuse("line.service_date_to", to, f"is before service_date {self.service_date}")
        set_(self, "service_date_to", to)
        modifiers = _sequence("line.modifiers", self.modifiers, "two-character modifiers")
        mods = tuple(_code("line.modifier", m, _MODIFIER, "a two-character modifier") for m in modifiers)
        if len(mods) > 4:
            _refuse("line.modifiers", mods, "has more than 4 modifiers")
        set_(self, "modifiers", mods)
        pointers = _text("line.dx_pointers", self.dx_pointers).upper().replace(" ", "")
        if not re.fullmatch(r"[A-L]{1,4}", pointers) or len(set(pointers)) != len(pointers):
            _refuse("line.dx_pointers", pointers, "must be 1 to 4 distinct letters A-L")
        set_(self, "dx_pointers", pointers)
        set_(
            self,
            "place_of_service",
            _code(
                "line.place_of_service",
                self.place_of_service,
                _POS,
                "a two-digit place of service code",
                required=False,
            ),
        )
        set_(
            self,
            "ndc",
            _code(
                "line.ndc", str(self.ndc).replace("-", ""), _NDC, "an 11-digit NDC (5-4-2)", required=False
            ),
        )
        set_(self, "unit_code", _choice("line.unit_code", self.unit_code, ("UN", "MJ"), default="UN"))
        set_(self, "control_number", _ident("line.control_number", self.control_number, required=False))
        if not _missing(self.ndc_quantity):
            set_(
                self,
                "ndc_quantity",
                _decimal("line.ndc_quantity", self.ndc_quantity, UNIT_PLACES, positive=True),
            )
        else:
            set_(self, "ndc_quantity", None)
        set_(self, "ndc_unit", _choice("line.ndc_unit", self.ndc_unit, (*NDC_UNITS, ""), default=""))
        if not isinstance(self.emergency, bool):
            _refuse("line.emergency", self.emergency, "must be True or False")
        set_(self, "description", _text("line.description", self.description, required=False, max_len=80))
        set_(self, "kept", _kept("line.kept", self.kept, LINE_LOOPS))


@dataclasses.dataclass(frozen=True)
class Claim:
    """A professional claim: CMS-1500 content as an 837P carries it."""

    claim_id: str
    patient: Patient
    subscriber: Subscriber
    billing_provider: Provider
    place_of_service: str
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    rendering_provider: Provider | None = None  # None: the billing provider rendered the services
    referring_provider: Provider | None = None
    service_facility: ServiceFacility | None = None
    frequency: str = "1"  # 1 original, 7 replacement, 8 void
    original_claim_ref: str = ""  # payer claim control number being replaced or voided (REF*F8)
    prior_authorization: str = ""
    onset_date: date | None = None  # onset of current illness or injury (box 14)
    accident_code: str = ""  # AA auto, EM employment, OA other accident (box 10)
    accident_state: str = ""
    accident_date: date | None = None
    provider_signature: bool = True  # box 31 / CLM06
    assignment: str = "A"  # accepts assignment (box 27) / CLM07
    benefits_assigned: bool = True  # box 13 / CLM08
    release_of_information: str = "Y"  # CLM09: Y signed, I informed consent
    dx_code_set: str = "ICD10"
    patient_signature_source: str = ""  # CLM10: P when the patient's signature is on file elsewhere
    pay_to_address: Address | None = None  # loop 2010AB, when payments go elsewhere than the billing address
    kept: tuple[KeptSegment, ...] = ()  # unmodelled segments of loops 2000A-2330G, verbatim
    submitted_date: date | None = dataclasses.field(default=None, compare=False)
    # Why this claim cannot be written back as it was read (elements medbill does not carry);
    # ``write_837p`` refuses a claim with reasons here rather than send less than it received.
    not_carried: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "claim_id",
            _ident("claim.claim_id", self.claim_id, max_len=38),
        )
        for name, kind in (("patient", Patient), ("subscriber", Subscriber), ("billing_provider", Provider)):
            if not isinstance(getattr(self, name), kind):
                _refuse(f"claim.{name}", getattr(self, name), f"must be a {kind.__name__}")
        if self.patient.birth_date is None:
            _refuse("claim.patient.birth_date", None, "is required (a date)")
        set_(
            self,
            "place_of_service",
            _code("claim.place_of_service", self.place_of_service, _POS, "a two-digit place of service code"),
        )
        set_(self, "dx_code_set", _choice("claim.dx_code_set", self.dx_code_set, DX_CODE_SETS))
        diagnoses = _sequence("claim.diagnoses", self.diagnoses, "codes")
        if self.dx_code_set == "ICD10":
            dx = tuple(_icd10(f"claim.dx{i}", code) for i, code in enumerate(diagnoses, 1))
        else:
            dx = tuple(
                _code(f"claim.dx{i}", str(code).replace(".", ""), _ICD9, "an ICD-9-CM code")
                for i, code in enumerate(diagnoses, 1)
            )
        if not 1 <= len(dx) <= MAX_DIAGNOSES:
            _refuse("claim.diagnoses", dx, f"must hold 1 to {MAX_DIAGNOSES} codes")
        if len(set(dx)) != len(dx):
            _refuse("claim.diagnoses", dx, "repeats a code")
        set_(self, "diagnoses", dx)
        lines = _sequence("claim.lines", self.lines, "ServiceLine")
        if not 1 <= len(lines) <= MAX_LINES:
            _refuse("claim.lines", len(lines), f"must hold 1 to {MAX_LINES} service lines")
        for number, line in enumerate(lines, 1):
            if not isinstance(line, ServiceLine):
                _refuse(f"claim.lines[{number}]", line, "must be a ServiceLine")
            bad = [p for p in line.dx_pointers if DX_LETTERS.index(p) >= len(dx)]
            if bad:
                _refuse(
                    f"line {number} dx_pointers",
                    line.dx_pointers,
                    f"points past the claim's {len(dx)} diagnoses",
                )
            set_(line, "line_number", number)
        set_(self, "lines", lines)
        set_(self, "frequency", _choice("claim.frequency", str(self.frequency), FREQUENCIES, default="1"))
        set_(
            self,
            "original_claim_ref",
            _ident("claim.original_claim_ref", self.original_claim_ref, required=False),
        )
        if self.frequency in ("7", "8") and not self.original_claim_ref:
            _refuse(
                "claim.original_claim_ref",
                "",
                f"is required for a frequency {self.frequency} (replacement/void) claim",
            )
        set_(
            self,
            "prior_authorization",
            _ident("claim.prior_authorization", self.prior_authorization, required=False),
        )
        set_(self, "onset_date", _date("claim.onset_date", self.onset_date, required=False))
        set_(self, "accident_date", _date("claim.accident_date", self.accident_date, required=False))
        set_(
            self,
            "accident_code",
            _choice("claim.accident_code", self.accident_code, (*ACCIDENT_CODES, ""), default=""),
        )
        set_(
            self,
            "accident_state",
            _code(
                "claim.accident_state", self.accident_state, _STATE, "a two-letter state code", required=False
            ),
        )
        if self.accident_code == "AA" and not self.accident_state:
            _refuse("claim.accident_state", "", "is required for an auto accident (accident_code AA)")
        if self.accident_code and self.accident_date is None:
            _refuse("claim.accident_date", None, f"is required with accident_code {self.accident_code}")
        set_(self, "assignment", _choice("claim.assignment", self.assignment, ASSIGNMENT_CODES))
        set_(
            self,
            "release_of_information",
            _choice("claim.release_of_information", self.release_of_information, ("Y", "I")),
        )
        for flag in ("provider_signature", "benefits_assigned"):
            if not isinstance(getattr(self, flag), bool):
                _refuse(f"claim.{flag}", getattr(self, flag), "must be True or False")
        set_(self, "submitted_date", _date("claim.submitted_date", self.submitted_date, required=False))
        set_(
            self,
            "patient_signature_source",
            _choice("claim.patient_signature_source", self.patient_signature_source, ("P", ""), default=""),
        )
        if self.pay_to_address is not None and not isinstance(self.pay_to_address, Address):
            _refuse("claim.pay_to_address", self.pay_to_address, "must be an Address")
        set_(self, "kept", _kept("claim.kept", self.kept, CLAIM_LOOPS))
        set_(self, "not_carried", _sequence("claim.not_carried", self.not_carried, "descriptions"))

    @property
    def charge(self) -> Decimal:
        """Total charge (CLM02): the sum of the line charges."""
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def rendering(self) -> Provider:
        """The provider who rendered the services (the billing provider unless one is named)."""
        return self.rendering_provider or self.billing_provider

    @property
    def is_self(self) -> bool:
        """True when the patient is the subscriber."""
        return self.subscriber.relationship == "18"

    @classmethod
    def from_tables(cls, data: ClaimsData, claim_id: str) -> Claim:
        """The claim ``claim_id`` of a :class:`~medbill.claims.tables.ClaimsData` (raises UnknownCode when absent)."""
        from medbill.claims._from_tables import claim_from_tables

        return claim_from_tables(data, claim_id)

    def transmitted(self) -> Claim:
        """This claim as an 837P carries it (what ``read_837p(write_837p([claim]))`` gives back):
        rendering and referring providers keep only name, NPI, entity type (and the rendering
        taxonomy); table-only fields such as ``submitted_date`` are cleared."""

        def reference(provider: Provider | None, taxonomy: bool) -> Provider | None:
            if provider is None:
                return None
            return Provider(
                npi=provider.npi,
                last_name=provider.last_name,
                entity_type=provider.entity_type,
                first_name=provider.first_name,
                middle_name=provider.middle_name,
                taxonomy=provider.taxonomy if taxonomy else "",
            )

        lines = tuple(
            dataclasses.replace(line, rendering_provider=reference(line.rendering_provider, True))
            for line in self.lines
        )
        return dataclasses.replace(
            self,
            rendering_provider=reference(self.rendering_provider, True),
            referring_provider=reference(self.referring_provider, False),
            lines=lines,
            submitted_date=None,
        )

    def _repr_html_(self) -> str:
        from medbill.claims.cms1500 import render_html

        return render_html(self)


def claims_from_tables(data: ClaimsData) -> list[Claim]:
    """Every claim of ``data`` in the order of its ``claims`` table."""
    from medbill.claims._from_tables import all_claims_from_tables

    return all_claims_from_tables(data)


def build_claims(data: ClaimsData) -> tuple[list[Claim], pd.DataFrame]:
    """Like :func:`claims_from_tables` but collecting refusals instead of raising at the first:
    ``(claims, rejected)`` where ``rejected`` has one row (claim_id, kind, error) per claim refused;
    ``kind`` is ``self-pay`` (not sent to a payer) or ``invalid``."""
    from medbill.claims._from_tables import build_claims as build

    return build(data)


def claims_to_tables(claims: Iterable[Claim]) -> ClaimsData:
    """The tidy tables (claims, lines, patients, providers, payers) of ``claims``."""
    from medbill.claims._from_tables import tables_from_claims

    return tables_from_claims(list(claims))
