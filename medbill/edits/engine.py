"""The rule engine: rules are data, checks are vectorised, every input row is accounted for.

A :class:`Rule` carries its id, title, category, severity, the reference it rests on, an explanation,
a fix hint and a ``check(batch) -> DataFrame`` over the whole claims/lines batch. A check returns one
row per finding with the positional ``claim`` and ``line`` (``-1`` for a claim-level finding), the
``field`` and ``value`` that fired and a ``message``; it may add a ``reference`` column when the
source is more specific than the rule's (an NCCI release, an MUE row). The engine stamps rule id,
severity and reference, and maps positions back to ``claim_id`` / ``line_number``.

A check that needs reference data nobody imported raises ``DataNotAvailable``; the engine records the
rule as skipped, with the reason, instead of pretending the claims passed it. A check that can run
for some lines only (no release covers the others' dates of service) calls ``batch.skip_lines`` (or
``skip_labelled`` / ``skip_claims_labelled``, one reason per label) for the rest: those lines are
listed as not checked by the rule, never as passed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from medbill.exceptions import DataNotAvailable, InvalidArgument
from medbill.refdata.coverage import as_date

SEVERITIES = ("error", "warning", "info")
DX_COLUMNS = [f"dx{i}" for i in range(1, 13)]
_DX_FIELDS = np.array(DX_COLUMNS, dtype=object)  # dx_fields' lookup table
MODIFIER_COLUMNS = [f"modifier{i}" for i in range(1, 5)]
# Medicare's one calendar year from the date of service (42 CFR 424.44) when nothing else is configured.
DEFAULT_TIMELY_FILING_DAYS = 365


@dataclasses.dataclass(frozen=True)
class Rule:
    """One edit: what it checks, why (reference), how to fix it, and the vectorised check."""

    id: str
    title: str
    category: str
    severity: str
    reference: str
    explanation: str
    fix: str
    check: Callable[[Batch], pd.DataFrame] = dataclasses.field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Rule {self.id}: severity {self.severity!r} is not one of {SEVERITIES}.")

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "check"}


_REGISTRY: dict[str, Rule] = {}


def rule(
    id: str, *, title: str, category: str, severity: str, reference: str, explanation: str, fix: str
) -> Callable[[Callable[[Batch], pd.DataFrame]], Callable[[Batch], pd.DataFrame]]:
    """Decorator registering a check function as a rule."""

    def register(check: Callable[[Batch], pd.DataFrame]) -> Callable[[Batch], pd.DataFrame]:
        if id in _REGISTRY:
            raise ValueError(f"Rule id {id!r} is registered twice.")
        _REGISTRY[id] = Rule(id, title, category, severity, reference, explanation, fix, check)
        return check

    return register


def registry() -> dict[str, Rule]:
    """Every rule, importing the rule modules on first use."""
    # Rule families, one module each under medbill/edits/rules/: importing one registers its rules.
    from medbill.edits.rules import age_sex, conventions, integrity, modifiers, mue, ncci, validity  # noqa: F401

    return dict(_REGISTRY)


def select(rules: Iterable[str] | None = None, disable: Iterable[str] = ()) -> list[Rule]:
    """Rules matching ``rules`` (ids, categories or glob patterns such as ``"NCCI*"``) minus ``disable``.

    A pattern that matches no rule raises ``ValueError`` naming the known ids, so a typo never
    silently turns a rule off.
    """
    every = registry()

    def matching(patterns: Iterable[str]) -> set[str]:
        chosen: set[str] = set()
        for pattern in _patterns(patterns):
            hits = {
                r.id
                for r in every.values()
                if fnmatch.fnmatchcase(r.id, pattern.upper()) or r.category == pattern.lower()
            }
            if not hits:
                raise InvalidArgument(
                    f"No scrub rule matches {pattern!r}; known rules: {', '.join(sorted(every))}; "
                    f"categories: {', '.join(sorted({r.category for r in every.values()}))}."
                )
            chosen |= hits
        return chosen

    wanted = matching(rules) if rules is not None else set(every)
    wanted -= matching(disable)
    return [every[i] for i in sorted(wanted)]


def _patterns(value: Any) -> list[str]:
    """Rule patterns as a list: one string is one pattern (not its characters)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(p, str) for p in value):
        return list(value)
    raise InvalidArgument(f"rules and disable take rule ids or patterns such as ['NCCI*'], got {value!r:.60}")


