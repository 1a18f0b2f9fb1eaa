"""Age and sex edits: MCE lists (newborn, pediatric, maternity, adult, female, male) and the tabular's
own chapter rules (chapter 15 maternal records only, chapter 16 newborn records only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, no_findings, rule
from medbill.edits.rules._util import Groups, display_codes
from medbill.refdata import coverage
from medbill.refdata import mce as mce_tables

_MCE = "CMS Medicare Code Editor, Definitions of Medicare Code Edits"


def _starts(b: Batch, letter: str) -> np.ndarray:
    """Bool per claim diagnosis: its code starts with ``letter`` (decided per distinct code)."""
    dx = b.dx_long
    starts = np.strings.startswith(b.dx_vocab.astype(str), letter)
    return starts[dx["code_id"].to_numpy()] if starts.any() else np.zeros(len(dx), dtype=bool)


def _ages(b: Batch) -> np.ndarray:
    """Age per claim in whole years on the first date of service, NaN when either date is missing
    (memoised)."""
    if "claim_age" not in b.memo:
        dos, birth = b.claim_dos.to_numpy(dtype="datetime64[ns]"), b.claim_values["patient_birth_date"]

        def parts(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            months = d.astype("datetime64[M]")
            days = (d.astype("datetime64[D]") - months.astype("datetime64[D]")).astype("int64")
            months = months.astype("int64")
            return months // 12, months % 12, days

        (y1, m1, d1), (y0, m0, d0) = parts(dos), parts(birth)
        before_birthday = (m1 < m0) | ((m1 == m0) & (d1 < d0))
        age = (y1 - y0 - before_birthday).astype("float64")
        age[np.isnat(dos) | np.isnat(birth)] = np.nan
        b.memo["claim_age"] = age
    return b.memo["claim_age"]


def _claim_dx(b: Batch) -> pd.DataFrame:
    """Diagnoses with the claim's age (whole years on the first date of service) and sex (memoised)."""
    if "claim_dx" not in b.memo:
        dx = b.dx_long
        claim = dx["claim"].to_numpy()
        b.memo["claim_dx"] = dx.assign(
            age=_ages(b)[claim],
            dos=b.claim_dos.to_numpy()[claim],
            sex=b.claim_values["patient_sex"][claim],
        )
    return b.memo["claim_dx"].copy()


_mce_lists: dict[tuple, tuple[pd.DataFrame, Groups, np.ndarray, np.ndarray, frozenset[str]]] = {}


def _mce_list(
    releases: list, edits: list[str]
) -> tuple[pd.DataFrame, Groups, np.ndarray, np.ndarray, frozenset[str]]:
    """Diagnosis rows (release position, code, edit) of the given MCE lists, grouped by code; built
    once per set of installed releases rather than filtered out of every MCE table on each call."""
    key = (tuple((p.release, p.sha256) for p, _ in releases), tuple(edits))
    if key not in _mce_lists:
        lists = pd.concat(
            [
                t[(t["code_type"] == "D") & t["edit"].isin(edits)].assign(release=i)
                for i, (_, t) in enumerate(releases)
            ],
            ignore_index=True,
        )
        _mce_lists[key] = (
            lists[["release", "code", "edit"]],
            Groups(lists["code"].to_numpy(dtype=object)),
            lists["release"].to_numpy(),
            lists["edit"].to_numpy(dtype=object),
            frozenset(lists["code"]),
        )
    return _mce_lists[key]


def _releases(b: Batch) -> list:
    """The installed MCE releases with their tables, looked up once per batch (a directory scan)."""
    if "mce_releases" not in b.memo:
        b.memo["mce_releases"] = mce_tables.load()
    return b.memo["mce_releases"]


def _claim_release(b: Batch, provs: list) -> np.ndarray:
    """The MCE release in effect on each claim's date (-1 for none: the claims with diagnoses no
    release covers are listed as skipped by the running rule), worked out once per batch."""
    dos = b.claim_dos.to_numpy()

    def record() -> None:
        has_dx = np.zeros(len(dos), dtype=bool)
        has_dx[b.dx_long["claim"].to_numpy()] = True
        with_dx = np.flatnonzero(has_dx)
        b.skip_claims_labelled(with_dx, *coverage.uncovered_labels("mce", provs, dos[with_dx]))

    b.shared_skips("mce_uncovered", record)
    if "mce_claim_release" not in b.memo:
        b.memo["mce_claim_release"] = coverage.in_effect_many(provs, dos)
    return b.memo["mce_claim_release"]


