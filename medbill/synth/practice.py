"""The synthetic practice: its providers, payers and patient panel.

Everything is drawn from one ``numpy.random.Generator`` in a fixed order, so a seed fixes the
practice. The clinical and payer parameters live in tables medbill writes itself
(``medbill/_data/synth_specialties.csv``, ``synth_payers.csv``); names and addresses are invented.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from importlib import resources

import numpy as np
import pandas as pd

from medbill.refdata.npi import calc_check_digit

# Age bands of the patient panel (a mixed family/specialty practice) and their shares.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 17, 0.20),
    (18, 44, 0.24),
    (45, 64, 0.26),
    (65, 92, 0.30),
)
FEMALE_SHARE = 0.54
CHILD_MAX_AGE = 17
SENIOR_MIN_AGE = 65

_FIRST_F = [
    "Ava",
    "Chloe",
    "Dana",
    "Elena",
    "Fiona",
    "Grace",
    "Hana",
    "Iris",
    "June",
    "Kara",
    "Lena",
    "Mia",
    "Nora",
    "Opal",
    "Pia",
    "Quinn",
    "Rosa",
    "Sara",
    "Tess",
    "Uma",
    "Vera",
    "Willa",
    "Yara",
    "Zoe",
]
_FIRST_M = [
    "Adam",
    "Ben",
    "Cole",
    "Dev",
    "Eli",
    "Finn",
    "Gus",
    "Hugo",
    "Ian",
    "Jon",
    "Kai",
    "Leo",
    "Max",
    "Ned",
    "Omar",
    "Paul",
    "Reid",
    "Sam",
    "Theo",
    "Umar",
    "Vic",
    "Will",
    "Yuri",
    "Zane",
]
_LAST = [
    "Abbott",
    "Baker",
    "Carver",
    "Dalton",
    "Ellis",
    "Foster",
    "Garner",
    "Hale",
    "Irving",
    "Jensen",
    "Keller",
    "Lowry",
    "Mercer",
    "Nolan",
    "Osborn",
    "Parker",
    "Quincy",
    "Rhodes",
    "Sutton",
    "Tanner",
    "Upton",
    "Vance",
    "Walsh",
    "Yates",
    "Zeller",
    "Brandt",
    "Cortez",
    "Duval",
    "Ferris",
    "Greer",
]
_STREETS = [
    "Oak",
    "Maple",
    "Cedar",
    "Elm",
    "Pine",
    "Birch",
    "Walnut",
    "Willow",
    "Chestnut",
    "Spruce",
    "Poplar",
    "Aspen",
]
_STREET_KINDS = ["ST", "AVE", "RD", "LN", "DR", "CT"]
# (city, state, 5-digit zip) of the practice's catchment area.
_TOWNS = (
    ("COLUMBUS", "OH", "43215"),
    ("COLUMBUS", "OH", "43201"),
    ("WORTHINGTON", "OH", "43085"),
    ("DUBLIN", "OH", "43017"),
    ("WESTERVILLE", "OH", "43081"),
    ("GROVE CITY", "OH", "43123"),
    ("REYNOLDSBURG", "OH", "43068"),
    ("HILLIARD", "OH", "43026"),
)
PRACTICE_NAME = "MEDBILL SYNTHETIC MEDICAL GROUP"
PRACTICE_ADDRESS = ("100 MAIN ST", "COLUMBUS", "OH", "432151234")
PRACTICE_EIN = "990000001"
PRACTICE_PHONE = "6145550100"
# MBI positions: C = 1-9, A = letters without S L O I B Z, N = digit, AN = either.
_MBI_A = "ACDEFGHJKMNPQRTUVWXY"
_MBI_C = "123456789"
_DIGITS = "0123456789"
_MBI_PATTERN = (
    _MBI_C,
    _MBI_A,
    _MBI_A + _DIGITS,
    _DIGITS,
    _MBI_A,
    _MBI_A + _DIGITS,
    _DIGITS,
    _MBI_A,
    _MBI_A,
    _DIGITS,
    _DIGITS,
)


def read_table(name: str) -> pd.DataFrame:
    """One of medbill's own ``_data/synth_*.csv`` tables, text columns kept as text."""
    raw = (resources.files("medbill") / "_data" / name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(raw), dtype=str, keep_default_na=False)