@dataclasses.dataclass(frozen=True)
class PayerRules:
    """Per-payer settings; ``None`` means "use the default" (the ``"*"`` entry, then medbill's)."""

    timely_filing_days: int | None = None
    bypass_modifiers: frozenset[str] | None = None  # NCCI PTP modifiers this payer honours
    disable: frozenset[str] = frozenset()  # rule ids not applied to this payer's claims

    @classmethod
    def coerce(cls, value: PayerRules | Mapping[str, Any]) -> PayerRules:
        if isinstance(value, PayerRules):
            return value
        if not isinstance(value, Mapping):
            raise InvalidArgument(f"payer settings must be a PayerRules or a dict, got {value!r:.60}")
        unknown = set(value) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise InvalidArgument(
                f"Unknown payer setting(s) {sorted(unknown)}; use timely_filing_days, bypass_modifiers, disable."
            )
        d = dict(value)
        if d.get("bypass_modifiers") is not None:
            d["bypass_modifiers"] = frozenset(m.upper() for m in d["bypass_modifiers"])
        d["disable"] = frozenset(d.get("disable", ()))
        return cls(**d)


_EMPTY = pd.DataFrame(
    {
        "claim": np.zeros(0, dtype="int64"),
        "line": np.zeros(0, dtype="int64"),
        "field": np.zeros(0, dtype=object),
        "value": np.zeros(0, dtype=object),
        "message": np.zeros(0, dtype=object),
    }
)


# What ``run`` returns when no rule fires: the check columns plus the stamped metadata.
_NO_FINDINGS = _EMPTY.assign(**{c: pd.Series(dtype="str") for c in ("rule_id", "severity", "reference")})


def no_findings() -> pd.DataFrame:
    """A check's result when nothing fired (shared and never modified: ``run`` skips empty results)."""
    return _EMPTY


def dx_fields(pos: np.ndarray) -> np.ndarray:
    """The claims-table column of diagnosis slots 1-12: ``dx1`` ... ``dx12``, as text for findings."""
    return _DX_FIELDS[np.asarray(pos, dtype="int64") - 1]


def findings(
    claim: Any, line: Any, field: Any, value: Any, message: Any, reference: Any = None
) -> pd.DataFrame:
    """Build a check's result from aligned arrays/Series or scalars (broadcast)."""
    cols = {"claim": claim, "line": line, "field": field, "value": value, "message": message}
    if reference is not None:
        cols["reference"] = reference
    arrays = {k: (v.to_numpy() if isinstance(v, pd.Series | pd.Index) else v) for k, v in cols.items()}
    n = max((len(v) for v in arrays.values() if isinstance(v, np.ndarray | list)), default=0)
    if n == 0:
        return _EMPTY
    out = {}
    for k, v in arrays.items():
        if k in ("claim", "line"):
            out[k] = pd.Series(np.broadcast_to(np.asarray(v, dtype="int64"), (n,)).copy())
            continue
        # Object arrays: building pandas' Arrow strings for every finding costs more than the rules.
        text = (
            np.asarray(v, dtype=object) if isinstance(v, np.ndarray | list) else np.full(n, v, dtype=object)
        )
        missing = pd.isna(text)
        if missing.any():
            text = np.where(missing, "", text)
        out[k] = pd.Series(text.astype(str).astype(object) if text.dtype != object else text, dtype=object)
    return pd.DataFrame(out)


# Arrow-backed text columns longer than this are factorised by pyarrow's dictionary encoding
# (several times faster than hashing Python strings); shorter ones skip its per-call overhead.
_ARROW_FACTORIZE = 10_000


def _factorize(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values as an object array) of one column, NA coded -1, numbered by first
    appearance."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow" and len(s) > _ARROW_FACTORIZE:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        return codes, uniques.to_numpy(dtype=object)
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        # Text columns as object arrays: skips pandas' per-Series dispatch, the main cost on tiny columns.
        return pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    # Other dtypes (numbers, categories) keep their own factorisation and text form.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Series(uniques, dtype=object).to_numpy()


# Distinct values at most this many are looked up in (and added to) a per-cleaner memo: a claim
# re-scrubbed as it is edited repeats almost all its values, and pandas string ops cost ~1 ms a call.
_MEMO_UNIQUES = 256
_MEMO_LIMIT = 100_000


Factorised = tuple[np.ndarray, np.ndarray]  # (codes, distinct values) as pd.factorize gives them


