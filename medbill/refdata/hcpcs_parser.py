"""Parser for the CMS HCPCS Level II annual/quarterly file (the "ANWEB" 320-byte fixed-width text).

Record layout (CMS "HCPCS Record Layout", 1-based byte positions):

=====================  =======  ==============================================================
field                  bytes    notes
=====================  =======  ==============================================================
code                   1-5      procedure code, or a modifier right-justified ("   LT")
sequence number        6-10     00100 for the first line, 00200... for continuation lines
record identification  11       3 procedure, 4 procedure continuation, 7 modifier, 8 modifier
                                continuation
long description       12-91    continued on the following lines with the same code
short description      92-119
pricing indicators     120-127  four 2-byte occurrences
multiple pricing ind.  128
CIM references         129-146  three 6-byte occurrences
MCM references         147-170  three 8-byte occurrences
statute                171-180
lab certification      181-204  eight 3-byte occurrences
cross reference        205-229  five 5-byte occurrences
coverage code          230
ASC group / date       231-240
MOG group/ind./date    241-252
processing note        253-256
BETOS                  257-259
type of service        261-265  five 1-byte occurrences
anesthesia base units  266-268
code added date        269-276  CCYYMMDD
action effective date  277-284
termination date       285-292  blank while the code is active
action code            293
=====================  =======  ==============================================================

Continuation lines are published with trailing blanks trimmed, so only the first line of each code
is 320 bytes long. The file opens with a free-text disclaimer before the first record.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.refdata.store import as_path

RECORD_LENGTH = 320
EXPECTED = (
    "a CMS HCPCS Level II alpha-numeric file: the release zip, or the 320-byte fixed-width "
    "text file inside it (HCPCyyyy_ANWEB...txt)"
)
# (name, first byte, last byte) of the fields medbill keeps, from the layout above.
FIELDS: tuple[tuple[str, int, int], ...] = (
    ("short_description", 92, 119),
    ("pricing_indicators", 120, 127),
    ("multiple_pricing", 128, 128),
    ("statute", 171, 180),
    ("cross_reference", 205, 229),
    ("coverage", 230, 230),
    ("processing_note", 253, 256),
    ("betos", 257, 259),
    ("type_of_service", 261, 265),
    ("anesthesia_base_units", 266, 268),
    ("added", 269, 276),
    ("action_effective", 277, 284),
    ("terminated", 285, 292),
    ("action", 293, 293),
)
DATE_FIELDS = ("added", "action_effective", "terminated")
# A record line: 5-byte code, 5-digit sequence, record id 3/4/7/8.
_RECORD = re.compile(r"^[ A-Z0-9]{5}\d{5}[3478]")
_ANWEB_MEMBER = re.compile(r"ANWEB.*\.txt$", re.IGNORECASE)
_RELEASE_NAME = re.compile(r"HCPC(?P<year>\d{4})(?:_(?P<quarter>JAN|APR|JUL|OCT))?", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedFile:
    """A parsed HCPCS file: one row per code or modifier, and the release it names."""

    table: pd.DataFrame
    release: str  # "2020", or "2020-APR" for a quarterly file
    member: str  # the text file's name (inside the zip when one was given)


def read_text(path: Path) -> tuple[str, str]:
    """Return (member name, decoded text) of the ANWEB text file in ``path`` (zip or text)."""
    path = as_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc}. Expected {EXPECTED}.") from exc
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [n for n in zf.namelist() if _ANWEB_MEMBER.search(n)]
                if not members:
                    raise ImportFailed(
                        f"{path} is a zip without an ANWEB text file (members: "
                        f"{', '.join(zf.namelist()[:8])}). Expected {EXPECTED}."
                    )
                member = sorted(members)[0]
                raw = zf.read(member)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise ImportFailed(f"{path} is not a readable zip ({exc}). Expected {EXPECTED}.") from exc
    else:
        member = path.name
    # CMS publishes these files in Windows-1252 (curly apostrophes in the disclaimer and some titles).
    return member, raw.decode("cp1252", errors="replace")


def parse(path: Path) -> ParsedFile:
    """Parse an HCPCS release file; raise ``ImportFailed`` naming the file and what was expected."""
    member, text = read_text(path)
    lines = pd.Series(text.splitlines(), dtype="string")
    is_record = lines.str.contains(_RECORD, regex=True)
    if not is_record.any():
        raise ImportFailed(f"{path} ({member}) holds no HCPCS records. Expected {EXPECTED}.")
    first = int(is_record.idxmax())
    body = lines.iloc[first:]
    stray = body[~is_record.iloc[first:] & (body.str.strip() != "")]
    if len(stray):
        line_no = int(stray.index[0]) + 1
        raise ImportFailed(
            f"{path} ({member}) line {line_no} is not an HCPCS record: {stray.iloc[0][:60]!r}. "
            f"Expected {EXPECTED}."
        )
    last = lines.iloc[-1]
    if not text.endswith("\n") and len(last) != RECORD_LENGTH and last.strip():
        raise ImportFailed(
            f"{path} ({member}) ends in the middle of a record (line {len(lines)}); the file looks "
            f"truncated. Expected {EXPECTED}."
        )
    # Plain Python strings: fixed-width slicing is faster on them than on Arrow strings.
    body = body[is_record.iloc[first:]].str.pad(RECORD_LENGTH, side="right").astype(object)
    record_id = body.str[10]
    heads = body[record_id.isin(["3", "7"])]
    too_short = lines.iloc[heads.index].str.len() < 293
    if too_short.any():
        line_no = int(too_short.idxmax()) + 1
        raise ImportFailed(
            f"{path} ({member}) line {line_no} is shorter than a {RECORD_LENGTH}-byte HCPCS record "
            f"(the file may be truncated). Expected {EXPECTED}."
        )
    table = _first_lines(heads)
    table["long_description"] = _long_descriptions(body).reindex(table.index)
    return ParsedFile(table=table.reset_index(), release=_release_name(member, table), member=member)


def _first_lines(heads: pd.Series) -> pd.DataFrame:
    codes = heads.str[0:5].str.strip()
    duplicated = codes[codes.duplicated()]
    if len(duplicated):
        raise ImportFailed(f"HCPCS file lists code {duplicated.iloc[0]!r} twice as a first line.")
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="code"))
    out["kind"] = pd.Categorical(
        heads.str[10].map({"3": "procedure", "7": "modifier"}).to_numpy(), ["procedure", "modifier"]
    )
    for name, start, end in FIELDS:
        out[name] = heads.str[start - 1 : end].str.strip().to_numpy()
    for name in DATE_FIELDS:
        raw = out[name].astype("string")
        parsed = pd.to_datetime(raw, format="%Y%m%d", errors="coerce")
        bad = raw.ne("") & parsed.isna()
        if bad.any():
            code = out.index[bad.to_numpy().nonzero()[0][0]]
            raise ImportFailed(f"HCPCS code {code}: {name} date {raw[bad].iloc[0]!r} is not CCYYMMDD.")
        out[name] = parsed.dt.date.astype(object).where(parsed.notna(), None)
    return out


def _long_descriptions(body: pd.Series) -> pd.Series:
    """Join each code's first line and continuation lines (in sequence order) into one text."""
    parts = sorted(zip(body.str[0:5].str.strip(), body.str[5:10], body.str[11:91], strict=True))
    joined = {
        code: " ".join(" ".join(text.split()) for _, _, text in group)
        for code, group in itertools.groupby(parts, key=lambda p: p[0])
    }
    return pd.Series(joined, dtype=object).str.strip()


def _release_name(member: str, table: pd.DataFrame) -> str:
    m = _RELEASE_NAME.search(member)
    if m:
        return m["year"] + (f"-{m['quarter'].upper()}" if m["quarter"] else "")
    # Without a telling name, the release is the year of the latest action in the file.
    latest = max(d for d in table["action_effective"] if d is not None)
    return str(latest.year)
