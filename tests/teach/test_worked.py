"""Worked problems of walkthroughs 04-07: stored answers are what medbill computes, answers are
read in the forms a person writes them, money has a cent of tolerance, student copies hold none."""

from __future__ import annotations

import re

import pytest

from medbill.cli import main
from medbill.refdata import registry
from medbill.teach import Bank, BankError, Progress, check, collect_grades, exercise, exercises, load_bank
from medbill.teach.export import STUDENT_BANK, export_student
from medbill.teach.solve import worked_problems
from medbill.teach.stats import WORKED_ROWS, coverage_table
from medbill.teach.widget import ExerciseWidget

WORKED = [e for e in exercises() if e.is_worked]


def test_each_walkthrough_from_04_to_07_has_three_worked_problems() -> None:
    by_kind = {kind: [e.id for e in WORKED if e.kind == kind] for kind in WORKED_ROWS}
    assert all(len(ids) >= 3 for ids in by_kind.values()), by_kind
    table = coverage_table(load_bank())
    assert (table.loc[list(WORKED_ROWS), "first_listed"] >= 3).all()


@pytest.mark.parametrize("ex", WORKED, ids=lambda e: e.id)
def test_stored_answers_are_what_medbill_computes(ex, shared_data) -> None:
    # pricing recomputes with CMS's RVU25D (the release each pricing exercise names)
    registry.import_file("pfs", shared_data("cms/pfs/2025"))
    assert worked_problems(ex) == []
    assert check(ex, list(ex.expected)).correct


@pytest.mark.parametrize("ex", [e for e in WORKED if e.kind == "remittance"], ids=lambda e: e.id)
def test_the_835_of_each_remittance_problem_passes_pyx12(ex, pyx12_verdict) -> None:
    # the external oracle: what students read is a valid 005010X221A1 remittance, and it balances
    from medbill.claims.x12 import read_835

    ok, report = pyx12_verdict(ex.data["x12"])
    assert ok, report
    assert read_835(ex.data["x12"]).is_balanced


def _rem_01_edited(tmp_path, *edits: tuple[str, str]):
    text = load_bank().to_yaml(solutions=True)
    body = text[text.index("- id: rem-01") : text.index("- id: rem-02")]
    for old, new in edits:
        assert old in body
        body = body.replace(old, new)
    own = tmp_path / "mine.yaml"
    own.write_text(f"bank: mine\nexercises:\n{body}")
    return own


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        # a stored answer medbill does not compute
        (
            [("answer: '4.59'", "answer: '5.59'")],
            r"question paid: the bank says 5\.59, medbill computes 4\.59",
        ),
        # an option that is no RARC
        ([("C: N30", "C: X999")], r"question remark: option C \(X999\) is not a known rarc"),
        # a question about a line the 835 does not have
        ([("field: line2", "field: line7")], r"cannot compute the answers from data: the data has no line 7"),
        # a likely mistake that is the answer itself
        (
            [("answer: '4.59'", "answer: '4.59'\n    mistakes: {'4.59': no}")],
            r"4\.59 is also listed under mistakes",
        ),
    ],
)
def test_a_bank_whose_answers_medbill_does_not_compute_fails_on_load(tmp_path, edits, message: str) -> None:
    with pytest.raises(BankError, match=message):
        load_bank(_rem_01_edited(tmp_path, *edits))


@pytest.mark.parametrize(
    ("ex_id", "answer", "score"),
    [
        # named pieces in one text, in any order, money with a dollar sign and a thousands comma
        ("price-01", "payer=$65.49; line1=81.86; patient=16.37", 1.0),
        # a cent off is within tolerance; two cents is not
        ("price-01", "81.87; 16.37; 65.49", 1.0),
        ("price-01", "81.88; 16.37; 65.49", 0.67),
        # a mapping of question to value (what a notebook passes)
        ("price-02", {"line1": "74.74", "line2": "172.95", "total": "247.69"}, 1.0),
        # percents with or without the sign; a fraction is not a percent
        ("kpi-01", ["75%", "28.6"], 1.0),
        ("kpi-01", ["0.75", "28.6"], 0.5),
        # group code and CARC with a space, a dash or nothing between; options by letter with a bracket
        ("rem-01", "4.59; 115.32; co 45; b)", 1.0),
        # a diagnosis without its dot; a procedure line with its modifier
        ("den-01", "a; a; s52521a", 1.0),
        ("den-02", "B; B; 20610-50", 1.0),
        # one question unanswered
        ("den-02", "B; B", 0.67),
    ],
)
def test_answers_are_read_as_written(ex_id: str, answer, score: float) -> None:
    assert check(ex_id, answer).score == score


