"""Claim builders and hypothesis strategies of valid professional claims, shared by the claims tests
(imported by name: pytest puts this folder on ``sys.path``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from medbill.claims.models import (
    Address,
    Claim,
    KeptSegment,
    Patient,
    Payer,
    Provider,
    ServiceFacility,
    ServiceLine,
    Subscriber,
)
from medbill.refdata import npi as npi_mod

BILLING = Provider(
    npi="1234567893",
    last_name="RIVERSIDE FAMILY MEDICINE",
    entity_type="2",
    taxonomy="207Q00000X",
    tax_id="123456789",
    address=Address("100 MAIN ST", "SPRINGFIELD", "IL", "627011234"),
    phone="2175550100",
)
RENDERING = Provider(
    npi="9876543213", last_name="WELBY", first_name="MARCUS", entity_type="1", taxonomy="207R00000X"
)
PAYER = Payer(
    payer_id="60054",
    name="AETNA",
    claim_filing_indicator="CI",
    address=Address("PO BOX 981106", "EL PASO", "TX", "79998"),
)
PATIENT = Patient(
    "DOE", "JANE", date(1980, 2, 29), "F", Address("12 ELM ST", "SPRINGFIELD", "IL", "62704"), patient_id="P1"
)


def make_claim(**overrides: Any) -> Claim:
    """A valid one-line claim; keyword arguments replace fields."""
    fields: dict[str, Any] = {
        "claim_id": "C1001",
        "patient": PATIENT,
        "subscriber": Subscriber(member_id="W123456789", payer=PAYER),
        "billing_provider": BILLING,
        "rendering_provider": RENDERING,
        "place_of_service": "11",
        "diagnoses": ("E11.9", "I10"),
        "lines": (
            ServiceLine("99214", Decimal("150.00"), date(2025, 3, 3), dx_pointers="AB"),
            ServiceLine("83036", Decimal("25.50"), date(2025, 3, 3), modifiers=("QW",), dx_pointers="A"),
        ),
    }
    fields.update(overrides)
    return Claim(**fields)


# ---- hypothesis strategies -------------------------------------------------------------------
# Real ICD-10-CM billable codes (FY2025/FY2026), including 7th characters and X placeholders.
DX_CODES = [
    "E11.9",
    "I10",
    "J06.9",
    "M54.50",
    "S52.521A",
    "T07.XXXD",
    "Z00.00",
    "F41.1",
    "E78.5",
    "N39.0",
    "R51.9",
    "K21.9",
]
PROCEDURES = [
    "99213",
    "99214",
    "99203",
    "36415",
    "80053",
    "93000",
    "J1100",
    "G0439",
    "97110",
    "0001U",
    "1036F",
    "A4253",
]
MODIFIERS = ["25", "59", "QW", "LT", "RT", "76", "GT", "95", "XS", "26", "TC", "GA"]
NAMES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)
CITIES = (
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=2, max_size=30)
    .map(str.strip)
    .filter(lambda s: len(s) >= 2)
)
STATES = st.sampled_from(["IL", "NY", "CA", "TX", "FL"])


def _npi(first9: int) -> str:
    digits = f"{first9:09d}"
    return digits + npi_mod.calc_check_digit(digits)


npis = st.integers(100_000_000, 299_999_999).map(_npi)
zip5 = st.integers(0, 99_999).map(lambda n: f"{n:05d}")
zip9 = st.integers(0, 999_999_999).map(lambda n: f"{n:09d}")
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
days = st.dates(date(2024, 1, 1), date(2026, 9, 30))


def addresses(zips: st.SearchStrategy[str] = zip5) -> st.SearchStrategy[Address]:
    line = st.builds(lambda n, s: f"{n} {s} ST", st.integers(1, 9999), NAMES)
    return st.builds(Address, line, CITIES, STATES, zips)


people = st.builds(
    Patient,
    last_name=NAMES,
    first_name=NAMES,
    birth_date=st.dates(date(1920, 1, 1), date(2023, 12, 31)),
    sex=st.sampled_from(["F", "M", "U"]),
    address=addresses(),
)


@st.composite
def service_lines(draw: st.DrawFn, n_dx: int) -> ServiceLine:
    start = draw(days)
    letters = "ABCDEFGHIJKL"[:n_dx]
    pointers = draw(st.lists(st.sampled_from(letters), min_size=1, max_size=min(4, n_dx), unique=True))
    return ServiceLine(
        procedure_code=draw(st.sampled_from(PROCEDURES)),
        charge=draw(money),
        service_date=start,
        service_date_to=start + timedelta(days=draw(st.integers(0, 3))),
        units=draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("99"), places=1)),
        modifiers=tuple(draw(st.lists(st.sampled_from(MODIFIERS), max_size=4, unique=True))),
        dx_pointers="".join(pointers),
        place_of_service=draw(st.sampled_from(["", "", "22"])),
        **draw(
            st.sampled_from(
                [
                    {},
                    {},
                    {"ndc": "00409488150", "ndc_quantity": Decimal("10"), "ndc_unit": "ML"},
                    {"ndc": "00409488150", "ndc_quantity": Decimal("2.5"), "ndc_unit": "UN"},
                ]
            )
        ),
        unit_code=draw(st.sampled_from(["UN", "UN", "MJ"])),
        control_number=draw(st.sampled_from(["", "", "142671", "A-7"])),
        emergency=draw(st.booleans()),
        rendering_provider=draw(
            st.none()
            | st.builds(
                Provider,
                npi=npis,
                last_name=NAMES,
                first_name=NAMES,
                entity_type=st.just("1"),
                taxonomy=st.sampled_from(["", "208D00000X"]),
            )
        ),
    )


@st.composite
def claims(draw: st.DrawFn, claim_id: str | None = None) -> Claim:
    """Valid claims: transmitted fields only, so write -> read is an identity."""
    dx = draw(st.lists(st.sampled_from(DX_CODES), min_size=1, max_size=12, unique=True))
    self_pay = draw(st.booleans())
    payer = Payer(
        draw(st.sampled_from(["60054", "00430", "SX065"])),
        draw(NAMES),
        draw(st.sampled_from(["CI", "MB", "MC", "BL"])),
    )
    subscriber = Subscriber(
        member_id=draw(st.from_regex(r"[A-Z0-9]{5,12}", fullmatch=True)),
        payer=payer,
        relationship="18" if self_pay else draw(st.sampled_from(["01", "19", "G8"])),
        group_number=draw(st.sampled_from(["", "GRP100"])),
        person=None if self_pay else draw(people),
    )
    billing = Provider(
        npi=draw(npis),
        last_name=draw(NAMES),
        entity_type="2",
        taxonomy=draw(st.sampled_from(["", "207Q00000X"])),
        tax_id=f"{draw(st.integers(10_000_000, 999_999_999)):09d}",
        address=draw(addresses(zip9)),
    )
    rendering = draw(
        st.none()
        | st.builds(
            Provider,
            npi=npis,
            last_name=NAMES,
            first_name=NAMES,
            entity_type=st.just("1"),
            taxonomy=st.sampled_from(["", "207R00000X"]),
        )
    )
    referring = draw(
        st.none() | st.builds(Provider, npi=npis, last_name=NAMES, first_name=NAMES, entity_type=st.just("1"))
    )
    facility = draw(
        st.none()
        | st.builds(
            ServiceFacility, name=NAMES, address=addresses(), npi=st.sampled_from(["", _npi(155_555_555)])
        )
    )
    accident = draw(st.sampled_from(["", "", "AA", "EM"]))
    frequency = draw(st.sampled_from(["1", "1", "7"]))
    return Claim(
        claim_id=claim_id or draw(st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True)),
        patient=draw(people),
        subscriber=subscriber,
        billing_provider=billing,
        rendering_provider=rendering,
        referring_provider=referring,
        service_facility=facility,
        place_of_service=draw(st.sampled_from(["11", "22", "02", "10"])),
        diagnoses=tuple(dx),
        lines=tuple(draw(st.lists(service_lines(len(dx)), min_size=1, max_size=6))),
        frequency=frequency,
        original_claim_ref="PCN12345" if frequency == "7" else "",
        prior_authorization=draw(st.sampled_from(["", "AUTH999"])),
        onset_date=draw(st.none() | days),
        accident_code=accident,
        accident_state="IL" if accident == "AA" else "",
        accident_date=draw(days) if accident else None,
        assignment=draw(st.sampled_from(["A", "C"])),
        benefits_assigned=draw(st.booleans()),
        release_of_information=draw(st.sampled_from(["Y", "I"])),
        patient_signature_source=draw(st.sampled_from(["", "P"])),
        pay_to_address=draw(st.none() | addresses()),
        kept=draw(st.sampled_from(KEPT_CLAIM_SEGMENTS)),
    )


# Segments medbill keeps verbatim rather than models, as a file might carry them (valid for pyx12).
KEPT_CLAIM_SEGMENTS = [
    (),
    (),
    (KeptSegment("2300", "NTE*ADD*PATIENT SEEN TWICE"),),
    (KeptSegment("2300", "DTP*454*D8*20240101"), KeptSegment("2300", "REF*D9*TRACE123")),  # guide order
    (KeptSegment("2010AA", "PER*IC*BILLING OFFICE*TE*3125550100"),),
]


@st.composite
def claim_batches(draw: st.DrawFn, max_size: int = 4) -> list[Claim]:
    n = draw(st.integers(1, max_size))
    return [draw(claims(claim_id=f"CLM{i:04d}")) for i in range(n)]
