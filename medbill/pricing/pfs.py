"""Medicare Physician Fee Schedule prices, to the cent, with the steps that produced them.

Each quarterly RVU release (``RVU25A`` ... ``RVU26D``, see :mod:`medbill.refdata.pfs`) prices
only the dates of service it is in effect for: :meth:`FeeSchedule.for_date` and the
module-level :func:`price_lines` choose it by date through :mod:`medbill.refdata.coverage`, and
a line no installed release covers is not priced (allowed NA, its ``rule`` naming the missing
release and the command that installs it).

::

    fee = round((work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x CF, 2)

with the facility or non-facility PE RVU chosen by place of service and rounding half up on the
unrounded product (this reproduces every amount of CMS's PFREV25C file). The payment rules then
apply in the order described in :mod:`medbill.pricing.rules`.

``FeeSchedule.price`` works in ``Decimal`` and explains each step; ``FeeSchedule.price_lines``
prices a whole lines table with numpy integer arithmetic on scaled values (RVUs in hundredths,
GPCIs in thousandths, CF in ten-thousandths, money in cents) and gives the same cents.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from medbill.exceptions import DataNotAvailable, InvalidFormat, UnknownCode
from medbill.pricing import pfs_batch, rules
from medbill.pricing.explain import PriceExplanation, Step
from medbill.refdata import catalog, coverage, store
from medbill.refdata.pfs import (
    CF_PLACES,
    CONVERSION_FACTORS_FILE,
    GPCI_PLACES,
    NATIONAL,
    PAYLOAD_FILES,
    RVU_PLACES,
    SYSTEM,
    ConversionFactor,
    conversion_factor,
    conversion_factors,
)

_loaded: dict[tuple[str, str], FeeSchedule] = {}
# The GPCI-table key of national pricing (GPCIs of 1.0): no MAC number has this form.
_NATIONAL_KEY = (NATIONAL, "")
_load_lock = threading.Lock()


def _rvu(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-RVU_PLACES)


def _gpci(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-GPCI_PLACES)


def _cf(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-CF_PLACES)


def _cents(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-2)


class FeeSchedule:
    """One quarterly PFS release: RVUs, GPCIs, localities, anesthesia CFs and OPPS caps.

    Build with :meth:`for_date` (the release in effect on a date of service), :meth:`load` (a
    named release) or :meth:`from_tables`; no I/O in ``__init__``.
    """

    def __init__(self, provenance: store.Provenance, tables: dict[str, pd.DataFrame]) -> None:
        if provenance.effective_from is None or provenance.effective_to is None:
            raise DataNotAvailable(f"PFS release {provenance.release} has no effective dates; re-import it.")
        self.provenance = provenance
        self.release = provenance.release
        self.year = provenance.effective_from.year
        rvu = tables["rvu"].reset_index(drop=True)
        gpci = tables["gpci"].reset_index(drop=True)
        self.rvu = rvu
        self.gpci = gpci
        self.localities = tables["localities"]
        self.anesthesia = tables["anesthesia"]
        self._row = {(c, m): i for i, (c, m) in enumerate(zip(rvu["hcpcs"], rvu["mod"], strict=True))}
        self._codes = frozenset(rvu["hcpcs"])
        self._loc = {(m, lc): i for i, (m, lc) in enumerate(zip(gpci["mac"], gpci["locality"], strict=True))}
        # National pricing is one more GPCI row, after the file's, with GPCIs of 1.0.
        self._loc[_NATIONAL_KEY] = len(gpci)
        self._n_loc = len(gpci) + 1
        # Integer arrays for the batch path, indexed by RVU row and GPCI row.
        self._a = {
            c: rvu[c].to_numpy("int64") for c in ("work_rvu", "nonfac_pe_rvu", "fac_pe_rvu", "mp_rvu", "cf")
        }
        for c in ("pctc", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg"):
            self._a[c] = rvu[c].astype(int).to_numpy("int8")  # indicators 0-9: a line's copy is 1 byte
        self._status = pd.Categorical(rvu["status"])
        # Endoscopy families: an indicator-3 row and its base code's rows share a family number (the
        # base's global row); -1 outside any family (and for a file without ENDO BASE). An
        # indicator-3 code whose base is not in the file (none in 2025) is a family of its own with
        # nothing to subtract.
        base_of = rvu["endo_base"].where(self._a["mult_proc"] == rules.ENDOSCOPY, "")
        self._endo_bases = frozenset(base_of) - {""}
        family = np.array(
            [self._row.get((b, ""), len(rvu) + i) if b else -1 for i, b in enumerate(base_of)], dtype=np.int64
        )
        own = rvu["hcpcs"].isin(self._endo_bases).to_numpy()
        family[own] = [self._row.get((c, ""), -1) for c in rvu["hcpcs"][own]]
        self._a["endo_family"] = family
        self._g = {
            c: np.append(gpci[c].to_numpy("int64"), 10**GPCI_PLACES)
            for c in ("gpci_work", "gpci_pe", "gpci_mp")
        }
        self._cf_by_qp = self._conversion_factors(self._a["cf"])
        # OPPS caps that apply to paid codes, keyed by RVU row x number of localities + locality row.
        caps = tables["oppscap"]
        self._add_locality_aliases(zip(caps["mac"], caps["locality"], strict=True))
        caps = caps[caps["status"].isin(rules.PAYABLE_STATUS)]
        row = np.array(
            [self._row.get((c, m), -1) for c, m in zip(caps["hcpcs"], caps["mod"], strict=True)],
            dtype=np.int64,
        )
        loc = np.array(
            [self._loc.get((m, lc), -1) for m, lc in zip(caps["mac"], caps["locality"], strict=True)],
            dtype=np.int64,
        )
        key = row * self._n_loc + loc
        keep = (row >= 0) & (loc >= 0) & ~pd.Series(key).duplicated().to_numpy()  # aliases repeat rows
        self._cap_index = pd.Index(key[keep])
        self._cap_position = {int(k): i for i, k in enumerate(key[keep])}
        self._cap_fac = caps["cap_fac_cents"].to_numpy("int64")[keep]
        self._cap_nonfac = caps["cap_nonfac_cents"].to_numpy("int64")[keep]

    # Plain dicts for the one-code path (a pandas row lookup costs more than the arithmetic), built
    # on its first use: the batch path never reads them, and the RVU rows as dicts are 15 MB.
    @functools.cached_property
    def _rvu_records(self) -> list[dict[str, Any]]:
        return self.rvu.to_dict("records")

    @functools.cached_property
    def _gpci_records(self) -> list[dict[str, Any]]:
        ones = dict.fromkeys(("gpci_work", "gpci_pe", "gpci_mp"), 10**GPCI_PLACES)
        national = {"mac": NATIONAL, "locality": "", "state": "", "name": "no geographic adjustment", **ones}
        return [*self.gpci.to_dict("records"), national]

    def _add_locality_aliases(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Accept a second MAC number for a locality, as CMS's OPPS cap file does.

        Some localities are served by two MAC numbers of one contractor (01112 and 01182 in
        California); the GPCI file names one. A pair missing from it is mapped to the GPCI row with
        the same locality number and the same contractor prefix when there is exactly one.
        """
        for mac, lc in set(pairs) - set(self._loc):
            same = [i for (m, c), i in self._loc.items() if c == lc and m[:3] == mac[:3]]
            if len(same) == 1:
                self._loc[(mac, lc)] = same[0]

    def _conversion_factors(
        self, in_file: np.ndarray
    ) -> dict[bool, tuple[np.ndarray, ConversionFactor | None]]:
        """Per row, the CF for clinicians who are not QPs (False) and for QPs (True), with the table
        entry it comes from. The RVU file carries one of the year's factors; the table gives the other."""
        year_values = [int(c.value.scaleb(CF_PLACES)) for c in conversion_factors() if c.year == self.year]
        out: dict[bool, tuple[np.ndarray, ConversionFactor | None]] = {}
        for qp in (False, True):
            entry = conversion_factor(self.year, qp)
            if entry is None:
                out[qp] = (in_file, None)
            else:
                value = int(entry.value.scaleb(CF_PLACES))
                out[qp] = (np.where(np.isin(in_file, year_values), value, in_file), entry)
        return out

    def cf_array(self, qp: bool = False) -> np.ndarray:
        """The conversion factor of every RVU row (ten-thousandths) for QPs or everyone else.

        ``DataNotAvailable`` for ``qp=True`` in a year without a recorded QP factor.
        """
        values, entry = self._cf_by_qp[bool(qp)]
        if qp and entry is None:
            known = ", ".join(sorted({str(c.year) for c in conversion_factors() if c.qp}))
            raise DataNotAvailable(
                f"No qualifying APM participant (QP) conversion factor is recorded for CY{self.year}; "
                f"recorded years: {known} (medbill/_data/{CONVERSION_FACTORS_FILE})."
            )
        return values

    def conversion_factor_entry(self, qp: bool = False) -> ConversionFactor | None:
        """The conversion factor table's entry used for QPs or everyone else (None: the file's own CF)."""
        self.cf_array(qp)
        return self._cf_by_qp[bool(qp)][1]

    @property
    def has_gpci(self) -> bool:
        """False for a release imported without a GPCI file: national pricing only."""
        return len(self.gpci) > 0

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_tables(cls, provenance: store.Provenance, tables: dict[str, pd.DataFrame]) -> FeeSchedule:
        """A fee schedule from the tables ``pfs_import`` writes (rvu, gpci, localities, anesthesia, oppscap)."""
        return cls(provenance, tables)

    @classmethod
    def load(cls, release: str | int) -> FeeSchedule:
        """The installed release named ``release`` ('RVU25D'), loaded once per process.

        A year (2025) is accepted only when one release of that year is installed; otherwise
        ``DataNotAvailable`` names the year's releases (choose one, or use :meth:`for_date`).
        Raises ``DataNotAvailable`` naming the installed releases and the import command.
        """
        return cls._load(_resolve_release(release))

    @classmethod
    def for_date(cls, day: date | str) -> FeeSchedule:
        """The release in effect on date of service ``day``.

        :class:`~medbill.refdata.coverage.NotCovered` (a ``DataNotAvailable``) when no installed
        release covers it, naming the release to get (``medbill data fetch pfs RVU26D``).
        """
        return cls._load(coverage.require(SYSTEM, releases(), coverage.as_date(day)))

    @classmethod
    def _load(cls, provenance: store.Provenance) -> FeeSchedule:
        key = (provenance.release, provenance.sha256)
        with _load_lock:
            if key not in _loaded:
                folder = store.release_dir(SYSTEM, provenance.release)
                tables = {
                    name.removesuffix(".parquet"): pd.read_parquet(folder / name) for name in PAYLOAD_FILES
                }
                _loaded[key] = cls.from_tables(provenance, tables)
            return _loaded[key]

    def __repr__(self) -> str:
        p = self.provenance
        return (
            f"<FeeSchedule {self.release} ({p.effective_from} to {p.effective_to}): {len(self.rvu):,} code rows, "
            f"{len(self.gpci)} localities>"
        )

    # ------------------------------------------------------------------ localities

    def locality_key(self, locality: object) -> tuple[str, str]:
        """Normalise a MAC-locality ('01112-05', '0111205', ('01112', '05')) or 'national', or raise."""
        if isinstance(locality, str) and locality.strip().lower() == NATIONAL:
            return _NATIONAL_KEY
        parsed = rules.parse_locality(locality)
        if parsed is None:
            raise InvalidFormat(
                f"Locality {locality!r} is not a MAC-locality such as '01112-05' (MAC number, locality number)."
            )
        if parsed not in self._loc:
            if not self.has_gpci:
                raise UnknownCode(
                    f"Locality {parsed[0]}-{parsed[1]} cannot be priced with PFS {self.release}: it was imported "
                    "without a GPCI file (national amounts only). Use locality 'national' (GPCIs of 1.0), or "
                    "import the release's GPCI, LOCCO, ANES and OPPSCAP files with its PPRRVU file."
                )
            raise UnknownCode(
                f"Locality {parsed[0]}-{parsed[1]} is not in the PFS {self.release} GPCI file; "
                f"see FeeSchedule.load({self.release!r}).gpci for the {len(self.gpci)} localities, or use 'national'."
            )
        return parsed

    def _locality_index(self, value: object) -> int:
        """The GPCI row of a locality value (the batch path), -1 when it is not one."""
        if isinstance(value, str) and value.strip().lower() == NATIONAL:
            return self._loc[_NATIONAL_KEY]
        key = rules.parse_locality(value)
        return -1 if key is None else self._loc.get(key, -1)

    def locality_for_county(self, state: str, county: str) -> str:
        """The MAC-locality ('01112-05') paying for ``county`` in ``state`` (postal code or name)."""
        if (
            not isinstance(state, str)
            or not isinstance(county, str)
            or not state.strip()
            or not county.strip()
        ):
            raise InvalidFormat("Give a state (postal code or name) and a county name.")
        if self.localities.empty:
            raise UnknownCode(
                f"PFS {self.release} was imported without the locality/county crosswalk (LOCCO): "
                "give a MAC-locality, or 'national'."
            )
        st = state.strip().upper()
        postal = dict(zip(self.gpci["mac"] + self.gpci["locality"], self.gpci["state"], strict=True))
        loc = self.localities.assign(
            postal=(self.localities["mac"] + self.localities["locality"]).map(postal)
        )
        rows = loc[(loc["postal"] == st) | (loc["state_name"].str.strip() == st)]
        if rows.empty:
            raise UnknownCode(f"State {state!r} has no locality in the PFS {self.release} crosswalk.")
        wanted = _county_name(county)
        for mac, lc, counties in zip(rows["mac"], rows["locality"], rows["counties"], strict=True):
            if wanted in _county_list(counties):
                return f"{mac}-{lc}"
        fallback = rows[rows["counties"].str.startswith("ALL")]
        if fallback.empty:
            raise UnknownCode(
                f"County {county!r} is not listed for {state} in the PFS {self.release} crosswalk."
            )
        return f"{fallback['mac'].iloc[0]}-{fallback['locality'].iloc[0]}"

    def anesthesia_cf(self, locality: object) -> Decimal:
        """The locality's anesthesia conversion factor (dollars per anesthesia unit)."""
        mac, lc = self.locality_key(locality)
        if (mac, lc) == _NATIONAL_KEY:
            raise UnknownCode(
                "Anesthesia conversion factors are set by locality; give a MAC-locality, not 'national'."
            )
        gpci_row = self.gpci.iloc[self._loc[(mac, lc)]]
        hit = self.anesthesia[
            (self.anesthesia["mac"] == gpci_row["mac"])
            & (self.anesthesia["locality"] == gpci_row["locality"])
        ]
        if hit.empty:
            raise UnknownCode(
                f"Locality {mac}-{lc} has no anesthesia conversion factor in PFS {self.release}."
            )
        return _cf(hit["anes_cf"].iloc[0])

    def price_anesthesia(
        self, code: str, locality: object, base_units: int, minutes: int
    ) -> PriceExplanation:
        """Anesthesia (status J): (base units + minutes / 15, to one decimal) x anesthesia CF.

        Base units come from CMS's anesthesia base unit file (not part of the PFS RVU files), so
        the caller gives them.
        """
        code = _code(code)
        if code not in self._codes:
            raise UnknownCode(f"Code {code} is not in the Medicare PFS {self.release} relative value file.")
        status = str(self.rvu.at[self._row[(code, "")], "status"])
        if status != "J":
            raise UnknownCode(f"Code {code} has status {status}, not J: it is not an anesthesia service.")
        for name, value in (("base_units", base_units), ("minutes", minutes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidFormat(f"{name} {value!r} must be a whole number of zero or more.")
        mac, lc = self.locality_key(locality)
        g = self._gpci_records[self._loc[(mac, lc)]]
        cf = self.anesthesia_cf(locality)
        time_units = (Decimal(minutes) / 15).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        raw = (Decimal(base_units) + time_units) * cf
        amount = raw.quantize(rules.CENT, rounding=ROUND_HALF_UP)
        steps = (
            Step("code", f"{code} anesthesia service", f"status {status}"),
            Step("locality", f"{mac}-{lc} {g['name']} ({g['state']})", ""),
            Step("time units", f"{minutes} minutes / 15, to one decimal", f"{time_units}"),
            Step(
                "anesthesia units",
                f"{base_units} base units + {time_units} time units",
                f"{base_units + time_units}",
            ),
            Step(
                "allowed amount",
                f"{base_units + time_units} units x anesthesia CF {cf}, rounded",
                f"{amount}",
            ),
        )
        return PriceExplanation(
            code=code, modifiers=(), year=self.year, release=self.release, locality=f"{mac}-{lc}",
            locality_name=str(g["name"]), pos="", facility=True, status=status, units=1, payable=bool(amount), amount=amount,
            fee_schedule_amount=amount, components={"anesthesia_cf": cf, "base_units": Decimal(base_units),
            "time_units": time_units}, rule="anesthesia: (base + time units) x anesthesia CF", steps=steps,
        )  # fmt: skip

    # ------------------------------------------------------------------ one code, Decimal

    def price(
        self,
        code: str,
        locality: object,
        modifiers: Iterable[str] | str = (),
        pos: str | int = "11",
        units: int = 1,
        *,
        procedure_rank: int = 1,
        endoscopy_rank: int = 1,
        other_services_same_day: bool = False,
        qp: bool = False,
    ) -> PriceExplanation:
        """Price one service line in ``Decimal`` and explain each step.

        ``locality`` is a MAC-locality ('01112-05') or 'national' (GPCIs of 1.0, no OPPS cap).
        ``qp`` uses the conversion factor of qualifying APM participants (CY2026 on).

        ``procedure_rank`` is the line's place among the claim's procedures of the day with the same
        multiple procedure indicator (1 = highest, paid in full; 2 and later reduced; see
        :mod:`medbill.pricing.rules`): indicator 2 ranks by amount, 4, 6 and 7 by TC amount then
        fee schedule amount, 5 by PE amount; an endoscopy (3) has its family's rank among the
        indicator-2 procedures, by the family's total.
        ``endoscopy_rank`` is an endoscopy's place in its family that day by fee (1 = highest, in
        full; later ones pay their fee less the base code's); a base code ranked after 1 is billed
        with a member of its family and is not paid.
        ``other_services_same_day`` bundles a status-T service (paid only when alone).
        Raises ``InvalidFormat`` for malformed input, ``UnknownCode`` for a code or locality that
        is not in this release's files; ``DataNotAvailable`` for ``qp`` in a year without a QP factor.
        """
        code = _code(code)
        mods = _modifiers(modifiers)
        pos = rules.parse_pos(pos)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise InvalidFormat(f"Units {units!r} must be a whole number of at least 1.")
        units = int(units)
        if not isinstance(qp, bool):
            raise InvalidFormat(f"qp {qp!r:.60} must be True (qualifying APM participant) or False.")
        for name, rank in (("procedure_rank", procedure_rank), ("endoscopy_rank", endoscopy_rank)):
            if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
                raise InvalidFormat(f"{name} {rank!r} must be 1 (highest) or more.")
        mac, lc = self.locality_key(locality)
        if code not in self._codes:
            raise UnknownCode(f"Code {code} is not in the Medicare PFS {self.release} relative value file.")
        component = rules.component_modifier(mods)
        row = self._row.get((code, component))
        if row is None:
            raise UnknownCode(
                f"Code {code} has no {component} row in the PFS {self.release} file "
                f"(PC/TC indicator {self.rvu.at[self._row[(code, '')], 'pctc']}): modifier {component} does not apply."
            )
        r = self._rvu_records[row]
        g = self._gpci_records[self._loc[(mac, lc)]]
        if pos not in rules.known_pos():
            raise UnknownCode(f"Place of service {pos} is not an assigned CMS place of service code.")
        facility = pos in rules.facility_pos()
        status = str(r["status"])
        work, mp = _rvu(r["work_rvu"]), _rvu(r["mp_rvu"])
        pe = _rvu(r["fac_pe_rvu"] if facility else r["nonfac_pe_rvu"])
        gw, gpe, gmp = _gpci(g["gpci_work"]), _gpci(g["gpci_pe"]), _gpci(g["gpci_mp"])
        cf = _cf(self.cf_array(qp)[row])
        setting = "facility" if facility else "non-facility"
        components = {
            "work_rvu": work, "pe_rvu": pe, "mp_rvu": mp,
            "gpci_work": gw, "gpci_pe": gpe, "gpci_mp": gmp, "conversion_factor": cf,
        }  # fmt: skip
        steps = [
            Step("code", f"{code} {rules.COMPONENT_MEANING[component]}", f"status {status}"),
            self._locality_step(mac, lc, g),
            Step("setting", f"place of service {pos}", setting),
        ]

        def result(
            outcome: int, amount: Decimal | None, fee: Decimal | None, **parts: Any
        ) -> PriceExplanation:
            text = rules.rule_text(outcome, status=status, component=component, facility=facility, **parts)
            steps.append(Step("allowed amount", text, "not priced" if amount is None else f"{amount:.2f}"))
            return PriceExplanation(
                code=code, modifiers=mods, year=self.year, release=self.release, locality=_label(mac, lc),
                locality_name=str(g["name"]),
                pos=pos, facility=facility, status=status, units=units, payable=bool(amount),
                amount=amount, fee_schedule_amount=fee, components=components, rule=text, steps=tuple(steps),
            )  # fmt: skip

        if status in rules.PRICED_ELSEWHERE:
            return result(rules.NOT_PRICED, None, None)
        if status not in rules.PAYABLE_STATUS:
            return result(rules.NOT_PAYABLE, Decimal("0.00"), None)

        parts_work, parts_pe, parts_mp = work * gw, pe * gpe, mp * gmp
        total = parts_work + parts_pe + parts_mp
        raw = total * cf
        fee = raw.quantize(rules.CENT, rounding=ROUND_HALF_UP)
        steps += [
            Step("work", f"work RVU {work} x work GPCI {gw}", f"{parts_work}"),
            Step("practice expense", f"{setting} PE RVU {pe} x PE GPCI {gpe}", f"{parts_pe}"),
            Step("malpractice", f"MP RVU {mp} x MP GPCI {gmp}", f"{parts_mp}"),
            Step("adjusted RVUs", "work + practice expense + malpractice", f"{total}"),
            Step("conversion factor", self._cf_text(qp), f"{cf}"),
            Step(
                "fee schedule amount",
                f"{total} x conversion factor {cf} = {raw}, rounded to the cent",
                f"{fee}",
            ),
        ]
        if status == "T" and other_services_same_day:
            return result(rules.T_BUNDLED, Decimal("0.00"), fee)
        assistant = rules.assistant_modifier(mods)
        if assistant and not rules.ASSISTANT_PAYABLE[int(r["asst_surg"])]:
            return result(rules.ASSISTANT_BARRED, Decimal("0.00"), fee)
        co_surgeon = "62" in mods
        if co_surgeon and not rules.CO_SURGEON_PAYABLE[int(r["co_surg"])]:
            return result(rules.CO_SURGEON_BARRED, Decimal("0.00"), fee)
        if "66" in mods:
            if not rules.TEAM_PERMITTED[int(r["team_surg"])]:
                return result(rules.TEAM_BARRED, Decimal("0.00"), fee)
            return result(rules.TEAM_BY_REPORT, None, fee)
        if code in self._endo_bases and endoscopy_rank > 1:
            return result(rules.ENDO_BASE_INCLUDED, Decimal("0.00"), fee)

        # Indicators 3-7 cut the fee before the cap and the percentages below.
        mult_proc = int(r["mult_proc"])
        mppr = rules.MPPR_NONE
        endo, endo_base = rules.ENDO_NONE, str(r["endo_base"])
        first_base = further_base = fee
        if mult_proc == rules.ENDOSCOPY and endo_base and (endoscopy_rank > 1 or units > 1):
            endo = rules.ENDO_LESS_BASE if endoscopy_rank > 1 else rules.ENDO_FIRST_OF_UNITS
            base_row = self._row.get((endo_base, ""))
            base_fee = Decimal("0.00") if base_row is None else self._row_fee(base_row, g, facility, qp)
            further_base = max(fee - base_fee, Decimal("0.00"))
            if endoscopy_rank > 1:
                first_base = further_base
            how = f"{fee} less base endoscopy {endo_base} {base_fee}, not below zero"
            if endoscopy_rank == 1:
                how = f"first unit in full; further units {how}"
            how = f"family {endo_base}, endoscopy rank {endoscopy_rank}: {how}"
            steps.append(Step("endoscopy family", how, f"{further_base}"))
        elif mult_proc in rules.MPPR_PORTIONS and (procedure_rank > 1 or units > 1):
            zero = Decimal("0.00")
            split: tuple[Decimal, Decimal] | None = (zero, zero)
            pe_cents = zero
            if mult_proc == 5:
                pe_cents = (parts_pe * cf).quantize(rules.CENT, rounding=ROUND_HALF_UP)
            else:
                split = self._tc_pc(code, component, int(r["pctc"]), g, facility, fee, qp)
            if split is None:
                mppr = rules.MPPR_UNSPLIT
            else:
                mppr = rules.MPPR_HIGHEST if procedure_rank == 1 else rules.MPPR_REDUCED
                further_base = fee - rules.portion_cut(mult_proc, *split, pe_cents)
                how = rules.portion_how(mult_proc, procedure_rank, *split, pe_cents)
                steps.append(Step("multiple procedures", how, f"{further_base}"))
                if procedure_rank > 1:
                    first_base = further_base

        def adjust(base: Decimal, record: bool) -> tuple[Decimal, bool]:
            """OPPS cap, bilateral, assistant and co-surgeon rules applied to one unit's amount."""
            amount, capped = base, False
            cap_at = self._cap_position.get(row * self._n_loc + self._loc[(mac, lc)], -1)
            if cap_at >= 0:
                cap = _cents((self._cap_fac if facility else self._cap_nonfac)[cap_at])
                capped = cap < amount
                if record:
                    how = f"lesser of {amount} and the OPPS-based price {cap}"
                    steps.append(Step("OPPS imaging cap", how, f"{min(amount, cap)}"))
                amount = min(amount, cap)
            if "50" in mods:
                bp, why = rules.BILATERAL[int(r["bilat_surg"])]
                amount = rules.apply_bp(amount, bp)
                if record:
                    steps.append(Step("bilateral (50)", why, f"{amount}"))
            if assistant:
                bp = rules.ASSISTANT_NONPHYSICIAN if assistant == "AS" else rules.ASSISTANT_PHYSICIAN
                amount = rules.apply_bp(amount, bp)
                if record:
                    how = f"{rules.bp_text(bp)} of the surgeon's amount"
                    steps.append(Step(f"assistant ({assistant})", how, f"{amount}"))
            if co_surgeon:
                amount = rules.apply_bp(amount, rules.CO_SURGEON_PERCENT)
                if record:
                    steps.append(Step("co-surgeon (62)", "62.5% to each surgeon", f"{amount}"))
            return amount, capped

        amount, capped = adjust(first_base, record=True)
        further = adjust(further_base, record=False)[0] if further_base != first_base else amount
        bilateral = int(r["bilat_surg"]) if "50" in mods else -1
        assist_kind = rules.ASSIST_NONE
        if assistant:
            assist_kind = rules.ASSIST_NONPHYSICIAN if assistant == "AS" else rules.ASSIST_PHYSICIAN
        if mult_proc == rules.MPPR_INDICATOR and (procedure_rank > 1 or units > 1):
            mppr = rules.MPPR_HIGHEST if procedure_rank == 1 else rules.MPPR_REDUCED
            first = amount if procedure_rank == 1 else rules.apply_bp(amount, rules.MPPR_FURTHER)
            further = rules.apply_bp(amount, rules.MPPR_FURTHER)
            total_amount = first + further * (units - 1)
            steps.append(
                Step(
                    "multiple procedures",
                    f"procedure rank {procedure_rank}: "
                    + ("100%" if procedure_rank == 1 else f"50% of {amount}")
                    + (f"; {units - 1} further unit(s) at 50% ({further} each)" if units > 1 else ""),
                    f"{total_amount}",
                )
            )
        else:
            if mult_proc == rules.ENDOSCOPY and procedure_rank > 1:
                mppr = rules.MPPR_REDUCED
                amount, further = (rules.apply_bp(a, rules.MPPR_FURTHER) for a in (amount, further))
                how = f"family ranked {procedure_rank} among the day's procedures: 50%"
                steps.append(Step("multiple procedures", how, f"{amount}"))
            total_amount = amount + further * (units - 1)
            if units > 1 and further != amount:
                steps.append(
                    Step(
                        "units",
                        f"first unit {amount}; {units - 1} further unit(s) at {further}",
                        f"{total_amount}",
                    )
                )
            elif units > 1:
                steps.append(Step("units", f"{amount} x {units} units", f"{total_amount}"))
        return result(
            rules.PRICED, total_amount, fee, capped=capped, bilateral=bilateral, assistant=assist_kind,
            co_surgeon=co_surgeon, mppr=mppr, mult_proc=mult_proc, endo=endo, endo_base=endo_base,
        )  # fmt: skip

    def _tc_pc(
        self,
        code: str,
        component: str,
        pctc: int,
        g: dict[str, object],
        facility: bool,
        fee: Decimal,
        qp: bool,
    ) -> tuple[Decimal, Decimal] | None:
        """The TC and PC portions of one unit's fee (cents), for the indicator 4, 6 and 7 MPPRs.

        A global line with a 26 row splits into that row's fee (PC, at most the global fee) and the
        rest (TC); a code without component rows is all TC (PC/TC indicator 3) or all PC (2); for
        any other (a global test only code, indicator 4) the split is unknown here: None.
        """
        zero = Decimal("0.00")
        if component == "TC":
            return fee, zero
        if component == "26":
            return zero, fee
        pc_row = self._row.get((code, "26"))
        if component == "" and pc_row is not None:
            pc = min(self._row_fee(pc_row, g, facility, qp), fee)
            return fee - pc, pc
        if pctc == 3:
            return fee, zero
        if pctc == 2:
            return zero, fee
        return None

    def _row_fee(self, row: int, g: dict[str, Any], facility: bool, qp: bool) -> Decimal:
        """round((work x GPCI + PE x GPCI + MP x GPCI) x CF) of one RVU row, half up."""
        r = self._rvu_records[row]
        total = (
            _rvu(r["work_rvu"]) * _gpci(g["gpci_work"])
            + _rvu(r["fac_pe_rvu"] if facility else r["nonfac_pe_rvu"]) * _gpci(g["gpci_pe"])
            + _rvu(r["mp_rvu"]) * _gpci(g["gpci_mp"])
        )
        return (total * _cf(self.cf_array(qp)[row])).quantize(rules.CENT, rounding=ROUND_HALF_UP)

    def _locality_step(self, mac: str, lc: str, g: dict[str, object]) -> Step:
        if (mac, lc) != _NATIONAL_KEY:
            return Step("locality", f"{mac}-{lc} {g['name']} ({g['state']})", "")
        why = "" if self.has_gpci else f"; PFS {self.release} was imported without a GPCI file"
        return Step("locality", f"national: GPCIs of 1.0, no geographic adjustment, no OPPS cap{why}", "")

    def _cf_text(self, qp: bool) -> str:
        """Which conversion factor was used, and where it comes from."""
        entry = self.conversion_factor_entry(qp)
        if entry is None:
            return f"CONV FACTOR of the {self.release} RVU file (CY{self.year} is not in medbill's CF table)"
        return f"{entry.label}; {entry.source}"

    # ------------------------------------------------------------------ many lines, integers

    def price_lines(
        self,
        lines: pd.DataFrame,
        locality: object = None,
        pos: str | int = "11",
        *,
        claims: pd.DataFrame | None = None,
        qp: bool = False,
    ) -> pd.DataFrame:
        """Price every row of a lines table (docs/tables.md) in one vectorised pass.

        ``locality`` is one MAC-locality (or 'national') for all lines, or ``None`` to read a
        ``locality`` column. A line's place of service is its own ``place_of_service`` when
        filled, else its claim's (when ``claims`` is given), else ``pos``. Multiple procedure
        reduction ranks indicator-2 lines within ``claim_id`` and ``service_date`` (when those
        columns exist). ``qp`` prices with the qualifying APM participants' conversion factor.
        A line whose ``service_date`` this release does not cover is not priced (allowed NA, the
        rule says which release covers it or how to get one); :func:`price_lines` chooses the
        release per line instead. Returns one row per input row, same index: ``allowed``
        (dollars, NA when the line cannot be priced), ``allowed_cents``, ``fee_schedule_amount``,
        ``facility``, ``status``, ``rule``, ``release``, ``procedure_rank``, ``endoscopy_rank``
        (0 outside endoscopy families) and the RVUs, GPCIs and conversion factor used.
        """
        if claims is not None and isinstance(lines, pd.DataFrame):
            lines = _with_claim_pos(lines, claims)
        if not isinstance(lines, pd.DataFrame) or "service_date" not in lines.columns:
            return self._price_covered(lines, locality, pos, qp)
        days = _service_dates(lines)
        covered = coverage.in_effect_many([self.provenance], days) == 0
        if covered.all():
            return self._price_covered(lines, locality, pos, qp)
        at = np.flatnonzero(covered)
        others = releases()
        reasons = _reasons(days, ~covered, lambda d: self._outside(d, others))
        used = lines[[c for c in lines.columns if c in pfs_batch.INPUT_COLUMNS]]
        return _assemble(lines.index, [(at, self._price_covered(used.iloc[at], locality, pos, qp))], reasons)

    def _price_covered(self, lines: pd.DataFrame, locality: object, pos: str | int, qp: bool) -> pd.DataFrame:
        out = pfs_batch.price_lines(self, lines, locality, pos, qp=qp)
        out["release"] = pd.Categorical.from_codes(
            np.zeros(len(out), dtype=np.int8), categories=[self.release]
        )
        return out

    def _outside(self, day: date, others: list[store.Provenance]) -> str:
        """Why a line dated ``day`` is not priced with this release, and what to do."""
        p = self.provenance
        here = f"PFS {self.release} is in effect {p.effective_from} to {p.effective_to}, not on {day}"
        found = coverage.in_effect(others, day)
        if found is not None:
            return f"{here}; {found.release} is: price by date of service (medbill.pricing.price_lines)."
        return f"{here}. {coverage.not_covered_message(SYSTEM, day, others)}"

    def explain_line(
        self,
        lines: pd.DataFrame,
        index: object,
        locality: object = None,
        pos: str | int = "11",
        *,
        qp: bool = False,
    ) -> PriceExplanation:
        """The step-by-step explanation of one row of ``price_lines(lines, ...)``.

        The row is re-priced with :meth:`price` at the procedure rank it has among its claim's
        lines on that date, so the explanation shows the same amount as the batch result.
        ``NotCovered`` when this release does not cover the row's date of service.
        """
        if index not in lines.index:
            raise UnknownCode(f"Row {index!r} is not in the lines table.")
        row = lines.loc[index]
        same = np.ones(len(lines), dtype=bool)
        for col in ("claim_id", "service_date"):
            if col in lines.columns:
                same &= (lines[col] == row[col]).fillna(False).to_numpy(dtype=bool)
        group = lines[same]
        batch = self.price_lines(group, locality=locality, pos=pos, qp=qp)
        rule = str(batch.at[index, "rule"])
        if rule.startswith(NOT_COVERED):
            raise coverage.NotCovered(rule.removeprefix(NOT_COVERED), system=SYSTEM)
        rank = int(batch.at[index, "procedure_rank"])
        endoscopy_rank = int(batch.at[index, "endoscopy_rank"])
        bundled = rule == rules.rule_text(rules.T_BUNDLED)
        mods = tuple(
            str(row[c]).strip() for c in pfs_batch.MODIFIER_COLUMNS if c in lines.columns and _filled(row[c])
        )
        line_pos = (
            row["place_of_service"]
            if "place_of_service" in lines.columns and _filled(row["place_of_service"])
            else pos
        )
        units = row["units"] if "units" in lines.columns and _filled(row["units"]) else 1
        if isinstance(units, float) and units.is_integer():
            units = int(units)
        where = locality if locality is not None else row.get("locality")
        return self.price(
            str(row["procedure_code"]),
            where,
            mods,
            line_pos,
            units,
            procedure_rank=max(rank, 1),
            endoscopy_rank=max(endoscopy_rank, 1),
            other_services_same_day=bundled,
            qp=qp,
        )


# ---------------------------------------------------------------------- module-level shortcuts

# The rule text of a line no release covers starts with this.
NOT_COVERED = "not covered: "


def releases() -> list[store.Provenance]:
    """The installed PFS releases, oldest first."""
    return sorted(store.installed(SYSTEM), key=lambda p: (p.effective_from or date.min, p.release))


def price(
    code: str,
    *,
    locality: object,
    on: date | str | None = None,
    release: str | int | None = None,
    modifiers: Iterable[str] | str = (),
    pos: str | int = "11",
    units: int = 1,
    qp: bool = False,
) -> PriceExplanation:
    """Price one code with the release in effect ``on`` a date of service, or a named ``release``."""
    if on is not None and release is None:
        fs = FeeSchedule.for_date(on)
    elif release is not None and on is None:
        fs = FeeSchedule.load(release)
    else:
        raise InvalidFormat(
            "Give the date of service (on=...) or a PFS release (release='RVU25D'), not both."
        )
    return fs.price(code, locality, modifiers, pos, units, qp=qp)


def price_lines(
    lines: pd.DataFrame,
    *,
    release: str | int | None = None,
    locality: object = None,
    pos: str | int = "11",
    claims: pd.DataFrame | None = None,
    qp: bool = False,
) -> pd.DataFrame:
    """Price a lines table, each line with the PFS release in effect on its ``service_date``.

    Lines no installed release covers (or without a date) are not priced: allowed NA and a
    ``rule`` naming the missing release and the command that installs it; never priced from
    another quarter. With ``release`` given, ``FeeSchedule.load(release).price_lines(...)``.
    """
    if claims is not None:
        lines = _with_claim_pos(lines, claims)
    if release is not None:
        return FeeSchedule.load(release).price_lines(lines, locality=locality, pos=pos, qp=qp)
    if not isinstance(lines, pd.DataFrame) or "service_date" not in lines.columns:
        raise InvalidFormat("Give release=... or a service_date column to choose the PFS release per line.")
    days = _service_dates(lines)
    installed = releases()
    which = coverage.in_effect_many(installed, days)
    used = lines[[c for c in lines.columns if c in pfs_batch.INPUT_COLUMNS]]
    parts = []
    for i in np.unique(which[which >= 0]):
        at = np.flatnonzero(which == i)
        fs = FeeSchedule._load(installed[i])
        part = used if len(at) == len(lines) else used.iloc[at]
        parts.append((at, fs._price_covered(part, locality, pos, qp)))
    if len(parts) == 1 and len(parts[0][0]) == len(lines):
        return parts[0][1]
    uncovered = which < 0
    reasons = _reasons(days, uncovered, lambda d: coverage.not_covered_message(SYSTEM, d, installed))
    return _assemble(lines.index, parts, reasons)


# ---------------------------------------------------------------------- helpers


def _resolve_release(release: object) -> store.Provenance:
    """The installed release named ``release``, or the only one of a year; ``DataNotAvailable`` else."""
    installed = releases()
    have = coverage.describe(installed)
    if isinstance(release, bool) or not isinstance(release, (int, str)) or not str(release).strip():
        raise DataNotAvailable(f"PFS release {release!r} is not a release name; pass e.g. 'RVU25D'.")
    text = str(release).strip().upper()
    if text.isdigit():
        of_year = [p for p in installed if p.effective_from and p.effective_from.year == int(text)]
        if len(of_year) == 1:
            return of_year[0]
        if of_year:
            raise DataNotAvailable(
                f"PFS {int(text)} has {len(of_year)} releases: {coverage.describe(of_year)}. Name one "
                f"(e.g. {of_year[-1].release!r}) or choose by date of service (FeeSchedule.for_date, --on DATE)."
            )
    for p in installed:
        if p.release == text:
            return p
    if any(e.release == text for e in catalog.entries(SYSTEM)):
        fix = f"Run `medbill data fetch {SYSTEM} {text}`"
    else:
        fix = "Import CMS's files with `medbill data import pfs DIR` (each PPRRVU file is one quarterly release)"
    raise DataNotAvailable(f"Medicare PFS {text} is not imported; imported: {have}. {fix}.")


def _service_dates(lines: pd.DataFrame) -> np.ndarray:
    """The lines' dates of service as datetime64 (NaT where missing or not a date)."""
    col = lines["service_date"]
    if not pd.api.types.is_datetime64_any_dtype(col):
        col = pd.to_datetime(col, errors="coerce")
    return col.to_numpy(dtype="datetime64[ns]")


def _reasons(
    days: np.ndarray, uncovered: np.ndarray, why: Callable[[date], str]
) -> tuple[np.ndarray, pd.Categorical]:
    """The positions of uncovered lines and their rule texts, composed once per distinct date."""
    at = np.flatnonzero(uncovered)
    codes, uniq = pd.factorize(days[at], use_na_sentinel=False)
    texts = [
        NOT_COVERED
        + (
            "no date of service, so no Medicare PFS release can be chosen; fill service_date."
            if pd.isna(d)
            else why(pd.Timestamp(d).date())
        )
        for d in uniq
    ]
    text_codes, text_uniq = pd.factorize(pd.Index(texts))
    return at, pd.Categorical.from_codes(text_codes[codes], categories=text_uniq)


def _not_covered_frame(n: int, rule: pd.Categorical) -> pd.DataFrame:
    """Output rows (``pfs_batch`` columns) for lines no release prices: no amount, the reason."""
    na_float = np.full(n, np.nan)
    none = pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype="str"))
    return pd.DataFrame(
        {
            "allowed": pd.array(na_float, dtype="Float64"),
            "allowed_cents": pd.array([pd.NA] * n, dtype="Int64"),
            "fee_schedule_amount": pd.array(na_float, dtype="Float64"),
            "facility": np.zeros(n, dtype=bool),
            "locality": none,
            "status": none,
            "payable": np.zeros(n, dtype=bool),
            "rule": rule,
            **{c: na_float for c in pfs_batch.NUMERIC_COLUMNS},
            "procedure_rank": np.zeros(n, dtype=np.int64),
            "endoscopy_rank": np.zeros(n, dtype=np.int64),
            "release": none,
        }
    )