@dataclasses.dataclass
class Practice:
    """Output tables plus the per-row arrays the encounter generator draws from."""

    providers: pd.DataFrame
    payers: pd.DataFrame
    patients: pd.DataFrame
    specialties: pd.DataFrame
    billing_npi: str
    # provider arrays (individual clinicians only, in the order of ``providers`` after the group row)
    clinician_npi: np.ndarray
    clinician_specialty: np.ndarray  # index into specialties
    clinician_group: np.ndarray  # scenario group name per clinician
    # patient arrays
    age: np.ndarray
    is_female: np.ndarray
    payer: np.ndarray  # index into payers
    pcp: np.ndarray  # index into clinicians
    member_id: np.ndarray


def _npis(rng: np.random.Generator, n: int) -> list[str]:
    bodies = rng.integers(10_000_000, 99_999_999, size=n, endpoint=True)
    first9 = [f"1{b:08d}" for b in bodies]  # a handful of providers: a loop is fine here
    return [f + calc_check_digit(f) for f in first9]


def _random_text(rng: np.random.Generator, n: int, alphabets: tuple[str, ...]) -> np.ndarray:
    """``n`` random strings, position i drawn from ``alphabets[i]`` (vectorised, ASCII)."""
    out = np.empty((n, len(alphabets)), dtype=np.uint8)
    for i, alphabet in enumerate(alphabets):
        letters = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
        out[:, i] = letters[rng.integers(0, len(letters), size=n)]
    return out.view(f"S{len(alphabets)}").ravel().astype(str).astype(object)


def _providers(rng: np.random.Generator, specialties: pd.DataFrame) -> tuple[pd.DataFrame, str, np.ndarray]:
    counts = specialties["providers"].astype(int).to_numpy()
    spec_index = np.repeat(np.arange(len(specialties)), counts)
    n = len(spec_index)
    npis = _npis(rng, n + 1)
    sex = rng.random(n) < 0.5
    first = np.where(sex, np.array(_FIRST_F, dtype=object)[rng.integers(0, len(_FIRST_F), n)],
                     np.array(_FIRST_M, dtype=object)[rng.integers(0, len(_FIRST_M), n)])  # fmt: skip
    last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), n)]
    addr, city, state, zip9 = PRACTICE_ADDRESS
    group = {
        "npi": npis[0], "entity_type": "2", "last_name": PRACTICE_NAME, "first_name": "",
        "taxonomy": "193200000X", "tax_id": PRACTICE_EIN, "tax_id_type": "EI", "address1": addr,
        "city": city, "state": state, "zip": zip9, "phone": PRACTICE_PHONE, "specialty": "multi-specialty group",
    }  # fmt: skip
    people = pd.DataFrame(
        {
            "npi": npis[1:],
            "entity_type": "1",
            "last_name": last,
            "first_name": first,
            "taxonomy": specialties["taxonomy"].to_numpy()[spec_index],
            "tax_id": PRACTICE_EIN,
            "tax_id_type": "EI",
            "address1": addr,
            "city": city,
            "state": state,
            "zip": zip9,
            "specialty": specialties["specialty"].to_numpy()[spec_index],
        }
    )
    return pd.concat([pd.DataFrame([group]), people], ignore_index=True), npis[0], spec_index


def _draw_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    shares = np.array([b[2] for b in AGE_BANDS])
    band = rng.choice(len(AGE_BANDS), size=n, p=shares / shares.sum())
    lo = np.array([b[0] for b in AGE_BANDS])[band]
    hi = np.array([b[1] for b in AGE_BANDS])[band]
    return rng.integers(lo, hi, endpoint=True)


