"""Names for the identifiers the reports show: payers by name, providers by name beside their NPI,
adjustment reasons with their CARC text.

Names come from the practice's own ``payers`` and ``providers`` tables; an identifier missing from
them is shown as it is, so nothing disappears. :func:`named` swaps the identifier columns of a
report table for name columns in one call.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from medbill.analytics.tables import as_tables, shared_tables

# Placeholders the analytics functions put in a group column: shown as they are.
PLACEHOLDERS = frozenset({"total", "all", "(none)", "(none given)", "(no service date)"})


def payer_names(data: Any) -> pd.Series:
    """payer_id -> payer name, from the practice's payers table."""
    payers = shared_tables(data).payers.drop_duplicates("payer_id")
    names = payers["name"].astype("string").fillna(payers["payer_id"].astype("string"))
    return pd.Series(names.to_numpy(), index=payers["payer_id"].astype("string"), dtype="string")


def provider_names(data: Any) -> pd.Series:
    """NPI -> "First Last" for a person, the organisation's name otherwise."""
    providers = shared_tables(data).providers.drop_duplicates("npi")
    first = providers["first_name"].astype("string").fillna("").str.strip()
    last = providers["last_name"].astype("string").fillna("").str.strip()
    full = (first + " " + last).str.strip()
    full = full.mask(full.eq(""), providers["npi"].astype("string"))
    return pd.Series(full.to_numpy(), index=providers["npi"].astype("string"), dtype="string")


def _mapped(values: pd.Series, names: pd.Series) -> pd.Series:
    text = values.astype("string")
    # an empty names table maps to float NaN: make it text before filling in the identifiers
    return text.map(names).astype("string").fillna(text)


def patient_names(data: Any) -> pd.Series:
    """patient_id -> "First Last", from the practice's patients table."""
    patients = as_tables(data).patients.drop_duplicates("patient_id")
    first = patients.get("first_name", pd.Series("", index=patients.index)).astype("string").fillna("")
    last = patients.get("last_name", pd.Series("", index=patients.index)).astype("string").fillna("")
    full = (first.str.strip() + " " + last.str.strip()).str.strip()
    full = full.mask(full.eq(""), patients["patient_id"].astype("string"))
    return pd.Series(full.to_numpy(), index=patients["patient_id"].astype("string"), dtype="string")


def payer_of(values: pd.Series, data: Any) -> pd.Series:
    """Each payer_id as its payer's name (the id itself when the payers table lacks it)."""
    return _mapped(values, payer_names(data))


def provider_of(values: pd.Series, data: Any, *, with_npi: bool = False) -> pd.Series:
    """Each NPI as its provider's name, ``with_npi`` as "Chloe Parker (NPI 1101604183)"."""
    text = values.astype("string")
    names = _mapped(values, provider_names(data))
    if not with_npi:
        return names
    known = text.notna() & ~text.isin(PLACEHOLDERS) & names.ne(text)
    return names.where(~known, names + " (NPI " + text + ")")


def reason_text(groups: pd.Series | None, reasons: pd.Series) -> pd.Series:
    """ "CO-16 Claim/service lacks information ..." per adjustment (group, when given, and CARC),
    from :mod:`medbill.refdata.carc`; an unknown code says "(not in the CARC list)"."""
    from medbill.refdata import carc

    codes = reasons.astype("string").str.strip()
    described = codes.map(carc.table()["description"]).astype("string")
    prefix = codes if groups is None else groups.astype("string").fillna("") + "-" + codes
    out = (prefix + " " + described.fillna("(not in the CARC list)")).astype("string")
    return out.mask(codes.isna() | codes.isin(PLACEHOLDERS), codes.fillna("(none given)"))


def group_text(groups: pd.Series) -> pd.Series:
    """Each adjustment group as "CO Contractual obligation" (:data:`medbill.refdata.carc.GROUP_CODES`)."""
    from medbill.refdata.carc import GROUP_CODES

    text = groups.astype("string")
    meaning = text.map({k: v.split(":")[0] for k, v in GROUP_CODES.items()})
    return (text + " " + meaning).fillna(text).astype("string")


def remark_text(codes: pd.Series) -> pd.Series:
    """Each RARC as "N290 The rendering provider's ..." from :mod:`medbill.refdata.rarc`."""
    from medbill.refdata import rarc

    text = codes.astype("string")
    described = text.map(lambda c: rarc.get(c) if isinstance(c, str) else None)
    return (text + " " + described.fillna("(not in medbill's RARC table)")).mask(text.isna())