def _mce_pairs(b: Batch, edits: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(diagnosis row of ``dx_long``, its list row, that row's edit) for the claim diagnoses on the
    given MCE lists, matched against the MCE release in effect on the date."""
    releases = _releases(b)
    _, by_code, release, edit, listed = _mce_list(releases, edits)
    dx = b.dx_long
    provs = [p for p, _ in releases]
    claim_release = _claim_release(b, provs)
    if not any(code in listed for code in b.dx_vocab) or (claim_release < 0).all():  # the usual case
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64"), edit[:0]
    # Each diagnosis with the list rows of its code (in list order), kept where the release matches.
    row, entry = by_code.expand(dx["code"].to_numpy(dtype=object))
    if len(row):
        same = release[entry] == claim_release[dx["claim"].to_numpy()[row]]
        row, entry = row[same], entry[same]
    return row, entry, edit[entry]


def _mce_hits(b: Batch, edits: list[str], row: np.ndarray, entry: np.ndarray) -> pd.DataFrame:
    """The :func:`_mce_pairs` as a frame: the diagnoses with age, sex, release, edit and MCE version."""
    releases = _releases(b)
    provs = [p for p, _ in releases]
    lists, _, release, _, _ = _mce_list(releases, edits)
    hit = _claim_dx(b).iloc[row].reset_index(drop=True)
    hit["release"] = release[entry]
    hit["edit"] = lists["edit"].iloc[entry].reset_index(drop=True)
    hit["mce"] = np.array([p.release for p in provs], dtype=object)[hit["release"].to_numpy()]
    return hit


@rule(
    "MCE-AGE",
    title="Diagnosis inconsistent with the patient's age",
    category="age_sex",
    severity="error",
    reference=f"{_MCE}, section 4 (age conflict)",
    explanation=(
        "The MCE lists diagnoses that are only plausible at some ages: newborn (age 0), pediatric (0-17), "
        "maternity (12-55) and adult (15-124). A diagnosis outside its range means the code or the birth date is wrong."
    ),
    fix="Check the birth date, then pick the code meant for the patient's age group.",
)
def mce_age(b: Batch) -> pd.DataFrame:
    edits = list(mce_tables.AGE_LIMITS)
    row, entry, edit = _mce_pairs(b, edits)
    if not len(row):
        return no_findings()
    ids, names = pd.factorize(edit)
    limits = np.array([mce_tables.AGE_LIMITS[n] for n in names], dtype="int64").reshape(-1, 2)[ids]
    age = _ages(b)[b.dx_long["claim"].to_numpy()[row]]
    if not (~np.isnan(age) & ((age < limits[:, 0]) | (age > limits[:, 1]))).any():
        return no_findings()
    hit = _mce_hits(b, edits, row, entry)
    lo = hit["edit"].map({k: v[0] for k, v in mce_tables.AGE_LIMITS.items()}).astype("int64")
    hi = hit["edit"].map({k: v[1] for k, v in mce_tables.AGE_LIMITS.items()}).astype("int64")
    bad = hit[hit["age"].notna() & ((hit["age"] < lo) | (hit["age"] > hi))]
    lo, hi = lo[bad.index], hi[bad.index]
    group = bad["edit"].str.replace("_Only", "", regex=False).str.lower()
    return findings(
        bad["claim"],
        -1,
        "dx" + bad["pos"].astype(str),
        display_codes(bad["code"]),
        display_codes(bad["code"])
        + " is a "
        + group
        + " diagnosis (ages "
        + lo.astype(str)
        + "-"
        + hi.astype(str)
        + ") but the patient is "
        + bad["age"].astype("int64").astype(str),
        reference=_MCE + " " + bad["mce"] + ", " + bad["edit"],
    )


@rule(
    "MCE-SEX",
    title="Diagnosis inconsistent with the patient's sex",
    category="age_sex",
    severity="error",
    reference=f"{_MCE}, section 5 (sex conflict)",
    explanation="The MCE lists diagnoses that apply to one sex only (female-only and male-only lists).",
    fix="Check the patient's recorded sex, then the code; U (unknown) sex is not edited.",
)
def mce_sex(b: Batch) -> pd.DataFrame:
    edits = list(mce_tables.SEX_EDITS)
    row, entry, edit = _mce_pairs(b, edits)
    if not len(row):
        return no_findings()
    ids, names = pd.factorize(edit)
    want = np.array([mce_tables.SEX_EDITS[n] for n in names], dtype=object)[ids]
    sex = b.claim_values["patient_sex"][b.dx_long["claim"].to_numpy()[row]]
    if not (((sex == "F") | (sex == "M")) & (sex != want)).any():
        return no_findings()
    hit = _mce_hits(b, edits, row, entry)
    want = hit["edit"].map(mce_tables.SEX_EDITS)
    bad = hit[hit["sex"].isin(["F", "M"]) & hit["sex"].ne(want)]
    return findings(
        bad["claim"],
        -1,
        "dx" + bad["pos"].astype(str),
        display_codes(bad["code"]),
        display_codes(bad["code"])
        + " is on the "
        + bad["edit"].str.replace("_", "-").str.lower()
        + " list but the patient's sex is "
        + bad["sex"].astype(str),
        reference=_MCE + " " + bad["mce"] + ", " + bad["edit"],
    )


@rule(
    "ICD-CH15-MATERNAL",
    title="Obstetric code on a record that is not maternal",
    category="age_sex",
    severity="error",
    reference="ICD-10-CM Official Guidelines I.C.15.a.1 (chapter 15 codes are for maternal records only)",
    explanation="Chapter 15 (O00-O9A) codes describe the mother; they never go on a newborn's or a male patient's claim.",
    fix="On the newborn's record use chapter 16 (P) codes; check the patient's sex and birth date.",
)
def ch15_maternal(b: Batch) -> pd.DataFrame:
    obstetric = _starts(b, "O")
    if not obstetric.any():  # the usual case: no age and sex to work out
        return no_findings()
    claim = b.dx_long["claim"].to_numpy()[obstetric]
    if not ((b.claim_values["patient_sex"][claim] == "M") | (_ages(b)[claim] < 1)).any():
        return no_findings()
    dx = _claim_dx(b)
    o = dx[obstetric]
    bad = o[o["sex"].eq("M") | (o["age"] < 1)]
    why = np.where(bad["sex"].eq("M"), "the patient is male", "the patient is a newborn (age 0)")
    return findings(
        bad["claim"],
        -1,
        "dx" + bad["pos"].astype(str),
        display_codes(bad["code"]),
        display_codes(bad["code"]) + " is a chapter 15 (pregnancy) code but " + why,
    )


@rule(
    "ICD-CH16-NEWBORN",
    title="Perinatal code on a maternal record",
    category="age_sex",
    severity="error",
    reference="ICD-10-CM Official Guidelines I.C.16 (chapter 16 codes are for newborn records only, never maternal records)",
    explanation="Chapter 16 (P00-P96) codes describe the newborn; with chapter 15 codes on the same claim, the claim is a maternal record.",
    fix="Remove the P code from the mother's claim; bill the newborn's care on the newborn's own claim.",
)
def ch16_newborn(b: Batch) -> pd.DataFrame:
    dx = b.dx_long
    obstetric = _starts(b, "O")
    if not obstetric.any():  # no maternal record in the batch
        return no_findings()
    claim = dx["claim"].to_numpy()
    maternal = np.zeros(len(b.claim_values["claim_id"]), dtype=bool)
    maternal[claim[obstetric]] = True
    perinatal = _starts(b, "P") & maternal[claim]
    if not perinatal.any():
        return no_findings()
    bad = dx[perinatal]
    return findings(
        bad["claim"],
        -1,
        "dx" + bad["pos"].astype(str),
        display_codes(bad["code"]),
        display_codes(bad["code"])
        + " is a chapter 16 (newborn) code on a maternal record (chapter 15 codes present)",
    )