@pytest.mark.parametrize(
    ("ex_id", "answer", "message"),
    [
        ("rem-01", "paid=lots", r"paid: 'lots' is not a number: write it like 84\.12"),
        ("rem-01", "paid=" + "9" * 500, r"paid: '9999.*' is not a number"),
        ("kpi-01", "clean_claim_rate=nan%", r"'nan%' is not a number"),
        ("rem-01", "refund=3", r"there is no question 'refund'; the questions are paid, patient"),
        ("rem-01", "4.59; 115.32; CO-45; B; 12", r"'12' is one answer more than there are questions"),
        ("rem-01", "4.59; 115.32; XX-45; B", r"'XX-45' is not a group code and CARC"),
        ("den-01", "E; A; S52.521A", r"action: 'E' is not one of the options A, B, C, D"),
        ("den-02", "B; B; 20610-ZZ", r"ZZ on 20610 is not a modifier"),
    ],
)
def test_unreadable_answers_say_how_to_write_them(ex_id: str, answer: str, message: str) -> None:
    result = check(ex_id, answer)
    assert not result.correct
    assert any(re.search(message, line) for line in result.feedback), result.feedback


def test_student_copies_hold_no_worked_answer_and_still_recognise_a_right_one(tmp_path) -> None:
    export_student(tmp_path)
    text = (tmp_path / STUDENT_BANK).read_text()
    student = load_bank(tmp_path / STUDENT_BANK)
    for ex in WORKED:
        copy = student.get(ex.id)
        assert not copy.has_answer and all(q.answer is None and q.key for q in copy.questions)
        assert not any(q.mistakes or q.rationale for q in copy.questions)
    rem = text[text.index("- id: rem-01") : text.index("- id: rem-02")]
    assert "answer:" not in rem and "mistakes" not in rem
    # the remark options are shown by meaning: their codes would match the 835's LQ*HE and give the answer
    assert "M15" not in rem.split("questions:")[1] and "parts of one procedure" in rem
    assert check(student.get("price-01"), "81.87; 16.37; 65.49").correct  # tolerance without the answer
    assert check(student.get("den-01"), "A; A; S52.521A").correct
    wrong = check(student.get("den-01"), "A; A; S52.521D")
    assert wrong.score == pytest.approx(0.67) and "holds no answers" in wrong.feedback[-1]


def test_widget_shows_the_data_and_checks_each_question(tmp_path) -> None:
    w = ExerciseWidget("rem-03", Progress("dana", tmp_path / "dana.json"))
    shown = w.children[0].value
    assert "CLP*C00000020" in shown and "LQ*HE" in shown
    w.answers["paid"].value = "0"
    w.answers["allowed"].value = "90"
    w.check_button.click()
    assert w.result is not None and w.result.score == 0.25
    assert "line&#x27;s charge (SVC02)" in w.feedback.value
    for box, value in zip(w.answers.values(), ["0.00", "35", "PR-1", "C"], strict=True):
        box.value = value
    w.check_button.click()
    assert w.result.correct and "best here 1.00" in w.status.value
    assert "AMT*B6 is the allowed amount" in w.feedback.value, "each answer's rationale, once it is earned"
    grades = collect_grades([tmp_path / "dana.json"])  # the recorded name=value answers are checked again
    assert grades.loc["dana", "rem-03"] == 1.0 and grades.loc["dana", "attempted"] == 1


def test_check_on_the_command_line_exits_by_the_answer(capsys) -> None:
    # 0 right, 1 wrong (the feedback says why), 2 no such exercise
    assert main(["teach", "check", "price-01", "line1=81.86", "patient=16.37", "payer=65.49"]) == 0
    assert main(["teach", "check", "price-01", "81.86", "20", "61.86"]) == 1
    assert "patient: 20 is not right" in capsys.readouterr().out
    assert main(["teach", "check", "price-99", "1"]) == 2
    assert "No exercise 'price-99'" in capsys.readouterr().err


def test_stats_and_list_show_the_worked_problems(tmp_path, capsys) -> None:
    assert main(["teach", "list", "--stats"]) == 0
    out = capsys.readouterr().out
    assert "04 reading an 835" in out and "07 computing a KPI" in out
    own = tmp_path / "mine.yaml"
    assert main(["teach", "init-bank", str(own)]) == 0
    assert main(["teach", "list", "--bank", str(own), "--solutions"]) == 0
    assert re.search(r"^price-02 .* line1=74\.74 line2=172\.95 total=247\.69$", capsys.readouterr().out, re.M)


def test_a_bank_of_only_worked_problems_needs_data_and_questions() -> None:
    text = "bank: b\nexercises:\n  - {id: k, topic: t, kind: kpi, date_of_service: 2026-01-01, scenario: s, answer: [I10]}\n"
    with pytest.raises(BankError, match="has questions, and only those kinds have them"):
        Bank.from_text(text, "b.yaml")
    assert exercise("kpi-03").data["lookback_days"] == 90
