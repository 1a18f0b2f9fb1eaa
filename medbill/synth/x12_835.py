"""X12 835 (005010X221A1) writer for the remittance tables: one file per payment.

Built column-wise: each service line's segments (SVC, DTM*472, CAS per group, REF*6R, AMT*B6,
LQ*HE) are one string made with vectorised concatenation, joined per claim under its CLP and NM1*QC,
then per payment between the header (BPR, TRN, payer and payee loops) and the trailer. Amounts
balance as the tables do: per line charge - paid - adjustments = 0, and BPR02 = sum of CLP04.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medbill.claims.tables import ClaimsData
from medbill.exceptions import X12Error

VERSION = "005010X221A1"
# X12 SBR09 (837) claim filing indicators -> the 835 CLP06 code list, which lacks BL and CI.
CLP06 = {"MB": "MB", "MA": "MA", "MC": "MC", "HM": "HM", "BL": "12", "CI": "12", "ZZ": "ZZ"}
_DFI = "071000013"  # synthetic routing/account numbers on the EFT lines
_ACCOUNT = "123456789"


def _amount(values: pd.Series) -> pd.Series:
    """X12 R type: two decimals at most, no needless trailing zeros ("100", "40.5", "12.34")."""
    text = pd.Series(np.char.mod("%.2f", values.to_numpy(dtype=float)), index=values.index, dtype=object)
    return text.str.replace(r"\.00$", "", regex=True).str.replace(r"(\.\d)0$", r"\1", regex=True)


def _units(values: pd.Series) -> pd.Series:
    text = pd.Series(np.char.mod("%.3f", values.to_numpy(dtype=float)), index=values.index, dtype=object)
    return text.str.rstrip("0").str.rstrip(".")


def _d8(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y%m%d").astype(object)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str)


def _join_by(keys: list[pd.Series], text: pd.Series) -> pd.Series:
    """Concatenate ``text`` per key, keeping row order inside each key."""
    return text.groupby(keys, sort=False).agg("".join)


def payment_texts(data: ClaimsData) -> dict[str, str]:
    """The 835 text of every payment in ``data``'s remittance tables, keyed by payment id."""
    if data.remit_payments is None or data.remit_claims is None or data.remit_lines is None:
        raise X12Error("no remittance tables to write as 835 (remit_payments, remit_claims, remit_lines)")
    t = "~\n"
    lines = data.remit_lines.reset_index(drop=True)
    adj = data.remit_adjustments if data.remit_adjustments is not None else pd.DataFrame(columns=["claim_id"])
    remarks = data.remit_remarks if data.remit_remarks is not None else pd.DataFrame(columns=["claim_id"])

    # CAS: one segment per line and group, up to six reason/amount pairs each.
    adj = adj.reset_index(drop=True)
    adj["_pair"] = _text(adj["reason"]) + "*" + _amount(adj["amount"])
    adj["_n"] = adj.groupby(["claim_id", "line_number", "group"], sort=False).cumcount() // 6
    cas = _join_by(
        [adj["claim_id"], adj["line_number"], adj["group"], adj["_n"]], adj["_pair"].radd("**")
    ).reset_index()
    cas["text"] = "CAS*" + cas["group"].astype(str) + "*" + cas["_pair"].str[2:] + t
    cas_text = _join_by([cas["claim_id"], cas["line_number"]], cas["text"])
    lq_text = _join_by([remarks["claim_id"], remarks["line_number"]], "LQ*HE*" + _text(remarks["code"]) + t)

    key = pd.MultiIndex.from_frame(lines[["claim_id", "line_number"]])
    proc = "HC:" + _text(lines["procedure_code"])
    for col in ("modifier1", "modifier2", "modifier3", "modifier4"):
        mod = _text(lines[col])
        proc = proc + np.where(mod != "", ":" + mod, "")
    line_text = (
        "SVC*" + proc + "*" + _amount(lines["charge"]) + "*" + _amount(lines["paid"]) + "**" + _units(lines["units"]) + t
        + "DTM*472*" + _d8(lines["service_date"]) + t
        + pd.Series(cas_text.reindex(key).fillna("").to_numpy(), dtype=object)
        + "REF*6R*" + lines["line_number"].astype(str) + t
        + "AMT*B6*" + _amount(lines["allowed"]) + t
        + pd.Series(lq_text.reindex(key).fillna("").to_numpy(), dtype=object)
    )  # fmt: skip
    per_claim_lines = _join_by([lines["payment_id"], lines["claim_id"]], line_text)

    claims = data.remit_claims.reset_index(drop=True)
    facts = data.claims.set_index("claim_id")
    patients = data.patients.set_index("patient_id") if data.patients is not None else None
    payers = data.payers.set_index("payer_id") if data.payers is not None else None
    patient_id = claims["claim_id"].map(facts["patient_id"])
    last = _text(patient_id.map(patients["last_name"])) if patients is not None else ""
    first = _text(patient_id.map(patients["first_name"])) if patients is not None else ""
    member = _text(claims["claim_id"].map(facts["member_id"]))
    indicator = (
        claims["claim_id"].map(facts["payer_id"]).map(payers["claim_filing_indicator"])
        if payers is not None
        else None
    )
    clp06 = _text(indicator.map(CLP06)) if indicator is not None else "ZZ"
    pos = _text(claims["claim_id"].map(facts["place_of_service"])).replace("", "11")
    pr = claims["patient_responsibility"]
    claim_text = (
        "CLP*" + _text(claims["claim_id"]) + "*" + _text(claims["status_code"]) + "*" + _amount(claims["charge"])
        + "*" + _amount(claims["paid"]) + "*" + np.where(pr > 0, _amount(pr), "") + "*" + clp06
        + "*" + _text(claims["payer_claim_control"]) + "*" + pos + "*1" + t
        + "NM1*QC*1*" + last + "*" + first + np.where(member != "", "****MI*" + member, "") + t
    )  # fmt: skip
    claim_key = pd.MultiIndex.from_frame(claims[["payment_id", "claim_id"]])
    claim_text = claim_text + pd.Series(
        per_claim_lines.reindex(claim_key).fillna("").to_numpy(), dtype=object
    )
    body = _join_by([claims["payment_id"]], claim_text)

    billing = _payee(data)
    out: dict[str, str] = {}
    for i, pay in enumerate(data.remit_payments.itertuples(index=False), start=1):  # one per payment
        text = body.get(pay.payment_id, "")
        payer = payers.loc[pay.payer_id] if payers is not None and pay.payer_id in payers.index else None
        out[pay.payment_id] = _envelope(i, pay, payer, billing, "LX*1" + t + text, t)
    return out


