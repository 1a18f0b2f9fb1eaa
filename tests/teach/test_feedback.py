"""Each kind of error gets its own message, citing its guideline section, never naming the answer.

The table of wrong answers is data: exercise, answer, the kind it must be classified as, a pattern
the message must match and the highest score it may get. Exercises with ids ``t-`` come from the
instructor-style bank below (their distractors declare what the codes alone cannot show).
"""

from __future__ import annotations

import re

import pytest

from medbill.refdata import icd10cm
from medbill.teach import Bank, check, exercise
from medbill.teach.checker import KINDS

TEST_BANK = """
bank: feedback-table
exercises:
  - id: t-dm
    topic: diabetes
    date_of_service: 2026-03-18
    scenario: Type 2 diabetes with diabetic polyneuropathy.
    answer: [E11.42]
    distractors: {G62.9: combination_split, E11.9: combination_missed}
  - id: t-mi
    topic: circulatory
    date_of_service: 2026-04-07
    scenario: Crushing chest pain; ECG and troponin confirm an acute STEMI of the LAD territory.
    answer: [I21.02]
    distractors: {R07.9: integral_symptom}
  - id: t-ro
    topic: symptoms
    date_of_service: 2026-01-15
    scenario: "Office note: fever and cough for three days. Assessment: fever and cough, rule out pneumonia."
    answer: {any_order: [R50.9, R05.9]}
    distractors: {J18.9: uncertain_coded}
  - id: t-adv
    topic: adverse effects
    date_of_service: 2026-02-03
    scenario: Generalized rash from amoxicillin taken as prescribed.
    answer: {ordered: [L27.0], any_order: [T36.0X5A]}
  - id: t-em
    topic: E/M
    kind: procedure
    date_of_service: 2026-02-03
    scenario: New patient; total time on the date 47 minutes.
    answer: [99204]
  - id: t-bil
    topic: modifiers
    kind: procedure
    date_of_service: 2026-02-03
    scenario: Both knees injected with corticosteroid in one session.
    answer: [20610-50]
  - id: t-units
    topic: units
    kind: procedure
    date_of_service: 2026-02-03
    scenario: Two separate intramuscular injections of two drugs.
    answer: [96372x2]
"""
BANK = Bank.from_text(TEST_BANK, "test bank")

# One wrong answer per row: the kind it must be classified as | exercise | answer | a pattern the
# kind's message must match | the highest score allowed. Worked problems (walkthroughs 04-07)
# answer by question name or in question order.
WRONG_ANSWERS = [
    tuple(cell.strip() for cell in row.split(" | "))
    for row in r"""
not_a_code            | end-01   | E11.42 foo | 'foo' is not an ICD-10-CM code.*I\.B\.1 | 0.9
not_a_code            | proc-01  | 99214-25 2061O-RT | not a procedure line|neither a CPT | 0.75
duplicate             | end-01   | E11.42 E11.42 | E11\.42 is given twice.*I\.B\.12 | 0.9
less_specific         | circ-04  | I21.3 | I21\.3 .*less specific.*I\.B\.2 | 0.25
less_specific         | end-01   | E11 | E11 .*header, not a billable code.*I\.B\.2 | 0.25
more_specific         | z-01     | Z00.01 | Z00\.01 .*says more than the documentation.*I\.A\.19 | 0.5
different_concept     | circ-03  | I48.19 | I48\.19 .*another condition.*I\.B\.1 | 0.5
laterality            | msk-01   | M17.12 | M17\.12 names the left side.*I\.B\.13 | 0.5
seventh_character     | inj-01   | S52.521D | ends in D: subsequent encounter.*A = initial.*S = sequela.*I\.A\.5 | 0.5
seventh_character     | inj-01   | S52.521 | needs its 7th character.*D = subsequent.*I\.A\.5 | 0.5
placeholder           | inj-03   | S61.211A W11.A | W11\.A stops short.*placeholder X.*I\.A\.4 | 0.75
placeholder           | inj-03   | S61.211A W11 | W11 stops short.*I\.A\.4 | 0.75
combination_missed    | t-dm     | E11.9 | E11\.9 .*misses a combination code.*I\.B\.9 | 0.25
combination_split     | t-dm     | E11.9 G62.9 | G62\.9 .*one combination code already says.*I\.B\.9 | 0.15
integral_symptom      | t-mi     | I21.02 R07.9 | R07\.9 .*routinely part of.*I\.B\.5 | 0.9
uncertain_coded       | t-ro     | R50.9 R05.9 J18.9 | J18\.9 .*uncertain.*IV\.H | 0.9
poisoning_vs_adverse  | t-adv    | L27.0 T36.0X1A | T36\.0X1A codes poisoning.*adverse effect.*I\.C\.19\.e\.5 | 0.75
additional_missing    | end-02   | E11.65 | 'use additional code' note over E11\.65.*I\.A\.13 | 0.5
excludes1             | end-01   | E11.42 E10.9 | Excludes1 conflict: E11\.42 has an Excludes1 note for E10\.9.*I\.A\.12\.a.*unrelated | 0.65
sequencing            | inf-03   | B96.20 N39.0 | N39\.0 is right but out of sequence.*IV\.G | 0.88
missing               | z-04     | I48.21 | has no code in your answer.*IV\.J | 0.5
not_supported         | end-01   | E11.42 I10 | I10 .*not supported by the documentation.*I\.A\.19 | 0.9
service_not_supported | proc-04  | 69210-LT 99213 | 99213 .*documentation does not support.*NCCI | 0.9
modifier              | proc-01  | 99214 20610-RT | 99214 lacks a modifier.*Appendix A | 0.75
modifier              | proc-01  | 99214-25 20610-LT | 20610 carries modifier LT .*does not support | 0.75
modifier_on_em        | proc-01  | 99214-59 20610-RT | never appended to an E/M.*NCCI | 0.75
bilateral             | t-bil    | 20610-RT 20610-LT | bilateral indicator is 1 .*Claims Processing Manual | 0.5
em_level              | t-em     | 99203 | 99203 .*wrong level.*medical decision making.*time | 0.25
units                 | t-units  | 96372 | 96372 is reported with 1 unit.*MUE | 0.75
wrong_choice          | cpc-01   | A | A is not right; rationale: .*IV\.H | 0.0
wrong_choice          | cpc-06   | B | Another option is right as well | 0.0
remit_amount          | rem-01   | paid=425; patient=115.32; adjustment=CO-45; remark=B | paid: 425 is not right.*fourth element of its CLP.*X12 835 | 0.75
remit_amount          | rem-03   | paid=0; allowed=90; patient_reason=PR-1; remark=C | allowed: .*line's charge \(SVC02\).*X12 835 | 0.75
adjustment_reason     | rem-01   | 4.59; 115.32; PR-45; B | adjustment: PR-45: the reason code is right but the group is not.*CAS01 | 0.9
adjustment_reason     | rem-02   | 138.24; PR-2; CO-50; A | patient_reason: PR-2: the group is right but the reason code \(CARC\) is not | 0.9
remark_meaning        | rem-01   | 4.59; 115.32; CO-45; D | remark: D is not right.*LQ\*HE.*X12 RARC | 0.75
denial_action         | den-03   | action=A; why=B | action: A is not right.*who bears the amount.*followup_actions\.csv | 0.5
denial_action         | den-04   | action=D; why=B | why: B is not right.*most specific row of the action table | 0.5
correction            | den-01   | A; A; S52.521D | corrected: D is for encounters after active treatment.*`medbill scrub` | 0.67
correction            | den-02   | B; B; 20610-50-RT | corrected: 20610-50-RT does not fix what the payer denied | 0.67
price                 | price-02 | line1=149.48; line2=172.95; total=322.43 | line1: 149\.48 is not right.*ranked by fee schedule amount.*ch\. 12 §20 | 0.34
price                 | price-01 | 81.86; 40; 41.86 | patient: 40 is not right.*percent of the allowed amount.*42 CFR 410\.152 | 0.34
kpi_value             | kpi-01   | clean_claim_rate=75; initial_denial_rate=25 | initial_denial_rate: .*denominator is the claims the payers answered.*HFMA MAP Keys | 0.5
kpi_value             | kpi-03   | days_in_ar=52.5 | days_in_ar: .*patient's share as insurance A/R.*MGMA | 0.0
""".strip().splitlines()
]


