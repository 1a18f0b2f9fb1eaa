"""Issue 16: what the release holds decides validity; FY2025 blocks and titles match the CDC tabular.

Each test is a defect an audit against the whole CDC tabular found (the cases are real codes).
"""

from __future__ import annotations

import pytest

from medbill.refdata import icd10cm
from medbill.refdata.icd10cm.parser import parse_tabular

FY2025_XML = "cdc/icd10cm/april-2025/icd10cm-tabular-April-2025.xml"


@pytest.mark.parametrize(
    "code",
    [
        "QA0.0142",  # FY2026 category QA0 (genetic disorders): a letter in second place
        "qa00142",  # the same, compact and lower case
        "QA0",  # the category itself (a header)
    ],
)
def test_codes_with_a_letter_in_second_place_are_codes(code: str) -> None:
    assert icd10cm.compact(code) == code.replace(".", "").upper()
    assert icd10cm.is_valid(code, on="2026-06-01")
    assert icd10cm.lookup(code, release="FY2026").code == icd10cm.compact(code)
    # FY2025 does not hold QA0: well formed, unknown there (not "not a code")
    assert icd10cm.get(code, release="FY2025") is None


def test_qa0_is_billable_and_found_by_its_title() -> None:
    rel = icd10cm.release("FY2026")
    qa0 = [c for c in rel.billable_codes if c.startswith("QA0")]
    assert len(qa0) == 13
    code = rel.lookup("QA0.0142")
    assert code.billable and code.block == "QA0-QA0"
    assert "QA0.0142" in [h.code for h in rel.search(code.title, limit=5)]


def _fy2025_tabular(shared_data):
    data = parse_tabular(str(shared_data(FY2025_XML)))
    rows = range(len(data.codes))
    return data, {data.codes[r]: r for r in rows if data.kinds[r] >= 2}


def test_fy2025_blocks_match_the_fy2026_tabular_for_every_category() -> None:
    old, new = icd10cm.release("FY2025"), icd10cm.release("FY2026")
    categories = [c for c, k in zip(old.codes, old.table["kind"], strict=True) if k == "category"]
    wrong = [c for c in categories if (n := new.get(c)) is not None and old.lookup(c).block != n.block]
    assert categories and not wrong, wrong[:10]
    assert old.lookup("C4A.0").block == "C43-C44"  # sorts after C49, sits between C43 and C44
    assert old.lookup("M1A.0110").block == "M05-M14"
    assert [c.code for c in old.children("C43-C44")] == ["C43", "C4A", "C44"]  # tabular order


def test_fy2025_blocks_and_titles_match_the_cdc_fy2025_tabular(shared_data) -> None:
    data, row_of = _fy2025_tabular(shared_data)
    rel = icd10cm.release("FY2025")
    block_of = {c: data.codes[data.parents[r]] for c, r in row_of.items() if data.kinds[r] == 2}
    assert {c: rel.lookup(c).block for c in block_of} == block_of
    accented = {c: data.titles[r] for c, r in row_of.items() if not data.titles[r].isascii()}
    assert len(accented) > 100
    assert {c: rel.lookup(c).title for c in accented} == accented
    assert rel.lookup("C84.10").title == "Sézary disease, unspecified site"


@pytest.mark.parametrize("category", ["S52", "S72", "S82"])
def test_seven_character_definitions_keep_their_sub_notes(category: str) -> None:
    rel = icd10cm.release("FY2026")
    defs = {n.text[0]: n.text for n in rel.notes(category) if n.kind == "seven_chr_def"}
    assert "initial encounter for open fracture NOS" in defs["B"]
    assert defs["B"].startswith("B: initial encounter for open fracture type I or II")
    # the billable code's title is the extension alone
    code = next(c for c in sorted(rel.billable_codes) if c.startswith(category) and c.endswith("B"))
    assert rel.lookup(code).title.endswith("initial encounter for open fracture type I or II")