def _by_uniques(
    columns: list[pd.Series], clean: Callable[[pd.Series], pd.Series], memo: dict[tuple[type, Any], Any]
) -> list[tuple[np.ndarray, Factorised]]:
    """Apply a string clean-up to the distinct values of each column only, then spread back; with
    each cleaned column its factorisation (NA -1), which the rules reuse instead of hashing again.

    Columns are factorised one by one (a value means the same thing only within its column), but
    their distinct values are cleaned in one call: fast on big columns and on a claim of ten lines.
    """
    factorised = [_factorize(s) for s in columns]
    sizes = [len(uniques) for _, uniques in factorised]
    every = np.concatenate([np.zeros(0, dtype=object), *(u for _, u in factorised)])
    flat = _memoised(every, clean, memo) if len(every) <= _MEMO_UNIQUES else _clean_values(every, clean)
    out = []
    starts = np.cumsum([0, *sizes])[:-1]
    for (codes, _), start, size in zip(factorised, starts, sizes, strict=True):
        cleaned = flat[start : start + size]
        # Distinct raw values are numbered by first appearance, so numbering their cleaned forms in
        # that order numbers the cleaned column by first appearance too, as pd.factorize would.
        ids, distinct = pd.factorize(cleaned, use_na_sentinel=True)
        table = np.append(cleaned, np.array([None], dtype=object))
        out.append((table[codes], (np.append(ids, -1)[codes], np.asarray(distinct, dtype=object))))
    return out