def _exercise(ex_id: str):
    return BANK.get(ex_id) if ex_id.startswith("t-") else exercise(ex_id)


def test_the_table_covers_every_kind() -> None:
    # "late" comes from timed practice, not from check(): tests/teach/test_practice.py
    assert {row[0] for row in WRONG_ANSWERS} == set(KINDS) - {"late"}


def _hidden(ex, answer: str) -> list[str]:
    """The expected codes or values a wrong answer did not give (letters of options excepted)."""
    given = answer.upper().replace(".", "")
    values = [q.answer for q in ex.questions if not q.options] if ex.is_worked else list(ex.expected)
    return [v for v in values if v.upper().replace(".", "") not in given]


@pytest.mark.parametrize(
    ("kind", "ex_id", "answer", "pattern", "ceiling"), WRONG_ANSWERS, ids=lambda v: str(v)
)
def test_each_kind_of_error_gets_its_message_and_never_the_answer(
    kind: str, ex_id: str, answer: str, pattern: str, ceiling: str
) -> None:
    ex = _exercise(ex_id)
    result = check(ex, answer)
    assert not result.correct and result.score <= float(ceiling), (result.score, result.feedback)
    messages = [f.message for f in result.findings if f.kind == kind]
    assert messages, f"{kind} not found in {result.kinds}: {result.feedback}"
    assert any(re.search(pattern, m) for m in messages), messages
    assert all(KINDS[kind][1] in m for m in messages), "the message cites the kind's guideline section"
    for message in result.feedback:
        for value in _hidden(ex, answer):
            assert value not in message and value.replace(".", "") not in message, (value, message)


def test_an_extra_code_shifts_no_later_position() -> None:
    # the extra I10 sits between the two ordered codes: only the extra is charged
    result = check("inf-03", "N39.0 I10 B96.20")
    assert result.kinds == ("not_supported",) and result.score == pytest.approx(0.9)


def test_codes_declared_any_order_may_come_in_any_order() -> None:
    assert check(BANK.get("t-ro"), "R05.9 R50.9").correct
    assert check(BANK.get("t-ro"), "R50.9 R05.9").correct


def test_procedure_units_may_be_written_apart_and_order_does_not_matter() -> None:
    assert check(BANK.get("t-units"), "96372 x2").correct
    assert check("proc-01", "20610-RT 99214-25").correct


@pytest.mark.parametrize("junk", ["", "   ", ";;", "E11.42 " + "x" * 500])
def test_junk_answers_never_score_full_marks(junk: str) -> None:
    assert not check("end-01", junk).correct


def test_every_shipped_answer_is_billable_and_scores_full_marks() -> None:
    from medbill.teach import exercises

    for ex in exercises():
        assert check(ex, list(ex.expected)).correct, ex.id
        if ex.kind == "diagnosis":
            assert all(icd10cm.is_billable(c, on=ex.date_of_service) for c in ex.expected), ex.id