def _payee(data: ClaimsData) -> pd.Series:
    providers = data.providers
    if providers is None or data.remit_payments is None or not len(data.remit_payments):
        raise X12Error("the 835 payee needs the providers table and a payee NPI on remit_payments")
    npi = data.remit_payments["payee_npi"].iloc[0]
    match = providers[providers["npi"] == npi]
    if match.empty:
        raise X12Error(f"payee NPI {npi} is not in the providers table")
    return match.iloc[0]


def _envelope(n: int, pay: Any, payer: pd.Series | None, payee: pd.Series, body: str, t: str) -> str:
    day: date = pay.payment_date.date()
    d8 = day.strftime("%Y%m%d")
    amount = _amount(pd.Series([pay.amount])).iloc[0]
    sender = str(pay.payer_id)
    if pay.method == "ACH":
        bpr = f"BPR*I*{amount}*C*ACH*CCP*01*{_DFI}*DA*{_ACCOUNT}*1{sender[:9]:0<9}**01*{_DFI}*DA*{_ACCOUNT}*{d8}"
    elif pay.method == "CHK":
        bpr = f"BPR*I*{amount}*C*CHK************{d8}"
    else:
        bpr = f"BPR*H*{amount}*C*NON************{d8}"

    def field(value: object) -> str:
        return "" if value is None or pd.isna(value) else str(value)

    payer_name = field(pay.payer_name)
    payer_addr = ""
    if payer is not None and field(payer.get("address1")):
        payer_addr = f"N3*{payer['address1']}{t}N4*{payer['city']}*{payer['state']}*{payer['zip']}{t}"
    header = (
        f"ST*835*0001{t}{bpr}{t}TRN*1*{pay.payment_id}*1{sender[:9]:0<9}{t}DTM*405*{d8}{t}"
        f"N1*PR*{payer_name}{t}{payer_addr}REF*2U*{sender}{t}PER*BL*PROVIDER SERVICES*TE*8005550100{t}"
        f"N1*PE*{field(payee['last_name'])}*XX*{field(payee['npi'])}{t}"
        f"N3*{field(payee['address1'])}{t}N4*{field(payee['city'])}*{field(payee['state'])}*{field(payee['zip'])}{t}"
        f"REF*TJ*{field(payee['tax_id'])}{t}"
    )
    transaction = header + body
    segments = transaction.count("~") + 1
    yymmdd, control = d8[2:], f"{n:09d}"
    return (
        f"ISA*00*          *00*          *ZZ*{sender[:15]:<15}*ZZ*{'MEDBILLSYNTH':<15}*{yymmdd}*1200*^*00501*{control}*0*P*:{t}"
        f"GS*HP*{sender}*MEDBILLSYNTH*{d8}*1200*{n}*X*{VERSION}{t}"
        f"{transaction}SE*{segments}*0001{t}GE*1*{n}{t}IEA*1*{control}{t}"
    )


def write_835s(data: ClaimsData, folder: str | Path) -> list[Path]:
    """Write one ``<payment_id>.835`` per payment into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for payment_id, text in payment_texts(data).items():
        path = folder / f"{payment_id}.835"
        path.write_text(text, encoding="ascii", newline="\n")
        written.append(path)
    return written
