"""``EncounterCoder``: code one encounter and see, as you go, what the scrubber says and what it pays.

The widget keeps the encounter as one claim row and its line rows in the shape of
``docs/tables.md`` (:meth:`EncounterCoder.tables`); every change re-runs ``medbill.edits.scrub`` and
the pricing functions on those two small tables. Exports (837P, CMS-1500, JSON) go through
``medbill.claims``. Parts of the package that are not installed show a "not available" note instead
of numbers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html
import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from traitlets import TraitError

from medbill.claims.tables import DX_COLUMNS, MODIFIER_COLUMNS
from medbill.exceptions import MedbillError
from medbill.refdata._types import CodeRecord
from medbill.widgets._format import money
from medbill.widgets.code_search import CodeSearch

CLAIM_ID = "ENC1"
DX_LETTERS = "ABCDEFGHIJKL"  # pointers A–L name dx1 … dx12
PROCEDURE_SYSTEMS: tuple[str, ...] = ("cpt", "hcpcs")
# The encounter's patient is anonymous: only age and sex matter to coding and pricing.
PATIENT_ID = "ENCOUNTER"
PATIENT_NAME = ("PATIENT", "ENCOUNTER")
MEMBER_ID = "ENC000000001"


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _unavailable(what: str, exc: BaseException) -> str:
    return f"<p class='medbill-unavailable' style='color:#777'><b>{_esc(what)} not available</b>: {_esc(exc)}</p>"


def _seconds(days: list[date]) -> np.ndarray:
    """Dates as datetime64[s], the type ``pd.to_datetime`` gives ``date`` objects."""
    return np.array(days, dtype="datetime64[s]")


def _objects_if_empty(values: list[Any]) -> list[Any] | np.ndarray:
    """A column's values; an encounter with no lines still gets object columns, as a frame of no rows would."""
    return values if values else np.array([], dtype=object)


