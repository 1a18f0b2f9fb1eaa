"""CodeSearch headless: type, read the results, pick, read the detail pane, use the code."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from medbill.refdata import registry
from medbill.widgets.code_search import CodeSearch

FY2026_DAY = date(2025, 11, 3)
FY2025_DAY = date(2025, 3, 3)


@pytest.fixture
def picked() -> list:
    return []


@pytest.fixture
def search(picked: list) -> CodeSearch:
    return CodeSearch(systems=("icd10cm",), on=FY2026_DAY, debounce_ms=0, on_select=picked.append)


def _pick(search: CodeSearch, code: str) -> None:
    search.results.value = next(i for i, h in enumerate(search.hits) if h.code == code)


def test_typing_shows_ranked_results(search: CodeSearch) -> None:
    search.query.value = "type 2 diabetes"
    assert search.hits == registry.search("type 2 diabetes", systems=("icd10cm",), limit=20, on=FY2026_DAY)
    assert len(search.results.options) == len(search.hits) > 0
    assert "result(s) for <b>type 2 diabetes</b>" in search.status.value
    search.query.value = ""
    assert search.results.options == () and search.detail.value == ""


@pytest.mark.parametrize(
    ("code", "billable", "crumbs", "note", "validity"),
    [
        # Inherits "use additional code ... insulin (Z79.4)" from category E11.
        (
            "E11.9",
            True,
            ["Endocrine, nutritional and metabolic diseases", "E08-E13", "E11 Type 2"],
            "Z79.4",
            "is valid on 2025-11-03 (FY2026)",
        ),
        # A category is a header: not billable.
        (
            "E11",
            False,
            ["Endocrine, nutritional and metabolic diseases", "E08-E13"],
            "Use additional code",
            "is a header in FY2026",
        ),
    ],
)
def test_detail_pane(
    search: CodeSearch, code: str, billable: bool, crumbs: list, note: str, validity: str
) -> None:
    search.query.value = code
    _pick(search, code)
    detail = search.detail.value
    assert ("Billable: <b>yes</b>" in detail) is billable
    assert all(c in detail for c in crumbs)
    assert note in detail
    assert validity in detail


def test_use_emits_the_code(search: CodeSearch, picked: list) -> None:
    search.query.value = "E11.9"
    _pick(search, "E11.9")
    search.use_button.click()
    assert [r.code for r in picked] == ["E11.9"]
    assert picked[0].title == "Type 2 diabetes mellitus without complications"
    assert "Selected <b>E11.9</b>" in search.message.value


@pytest.mark.parametrize(
    ("typed", "seventh", "expected"),
    [
        ("S52.521", "A", "S52.521A"),  # six characters + 7th
        ("T07", "D", "T07.XXXD"),  # a three-character category padded with placeholder X
    ],
)
def test_seventh_character_picker(
    search: CodeSearch, picked: list, typed: str, seventh: str, expected: str
) -> None:
    search.query.value = typed
    _pick(search, typed)
    assert search.seventh.layout.display == ""
    assert seventh in [v for _label, v in search.seventh.options]
    assert search.use_button.disabled  # incomplete until a 7th character is chosen
    assert "Needs a 7th character" in search.detail.value
    assert "once its 7th character is chosen" in search.detail.value
    search.seventh.value = seventh
    assert not search.use_button.disabled
    # The pane speaks of the code the user gets: never "Billable: no" above "... is valid".
    assert f"Billable: <b>yes</b> ({expected})" in search.detail.value
    assert "Billable: <b style='color:#b00'>no" not in search.detail.value
    assert f"{expected} is valid" in search.detail.value
    search.use_button.click()
    assert picked[-1].code == expected and picked[-1].billable


def test_seventh_character_picker_builds_only_codes_that_exist(search: CodeSearch) -> None:
    # S52.52 requires a 7th character but takes it only after its 6th: S52.52XA does not exist.
    search.query.value = "S52.52"
    _pick(search, "S52.52")
    assert search.seventh.options == () and search.seventh.layout.display == "none"
    assert "Not specific enough for a 7th character" in search.detail.value
    assert "S52.521, S52.522, S52.529" in search.detail.value
    assert "S52.52XA" not in search.detail.value


@pytest.mark.parametrize(
    ("words", "system", "expected"),
    [
        # The words billers use find medbill's own labels, through their synonyms.
        ("flu shot", "cpt", "90686"),
        ("flu shot", "hcpcs", "G0008"),
        ("EKG", "cpt", "93000"),
        ("venipuncture", "cpt", "36415"),
        ("flu shot", "", "90686"),  # "All systems": procedures beside diagnoses
        ("flu shot", "", "G0008"),
        ("EKG", "", "93000"),
        ("venipuncture", "", "36415"),
    ],
)
def test_procedure_search_by_the_words_billers_use(words: str, system: str, expected: str) -> None:
    widget = CodeSearch(systems=registry.SEARCHABLE, on=FY2026_DAY, debounce_ms=0)
    widget.system.value = system
    widget.query.value = words
    assert expected in [h.code for h in widget.hits[:5]]


def test_validity_follows_the_date(search: CodeSearch) -> None:
    # B88.01 was added in FY2026 (1 October 2025).
    search.query.value = "B88.01"
    _pick(search, "B88.01")
    assert "is valid on 2025-11-03" in search.detail.value
    search.date.value = FY2025_DAY  # before FY2026: the code did not exist yet
    assert "B88.01" in search.detail.value and "valid on 2025-11-03" not in search.detail.value
    assert "not" in search.detail.value


def test_debounce_runs_one_search_per_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = registry.search

    def counting(text, **kwargs):
        calls.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(registry, "search", counting)

    async def type_then_wait() -> None:
        search = CodeSearch(systems=("icd10cm",), on=FY2026_DAY, debounce_ms=40)
        for prefix in ("d", "di", "dia", "diab", "diabe", "diabetes"):
            search.query.value = prefix  # keystrokes 5 ms apart
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.2)
        assert search.hits

    asyncio.run(type_then_wait())
    assert calls == ["diabetes"]


def test_billers_words_still_work_with_an_imported_hcpcs_release(fresh_home, shared_data) -> None:
    from medbill.refdata import hcpcs

    hcpcs.import_release(shared_data("cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"))
    # The official text abbreviates "influenza vaccine": medbill's label and synonyms still find it.
    hits = registry.search("flu shot", systems=("hcpcs",), limit=5, on=date(2020, 2, 3))
    assert hits[0].code == "G0008"
    assert "R0076" in [h.code for h in registry.search("EKG", systems=("hcpcs",), on=date(2020, 2, 3))]