def _assemble(
    index: pd.Index,
    parts: list[tuple[np.ndarray, pd.DataFrame]],
    uncovered: tuple[np.ndarray, pd.Categorical],
) -> pd.DataFrame:
    """One output frame in the lines' order from priced parts and the uncovered lines."""
    at, rule = uncovered
    pieces = [p for p in (*parts, (at, _not_covered_frame(len(at), rule))) if len(p[0])]
    if not pieces:  # no lines at all
        return _not_covered_frame(0, rule).set_axis(index)
    positions = np.concatenate([p for p, _ in pieces])
    n = len(index)
    columns: dict[str, object] = {}
    for col in pieces[0][1].columns:  # each piece's values scattered to its lines' positions
        values = [frame[col].array for _, frame in pieces]
        first = values[0]
        if isinstance(first, pd.Categorical):
            joined = union_categoricals(values)  # codes in piece order, as ``positions``
            codes = np.empty(n, dtype=joined.codes.dtype)
            codes[positions] = joined.codes
            columns[col] = pd.Categorical.from_codes(codes, categories=joined.categories)
        elif isinstance(first, (pd.arrays.IntegerArray, pd.arrays.FloatingArray)):
            kind = first.dtype.numpy_dtype
            data, mask = np.zeros(n, dtype=kind), np.zeros(n, dtype=bool)
            for (at, _), v in zip(pieces, values, strict=True):
                data[at] = v.to_numpy(dtype=kind, na_value=0)
                mask[at] = v.isna()
            columns[col] = type(first)(data, mask)
        else:
            data = np.empty(
                n, dtype=first.dtype.numpy_dtype if hasattr(first.dtype, "numpy_dtype") else first.dtype
            )
            for (at, _), v in zip(pieces, values, strict=True):
                data[at] = v.to_numpy()
            columns[col] = data
    return pd.DataFrame(columns, index=index)


