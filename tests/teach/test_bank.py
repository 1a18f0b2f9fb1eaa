"""Banks: the shipped one is valid on every date, an instructor's is validated on load, student
copies carry no answer, grades count unattempted work and refuse edited progress files."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import nbformat
import pytest
import yaml

from medbill.cli import main
from medbill.teach import Bank, BankError, Progress, check, collect_grades, exercises, load_bank
from medbill.teach.export import PLACEHOLDER, STUDENT_BANK, export_student
from medbill.teach.progress import ProgressError, gradebook_csv
from medbill.teach.stats import coverage_table
from medbill.teach.validate import validate_exercise
from medbill.teach.widget import ExerciseWidget

FY2026 = (date(2025, 10, 1), date(2026, 9, 30))
AT = datetime(2026, 3, 1, 9, 0)

ONE = """
bank: one
exercises:
  - id: x-1
    topic: t
    date_of_service: {dos}
    scenario: Essential hypertension.
    answer: [{code}]
"""


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.id)
def test_every_shipped_exercise_is_valid_on_its_date(ex) -> None:
    assert FY2026[0] <= ex.date_of_service <= FY2026[1]
    errors = [p.message for p in validate_exercise(ex) if p.severity == "error"]
    assert not errors


@pytest.mark.parametrize(
    "ex", [e for e in exercises() if e.kind in ("diagnosis", "procedure")], ids=lambda e: e.id
)
def test_every_rationale_explains_an_accepted_code(ex) -> None:
    # a rationale written with commas once broke into extra keys with no text ("right upper lobe": None)
    codes = {c for a in ex.accepted for c in (*a.required, *a.optional)}
    assert set(ex.rationale) <= codes, set(ex.rationale) - codes
    assert all(text and text != "None" for text in ex.rationale.values())


def test_every_chapter_has_three_exercises() -> None:
    table = coverage_table(load_bank())
    chapters = table.loc[[str(n) for n in range(1, 22)]]
    assert (chapters["any_code"] >= 3).all(), chapters[chapters["any_code"] < 3]


@pytest.mark.parametrize(
    ("dos", "code", "pattern"),
    [
        # no installed ICD-10-CM release covers 2019: reported, not answered from another release
        (
            "2019-03-01",
            "I10",
            r"x-1: date of service 2019-03-01 is outside every installed ICD-10-CM release",
        ),
        # a header is not a valid answer
        ("2026-03-01", "I48", r"x-1: I48 is a header, not billable in FY2026"),
        # E11.A exists from FY2026 on only: on an FY2025 date it is not a code
        ("2025-06-12", "E11.A", r"E11.A is not a code in FY2025"),
    ],
)
def test_an_instructors_bank_is_validated_on_load(tmp_path, dos: str, code: str, pattern: str) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(ONE.format(dos=dos, code=code))
    with pytest.raises(BankError, match=pattern):
        load_bank(path)
    assert main(["teach", "validate", str(path)]) == 1


def test_a_bank_with_the_shape_wrong_names_each_problem() -> None:
    text = "bank: b\nexercises:\n  - id: a\n    topic: t\n    date_of_service: 2026-01-01\n    scenario: s\n    answer: {first: [I10]}\n"
    with pytest.raises(BankError, match=r"exercise #1 \(a\): answer has unknown keys \['first'\]"):
        Bank.from_text(text, "b.yaml")


def _answer_codes(ex) -> set[str]:
    return {c for a in ex.accepted for c in (*a.required, *a.optional)}


def _mentions(body: str, code: str) -> bool:
    return bool(re.search(rf"(?<![\w.]){re.escape(code)}(?![\w])", body))


def test_student_export_contains_no_answer(tmp_path) -> None:
    # the student bank names no answer code outside the worked problems' data (an 835 or a KPI table
    # shows procedure codes as the inputs they are, tied to no exercise's answer); each walkthrough
    # names none of the answers of the exercises it poses (it may teach with other codes)
    bank = load_bank()
    written = {p.name: p.read_text() for p in export_student(tmp_path / "student")}
    student_bank = load_bank(tmp_path / "student" / STUDENT_BANK)
    assert not student_bank.has_answers and len(student_bank) == len(bank)
    raw = yaml.safe_load(written[STUDENT_BANK])
    for entry in raw["exercises"]:
        assert entry.pop("data", {}) == dict(bank.get(entry["id"]).data)
    without_data = yaml.safe_dump(raw)
    for ex in bank:
        if ex.kind == "choice":  # letters: the copy keeps the option texts, without answer or rationales
            assert not any(o.rationale for o in student_bank.get(ex.id).options.values())
            continue
        leaked = [c for c in _answer_codes(ex) if _mentions(without_data, c)]
        assert not leaked, f"{leaked} of {ex.id} in the student bank"
    posed_anywhere = set()
    for name, body in written.items():
        posed = set(re.findall(r'ExerciseWidget\(\\"([a-z]+-\d+)\\"', body))
        posed_anywhere |= posed
        for ex_id in posed:
            leaked = [c for c in _answer_codes(bank.get(ex_id)) if _mentions(body, c)]
            assert not leaked, f"{leaked} of {ex_id} in {name}"
    assert len(posed_anywhere) >= 15, "the walkthroughs pose exercises"


def test_student_mode_recognises_a_right_answer_without_holding_it(tmp_path) -> None:
    export_student(tmp_path)
    student = load_bank(tmp_path / STUDENT_BANK)
    assert check(student.get("end-02"), "Z79.4, e11.65").correct
    assert check(student.get("proc-12"), "97110 x4").correct
    assert check(student.get("cpc-06"), "c) b)").correct
    wrong = check(student.get("end-02"), "E11.9")
    assert not wrong.correct and "holds no answers" in wrong.feedback[0]
    assert main(["teach", "list", "--bank", str(tmp_path / STUDENT_BANK), "--solutions"]) == 2


def test_solutions_need_the_instructors_bank(tmp_path, capsys) -> None:
    assert main(["teach", "list", "--solutions"]) == 2
    assert "--bank FILE" in capsys.readouterr().err
    own = tmp_path / "mine.yaml"
    assert main(["teach", "init-bank", str(own)]) == 0
    capsys.readouterr()
    assert main(["teach", "list", "--bank", str(own), "--solutions", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["answer"]["ordered"] == ["J02.0"]
    assert main(["teach", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert "answer" not in listed[0] and listed[0]["answer_keys"]


def test_grades_count_unattempted_as_zero_and_check_answers_again(tmp_path) -> None:
    bank = load_bank()
    alice = Progress("alice", tmp_path / "alice.json", key="k")
    alice.record(["E11.9"], check("end-01", ["E11.9"]), at=AT)
    alice.record(["E11.42"], check("end-01", ["E11.42"]), at=AT)
    bob = Progress("bob", tmp_path / "bob.json", key="k")
    bob.record(["I10"], check("circ-01", ["I10"]), at=AT)
    grades = collect_grades(sorted(tmp_path.glob("*.json")), bank, key="k")
    assert grades.loc["alice", "end-01"] == 1.0 and grades.loc["alice", "circ-01"] == 0.0
    assert grades.loc["alice", "attempted"] == 1
    possible = sum(e.points for e in bank)  # worked problems are worth more than one point
    assert grades.loc["bob", "percent"] == pytest.approx(round(100 / possible, 1))
    csv = gradebook_csv(grades, bank)
    assert csv.splitlines()[0].startswith("Student,ID,SIS User ID,Section,inf-01 (1 pts)")
    with pytest.raises(ProgressError, match="one file per student"):
        Progress("carol", tmp_path / "alice.json", key="k")


def test_an_edited_progress_file_fails_its_signature(tmp_path) -> None:
    path = tmp_path / "dana.json"
    Progress("dana", path, key="k").record(["E11.9"], check("end-01", ["E11.9"]), at=AT)
    saved = json.loads(path.read_text())
    saved["attempts"][0]["answer"] = ["E11.42"]
    path.write_text(json.dumps(saved))
    with pytest.raises(ProgressError, match="fails its signature check"):
        collect_grades([path], key="k")
    assert main(["teach", "grades", str(path)]) == 0  # unsigned grading still re-checks the answer
    out = tmp_path / "book.csv"
    key = tmp_path / "key"
    key.write_text("k")
    assert main(["teach", "grades", str(path), "--key-file", str(key), "--csv", str(out)]) == 2


def test_list_stats_prints_the_coverage_table(capsys) -> None:
    assert main(["teach", "list", "--stats"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^21 +Factors influencing", out, re.M) and "procedures" in out


def test_old_walkthrough_export_still_empties_solution_cells(tmp_path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Code this."),
        nbformat.v4.new_code_cell("check('end-01', ['E11.42'])", metadata={"tags": ["solution"]}),
    ]
    nbformat.write(nb, src / "x.ipynb")
    out = export_student(tmp_path / "student", src)[0]
    cells = nbformat.read(out, as_version=4).cells
    assert cells[0].source == "Code this." and cells[1].source == PLACEHOLDER


def test_widget_checks_hints_and_takes_codes_from_search(tmp_path) -> None:
    w = ExerciseWidget("end-02", Progress("dana", tmp_path / "dana.json"))
    w.search.query.value = "type 2 diabetes with hyperglycemia"
    w.search.refresh()
    assert w.search.hits, "search found nothing"
    w.answer.value = "E11.65"
    w.check_button.click()
    assert "Score 0.50" in w.feedback.value and "use additional code" in w.feedback.value
    w.answer.value = "E11.65, Z79.4"
    w.check_button.click()
    assert w.result is not None and w.result.correct
    assert "long-term insulin use" in w.feedback.value, "the rationale shows once the answer is right"
    assert "best here 1.00" in w.status.value
    w.hint_button.click()
    assert "Z79.4" in w.hint_box.value
