"""Exercise bank integrity and the checker's feedback, against the live code data."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from medbill.cli import main
from medbill.refdata import cpt, hcpcs, icd10cm
from medbill.teach import Progress, check, collect_grades, exercise, exercises
from medbill.teach.export import PLACEHOLDER, export_student
from medbill.teach.widget import ExerciseWidget

CHAPTER_TOPICS = {
    "infections",
    "neoplasms",
    "diabetes and endocrine",
    "mental health",
    "circulatory",
    "respiratory",
    "pregnancy",
    "injuries",
    "Z codes",
    "procedures and modifiers",
}


def test_bank_has_forty_exercises_across_the_chapters() -> None:
    bank = exercises()
    assert len(bank) >= 40
    assert len({e.id for e in bank}) == len(bank)
    assert {e.topic for e in bank} >= CHAPTER_TOPICS
    assert all(e.hints for e in bank), "every exercise has at least one hint"


@pytest.mark.parametrize("ex", [e for e in exercises() if e.kind == "diagnosis"], ids=lambda e: e.id)
def test_every_expected_diagnosis_is_billable_on_its_date(ex) -> None:
    for answer in ex.accepted:
        for code in answer:
            assert icd10cm.is_billable(code, on=ex.date_of_service), f"{code} on {ex.date_of_service}"


@pytest.mark.parametrize("ex", [e for e in exercises() if e.kind == "procedure"], ids=lambda e: e.id)
def test_every_expected_procedure_is_a_valid_code(ex) -> None:
    for item in ex.expected:
        code = item.split("-")[0]
        assert cpt.is_valid(code) or hcpcs.is_valid(code), code


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.id)
def test_the_expected_answer_scores_full_marks(ex) -> None:
    result = check(ex, list(ex.expected))
    assert result.score == 1.0 and result.correct, result.feedback


@pytest.mark.parametrize(
    "ex",
    [e for e in exercises() if e.kind == "diagnosis" and len(icd10cm.compact(e.expected[0])) > 3],
    ids=lambda e: e.id,
)
def test_a_typical_wrong_answer_gets_feedback(ex) -> None:
    # the category of the first code alone: a header, so never full credit and always explained
    result = check(ex, [ex.expected[0][:3]])
    assert result.score < 1.0
    assert result.feedback


@pytest.mark.parametrize(
    ("exercise_id", "answer", "score", "pattern"),
    [
        # right category, wrong specificity: points at the subcategory documented
        ("end-01", ["E11.9"], 0.25, r"E11\.9 .* is valid but the scenario documents more: look at E11\.4-"),
        # wrong category altogether
        ("end-01", ["E10.42"], 0.0, r"Missing a code from E11"),
        # missing 7th character
        ("inj-01", ["S52.521"], 0.5, r"needs a 7th character"),
        # X placeholder omitted: W11 alone is a header that needs placeholders and a 7th character
        ("inj-03", ["S61.211A", "W11"], 0.75, r"W11 is missing characters"),
        # wrong sequencing
        ("inf-03", ["B96.20", "N39.0"], 0.75, r"N39\.0 is right but belongs first"),
        # Excludes1 conflict between two codes given together
        (
            "end-01",
            ["E11.42", "E10.9"],
            0.65,
            r"Excludes1 conflict: E11\.42 has an Excludes1 note for E10\.9",
        ),
        # a code not valid on the date of service (E11.A starts in FY2026)
        ("inf-05", ["E11.A"], 0.0, r"not valid on 2025-06-12 .*FY2026"),
        # not an ICD-10-CM code at all
        ("circ-01", ["hello"], 0.0, r"not in ICD-10-CM format"),
        # procedure: modifier missing, with its meaning
        ("proc-01", ["99214", "20610-RT"], 0.75, r"99214 needs modifier 25"),
        # procedure: extra service not in the scenario
        ("proc-04", ["69210-LT", "99213"], 0.9, r"99213 is not supported"),
    ],
)
def test_feedback_kinds(exercise_id: str, answer: list[str], score: float, pattern: str) -> None:
    result = check(exercise_id, answer)
    assert result.score == pytest.approx(score)
    assert any(re.search(pattern, line) for line in result.feedback), result.feedback


def test_alternatives_are_accepted() -> None:
    ex = exercise("neo-03")
    assert check(ex, list(ex.alternatives[0])).score == 1.0


def test_unknown_exercise_names_the_way_out() -> None:
    with pytest.raises(KeyError, match="medbill teach list"):
        exercise("nope-99")


def test_progress_is_saved_and_collected_into_a_grade_table(tmp_path) -> None:
    alice = Progress("alice", tmp_path / "alice.json")
    alice.record(["E11.9"], check("end-01", ["E11.9"]))
    alice.record(["E11.42"], check("end-01", ["E11.42"]))
    bob = Progress("bob", tmp_path / "bob.json")
    bob.record(["I10"], check("circ-01", ["I10"]))
    assert Progress("alice", tmp_path / "alice.json").best() == {"end-01": 1.0}
    grades = collect_grades(sorted(tmp_path.glob("*.json")))
    assert grades.loc["alice", "end-01"] == 1.0 and grades.loc["bob", "circ-01"] == 1.0
    assert grades.loc["alice", "attempted"] == 1
    with pytest.raises(ValueError, match="one file per student"):
        Progress("carol", tmp_path / "alice.json")


def test_student_export_removes_solution_cells(tmp_path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Code this."),
        nbformat.v4.new_code_cell("check('end-01', ['E11.42'])", metadata={"tags": ["solution"]}),
    ]
    nbformat.write(nb, src / "x.ipynb")
    [out] = export_student(tmp_path / "student", src)
    cells = nbformat.read(out, as_version=4).cells
    assert cells[0].source == "Code this." and cells[1].source == PLACEHOLDER


def test_cli_list_and_check_json(capsys) -> None:
    assert main(["teach", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"id", "topic", "scenario", "date_of_service"} <= set(listed[0]) and "expected" not in listed[0]
    assert main(["teach", "list", "--json", "--solutions"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["expected"] == list(exercises()[0].expected)
    assert main(["teach", "check", "end-01", "E11.9", "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["score"] == 0.25 and "E11.4-" in checked["feedback"][0]


def test_widget_checks_hints_and_takes_codes_from_search(tmp_path) -> None:
    w = ExerciseWidget("end-02", Progress("dana", tmp_path / "dana.json"))
    w.search.query.value = "type 2 diabetes with hyperglycemia"
    w.search.refresh()
    assert w.search.hits, "search found nothing"
    w.answer.value = "E11.65"
    w.check_button.click()
    assert "Score 0.50" in w.feedback.value and "Z79" in w.feedback.value
    w.answer.value = "E11.65, Z79.4"
    w.check_button.click()
    assert w.result is not None and w.result.correct
    assert "best here 1.00" in w.status.value
    w.hint_button.click()
    assert "Z79.4" in w.hint_box.value