def test_note_ranges_follow_tabular_order() -> None:
    from medbill.refdata.icd10cm._model import TabularOrder, code_refs

    rel = icd10cm.release("FY2026")
    order = TabularOrder(
        [c for c, k in zip(rel.codes, rel.table["kind"], strict=True) if k != "chapter" and k != "block"]
    )
    assert code_refs("melanoma (C43-C44)", order) == ("C43", "C4A", "C44")
    assert "M1A" in code_refs("arthropathies (M05-M14)", order)
    assert code_refs("words in parentheses (HIV) (AIDS)", order) == ()


@pytest.mark.parametrize("release", ["FY2025", "FY2026"])
def test_a_billable_code_wins_a_title_tie_with_its_own_header(release: str) -> None:
    rel = icd10cm.release(release)
    hits = rel.search("Pneumonia, unspecified organism", limit=3)
    assert [h.code for h in hits[:2]] == ["J18.9", "J18"]
    assert hits[0].score == hits[1].score
    # every billable code that shares its exact title with its parent header ranks above it
    table = rel.table
    billable = table[table["billable"]]
    parents = billable["parent"].map(table["title"])
    same = billable[billable["title"] == parents].index
    assert len(same) > 300
    for code in same[:: max(len(same) // 40, 1)]:  # a spread sample: each search takes ~10 ms
        found = [h.code for h in rel.search(table.at[code, "title"], limit=30)]
        mine, header = rel.lookup(code), rel.lookup(table.at[code, "parent"])
        assert found.index(mine.display) < found.index(header.display), code


def test_teaching_checker_reads_qa0_as_a_code() -> None:
    from medbill.teach import check

    feedback = " ".join(check("end-01", ["E11.42", "QA0.0142"]).feedback)
    assert "not in ICD-10-CM format" not in feedback
    assert "QA0.0142" in feedback  # explained as a code that is not expected here


def test_a_new_category_goes_to_the_block_the_cdc_tabular_gives_it(shared_data) -> None:
    # Every other FY2025 category, and the four that sort outside their block (C4A, D3A, M1A, Z3A)
    # with their neighbours known, placed as if the borrowed FY2026 tabular lacked them; the CDC
    # FY2025 tabular is the answer key.
    from medbill.refdata.icd10cm._model import CATEGORY
    from medbill.refdata.icd10cm.order_file import _blocks_from, blocks_of_new_categories

    data, row_of = _fy2025_tabular(shared_data)
    truth = {c: data.codes[data.parents[r]] for c, r in row_of.items() if data.kinds[r] == 2}
    categories = list(truth)  # tabular order
    odd_ones = [categories.index(c) for c in ("C4A", "D3A", "M1A", "Z3A")]
    neighbours = {categories[i + step] for i in odd_ones for step in (-1, 1)}
    new = (set(categories[1::2]) - neighbours) | {categories[i] for i in odd_ones}
    fy2026 = icd10cm.release("FY2026")
    known = {
        code: fy2026._parents[row]
        for row, code in enumerate(fy2026.codes)
        if fy2026._kinds[row] == CATEGORY and code not in new
    }
    placed = blocks_of_new_categories(categories, known, _blocks_from(fy2026))
    assert set(placed) == new & set(fy2026.codes)
    assert {c: fy2026.codes[row] for c, row in placed.items()} == {c: truth[c] for c in placed}


def test_a_new_category_outside_every_block_is_named() -> None:
    from medbill.exceptions import ImportFailed
    from medbill.refdata.icd10cm._model import CATEGORY
    from medbill.refdata.icd10cm.order_file import _blocks_from, blocks_of_new_categories

    fy2026 = icd10cm.release("FY2026")
    rows = {c: row for row, c in enumerate(fy2026.codes) if fy2026._kinds[row] == CATEGORY}
    categories = list(rows)
    known = {c: fy2026._parents[row] for c, row in rows.items() if c != "QA0"}
    blocks = [b for b in _blocks_from(fy2026) if b[0] != "QA0"]  # as if QA0's block were unknown
    with pytest.raises(ImportFailed, match=r"categories QA0 are outside every block"):
        blocks_of_new_categories(categories, known, blocks)