def _clean_values(values: np.ndarray | list[Any], clean: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``clean`` over text forms of ``values``; empty results become NA.

    Object arrays of Python strings: the fastest layout for the hashing (isin, merge, groupby) and
    concatenation the rules do; NA is None.
    """
    cleaned = clean(pd.Series(values, dtype=object).astype("string"))
    return cleaned.mask(cleaned.eq("")).to_numpy(dtype=object, na_value=None)


def _memoised(
    values: np.ndarray, clean: Callable[[pd.Series], pd.Series], memo: dict[tuple[type, Any], Any]
) -> np.ndarray:
    """:func:`_clean_values` for a few values, cleaning only those not seen before.

    Keyed by type as well as value: 1, 1.0 and True are equal keys but have different text forms.
    """
    keys = [(type(v), v) for v in values]
    new = list(dict.fromkeys(k for k in keys if k not in memo))
    if new:
        if len(memo) + len(new) > _MEMO_LIMIT:
            memo.clear()
        done = _clean_values([v for _, v in new], clean)
        memo.update(zip(new, done, strict=True))
    flat = np.empty(len(keys), dtype=object)
    flat[:] = [memo[k] for k in keys]
    return flat


def _cleaner(
    clean: Callable[[pd.Series], pd.Series],
) -> Callable[[list[pd.Series]], list[tuple[np.ndarray, Factorised]]]:
    memo: dict[tuple[type, Any], Any] = {}
    return lambda columns: _by_uniques(columns, clean, memo)


# Text with surrounding spaces stripped and empty strings as NA.
_text = _cleaner(lambda u: u.str.strip())
_upper = _cleaner(lambda u: u.str.strip().str.upper())
# Place of service as two digits ("2" -> "02").
_pos = _cleaner(lambda u: u.str.strip().str.zfill(2))
# Codes upper-cased with dots and spaces removed (display or compact input both accepted).
_code = _cleaner(lambda u: u.str.upper().str.replace(r"[\s.]", "", regex=True))


def _cleaned(
    raw: pd.DataFrame,
    names: Iterable[str],
    clean: Callable[[list[pd.Series]], list[tuple[np.ndarray, Factorised]]],
    factors: dict[str, Factorised] | None = None,
) -> dict[str, np.ndarray]:
    """``clean`` over the named columns of ``raw`` in one call; an absent column is all NA. The
    columns' factorisations go to ``factors`` when given."""
    factors = {} if factors is None else factors
    present = [c for c in names if c in raw]
    done = dict(zip(present, clean([raw[c] for c in present]), strict=True)) if present else {}
    out = {}
    for c in names:
        if c in done:
            out[c], factors[c] = done[c]
        else:
            out[c] = np.full(len(raw), None, dtype=object)
            factors[c] = (np.full(len(raw), -1, dtype="int64"), np.zeros(0, dtype=object))
    return out


_NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _dates(raw: pd.DataFrame, col: str) -> np.ndarray:
    """Dates as datetime64[ns] (NaT when the column is absent); text that is not a date, or a year
    outside 1678-2261, becomes NaT."""
    if col not in raw:
        return np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    s = raw[col]
    unit = np.datetime_data(s.dtype)[0] if s.dtype.kind == "M" and isinstance(s.dtype, np.dtype) else None
    if unit in _NS_PER:
        # Already dates (the usual input): the same range check in integers, without pandas' per-call
        # overhead. Bounds are Timestamp.min/max in the column's unit, rounded inwards.
        per = _NS_PER[unit]
        ticks = s.to_numpy().view("int64")
        lo, hi = -(-pd.Timestamp.min.value // per), pd.Timestamp.max.value // per
        ns = np.where((ticks >= lo) & (ticks <= hi), ticks * per, np.iinfo("int64").min)
        return ns.view("datetime64[ns]")
    d = pd.to_datetime(s, errors="coerce")
    d = d.where((d >= pd.Timestamp.min) & (d <= pd.Timestamp.max))
    return d.astype("datetime64[ns]").to_numpy()


def _numbers(raw: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column as float64 (NaN when absent or not a number)."""
    if col not in raw:
        return np.full(len(raw), np.nan)
    s = raw[col]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":
        return s.to_numpy(dtype="float64")
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def _line_numbers(raw: pd.DataFrame) -> pd.arrays.IntegerArray:
    if "line_number" not in raw:
        return pd.array([pd.NA] * len(raw), dtype="Int64")
    s = raw["line_number"]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
        return pd.array(s.to_numpy(dtype="int64"), dtype="Int64")
    return pd.to_numeric(s, errors="coerce").astype("Int64").array


def _filled(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``values`` with NA taken from ``fallback`` (object arrays)."""
    return np.where(pd.isna(values), fallback, values)


# Rows from which the normalised frames wrap the column arrays instead of stacking them into one
# block: stacking is the quicker build for a claim being edited, but would copy a big batch whole.
_WRAP_FROM = 50_000


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame of normalised columns; text stays object (pandas would convert it to Arrow)."""
    index = pd.RangeIndex(len(next(iter(columns.values()))))
    if len(index) >= _WRAP_FROM:
        return pd.DataFrame(
            {
                c: pd.Series(v, index=index, dtype=getattr(v, "dtype", None), copy=False)
                for c, v in columns.items()
            },
            copy=False,
        )
    text = [c for c, v in columns.items() if isinstance(v, np.ndarray) and v.dtype == object]
    frame = pd.DataFrame(
        np.column_stack([columns[c] for c in text]) if text else None,
        columns=text,
        index=index,
        dtype=object,
    )
    rest = pd.DataFrame({c: v for c, v in columns.items() if c not in text}, index=frame.index)
    return pd.concat([frame, rest], axis=1)[list(columns)]


def _first_position(index: pd.Index, keys: pd.Series) -> np.ndarray:
    """Position of the first occurrence of each key in ``index`` (-1 when absent)."""
    unique = ~index.duplicated()
    firsts = np.flatnonzero(unique)
    at = pd.Index(index[unique]).get_indexer_for(keys)
    return np.where(at >= 0, firsts[np.maximum(at, 0)], -1)


def _read_only(columns: dict[str, Any]) -> dict[str, np.ndarray]:
    """Numpy views of normalised columns that rules cannot change by accident (line_number as float64)."""
    out = {}
    for col, values in columns.items():
        array = (
            values.to_numpy(dtype="float64", na_value=np.nan)
            if isinstance(values, pd.arrays.IntegerArray)
            else values.view()
        )
        array.flags.writeable = False
        out[col] = array
    return out


class Batch:
    """The claims and lines being scrubbed, normalised once, with derived tables built on demand.

    Positions are the identity: ``claims`` and ``lines`` have a RangeIndex and findings point at
    those positions; ``lines["claim"]`` is the position of the line's claim (-1 when its claim_id
    is not in the claims table). ``claim_values`` and ``line_values`` hold the same columns as
    read-only numpy arrays (text as object with None for NA, dates datetime64[ns], numbers and
    ``line_number`` float64, ``claim`` int64), for checks that should cost nothing when nothing fires.
    """

    def __init__(
        self,
        claims: pd.DataFrame,
        lines: pd.DataFrame,
        *,
        payers: pd.DataFrame | None = None,
        payer_config: Mapping[str, PayerRules | Mapping[str, Any]] | None = None,
        as_of: date | None = None,
    ) -> None:
        self.raw_claims = claims.reset_index(drop=True)
        self.raw_lines = lines.reset_index(drop=True)
        self.payers = payers
        if payer_config is not None and not isinstance(payer_config, Mapping):
            raise InvalidArgument(f"payer_config maps payer_id to settings, got {payer_config!r:.60}")
        self.config = {k: PayerRules.coerce(v) for k, v in (payer_config or {}).items()}
        if as_of is not None and not isinstance(as_of, date):
            as_of = as_date(as_of)  # text is checked for size before it is parsed; junk is InvalidDate
        self.as_of = pd.Timestamp(as_of or date.today())
        if self.as_of.tz is not None:  # claim dates carry no time zone: a comparison would be ambiguous
            raise ValueError(
                f"as_of={as_of!r} has a time zone, but claim dates have none; pass the practice's "
                "local day instead, e.g. as_of=as_of.date()."
            )
        self.memo: dict[str, Any] = {}  # derived tables several rules share (ICD status per diagnosis ...)
        self.running = ""  # id of the rule being checked, for skip_lines
        self.skips: list[tuple[str, str, np.ndarray]] = []  # (rule id, reason, line positions not checked)
        # Normalised as numpy arrays: a rule that finds nothing (the usual case) should cost
        # microseconds, and every pandas call on a ten-line claim costs tens of them. The
        # DataFrames are built on first use.
        self._factors: dict[str, Factorised] = {}  # line columns' factorisations, see factorized()
        self._missing: dict[str, np.ndarray] = {}
        self._claim_columns = self._normalise_claims(self.raw_claims)
        self._line_columns = self._normalise_lines(self.raw_lines, self._claim_columns, self._factors)
        self.claim_values: Mapping[str, np.ndarray] = _read_only(self._claim_columns)
        self.line_values: Mapping[str, np.ndarray] = _read_only(self._line_columns)
        self.line_numbers: pd.arrays.IntegerArray = self._line_columns["line_number"]  # as in ``lines``

    @cached_property
    def claims(self) -> pd.DataFrame:
        """The normalised claims (text as object with None for NA, dates as datetime64[ns])."""
        return _frame(self._claim_columns)

    @cached_property
    def lines(self) -> pd.DataFrame:
        """The normalised lines, with ``claim`` (position of the line's claim, -1 for none), the
        claim's patient, payer, sex and birth date, and the effective place of service and rendering NPI."""
        return _frame(self._line_columns)

    # -- normalisation -------------------------------------------------------------------------
    @staticmethod
    def _normalise_claims(raw: pd.DataFrame) -> dict[str, Any]:
        cols = _cleaned(
            raw,
            [
                "claim_id",
                "patient_id",
                "payer_id",
                "member_id",
                "billing_npi",
                "rendering_npi",
                "referring_npi",
                "claim_frequency",
            ],
            _text,
        )
        cols.update(_cleaned(raw, ["place_of_service"], _pos))
        cols.update(_cleaned(raw, ["patient_sex"], _upper))
        for col in ("patient_birth_date", "submitted_date"):
            cols[col] = _dates(raw, col)
        cols.update(_cleaned(raw, DX_COLUMNS, _code))
        return cols

    @staticmethod
    def _normalise_lines(
        raw: pd.DataFrame, claims: dict[str, Any], factors: dict[str, Factorised]
    ) -> dict[str, Any]:
        own: dict[str, Factorised] = {}  # the lines' own columns, before claim values fill them in
        text = _cleaned(raw, ["claim_id", "rendering_npi"], _text, own)
        cols: dict[str, Any] = {"claim_id": text["claim_id"], "line_number": _line_numbers(raw)}
        cols["service_date"] = _dates(raw, "service_date")
        cols.update(_cleaned(raw, ["procedure_code", *MODIFIER_COLUMNS], _code, factors))
        for col in ("units", "charge"):
            cols[col] = _numbers(raw, col)
        cols.update(_cleaned(raw, ["dx_pointers"], _upper, factors))
        line_pos = _cleaned(raw, ["place_of_service"], _pos, own)["place_of_service"]
        factors["claim_id"] = own["claim_id"]
        factors["line_place_of_service"] = own["place_of_service"]
        # First claim row wins when a claim_id is duplicated (the duplicate itself is an integrity finding).
        # Each distinct claim_id of the lines is looked up once.
        index = pd.Index(claims["claim_id"], dtype=object)
        ids, distinct = factors["claim_id"]
        at = index.get_indexer_for(distinct) if index.is_unique else _first_position(index, distinct)
        claim = np.append(at, -1).astype("int64")[ids]  # NA claim_id (-1) takes the -1 at the end
        cols["claim"] = claim
        n_claims = len(claims["claim_id"])
        take = np.where(claim >= 0, claim, n_claims)  # one past the end: an all-NA row for orphan lines

        def joined(col: str) -> np.ndarray:
            values = claims[col]
            pad = np.array(["NaT"], dtype=values.dtype) if values.dtype.kind == "M" else [None]
            return np.concatenate([values, pad])[take]

        for col in ("patient_id", "payer_id", "patient_sex", "patient_birth_date"):
            cols[col] = joined(col)
        cols["line_place_of_service"] = line_pos
        cols["place_of_service"] = _filled(line_pos, joined("place_of_service"))
        # Rendering provider: the line's, else the claim's, else the billing provider.
        rendering = _filled(text["rendering_npi"], joined("rendering_npi"))
        cols["rendering_npi"] = _filled(rendering, joined("billing_npi"))
        # NCCI and MUE group by patient; with no patient id the claim is the best stand-in.
        cols["patient_key"] = _filled(cols["patient_id"], cols["claim_id"])
        return cols

    def factorized(self, col: str) -> Factorised:
        """(codes, distinct values) of a ``line_values`` column, as ``pd.factorize`` gives them (NA -1,
        numbered by first appearance): the text columns' come from normalisation, others are worked
        out once. Read-only: rules share them."""
        if col not in self._factors:
            codes, distinct = pd.factorize(self.line_values[col], use_na_sentinel=True)
            self._factors[col] = (codes, np.asarray(distinct))
        codes, distinct = self._factors[col]
        codes.flags.writeable = distinct.flags.writeable = False
        return codes, distinct

    def missing(self, col: str) -> np.ndarray:
        """Bool per line: ``line_values[col]`` is NA (memoised; read-only)."""
        if col not in self._missing:
            values = self.line_values[col]
            if values.dtype.kind == "f":
                found = np.isnan(values)
            elif values.dtype.kind == "M":
                found = np.isnat(values)
            else:
                found = self.factorized(col)[0] < 0
            found.flags.writeable = False
            self._missing[col] = found
        return self._missing[col]

    # -- derived tables ------------------------------------------------------------------------
    @cached_property
    def claim_dos(self) -> pd.Series:
        """Earliest line date of service per claim position (NaT for a claim without dated lines)."""
        claim = self.line_values["claim"]
        ticks = self.line_values["service_date"].view("int64")
        nat = np.iinfo("int64").min
        ok = (claim >= 0) & (ticks != nat)
        first = np.full(len(self.claim_values["claim_id"]), np.iinfo("int64").max)
        np.minimum.at(first, claim[ok], ticks[ok])
        first[first == np.iinfo("int64").max] = nat
        return pd.Series(first.view("datetime64[ns]"), name="service_date")

    @cached_property
    def dx_long(self) -> pd.DataFrame:
        """One row per (claim, diagnosis slot) in use: claim, pos (1-12), code (compact), code_id.

        ``code_id`` indexes ``dx_vocab`` (the distinct codes), so rules can work per distinct code.
        """
        wide = np.column_stack([self.claim_values[c] for c in DX_COLUMNS])
        used = ~pd.isna(wide)
        claim, slot = np.nonzero(used)
        codes = wide[used]
        ids, vocab = pd.factorize(codes)
        self.dx_vocab = np.asarray(vocab, dtype=object)
        return pd.DataFrame(
            {
                "claim": claim.astype("int64"),
                "pos": (slot + 1).astype("int64"),
                "code": pd.Series(codes, dtype=object),
                "code_id": ids,
            }
        )

    @cached_property
    def encounter(self) -> np.ndarray:
        """Group id per line for one patient, rendering provider and date (the NCCI/MUE unit)."""
        return self.key(["patient_key", "rendering_npi", "service_date"])

    @cached_property
    def is_em(self) -> pd.Series:
        """Bool per line: the procedure is an E/M service (CPT 99202-99499), decided per distinct code."""
        ids, uniques = self.factorized("procedure_code")
        em = (
            pd.Series(uniques, dtype=object)
            .astype(str)
            .str.fullmatch(r"99[2-4][0-9]{2}")
            .to_numpy(dtype=bool)
        )
        return pd.Series(np.append(em, False)[np.where(ids >= 0, ids, len(uniques))])

    @cached_property
    def modifier_ids(self) -> tuple[np.ndarray, dict[str, int]]:
        """(lines x 4 matrix of modifier ids, -1 when empty; vocabulary modifier -> id)."""
        vocab: dict[str, int] = {}
        matrix = np.empty((len(self.line_values["claim"]), len(MODIFIER_COLUMNS)), dtype="int64")
        for j, col in enumerate(MODIFIER_COLUMNS):
            codes, distinct = self.factorized(col)
            ids = [vocab.setdefault(m, len(vocab)) for m in distinct]
            matrix[:, j] = np.array([*ids, -1], dtype="int64")[codes]  # NA (-1) takes the -1 at the end
        return matrix, vocab

    @cached_property
    def modifiers_long(self) -> pd.DataFrame:
        """One row per (line, modifier slot) in use: line, slot (1-4), modifier."""
        wide = np.column_stack([self.line_values[c] for c in MODIFIER_COLUMNS])
        used = ~np.column_stack([self.missing(c) for c in MODIFIER_COLUMNS])
        line, slot = np.nonzero(used)
        return pd.DataFrame({"line": line, "slot": slot + 1, "modifier": pd.Series(wide[used], dtype=object)})

    @cached_property
    def pointers(self) -> tuple[pd.DataFrame, np.ndarray]:
        """(table, row of the table per line): per distinct pointer string ``text`` (pointers without
        separators), ``count``, ``repeated`` and ``slot1``-``slot4`` (diagnosis slot 1-12 of each
        pointer letter A-L, 0 when absent, -1 when not a letter A-L); the last row is a line without
        pointers.

        Pointer strings take few distinct values, so each distinct one is decoded once, and the table
        is not spread over the lines.
        """
        ids, uniques = self.factorized("dx_pointers")
        rows = [[0, 0, 0, 0, 0, False, None]]  # index -1 (no pointers) maps to the last row below
        decoded = []
        for raw in uniques:
            text = "".join(ch for ch in str(raw) if ch not in " ,:")
            slots = [(ord(ch) - 64 if "A" <= ch <= "L" else -1) for ch in text[:4]]
            slots += [0] * (4 - len(slots))
            decoded.append([*slots, len(text), len(set(text)) < len(text), text])
        table = pd.DataFrame(
            decoded + rows, columns=["slot1", "slot2", "slot3", "slot4", "count", "repeated", "text"]
        )
        return table, np.where(ids >= 0, ids, len(table) - 1)

    def modifier_slots(self, modifiers: Iterable[str]) -> np.ndarray:
        """Bool per (line, modifier slot 1-4): the slot holds one of ``modifiers``."""
        matrix, vocab = self.modifier_ids
        wanted = [vocab[m] for m in modifiers if m in vocab]
        if not wanted:  # the usual case: none of them in the batch
            return np.zeros(matrix.shape, dtype=bool)
        # One comparison per wanted id: several times faster than np.isin for the few ids asked for.
        found = matrix == wanted[0]
        for w in wanted[1:]:
            found |= matrix == w
        return found

    def line_has_modifier(self, modifiers: Iterable[str]) -> np.ndarray:
        """Bool per line: any of ``modifiers`` in modifier1-4."""
        return np.asarray(self.modifier_slots(modifiers).any(axis=1))

    def skip_lines(self, lines: np.ndarray, reason: str) -> None:
        """Record that the running rule could not check the lines at ``lines`` (positions), and why."""
        if len(lines):
            self.skips.append((self.running, reason, np.asarray(lines, dtype="int64")))

    def skip_labelled(self, lines: np.ndarray, labels: np.ndarray, reasons: list[str]) -> None:
        """:meth:`skip_lines` for several reasons at once: the line at ``lines[i]`` was not checked for
        ``reasons[labels[i]]`` (label -1: it was checked). One sort, however many reasons."""
        keep = labels >= 0
        lines, labels = np.asarray(lines)[keep], labels[keep]
        if not len(lines):
            return
        order = np.argsort(labels, kind="stable")  # positions stay ascending within each reason
        ends = np.cumsum(np.bincount(labels, minlength=len(reasons)))
        for reason, part in zip(reasons, np.split(lines[order], ends[:-1]), strict=True):
            self.skip_lines(part, reason)

    def shared_skips(self, key: str, record: Callable[[], None]) -> None:
        """Skips that several rules share (one coverage question, one answer): ``record`` calls the
        skip methods for the first rule that asks; later rules get the same lines and reasons."""
        if key not in self.memo:
            start = len(self.skips)
            record()
            self.memo[key] = [(reason, lines) for _, reason, lines in self.skips[start:]]
            return
        for reason, lines in self.memo[key]:
            self.skip_lines(lines, reason)

    def skip_claims_labelled(self, claims: np.ndarray, labels: np.ndarray, reasons: list[str]) -> None:
        """:meth:`skip_labelled` for claims (positions, each with its label): their lines."""
        claim_of = self.line_values["claim"]
        of_claim = np.full(len(self.claim_values["claim_id"]) + 1, -1, dtype="int64")  # last: orphan lines
        of_claim[claims] = labels
        self.skip_labelled(np.arange(len(claim_of)), of_claim[claim_of], reasons)

    def key(self, columns: list[str]) -> np.ndarray:
        """One int64 group id per line for the combination of ``columns`` (NA is a value of its own)."""
        # Same ids as groupby(sort=False, dropna=False).ngroup(): numbered by first appearance,
        # built from the columns' codes as digits of one mixed-radix number (a groupby costs a
        # millisecond even on ten rows), renumbered only when the next digit could overflow.
        ids = np.zeros(len(self.raw_lines), dtype="int64")
        size = 1  # ids are below this
        for col in columns:
            codes, distinct = self.factorized(col)
            radix = len(distinct) + 1
            if size * radix >= 2**62:
                ids, distinct_ids = pd.factorize(ids)
                size = len(distinct_ids)
            ids = ids * radix + np.where(codes >= 0, codes, radix - 1)  # NA: a value of its own
            size *= radix
        return pd.factorize(ids)[0]

    def payer_rules(self, name: str) -> pd.Series:
        """A per-claim Series of one payer setting (the payer's, else the ``"*"`` default, else NA)."""
        default = getattr(self.config.get("*", PayerRules()), name)
        per_payer = {
            k: getattr(v, name) for k, v in self.config.items() if k != "*" and getattr(v, name) is not None
        }
        payer = pd.Series(self.claim_values["payer_id"], dtype=object)
        mapped = payer.map(per_payer) if per_payer else pd.Series(np.nan, index=payer.index)
        return mapped.where(mapped.notna(), default).astype(object)


def run(batch: Batch, rules: list[Rule]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply ``rules``; return (findings with positions and metadata, skipped rules with reasons)."""
    parts, fired = [], []
    everything = np.arange(len(batch.raw_lines), dtype="int64")
    for r in rules:
        batch.running = r.id
        try:
            got = r.check(batch)
        except DataNotAvailable as exc:
            batch.skips = [s for s in batch.skips if s[0] != r.id]  # the whole rule, not part of it
            batch.skips.append((r.id, str(exc), everything))
            continue
        if not got.empty:
            parts.append(_compacted(got))
            fired.append(r)
    skipped_df = skipped_table(batch)
    if not parts:
        return _NO_FINDINGS.copy(), skipped_df
    # Stamp the rule's metadata once over all findings, not on a copy of each rule's frame.
    f = pd.concat(parts, ignore_index=True)
    sizes = [len(p) for p in parts]
    f["rule_id"] = np.repeat(np.array([r.id for r in fired], dtype=object), sizes)
    f["severity"] = np.repeat(np.array([r.severity for r in fired], dtype=object), sizes)
    own = np.repeat(np.array([r.reference for r in fired], dtype=object), sizes)
    f["reference"] = (
        own if "reference" not in f else f["reference"].astype(object).fillna(pd.Series(own, dtype=object))
    )
    return _drop_payer_disabled(batch, f), skipped_df


# A rule's findings from this many on are held as categoricals at once, their strings freed, instead
# of as one Python string per finding until the run ends (half a gigabyte for a million findings).
_COMPACT_FROM = 10_000


def _compacted(found: pd.DataFrame) -> pd.DataFrame:
    if len(found) < _COMPACT_FROM:
        return found
    text = [c for c in found.columns if found[c].dtype == object]
    return found.assign(**{c: pd.Categorical.from_codes(*pd.factorize(found[c].to_numpy())) for c in text})


SKIPPED_COLUMNS = ["rule_id", "reason", "lines", "claims"]


def skipped_table(batch: Batch) -> pd.DataFrame:
    """One row per rule and reason that left lines unchecked: how many lines and claims."""
    rows = []
    claim_of = batch.line_values["claim"]
    claims_in: dict[int, int] = {}  # by array: rules that share skips (Batch.shared_skips) share the arrays
    for rule_id, reason, lines in batch.skips:
        if id(lines) not in claims_in:
            claims_in[id(lines)] = int((np.unique(claim_of[lines]) >= 0).sum())
        rows.append((rule_id, reason, len(lines), claims_in[id(lines)]))
    frame = pd.DataFrame(rows, columns=SKIPPED_COLUMNS)
    if frame.empty:
        return frame.astype({"lines": "int64", "claims": "int64"})
    # A reason recorded in several passes (one per release) counts each line once per rule; sorted by
    # rule and reason, so a batch scrubbed in parts (per patient, on Dask) lists them in the same order.
    return frame.groupby(["rule_id", "reason"], as_index=False, sort=True)[["lines", "claims"]].sum()


def unchecked_counts(batch: Batch) -> np.ndarray:
    """Per line position: how many of the chosen rules did not check it."""
    n = len(batch.raw_lines)
    by_rule: dict[str, list[np.ndarray]] = {}
    for rule_id, _, lines in batch.skips:
        by_rule.setdefault(rule_id, []).append(lines)
    counts = np.zeros(n, dtype="int64")
    for parts in by_rule.values():
        unchecked = np.zeros(n, dtype=bool)  # a line counts once per rule, however many reasons
        for lines in parts:
            unchecked[lines] = True
        counts += unchecked
    return counts


def _drop_payer_disabled(batch: Batch, f: pd.DataFrame) -> pd.DataFrame:
    """Remove findings of rules a claim's payer has turned off in ``payer_config``."""
    pairs = [(p, rid) for p, cfg in batch.config.items() for rid in cfg.disable]
    if not pairs or f.empty:
        return f
    claim = f["claim"].where(f["claim"] >= 0, batch.lines["claim"].reindex(f["line"]).to_numpy())
    payer = batch.claims["payer_id"].reindex(claim).to_numpy()
    default_off = {rid for p, rid in pairs if p == "*"}
    # "\x1f" joins payer and rule: numpy (under pandas 2) drops a NUL at the end of a str operand.
    key = pd.Series(payer, index=f.index).astype("string") + "\x1f" + f["rule_id"]
    off = key.isin([f"{p}\x1f{rid}" for p, rid in pairs if p != "*"]) | f["rule_id"].isin(default_off)
    return f[~off.fillna(False).to_numpy()].reset_index(drop=True)