def _draw_payers(rng: np.random.Generator, payers: pd.DataFrame, age: np.ndarray) -> np.ndarray:
    band = np.where(age <= CHILD_MAX_AGE, 0, np.where(age >= SENIOR_MIN_AGE, 2, 1))
    weights = payers[["share_child", "share_adult", "share_senior"]].astype(float).to_numpy().T
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)  # [band, payer]
    u = rng.random(len(age))
    return np.minimum((u[:, None] > cum[band]).sum(axis=1), len(payers) - 1)


def _member_ids(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    n = len(kinds)
    mbi = _random_text(rng, n, _MBI_PATTERN)
    medicaid = np.char.add("9", _random_text(rng, n, (_DIGITS,) * 11).astype(str)).astype(object)
    commercial = np.char.add(
        _random_text(rng, n, ("ABCDEFGHJKLMNPRSTUVWXYZ",) * 3).astype(str),
        _random_text(rng, n, (_DIGITS,) * 9).astype(str),
    ).astype(object)
    return np.select(
        [kinds == "medicare", kinds == "medicaid", kinds == "commercial"],
        [mbi, medicaid, commercial],
        default="",
    ).astype(object)


def build_practice(rng: np.random.Generator, n_patients: int, start: date) -> Practice:
    """Draw the providers and a panel of ``n_patients`` patients (ages as of ``start``)."""
    specialties = read_table("synth_specialties.csv")
    payers = read_table("synth_payers.csv")
    providers, billing_npi, clinician_spec = _providers(rng, specialties)
    clinician_group = specialties["group"].to_numpy()[clinician_spec]

    age = _draw_ages(rng, n_patients)
    is_female = rng.random(n_patients) < FEMALE_SHARE
    day_in_year = rng.integers(0, 365, size=n_patients)
    birth = (np.datetime64(start, "D") - (age * 365.25).astype(int) - day_in_year - 1).astype("datetime64[D]")
    payer = _draw_payers(rng, payers, age)
    kinds = payers["kind"].to_numpy()[payer]

    # Children see a pediatrician, adults a family or internal medicine physician.
    peds = np.flatnonzero(clinician_group == "pediatrics")
    adult_pcps = np.flatnonzero(clinician_group == "primary_care")
    pcp = np.where(
        age <= CHILD_MAX_AGE,
        peds[rng.integers(0, len(peds), n_patients)],
        adult_pcps[rng.integers(0, len(adult_pcps), n_patients)],
    )
    member_id = _member_ids(rng, kinds)

    first = np.where(
        is_female,
        np.array(_FIRST_F, dtype=object)[rng.integers(0, len(_FIRST_F), n_patients)],
        np.array(_FIRST_M, dtype=object)[rng.integers(0, len(_FIRST_M), n_patients)],
    )
    last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), n_patients)]
    town = rng.integers(0, len(_TOWNS), n_patients)
    house = rng.integers(100, 9999, n_patients).astype(str).astype(object)
    street = (
        np.array(_STREETS, dtype=object)[rng.integers(0, len(_STREETS), n_patients)]
        + " "
        + np.array(_STREET_KINDS, dtype=object)[rng.integers(0, len(_STREET_KINDS), n_patients)]
    )
    patient_ids = pd.Series(np.arange(1, n_patients + 1)).astype(str).str.zfill(7).radd("P").to_numpy()
    patients = pd.DataFrame(
        {
            "patient_id": patient_ids,
            "last_name": last,
            "first_name": first,
            "birth_date": pd.Series(birth).astype("datetime64[ns]"),
            "sex": np.where(is_female, "F", "M"),
            "address1": house + " " + street,
            "city": np.array([t[0] for t in _TOWNS], dtype=object)[town],
            "state": np.array([t[1] for t in _TOWNS], dtype=object)[town],
            "zip": np.array([t[2] for t in _TOWNS], dtype=object)[town],
        }
    )
    return Practice(
        providers=providers,
        payers=payers,
        patients=patients,
        specialties=specialties,
        billing_npi=billing_npi,
        clinician_npi=providers["npi"].to_numpy()[1:],
        clinician_specialty=clinician_spec,
        clinician_group=clinician_group,
        age=age,
        is_female=is_female,
        payer=payer,
        pcp=pcp,
        member_id=member_id,
    )