def _with_claim_pos(lines: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Lines whose empty ``place_of_service`` is taken from their claim's."""
    if "place_of_service" not in claims.columns or "claim_id" not in lines.columns:
        raise InvalidFormat(
            "To take places of service from claims, lines need claim_id and claims place_of_service."
        )
    at = _first_row_of(lines["claim_id"], claims["claim_id"])
    from_claim = pd.Series(claims["place_of_service"].array.take(at, allow_fill=True), index=lines.index)
    if "place_of_service" not in lines.columns:
        return lines.assign(place_of_service=from_claim)
    # as text: the two columns may be categoricals with different categories (read from files)
    own = lines["place_of_service"].astype("string")
    filled = own.notna() & (own.str.strip() != "")
    return lines.assign(place_of_service=own.where(filled, from_claim.astype("string")))


def _first_row_of(keys: pd.Series, ids: pd.Series) -> np.ndarray:
    """Per key, the position of the first of ``ids`` equal to it as text (a missing key finds a
    missing id), -1 for none. Arrow's hash join: pandas' ``map`` on text makes a Python string per
    row (100 MB and 0.5 s at 1M lines)."""
    found = pc.index_in(_arrow_text(keys), value_set=_arrow_text(ids), skip_nulls=False)
    return found.fill_null(-1).to_numpy()


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | pa.Array:
    return pa.array(values.astype("string").array)


def _label(mac: str, lc: str) -> str:
    return NATIONAL if (mac, lc) == _NATIONAL_KEY else f"{mac}-{lc}"


def _filled(value: object) -> bool:
    return not (
        value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value == ""
    )


def _code(code: object) -> str:
    if not isinstance(code, str) or not code.strip():
        raise InvalidFormat(f"Procedure code {code!r} must be a non-empty string such as '99213'.")
    text = code.strip().upper()
    if len(text) != 5 or not text.isascii() or not text.isalnum():
        raise InvalidFormat(f"Procedure code {code!r} is not a 5-character CPT or HCPCS code.")
    return text


def _modifiers(modifiers: Iterable[str] | str | None) -> tuple[str, ...]:
    if modifiers is None:
        return ()
    if isinstance(modifiers, str):
        modifiers = (modifiers,)
    if not isinstance(modifiers, (list, tuple, set, frozenset)):
        raise InvalidFormat(
            f"Modifiers {modifiers!r:.60} must be a list of two-character modifiers such as ['26']."
        )
    out = []
    for m in modifiers:
        if (
            not isinstance(m, str)
            or len(m.strip()) != 2
            or not m.strip().isascii()
            or not m.strip().isalnum()
        ):
            raise InvalidFormat(f"Modifier {m!r} is not a two-character modifier such as '26'.")
        out.append(m.strip().upper())
    return tuple(out)


def _county_name(text: str) -> str:
    words = [w for w in text.upper().replace(".", "").split() if w not in ("COUNTY", "CNTY", "PARISH")]
    return " ".join(words)


def _county_list(text: str) -> set[str]:
    for sep in (";", "/", " AND "):
        text = text.replace(sep, ",")
    return {_county_name(part) for part in text.split(",") if part.strip()}
