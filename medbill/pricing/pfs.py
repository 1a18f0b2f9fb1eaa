"""Medicare Physician Fee Schedule prices, to the cent, with the steps that produced them.

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

import threading
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from medbill.exceptions import DataNotAvailable, InvalidFormat, UnknownCode
from medbill.pricing import pfs_batch, rules
from medbill.pricing.explain import PriceExplanation, Step
from medbill.refdata import store
from medbill.refdata.pfs import CF_PLACES, GPCI_PLACES, PAYLOAD_FILES, RVU_PLACES, SYSTEM

_loaded: dict[tuple[int, str], FeeSchedule] = {}
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
    """One year's imported PFS: RVUs, GPCIs, localities, anesthesia CFs and OPPS caps.

    Build with :meth:`load` (an imported year) or :meth:`from_tables`; no I/O in ``__init__``.
    """

    def __init__(self, provenance: store.Provenance, tables: dict[str, pd.DataFrame]) -> None:
        self.provenance = provenance
        self.year = int(provenance.release)
        rvu = tables["rvu"].reset_index(drop=True)
        gpci = tables["gpci"].reset_index(drop=True)
        self.rvu = rvu
        self.gpci = gpci
        self.localities = tables["localities"]
        self.anesthesia = tables["anesthesia"]
        self._row = {(c, m): i for i, (c, m) in enumerate(zip(rvu["hcpcs"], rvu["mod"], strict=True))}
        self._codes = frozenset(rvu["hcpcs"])
        self._loc = {(m, lc): i for i, (m, lc) in enumerate(zip(gpci["mac"], gpci["locality"], strict=True))}
        # Integer arrays for the batch path, indexed by RVU row and GPCI row.
        self._a = {
            c: rvu[c].to_numpy("int64") for c in ("work_rvu", "nonfac_pe_rvu", "fac_pe_rvu", "mp_rvu", "cf")
        }
        for c in ("pctc", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg"):
            self._a[c] = rvu[c].astype(int).to_numpy("int64")
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
        self._g = {c: gpci[c].to_numpy("int64") for c in ("gpci_work", "gpci_pe", "gpci_mp")}
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
        key = row * len(gpci) + loc
        keep = (row >= 0) & (loc >= 0) & ~pd.Series(key).duplicated().to_numpy()  # aliases repeat rows
        self._cap_index = pd.Index(key[keep])
        self._cap_position = {int(k): i for i, k in enumerate(key[keep])}
        # Plain dicts for the one-code path (a pandas row lookup costs more than the arithmetic).
        self._rvu_records = rvu.to_dict("records")
        self._gpci_records = gpci.to_dict("records")
        self._cap_fac = caps["cap_fac_cents"].to_numpy("int64")[keep]
        self._cap_nonfac = caps["cap_nonfac_cents"].to_numpy("int64")[keep]

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

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_tables(cls, provenance: store.Provenance, tables: dict[str, pd.DataFrame]) -> FeeSchedule:
        """A fee schedule from the tables ``pfs_import`` writes (rvu, gpci, localities, anesthesia, oppscap)."""
        return cls(provenance, tables)

    @classmethod
    def load(cls, year: int) -> FeeSchedule:
        """The imported fee schedule of ``year``, loaded once per process.

        Raises ``DataNotAvailable`` naming the imported years and the import command.
        """
        if isinstance(year, bool) or not isinstance(year, (int, str)) or not str(year).strip().isdigit():
            raise DataNotAvailable(f"PFS year {year!r} is not a year; pass e.g. 2025.")
        release = str(int(year))
        try:
            provenance = store.installed_release(SYSTEM, release)
        except DataNotAvailable:
            have = ", ".join(p.release for p in store.installed(SYSTEM)) or "none"
            raise DataNotAvailable(
                f"Medicare PFS {release} is not imported; imported: {have}. "
                f"Import CMS's files for that year with `medbill data import pfs DIR`."
            ) from None
        key = (int(release), provenance.sha256)
        with _load_lock:
            if key not in _loaded:
                folder = store.release_dir(SYSTEM, release)
                tables = {
                    name.removesuffix(".parquet"): pd.read_parquet(folder / name) for name in PAYLOAD_FILES
                }
                _loaded[key] = cls.from_tables(provenance, tables)
            return _loaded[key]

    def __repr__(self) -> str:
        return f"<FeeSchedule {self.year}: {len(self.rvu):,} code rows, {len(self.gpci)} localities>"

    # ------------------------------------------------------------------ localities

    def locality_key(self, locality: object) -> tuple[str, str]:
        """Normalise a MAC-locality ('01112-05', '0111205', ('01112', '05')) or raise."""
        parsed = rules.parse_locality(locality)
        if parsed is None:
            raise InvalidFormat(
                f"Locality {locality!r} is not a MAC-locality such as '01112-05' (MAC number, locality number)."
            )
        if parsed not in self._loc:
            raise UnknownCode(
                f"Locality {parsed[0]}-{parsed[1]} is not in the PFS {self.year} GPCI file; "
                f"see FeeSchedule.load({self.year}).gpci for the {len(self.gpci)} localities."
            )
        return parsed

    def locality_for_county(self, state: str, county: str) -> str:
        """The MAC-locality ('01112-05') paying for ``county`` in ``state`` (postal code or name)."""
        if (
            not isinstance(state, str)
            or not isinstance(county, str)
            or not state.strip()
            or not county.strip()
        ):
            raise InvalidFormat("Give a state (postal code or name) and a county name.")
        st = state.strip().upper()
        postal = dict(zip(self.gpci["mac"] + self.gpci["locality"], self.gpci["state"], strict=True))
        loc = self.localities.assign(
            postal=(self.localities["mac"] + self.localities["locality"]).map(postal)
        )
        rows = loc[(loc["postal"] == st) | (loc["state_name"].str.strip() == st)]
        if rows.empty:
            raise UnknownCode(f"State {state!r} has no locality in the PFS {self.year} crosswalk.")
        wanted = _county_name(county)
        for mac, lc, counties in zip(rows["mac"], rows["locality"], rows["counties"], strict=True):
            if wanted in _county_list(counties):
                return f"{mac}-{lc}"
        fallback = rows[rows["counties"].str.startswith("ALL")]
        if fallback.empty:
            raise UnknownCode(
                f"County {county!r} is not listed for {state} in the PFS {self.year} crosswalk."
            )
        return f"{fallback['mac'].iloc[0]}-{fallback['locality'].iloc[0]}"

    def anesthesia_cf(self, locality: object) -> Decimal:
        """The locality's anesthesia conversion factor (dollars per anesthesia unit)."""
        mac, lc = self.locality_key(locality)
        gpci_row = self.gpci.iloc[self._loc[(mac, lc)]]
        hit = self.anesthesia[
            (self.anesthesia["mac"] == gpci_row["mac"])
            & (self.anesthesia["locality"] == gpci_row["locality"])
        ]
        if hit.empty:
            raise UnknownCode(f"Locality {mac}-{lc} has no anesthesia conversion factor in PFS {self.year}.")
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
            raise UnknownCode(f"Code {code} is not in the Medicare PFS {self.year} relative value file.")
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
            code=code, modifiers=(), year=self.year, locality=f"{mac}-{lc}", locality_name=str(g["name"]),
            pos="", facility=True, status=status, units=1, payable=bool(amount), amount=amount,
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
    ) -> PriceExplanation:
        """Price one service line in ``Decimal`` and explain each step.

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
        is not in this year's files.
        """
        code = _code(code)
        mods = _modifiers(modifiers)
        pos = rules.parse_pos(pos)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise InvalidFormat(f"Units {units!r} must be a whole number of at least 1.")
        units = int(units)
        for name, rank in (("procedure_rank", procedure_rank), ("endoscopy_rank", endoscopy_rank)):
            if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
                raise InvalidFormat(f"{name} {rank!r} must be 1 (highest) or more.")
        mac, lc = self.locality_key(locality)
        if code not in self._codes:
            raise UnknownCode(f"Code {code} is not in the Medicare PFS {self.year} relative value file.")
        component = rules.component_modifier(mods)
        row = self._row.get((code, component))
        if row is None:
            raise UnknownCode(
                f"Code {code} has no {component} row in the PFS {self.year} file "
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
        cf = _cf(r["cf"])
        setting = "facility" if facility else "non-facility"
        components = {
            "work_rvu": work, "pe_rvu": pe, "mp_rvu": mp,
            "gpci_work": gw, "gpci_pe": gpe, "gpci_mp": gmp, "conversion_factor": cf,
        }  # fmt: skip
        steps = [
            Step("code", f"{code} {rules.COMPONENT_MEANING[component]}", f"status {status}"),
            Step("locality", f"{mac}-{lc} {g['name']} ({g['state']})", ""),
            Step("setting", f"place of service {pos}", setting),
        ]

        def result(
            outcome: int, amount: Decimal | None, fee: Decimal | None, **parts: object
        ) -> PriceExplanation:
            text = rules.rule_text(outcome, status=status, component=component, facility=facility, **parts)
            steps.append(Step("allowed amount", text, "not priced" if amount is None else f"{amount:.2f}"))
            return PriceExplanation(
                code=code, modifiers=mods, year=self.year, locality=f"{mac}-{lc}", locality_name=str(g["name"]),
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
            base_fee = (
                Decimal("0.00")
                if base_row is None
                else self._row_fee(self._rvu_records[base_row], g, facility)
            )
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
                split = self._tc_pc(code, component, int(r["pctc"]), g, facility, fee)
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
            cap_at = self._cap_position.get(row * len(self.gpci) + self._loc[(mac, lc)], -1)
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
        self, code: str, component: str, pctc: int, g: dict[str, object], facility: bool, fee: Decimal
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
            pc = min(self._row_fee(self._rvu_records[pc_row], g, facility), fee)
            return fee - pc, pc
        if pctc == 3:
            return fee, zero
        if pctc == 2:
            return zero, fee
        return None

    @staticmethod
    def _row_fee(r: dict[str, object], g: dict[str, object], facility: bool) -> Decimal:
        """round((work x GPCI + PE x GPCI + MP x GPCI) x CF) of one RVU row, half up."""
        total = (
            _rvu(r["work_rvu"]) * _gpci(g["gpci_work"])
            + _rvu(r["fac_pe_rvu"] if facility else r["nonfac_pe_rvu"]) * _gpci(g["gpci_pe"])
            + _rvu(r["mp_rvu"]) * _gpci(g["gpci_mp"])
        )
        return (total * _cf(r["cf"])).quantize(rules.CENT, rounding=ROUND_HALF_UP)

    # ------------------------------------------------------------------ many lines, integers

    def price_lines(
        self,
        lines: pd.DataFrame,
        locality: object = None,
        pos: str | int = "11",
        *,
        claims: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Price every row of a lines table (docs/tables.md) in one vectorised pass.

        ``locality`` is one MAC-locality for all lines, or ``None`` to read a ``locality`` column.
        A line's place of service is its own ``place_of_service`` when filled, else its claim's
        (when ``claims`` is given), else ``pos``. Multiple procedure reduction ranks indicator-2
        lines within ``claim_id`` and ``service_date`` (when those columns exist). Returns one row
        per input row, same index: ``allowed`` (dollars, NA when the line cannot be priced),
        ``allowed_cents``, ``fee_schedule_amount``, ``facility``, ``status``, ``rule``,
        ``procedure_rank``, ``endoscopy_rank`` (0 outside endoscopy families) and the RVUs, GPCIs
        and conversion factor used.
        """
        if claims is not None and isinstance(lines, pd.DataFrame):
            lines = _with_claim_pos(lines, claims)
        return pfs_batch.price_lines(self, lines, locality, pos)

    def explain_line(
        self, lines: pd.DataFrame, index: object, locality: object = None, pos: str | int = "11"
    ) -> PriceExplanation:
        """The step-by-step explanation of one row of ``price_lines(lines, ...)``.

        The row is re-priced with :meth:`price` at the procedure rank it has among its claim's
        lines on that date, so the explanation shows the same amount as the batch result.
        """
        if index not in lines.index:
            raise UnknownCode(f"Row {index!r} is not in the lines table.")
        row = lines.loc[index]
        same = np.ones(len(lines), dtype=bool)
        for col in ("claim_id", "service_date"):
            if col in lines.columns:
                same &= (lines[col] == row[col]).fillna(False).to_numpy(dtype=bool)
        group = lines[same]
        batch = self.price_lines(group, locality=locality, pos=pos)
        rank = int(batch.at[index, "procedure_rank"])
        endoscopy_rank = int(batch.at[index, "endoscopy_rank"])
        bundled = str(batch.at[index, "rule"]) == rules.rule_text(rules.T_BUNDLED)
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
        )


# ---------------------------------------------------------------------- module-level shortcuts


def price(
    code: str,
    *,
    year: int,
    locality: object,
    modifiers: Iterable[str] | str = (),
    pos: str | int = "11",
    units: int = 1,
) -> PriceExplanation:
    """``FeeSchedule.load(year).price(...)``."""
    return FeeSchedule.load(year).price(code, locality, modifiers, pos, units)


def price_lines(
    lines: pd.DataFrame,
    *,
    year: int | None = None,
    locality: object = None,
    pos: str | int = "11",
    claims: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``FeeSchedule.load(year).price_lines(...)``; with ``year=None`` each line is priced by the
    fee schedule of its ``service_date`` year (every such year must be imported)."""
    if claims is not None:
        lines = _with_claim_pos(lines, claims)
    if year is not None:
        return FeeSchedule.load(year).price_lines(lines, locality=locality, pos=pos)
    if "service_date" not in lines.columns:
        raise InvalidFormat("Give year=... or a service_date column to choose the fee schedule year.")
    years = pd.to_datetime(lines["service_date"], errors="coerce").dt.year
    if years.isna().any():
        bad = lines["service_date"][years.isna()].iloc[0]
        raise InvalidFormat(f"Service date {bad!r} is missing or not a date; give year=... instead.")
    position = pd.RangeIndex(len(lines))
    parts = [
        FeeSchedule.load(int(y)).price_lines(lines.iloc[position[mask]], locality=locality, pos=pos)
        for y, mask in ((y, (years == y).to_numpy()) for y in sorted(years.unique()))
    ]
    out = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    order = np.concatenate([position[(years == y).to_numpy()] for y in sorted(years.unique())])
    out = out.iloc[np.argsort(order)].set_index(lines.index)
    for col in ("locality", "status", "rule"):  # categories differ between years
        out[col] = out[col].astype("category")
    return out


# ---------------------------------------------------------------------- helpers


def _with_claim_pos(lines: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Lines whose empty ``place_of_service`` is taken from their claim's."""
    if "place_of_service" not in claims.columns or "claim_id" not in lines.columns:
        raise InvalidFormat(
            "To take places of service from claims, lines need claim_id and claims place_of_service."
        )
    by_claim = claims.drop_duplicates("claim_id").set_index("claim_id")["place_of_service"]
    from_claim = lines["claim_id"].map(by_claim)
    if "place_of_service" not in lines.columns:
        return lines.assign(place_of_service=from_claim)
    own = lines["place_of_service"]
    filled = own.notna() & (own.astype("string").str.strip() != "")
    return lines.assign(place_of_service=own.where(filled, from_claim))


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