def place_of(codes: pd.Series) -> pd.Series:
    """Each place-of-service code as "11 Office" (:mod:`medbill.refdata.pos`)."""
    from medbill.refdata import pos

    text = codes.astype("string")
    names = text.map(pos.table()["name"]).astype("string")
    return (text + " " + names).fillna(text).astype("string")


def procedure_label(codes: pd.Series) -> pd.Series:
    """medbill's own plain-language label of each CPT/HCPCS code (never AMA text), empty when it has
    none (:func:`medbill.refdata.cpt.labels`)."""
    from medbill.refdata import cpt

    return codes.astype("string").map(cpt.labels()["label"]).astype("string").fillna("")


def diagnosis_code(codes: pd.Series) -> pd.Series:
    """Each compact ICD-10-CM code in its display form ("E785" -> "E78.5"), as a coder reads it;
    text that is no code (a placeholder, junk) is shown as it is."""
    from medbill.exceptions import CodeError
    from medbill.refdata import icd10cm

    def shown(code: str) -> str:
        try:
            return icd10cm.format(code)
        except CodeError:
            return code

    text = codes.astype("string")
    return text.map(shown, na_action="ignore").astype("string")


def diagnosis_axis(frame: pd.DataFrame, level: str) -> pd.Series:
    """Chart labels for :func:`medbill.analytics.summary.top_diagnoses` rows: the chapter, block or
    code with its title ("Chapter 10 Diseases of the respiratory system")."""
    key = frame[level].astype("string")
    prefix = "Chapter " + key if level == "chapter" else key
    titled = frame["title"].astype("string").fillna("").str.strip().ne("")
    return (
        (prefix + " " + frame["title"].astype("string"))
        .where(titled, prefix)
        .mask(key.isin(PLACEHOLDERS) | key.str.startswith("("), key)
    )


def named(
    frame: pd.DataFrame, data: Any, *, npi_column: bool = True, with_patient_names: bool = False
) -> pd.DataFrame:
    """``frame`` with payer and provider identifiers shown as names.

    ``payer_id`` becomes ``payer`` (the name); ``rendering_npi`` / ``billing_npi`` become
    ``provider`` / ``billing_provider`` (the name) followed by the NPI itself when ``npi_column``.
    Identifier columns are replaced where they stand, so the column order is kept. With
    ``with_patient_names`` (tables a biller works patient balances from), ``patient_name`` follows
    ``patient_id``; other tables keep to the account number.
    """
    out = frame.copy()
    if with_patient_names and "patient_id" in out.columns:
        names = _mapped(out["patient_id"], patient_names(data))
        out.insert(out.columns.get_loc("patient_id") + 1, "patient_name", names)
    if "place_of_service" in out.columns:
        out["place_of_service"] = place_of(out["place_of_service"])
    if "payer_id" in out.columns:
        at = out.columns.get_loc("payer_id")
        out.insert(at, "payer", payer_of(out.pop("payer_id"), data))
        if "payer_name" in out.columns:
            out = out.drop(columns="payer_name")
    for column, name in (("rendering_npi", "provider"), ("billing_npi", "billing_provider")):
        if column not in out.columns:
            continue
        at = out.columns.get_loc(column)
        npis = out.pop(column)
        out.insert(at, name, provider_of(npis, data))
        if npi_column:
            shown = npis.astype("string").mask(npis.astype("string").isin(PLACEHOLDERS), "")
            out.insert(at + 1, f"{name}_npi", shown)
    return out


def named_index(frame: pd.DataFrame, data: Any) -> pd.DataFrame:
    """A table indexed by payer_id / rendering_npi (``ar_aging``) with the index as names."""
    index = frame.index.to_series()
    if frame.index.name == "payer_id":
        names = payer_of(index, data)
        return frame.set_axis(pd.Index(names, name="payer"))
    if frame.index.name in ("rendering_npi", "billing_npi"):
        names = provider_of(index, data, with_npi=True)
        return frame.set_axis(pd.Index(names, name="provider"))
    return frame


def provider_name(npi: str, data: Any) -> str:
    """One provider's name ("Chloe Parker"), or the NPI itself when the providers table lacks it."""
    return str(provider_of(pd.Series([npi], dtype="string"), data).iloc[0])


def payer_name(payer_id: str, data: Any) -> str:
    """One payer's name, or the payer_id itself when the payers table lacks it."""
    return str(payer_of(pd.Series([payer_id], dtype="string"), data).iloc[0])