def _birth_date(age: int, on: date) -> date:
    """A birth date that makes the patient exactly ``age`` on ``on`` (their birthday)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February in a non-leap year
        return on.replace(year=on.year - age, day=28)


@dataclasses.dataclass
class LineEntry:
    """One procedure line as the user typed it."""

    procedure_code: str = ""
    modifiers: str = ""  # space or comma separated, up to four
    units: float = 1.0
    charge: float = 0.0
    dx_pointers: str = "A"


class _LineRow(widgets.HBox):
    """Editable widgets of one procedure line."""

    def __init__(self, entry: LineEntry, on_change: Any, on_remove: Any) -> None:
        small = widgets.Layout(width="7em")
        self.code = widgets.Text(
            entry.procedure_code, placeholder="CPT/HCPCS", continuous_update=False, layout=small
        ).add_class("medbill-line-code")
        self.modifiers = widgets.Text(
            entry.modifiers,
            placeholder="mods e.g. 25",
            continuous_update=False,
            layout=widgets.Layout(width="9em"),
        ).add_class("medbill-line-modifiers")
        self.units = widgets.BoundedFloatText(entry.units, min=0, max=9999, step=1, layout=small).add_class(
            "medbill-line-units"
        )
        self.charge = widgets.BoundedFloatText(
            entry.charge, min=0, max=1e7, step=1, layout=widgets.Layout(width="9em")
        ).add_class("medbill-line-charge")
        self.pointers = widgets.Text(
            entry.dx_pointers, placeholder="dx ptrs e.g. AB", continuous_update=False, layout=small
        ).add_class("medbill-line-pointers")
        self.remove = widgets.Button(
            icon="trash", tooltip="Remove this line", layout=widgets.Layout(width="3em")
        )
        for w in (self.code, self.modifiers, self.units, self.charge, self.pointers):
            w.observe(lambda _c: on_change(), "value")
        self.remove.on_click(lambda _b: on_remove(self))
        super().__init__([self.code, self.modifiers, self.units, self.charge, self.pointers, self.remove])
        self.add_class("medbill-line")

    def entry(self) -> LineEntry:
        return LineEntry(
            self.code.value.strip().upper(),
            self.modifiers.value,
            float(self.units.value),
            float(self.charge.value),
            self.pointers.value.strip().upper(),
        )


class EncounterCoder(widgets.VBox):
    """Patient, date and place of service, payer, diagnoses, procedure lines; live findings and price.

    ``practice`` (a ``ClaimsData`` such as ``read_claims_dir("data/sample")``) supplies the payers and
    providers to choose from; without it the encounter can still be coded and scrubbed, but not priced
    or exported. Medicare payers are priced by the imported PFS of the service year at ``locality``;
    other payers by ``contracts[payer_id]`` (a ``medbill.pricing.contracts.Contract``). The patient's
    share uses the plan fields, filled from ``benefits[payer_id]`` or, for Medicare, Part B.
    Program edits can be grouped with ``with coder.batch(): ...`` (one refresh at the end).
    """

    def __init__(
        self,
        practice: Any | None = None,
        *,
        service_date: date | None = None,
        payer: str | None = None,
        locality: str = "",
        contracts: Mapping[str, Any] | None = None,
        benefits: Mapping[str, Any] | None = None,
        state_dir: str | Path | None = None,
    ) -> None:
        self.practice = practice
        # The "State file" box saves and loads only inside this folder (default: the working folder).
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._held = 0  # depth of nested batch() blocks
        self._titles: dict[str, str] = {}  # diagnosis code -> title, for the list
        self.contracts = dict(contracts or {})
        self.benefits = dict(benefits or {})
        self._scrubbed: tuple[pd.DataFrame, pd.DataFrame] | None = None
        # Last patient-share inputs (claims, lines, allowed, benefit) and result: a pure function,
        # recomputed only when one of them changed (a re-scrub often leaves the price as it was).
        self._shared: tuple[tuple[pd.DataFrame, pd.DataFrame, pd.Series, Any], pd.DataFrame] | None = None
        self.scrub_result: Any = None
        self.price_source = ""
        self.findings: pd.DataFrame | None = None
        self.prices: pd.DataFrame | None = None
        self.export_text = ""

        payers = self._table("payers")
        providers = self._table("providers")
        dos = service_date or default_service_date()
        self.age = widgets.BoundedIntText(45, min=0, max=125, description="Age").add_class("medbill-age")
        self.sex = widgets.Dropdown(
            options=[("Female", "F"), ("Male", "M"), ("Unknown", "U")], value="F", description="Sex"
        )
        self.service_date = widgets.DatePicker(value=dos, description="Date of service")
        self.place_of_service = widgets.Dropdown(options=_pos_options(), value="11", description="Place")
        self.payer = widgets.Dropdown(
            options=[(f"{r.name} ({r.kind})", r.payer_id) for r in payers.itertuples()]
            or [("(no payers)", "")],
            description="Payer",
        ).add_class("medbill-payer")
        people = providers[providers["entity_type"].astype(str) == "1"] if len(providers) else providers
        self.rendering = widgets.Dropdown(
            options=[(f"{r.last_name}, {r.first_name} ({r.npi})", r.npi) for r in people.itertuples()]
            or [("(no providers)", "")],
            description="Rendering",
        )
        if payer is not None:
            self.payer.value = payer
        self.locality = widgets.Text(
            locality,
            placeholder="MAC-locality, e.g. 15202-00",
            description="PFS locality",
            continuous_update=False,
        )
        # The patient's plan for this claim; filled from the payer's known benefit when there is one.
        self.deductible_left = widgets.BoundedFloatText(0.0, min=0, max=1e6, description="Deductible left $")
        self.coinsurance = widgets.BoundedFloatText(0.0, min=0, max=100, description="Coinsurance %")
        self.copay = widgets.BoundedFloatText(0.0, min=0, max=1e6, description="Copay $")
        self._fill_benefit()

        self.search = CodeSearch(systems=("icd10cm",), on=dos, on_select=self.add_diagnosis)
        # Procedures by the words billers use ("flu shot", "EKG") over CPT and HCPCS Level II.
        self.procedure_search = CodeSearch(systems=PROCEDURE_SYSTEMS, on=dos, on_select=self.add_procedure)
        self.procedure_search.query.placeholder = "Type words or a code, e.g. flu shot, EKG, 99213"
        self.procedure_search.add_class("medbill-procedure-search")
        self.diagnoses = widgets.Select(
            options=[], rows=5, description="Diagnoses", layout=widgets.Layout(width="48em")
        ).add_class("medbill-dx-list")
        self.dx_up = widgets.Button(icon="arrow-up", tooltip="Move up", layout=widgets.Layout(width="3em"))
        self.dx_down = widgets.Button(
            icon="arrow-down", tooltip="Move down", layout=widgets.Layout(width="3em")
        )
        self.dx_remove = widgets.Button(
            icon="trash", tooltip="Remove diagnosis", layout=widgets.Layout(width="3em")
        )
        self.line_rows = widgets.VBox([]).add_class("medbill-lines")
        self.add_line_button = widgets.Button(description="Add procedure line", icon="plus").add_class(
            "medbill-add-line"
        )
        self.findings_view = widgets.HTML().add_class("medbill-findings")
        self.price_view = widgets.HTML().add_class("medbill-price")
        self.export_buttons = {
            kind: widgets.Button(description=label).add_class(f"medbill-export-{kind}")
            for kind, label in (("837p", "837P text"), ("cms1500", "CMS-1500 view"), ("json", "Claim JSON"))
        }
        self.export_view = widgets.HTML().add_class("medbill-export")
        self.state_path = widgets.Text("encounter.json", description="State file")
        self.save_button = widgets.Button(description="Save", icon="save")
        self.load_button = widgets.Button(description="Load", icon="folder-open")
        self.state_message = widgets.HTML()
        # the encounter's own fields: a change to any of them scrubs and prices the claim again
        fields = (
            self.age,
            self.sex,
            self.service_date,
            self.place_of_service,
            self.payer,
            self.rendering,
            self.locality,
            self.deductible_left,
            self.coinsurance,
            self.copay,
        )
        for w in (*fields, self.state_path, self.diagnoses):
            w.style.description_width = "initial"  # "Date of service", not "Date of se..."

        for w in fields:
            w.observe(lambda _c: self.refresh(), "value")
        self.service_date.observe(self._on_date, "value")
        self.payer.observe(lambda _c: self._fill_benefit(), "value")
        self.dx_up.on_click(lambda _b: self._move_dx(-1))
        self.dx_down.on_click(lambda _b: self._move_dx(+1))
        self.dx_remove.on_click(lambda _b: self._remove_dx())
        self.add_line_button.on_click(lambda _b: self.add_line())
        self.export_buttons["837p"].on_click(lambda _b: self._show_export("837P", self.to_837p))
        self.export_buttons["cms1500"].on_click(
            lambda _b: self._show_export("CMS-1500", self.to_cms1500, self._cms1500_html)
        )
        self.export_buttons["json"].on_click(lambda _b: self._show_export("Claim JSON", self.to_json))
        self.save_button.on_click(lambda _b: self._save_clicked())
        self.load_button.on_click(lambda _b: self._load_clicked())

        header = widgets.VBox(
            [
                widgets.HBox([self.age, self.sex, self.service_date]),
                widgets.HBox([self.place_of_service, self.payer, self.rendering]),
                widgets.HBox([self.locality, self.deductible_left, self.coinsurance, self.copay]),
            ]
        )
        columns = widgets.HTML(
            "<div style='font-size:85%;color:#555'>code · modifiers · units · charge $ · dx pointers</div>"
        )
        super().__init__(
            [
                widgets.HTML("<h3>Encounter</h3>"),
                header,
                widgets.HTML("<h4>Diagnoses</h4>"),
                self.search,
                widgets.HBox([self.diagnoses, widgets.VBox([self.dx_up, self.dx_down, self.dx_remove])]),
                widgets.HTML("<h4>Procedure lines</h4>"),
                self.procedure_search,
                columns,
                self.line_rows,
                self.add_line_button,
                # Findings and price side by side: both change as the user types.
                widgets.HBox(
                    [
                        widgets.VBox(
                            [widgets.HTML("<h4>Scrubber findings</h4>"), self.findings_view],
                            layout=widgets.Layout(width="60%"),
                        ),
                        widgets.VBox(
                            [widgets.HTML("<h4>Expected payment</h4>"), self.price_view],
                            layout=widgets.Layout(width="40%"),
                        ),
                    ]
                ),
                widgets.HBox(list(self.export_buttons.values())),
                self.export_view,
                widgets.HBox([self.state_path, self.save_button, self.load_button]),
                self.state_message,
            ]
        )
        self.add_class("medbill-encounter")
        self.refresh()

    # --- construction helpers -----------------------------------------------------------------
    @classmethod
    def from_practice_dir(cls, path: str | Path, **kwargs: Any) -> EncounterCoder:
        """An encounter coder offering the payers and providers of a claims folder."""
        from medbill.claims.tables import read_claims_dir

        kwargs.setdefault("state_dir", path)
        return cls(read_claims_dir(path), **kwargs)

    @classmethod
    def from_fhir(cls, worklist: str | Path, encounter_id: str, **kwargs: Any) -> EncounterCoder:
        """An encounter of a FHIR worklist folder (``medbill data load fhir PATH --out DIR``), its
        documentation and medbill's suggestions shown above the coder (``.fhir_panel``). Nothing is
        accepted: the coder adds a suggestion with the panel's *Add* button, or codes as usual."""
        from medbill.ingest.fhir import read_worklist
        from medbill.widgets.fhir_panel import SuggestionPanel

        row, findings = read_worklist(worklist).encounter(encounter_id)
        kwargs.setdefault("service_date", date.fromisoformat(row["date"]))
        coder = cls(**kwargs)
        coder.fhir_panel = SuggestionPanel(row, findings, coder)
        coder.children = (coder.fhir_panel, *coder.children)
        return coder

    def _table(self, name: str) -> pd.DataFrame:
        table = getattr(self.practice, name, None) if self.practice is not None else None
        return table if isinstance(table, pd.DataFrame) else pd.DataFrame()

    # --- diagnoses and lines ------------------------------------------------------------------
    @property
    def diagnosis_codes(self) -> list[str]:
        return [value for _label, value in self.diagnoses.options]

    def add_diagnosis(self, record: CodeRecord | str) -> None:
        """Append a diagnosis (a ``CodeRecord`` from ``CodeSearch`` or a code string)."""
        code = record.code if isinstance(record, CodeRecord) else str(record).strip().upper()
        title = record.title if isinstance(record, CodeRecord) else ""
        if code in self.diagnosis_codes:
            return
        if len(self.diagnosis_codes) >= len(DX_LETTERS):
            self.state_message.value = (
                f"A claim carries at most {len(DX_LETTERS)} diagnoses; {_esc(code)} not added."
            )
            return
        self._titles[code] = title
        self._set_dx([*self.diagnosis_codes, code])

    def _set_dx(self, codes: list[str], selected: str | None = None) -> None:
        self.diagnoses.options = [
            (f"{DX_LETTERS[i]}  {c}  {self._titles.get(c, '')}".rstrip(), c) for i, c in enumerate(codes)
        ]
        self.diagnoses.value = selected if selected in codes else None
        self.refresh()

    def _move_dx(self, step: int) -> None:
        codes, chosen = self.diagnosis_codes, self.diagnoses.value
        if chosen is None:
            return
        i = codes.index(chosen)
        j = min(max(i + step, 0), len(codes) - 1)
        codes[i], codes[j] = codes[j], codes[i]
        self._set_dx(codes, chosen)

    def _remove_dx(self) -> None:
        if self.diagnoses.value is not None:
            self._set_dx([c for c in self.diagnosis_codes if c != self.diagnoses.value])

    def add_line(self, entry: LineEntry | None = None, **fields: Any) -> _LineRow:
        """Append a procedure line (``add_line(procedure_code="99213", charge=120)``)."""
        row = _LineRow(entry or LineEntry(**fields), self.refresh, self._remove_line)
        self.line_rows.children = (*self.line_rows.children, row)
        self.refresh()
        return row

    def add_procedure(self, record: CodeRecord | str) -> _LineRow:
        """A line for a procedure (a ``CodeRecord`` from the procedure search or a code): the first
        line still without a code takes it, else a new line is added."""
        code = record.code if isinstance(record, CodeRecord) else str(record).strip().upper()
        empty = next((r for r in self.line_rows.children if not r.code.value.strip()), None)
        if empty is not None:
            empty.code.value = code
            return empty
        return self.add_line(procedure_code=code)

    def _remove_line(self, row: _LineRow) -> None:
        self.line_rows.children = tuple(r for r in self.line_rows.children if r is not row)
        self.refresh()

    def _on_date(self, change: dict) -> None:
        self.search.date.value = change["new"]
        self.procedure_search.date.value = change["new"]
        self._fill_benefit()

    def _fill_benefit(self) -> None:
        """Put the chosen payer's benefit in the plan fields: ``benefits[payer_id]`` when given,
        Medicare Part B of the service year for a Medicare payer; otherwise leave them as they are."""
        payer = self._payer_row()
        benefit = self.benefits.get(self.payer.value)
        if benefit is None and payer is not None and str(payer["kind"]).lower() == "medicare":
            from medbill.pricing.patient import Benefit

            try:
                benefit = Benefit.medicare_part_b((self.service_date.value or date.today()).year)
            except MedbillError:
                benefit = None
        if benefit is None:
            return
        with self.hold_trait_notifications():
            self.deductible_left.value = float(benefit.deductible)
            self.coinsurance.value = float(benefit.coinsurance) * 100
            self.copay.value = float(benefit.copay)
        self.refresh()

    # --- the encounter as tables ---------------------------------------------------------------
    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The encounter as one ``claims`` row and its ``lines`` rows (docs/tables.md)."""
        dos = self.service_date.value or date.today()
        billing = self._billing_npi
        codes = self.diagnosis_codes
        # Built column by column (each column's type inferred from its values): this runs on every
        # edit, and a frame from a list of row dicts costs several times more.
        claims = pd.DataFrame(
            {
                "claim_id": [CLAIM_ID],
                "patient_id": [PATIENT_ID],
                "patient_birth_date": _seconds([_birth_date(int(self.age.value), dos)]),
                "patient_sex": [self.sex.value],
                "payer_id": [self.payer.value or pd.NA],
                "member_id": [MEMBER_ID],
                "subscriber_relationship": ["18"],
                "billing_npi": [billing or pd.NA],
                "rendering_npi": [self.rendering.value or pd.NA],
                "place_of_service": [self.place_of_service.value],
                "claim_frequency": ["1"],
                "submitted_date": _seconds([dos]),
                **{col: [codes[i] if i < len(codes) else pd.NA] for i, col in enumerate(DX_COLUMNS)},
            }
        )
        entries = [row.entry() for row in self.line_rows.children]
        mods = [[m for m in e.modifiers.replace(",", " ").upper().split() if m][:4] for e in entries]
        n = len(entries)
        lines = pd.DataFrame(
            {
                "claim_id": [CLAIM_ID] * n if n else np.array([], dtype=object),
                "line_number": np.arange(1, n + 1, dtype="int64"),
                "service_date": _seconds([dos] * n),
                "procedure_code": _objects_if_empty([e.procedure_code or pd.NA for e in entries]),
                **{
                    col: _objects_if_empty([m[i] if i < len(m) else pd.NA for m in mods])
                    for i, col in enumerate(MODIFIER_COLUMNS)
                },
                "units": _objects_if_empty([e.units for e in entries]),
                "charge": _objects_if_empty([e.charge for e in entries]),
                "dx_pointers": _objects_if_empty([e.dx_pointers or pd.NA for e in entries]),
                "place_of_service": _objects_if_empty([self.place_of_service.value] * n),
            }
        )
        return claims, lines

    @functools.cached_property
    def _billing_npi(self) -> str:
        """The practice's billing NPI (its first organisation, else its first provider), read once."""
        providers = self._table("providers")
        if not len(providers):
            return ""
        orgs = providers[providers["entity_type"].astype(str) == "2"]
        return str((orgs if len(orgs) else providers)["npi"].iloc[0])

    @functools.cached_property
    def _payer_rows(self) -> dict[Any, pd.Series]:
        """The practice's payers by payer_id (the first row of each), read once."""
        payers = self._table("payers")
        if not len(payers):
            return {}
        firsts = payers.drop_duplicates("payer_id")
        return {pid: firsts.iloc[i] for i, pid in enumerate(firsts["payer_id"])}

    def _payer_row(self) -> pd.Series | None:
        return self._payer_rows.get(self.payer.value)

    # --- live findings and price ---------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[EncounterCoder]:
        """Make several changes with one refresh at the end (``with coder.batch(): ...``)."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
            if not self._held:
                self.refresh()

    def refresh(self) -> None:
        """Re-scrub and re-price the encounter now (at the end of a :meth:`batch`)."""
        if self._held or not hasattr(self, "price_view"):  # inside a batch, or building the widgets
            return
        claims, lines = self.tables()
        # Fields that only change the price (locality, benefits) need no new scrub.
        if self._scrubbed is None or not (
            self._scrubbed[0].equals(claims) and self._scrubbed[1].equals(lines)
        ):
            self.findings_view.value = self._scrub(claims, lines)
            self._scrubbed = (claims, lines)
        self.price_view.value = self._price(claims, lines)

    def _scrub(self, claims: pd.DataFrame, lines: pd.DataFrame) -> str:
        self.findings = None
        if lines.empty:
            return "<p>Add a procedure line to scrub the claim.</p>"
        try:
            from medbill import edits

            result = edits.scrub(claims, lines)
        except ImportError as exc:
            return _unavailable("Scrubber", exc)
        except Exception as exc:  # shown in the page: a widget callback has no cell to raise into
            return f"<p style='color:#b00'>Scrub failed: {_esc(type(exc).__name__)}: {_esc(exc)}</p>"
        self.findings = result.findings
        self.scrub_result = result
        return render_findings(result.findings, _rule_explanations(), result.skipped)

    def _price(self, claims: pd.DataFrame, lines: pd.DataFrame) -> str:
        self.prices = None
        self.price_source = ""
        if lines.empty:
            return "<p>Add a procedure line to see the expected payment.</p>"
        try:
            source, allowed = self._expected_allowed(lines)
        except ImportError as exc:
            return _unavailable("Pricing", exc)
        except MedbillError as exc:
            return _unavailable("Expected price", exc)
        except Exception as exc:  # shown in the page: a widget callback has no cell to raise into
            return f"<p style='color:#b00'>Pricing failed: {_esc(type(exc).__name__)}: {_esc(exc)}</p>"
        table = lines[["line_number", "procedure_code", "units", "charge"]].copy()
        table["allowed"] = allowed["allowed"].astype("Float64").to_numpy()
        table["rule"] = allowed["rule"].astype("string").to_numpy()
        self.prices, self.price_source = table, source
        return render_price(table, source, self._patient_share(claims, lines, table["allowed"]))

    def _expected_allowed(self, lines: pd.DataFrame) -> tuple[str, pd.DataFrame]:
        """(what priced it, DataFrame with ``allowed`` and ``rule`` per line): the Medicare PFS for a
        Medicare payer, otherwise the payer's contract from ``contracts`` (which may itself pay a
        percent of the PFS)."""
        payer = self._payer_row()
        if payer is None:
            raise MedbillError("Choose a payer to price the encounter.")
        contract = self.contracts.get(payer["payer_id"])
        medicare = str(payer["kind"]).lower() == "medicare"
        if not medicare and contract is None:
            raise MedbillError(
                f"No contract for payer {payer['payer_id']} ({payer['name']}); "
                "pass contracts={payer_id: medbill.pricing.contracts.Contract(...)}."
            )
        pfs = None
        if medicare or (contract is not None and contract.percent_of_medicare is not None):
            from medbill.pricing.pfs import FeeSchedule

            # the quarterly release in effect on the date of service; NotCovered names the one to get
            schedule = FeeSchedule.for_date(self.service_date.value or date.today())
            where = self.locality.value.strip()
            if not where:
                raise MedbillError(
                    "Enter the PFS locality (MAC-locality such as 15202-00) to price with the PFS."
                )
            pfs = schedule.price_lines(lines, locality=where, pos=self.place_of_service.value)
            if medicare:
                return f"Medicare PFS {schedule.release}, locality {where}", pfs
        assert contract is not None  # without one, Medicare pricing returned or raised above
        priced = contract.expected_allowed(lines, medicare=pfs)
        return f"contract {contract.name}", priced.rename(columns={"expected_allowed": "allowed"})

    def _benefit(self) -> Any:
        from medbill.pricing.patient import Benefit

        return Benefit(
            Decimal(str(self.deductible_left.value)),
            Decimal(str(round(self.coinsurance.value / 100, 4))),
            Decimal(str(self.copay.value)),
        )

    def _patient_share(self, claims: pd.DataFrame, lines: pd.DataFrame, allowed: pd.Series) -> pd.DataFrame:
        """Patient and payer shares per line under the plan fields (deductible left, coinsurance, copay)."""
        from medbill.pricing.patient import patient_share

        benefit = self._benefit()
        if self._shared is not None:
            (was_claims, was_lines, was_allowed, was_benefit), share = self._shared
            if (
                was_benefit == benefit
                and was_allowed.equals(allowed)
                and was_lines.equals(lines)
                and was_claims.equals(claims)
            ):
                return share
        share = patient_share(lines, benefit, allowed=allowed, claims=claims)
        self._shared = ((claims, lines, allowed, benefit), share)
        return share

    # --- exports --------------------------------------------------------------------------------
    def claims_data(self) -> Any:
        """The encounter as a ``ClaimsData`` (claims, lines, the patient, the practice's parties)."""
        from medbill.claims.tables import ClaimsData

        claims, lines = self.tables()
        # The anonymous patient gets the billing practice's address: an 837P requires one.
        providers = self._table("providers")
        practice = providers[providers["npi"] == claims.at[0, "billing_npi"]] if len(providers) else providers
        address = {
            col: (str(practice.iloc[0][col])[:5] if col == "zip" else practice.iloc[0][col])
            for col in ("address1", "city", "state", "zip")
            if len(practice) and col in practice.columns
        }
        patient = pd.DataFrame(
            [
                {
                    "patient_id": PATIENT_ID,
                    "last_name": PATIENT_NAME[0],
                    "first_name": PATIENT_NAME[1],
                    "birth_date": claims.at[0, "patient_birth_date"],
                    "sex": self.sex.value,
                    **address,
                }
            ]
        )
        return ClaimsData(
            claims=claims,
            lines=lines,
            patients=patient,
            providers=self._table("providers"),
            payers=self._table("payers"),
        )

    def claim(self) -> Any:
        """The encounter as a ``medbill.claims.models.Claim`` (raises on incomplete data)."""
        from medbill.claims.models import Claim

        return Claim.from_tables(self.claims_data(), CLAIM_ID)

    def to_837p(self) -> str:
        from medbill.claims.x12 import write_837p

        return write_837p([self.claim()])

    def to_cms1500(self) -> str:
        """The CMS-1500 boxes as plain text."""
        from medbill.claims import cms1500

        return cms1500.render_text(self.claim())

    def _cms1500_html(self) -> str:
        from medbill.claims import cms1500

        return cms1500.render_html(self.claim())

    def to_json(self) -> str:
        claim = self.claim()
        payload = claim.to_dict() if hasattr(claim, "to_dict") else dataclasses.asdict(claim)
        return json.dumps(payload, indent=2, default=str)

    def _show_export(self, title: str, build: Any, build_html: Any = None) -> None:
        """Put the export in ``export_text`` and show it (as ``build_html()`` when given, else as text)."""
        try:
            self.export_text = build()
            shown = build_html() if build_html else None
        except ImportError as exc:
            self.export_text = ""
            self.export_view.value = _unavailable(title, exc)
            return
        except (MedbillError, ValueError) as exc:
            self.export_text = ""
            self.export_view.value = f"<p style='color:#b00'>{_esc(title)}: {_esc(exc)}</p>"
            return
        self.export_view.value = f"<b>{_esc(title)}</b>" + (
            shown
            if shown is not None
            else f"<pre style='max-height:24em;overflow:auto;font-size:85%'>{_esc(self.export_text)}</pre>"
        )

    # --- state ----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything the user entered, JSON-ready."""
        return {
            "age": int(self.age.value),
            "sex": self.sex.value,
            "service_date": self.service_date.value.isoformat() if self.service_date.value else None,
            "place_of_service": self.place_of_service.value,
            "payer_id": self.payer.value,
            "rendering_npi": self.rendering.value,
            "locality": self.locality.value,
            "benefit": {
                "deductible_left": self.deductible_left.value,
                "coinsurance_pct": self.coinsurance.value,
                "copay": self.copay.value,
            },
            "diagnoses": [{"code": c, "title": self._titles.get(c, "")} for c in self.diagnosis_codes],
            "lines": [dataclasses.asdict(r.entry()) for r in self.line_rows.children],
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state` returned (one refresh at the end)."""
        with self.batch():
            self._set_state(state)

    def _set_state(self, state: dict[str, Any]) -> None:
        self._titles.clear()
        self.age.value = state["age"]
        self.sex.value = state["sex"]
        if state.get("service_date"):
            self.service_date.value = date.fromisoformat(state["service_date"])
        self.place_of_service.value = state["place_of_service"]
        if state.get("payer_id") in {v for _l, v in self.payer.options}:
            self.payer.value = state["payer_id"]
        if state.get("rendering_npi") in {v for _l, v in self.rendering.options}:
            self.rendering.value = state["rendering_npi"]
        self.locality.value = state.get("locality", "")
        benefit = state.get("benefit", {})
        self.deductible_left.value = benefit.get("deductible_left", 0.0)
        self.coinsurance.value = benefit.get("coinsurance_pct", 20.0)
        self.copay.value = benefit.get("copay", 0.0)
        for dx in state.get("diagnoses", []):
            self._titles[dx["code"]] = dx.get("title", "")
        self.line_rows.children = tuple(
            _LineRow(LineEntry(**entry), self.refresh, self._remove_line) for entry in state.get("lines", [])
        )
        self._set_dx([dx["code"] for dx in state.get("diagnoses", [])])

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.state(), indent=2))
        return path

    def load(self, path: str | Path) -> None:
        path = Path(path)
        try:
            state = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise MedbillError(f"Cannot load encounter state from {path}: {exc}") from exc
        try:
            self.set_state(state)
        except (KeyError, TypeError, ValueError, AttributeError, TraitError) as exc:
            raise MedbillError(
                f"Cannot load encounter state from {path}: not a file saved by EncounterCoder ({exc!r})"
            ) from exc

    def _state_file(self) -> Path:
        """The file named in the "State file" box, which must be a ``.json`` file inside ``state_dir``."""
        base = (self.state_dir or Path.cwd()).resolve()
        typed = self.state_path.value.strip()
        target = (base / typed).resolve()
        if not typed or target.suffix != ".json" or not target.is_relative_to(base):
            raise MedbillError(f"The state file must be a .json file inside {base}; {typed[:80]!r} is not.")
        return target

    def _save_clicked(self) -> None:
        try:
            path = self.save(self._state_file())
        except (MedbillError, OSError) as exc:
            self.state_message.value = f"<span style='color:#b00'>Not saved: {_esc(exc)}</span>"
            return
        self.state_message.value = f"Saved to {_esc(path)}"

    def _load_clicked(self) -> None:
        try:
            self.load(self._state_file())
        except MedbillError as exc:
            self.state_message.value = f"<span style='color:#b00'>{_esc(exc)}</span>"
            return
        self.state_message.value = f"Loaded {_esc(self.state_path.value)}"


def default_service_date() -> date:
    """Today, or the last day the newest installed ICD-10-CM release covers when today is past it."""
    from medbill.exceptions import DataNotAvailable
    from medbill.refdata import icd10cm

    today = date.today()
    try:
        icd10cm.for_date(today)
    except DataNotAvailable:
        return icd10cm.latest().provenance.effective_to or today
    return today


def _pos_options() -> list[tuple[str, str]]:
    """Place-of-service choices from ``medbill.refdata.pos``; the office (11) alone until it is installed."""
    try:
        from medbill.refdata import pos

        table = pos.table()
    except ImportError:
        return [("11 Office", "11")]
    return [(f"{r.code} {r.name}", str(r.code)) for r in table.itertuples()]


_RULES: pd.DataFrame | None = None


def _rule_explanations() -> pd.DataFrame:
    global _RULES
    if _RULES is None:
        from medbill import edits

        _RULES = edits.rules().set_index("id")
    return _RULES


def render_price(table: pd.DataFrame, source: str, patient: pd.DataFrame) -> str:
    """Expected allowed amount per line and in total, and the patient's share when known."""
    total = table["allowed"].sum(skipna=True)
    unpriced = int(table["allowed"].isna().sum())
    rows = "".join(
        f"<tr><td>{int(r.line_number)}</td><td>{'—' if pd.isna(r.procedure_code) else _esc(r.procedure_code)}</td><td>{money(r.charge)}</td>"
        f"<td>{'—' if pd.isna(r.allowed) else money(r.allowed)}</td><td>{_esc(r.rule)}</td></tr>"
        for r in table.itertuples()
    )
    parts = [
        f"<p>Priced by <b>{_esc(source)}</b>.</p>",
        "<table><tr><th>line</th><th>code</th><th>charge</th><th>allowed</th><th>rule</th></tr>"
        + rows
        + "</table>",
        f"<p class='medbill-total'>Expected allowed: <b>{money(total)}</b>"
        + (f" ({unpriced} line(s) not priced)" if unpriced else "")
        + "</p>",
    ]
    patient_pays, payer_pays = patient["patient_pays"].sum(), patient["payer_pays"].sum()
    parts.append(
        f"<p class='medbill-patient'>Patient responsibility: <b>{money(patient_pays)}</b> "
        f"(copay {money(patient['copay'].sum())}, deductible {money(patient['deductible'].sum())}, "
        f"coinsurance {money(patient['coinsurance'].sum())}); payer pays <b>{money(payer_pays)}</b></p>"
    )
    return "".join(parts)


def render_skipped(skipped: pd.DataFrame) -> str:
    """The rules that did not run, each with why and the command that makes it run (in the reason)."""
    if skipped is None or skipped.empty:
        return ""
    items = "".join(
        f"<li class='medbill-skipped-rule'><b>{_esc(r.rule_id)}</b>: {_esc(r.reason)}</li>"
        for r in skipped.drop_duplicates("rule_id").itertuples()
    )
    count = skipped["rule_id"].nunique()
    return (
        f"<div class='medbill-skipped' style='color:#a60'><b>{count} rule(s) did not run</b>, so the "
        f"claim is not fully checked:<ul>{items}</ul></div>"
    )


def render_findings(findings: pd.DataFrame, rules: pd.DataFrame, skipped: pd.DataFrame | None = None) -> str:
    """Findings as an HTML table, each with its rule's explanation and fix, after the rules that were
    skipped (never "passes" while a rule did not run)."""
    not_run = render_skipped(skipped) if skipped is not None else ""
    if findings.empty:
        if not_run:
            return (
                "<p class='medbill-clean' style='color:#a60'>No findings from the rules that ran.</p>"
                + not_run
            )
        return "<p class='medbill-clean' style='color:#060'>No findings: every rule ran and passes this claim.</p>"
    colour = {"error": "#b00", "warning": "#a60", "info": "#555"}
    rows = []
    for f in findings.itertuples():
        rule = rules.loc[f.rule_id] if f.rule_id in rules.index else None
        why = (
            ""
            if rule is None
            else (
                f"<div style='color:#555'>{_esc(rule.get('explanation', ''))}"
                f"<br><i>Fix:</i> {_esc(rule.get('fix', ''))}</div>"
            )
        )
        line = "" if pd.isna(f.line_number) else f"line {int(f.line_number)}"
        rows.append(
            f"<tr class='medbill-finding'><td style='color:{colour.get(f.severity, '#000')}'><b>{_esc(f.severity)}</b></td>"
            f"<td>{_esc(f.rule_id)}</td><td>{line}</td><td>{_esc(f.message)}{why}"
            f"<div style='font-size:85%;color:#777'>{_esc(f.reference)}</div></td></tr>"
        )
    return "<table class='medbill-findings-table'>" + "".join(rows) + "</table>" + not_run
