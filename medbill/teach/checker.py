"""Score an answer to an exercise and say, by kind of error, what is wrong and where to read.

Every wrong answer is classified (:data:`KINDS`, each with the guideline section it rests on) from
the code data itself (titles, 7th-character notes, "use additional code" notes, Excludes1 notes)
or from the exercise's declared ``distractors`` (integral symptoms, uncertain diagnoses coded as
confirmed and other kinds the codes alone cannot show). Messages never name the expected code.

Credit: each required code is worth an equal share of 1.0.

=====================================================================  ======
answer for a required code                                             credit
=====================================================================  ======
the code                                                               1.0
the code, out of sequence (ordered codes only)                         0.75
7th character, placeholder, laterality or poisoning/adverse effect     0.5
same subcategory, less or more specific or another concept             0.5
same category, less or more specific or another concept                0.25
missing                                                                0
=====================================================================  ======

Then 0.1 of the total is taken off for each code that is not expected (optional codes excepted),
each duplicate and each token that is not a code, and 0.25 for each Excludes1 conflict that the
expected answer does not itself contain. The score stays within 0..1; the best accepted answer
counts. Sequencing compares the relative order of the codes given, so an extra code shifts
nothing. Procedures (``CODE[-MOD...][xUNITS]``) are compared as a set: modifiers and units count
half, the same code family a quarter.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from medbill.exceptions import CodeError
from medbill.refdata import cpt, hcpcs, icd10cm, modifiers
from medbill.teach.exercises import Answer, Exercise, answer_key, exercise

EXTRA_PENALTY = 0.1
EXCLUDES1_PENALTY = 0.25
SEQUENCE_CREDIT = 0.75

# kind -> (what it is, where the rule is written)
KINDS: dict[str, tuple[str, str]] = {
    "not_a_code": ("not a code at all", "Guidelines I.B.1"),
    "duplicate": ("the same code twice", "Guidelines I.B.12"),
    "less_specific": ("less specific than documented", "Guidelines I.B.2 and I.B.18"),
    "more_specific": ("more specific than documented (over-coding)", "Guidelines I.A.19"),
    "different_concept": ("a different condition", "Guidelines I.B.1"),
    "laterality": ("the wrong side", "Guidelines I.B.13"),
    "seventh_character": ("the wrong or missing 7th character", "Guidelines I.A.5 and I.C.19.a"),
    "placeholder": ("X placeholder missing", "Guidelines I.A.4"),
    "combination_missed": ("a combination code missed", "Guidelines I.B.9"),
    "combination_split": ("a combination code split in two", "Guidelines I.B.9"),
    "integral_symptom": ("a symptom integral to the diagnosis", "Guidelines I.B.5"),
    "uncertain_coded": ("an uncertain diagnosis coded as confirmed", "Guidelines IV.H"),
    "poisoning_vs_adverse": ("poisoning, adverse effect and underdosing confused", "Guidelines I.C.19.e.5"),
    "additional_missing": (
        "a code a 'use additional code' note requires is missing",
        "Guidelines I.A.13 and I.B.7",
    ),
    "excludes1": ("two codes an Excludes1 note keeps apart", "Guidelines I.A.12.a"),
    "sequencing": ("out of sequence", "Guidelines IV.G and I.A.13"),
    "missing": ("a documented condition not coded", "Guidelines IV.J"),
    "not_supported": ("not supported by the documentation", "Guidelines I.A.19 and IV.J"),
    "service_not_supported": ("a service the documentation does not support", "NCCI Policy Manual ch. I"),
    "modifier": ("modifier missing or not supported", "CPT Appendix A; NCCI Policy Manual ch. I"),
    "modifier_on_em": ("59 or X{EPSU} on an E/M", "NCCI Policy Manual ch. I (modifiers 59 and X{EPSU})"),
    "bilateral": (
        "bilateral procedure reported the wrong way",
        "Medicare Claims Processing Manual ch. 12 §40.7",
    ),
    "units": ("wrong units of service", "NCCI MUE (units per line and day)"),
    "em_level": ("E/M level not supported by MDM or time", "CPT E/M guidelines (2021+): MDM or total time"),
    "wrong_choice": ("a wrong option", "rationale"),
    # worked problems (walkthroughs 04-07), see medbill.teach.questions
    "remit_amount": (
        "an amount read from the wrong place of the 835",
        "X12 835 005010X221A1: CLP04 paid, CLP05 patient responsibility, SVC and CAS per line",
    ),
    "adjustment_reason": (
        "the wrong group code or claim adjustment reason code",
        "X12 835 CAS segment: group code (CAS01) and CARC (CAS02)",
    ),
    "remark_meaning": ("a remark code misread", "X12 RARC list: line remarks in LQ*HE, claim remarks in MOA"),
    "denial_action": (
        "the wrong next step on a denial",
        "medbill follow-up table (followup_actions.csv); Medicare Claims Processing Manual ch. 29 (appeals) "
        "and ch. 34 (reopenings)",
    ),
    "correction": (
        "a correction that does not fix what the payer denied",
        "the edit the denial matches: `medbill scrub` names it with its reference",
    ),
    "price": (
        "a wrong allowed amount or patient share",
        "Medicare Claims Processing Manual ch. 12 §20 (fee schedule payment) and §40.6 (multiple "
        "surgery); 42 CFR 410.152 (coinsurance)",
    ),
    "kpi_value": (
        "a KPI computed another way than its definition",
        "HFMA MAP Keys and MGMA, as medbill words them in kpi_definitions.yaml",
    ),
    "late": ("answered after the time limit", "timed practice: an answer after the limit scores 0"),
}
DEFAULT_GUIDELINE = {k: v[1] for k, v in KINDS.items()}


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str  # a key of KINDS
    code: str  # what the student wrote ("" for a missing code)
    message: str  # names the guideline section, never the expected code

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    exercise_id: str
    score: float  # 0..1
    findings: tuple[Finding, ...]
    correct: bool
    points: float = 0.0  # score x the exercise's points

    @property
    def feedback(self) -> tuple[str, ...]:
        lead = ("Correct.",) if self.correct else ()
        return (*lead, *(f.message for f in self.findings))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(f.kind for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.exercise_id,
            "score": self.score,
            "points": self.points,
            "correct": self.correct,
            "feedback": list(self.feedback),
            "findings": [f.to_dict() for f in self.findings],
        }

    def _repr_html_(self) -> str:
        from html import escape

        items = "".join(f"<li>{escape(f)}</li>" for f in self.feedback)
        return f"<div><b>Score {self.score:.2f}</b><ul>{items}</ul></div>"


def split_answer(answer: str | Iterable[str]) -> list[str]:
    """The tokens of an answer: text is split on spaces, commas and semicolons."""
    if isinstance(answer, str):
        return [a for a in re.split(r"[\s,;]+", answer) if a]
    return [str(a).strip() for a in answer if str(a).strip()]


def check(ex: Exercise | str, answer: str | Sequence[str] | Mapping[str, Any]) -> CheckResult:
    """Score ``answer`` (codes in order, first-listed first; for a worked problem ``name=value``
    pieces or a mapping of question name to value) against an exercise."""
    ex = exercise(ex) if isinstance(ex, str) else ex
    if ex.is_worked:
        from medbill.teach.worked import grade_worked  # worked.py builds on this module's Finding

        return grade_worked(ex, answer)
    given = split_answer(answer)
    if not given:
        return CheckResult(ex.id, 0.0, (Finding("missing", "", "No codes were given."),), False)
    if not ex.has_answer:
        return _check_keys(ex, given)
    grade = {"procedure": _check_procedures, "choice": _check_choice}.get(ex.kind, _check_diagnoses)
    score, findings = max((grade(ex, accepted, given) for accepted in ex.accepted), key=lambda r: r[0])
    score = round(max(0.0, min(1.0, score)), 2)
    return CheckResult(ex.id, score, tuple(findings), score == 1.0, round(score * ex.points, 2))


def _check_keys(ex: Exercise, given: list[str]) -> CheckResult:
    """Student mode: the exercise holds only hashes of its accepted answers, so the answer is
    right or not yet; the instructor's bank gives the detailed feedback when grading."""
    tokens = _procedure_tokens(given) if ex.kind == "procedure" else given
    if ex.kind == "choice":
        tokens = [t.upper().rstrip(").") for t in tokens]
    if answer_key(ex.id, tokens) in ex.answer_keys:
        return CheckResult(ex.id, 1.0, (), True, ex.points)
    note = Finding(
        "missing",
        "",
        "Not yet: this copy of the exercise holds no answers, only a way to recognise a right one. "
        "Re-read the scenario; your instructor's grading explains each error.",
    )
    return CheckResult(ex.id, 0.0, (note,), False, 0.0)


def _say(kind: str, code: str, text: str) -> Finding:
    return Finding(kind, code, f"{text} ({DEFAULT_GUIDELINE[kind]}).")


def _distractor_kind(ex: Exercise, code: str, compact: Callable[[str], str]) -> str | None:
    """The kind the exercise declares for ``code`` (a distractor written as a prefix covers its codes)."""
    for key, kind in ex.distractors.items():
        try:
            if compact(code).startswith(compact(key)):
                return kind
        except CodeError:
            continue
    return None


# --- diagnoses ---------------------------------------------------------------------------------


@dataclasses.dataclass
class _Dx:
    raw: str
    code: str  # compact
    record: icd10cm.Code


def _read_diagnoses(
    release: icd10cm.Release,
    ex: Exercise,
    given: list[str],
    required: list[str],
    findings: list[Finding],
    placeholders: dict[str, int],
) -> list[_Dx]:
    """Valid tokens in order; every other token becomes a finding (not a code, duplicate). A token
    that is a required code without its X placeholders is noted in ``placeholders``."""
    out: list[_Dx] = []
    for raw in given:
        try:
            code = icd10cm.compact(raw)
        except CodeError:
            findings.append(
                _say(
                    "not_a_code",
                    raw,
                    f"{raw!r} is not an ICD-10-CM code: a letter, a digit, a character, then up to four more",
                )
            )
            continue
        record = release.get(code)
        stand_in = [r for r in required if "X" in r and r.replace("X", "") == code.replace("X", "")]
        if record is None and stand_in:
            findings.append(_say("placeholder", raw, PLACEHOLDER_TEXT.format(shown=raw)))
            placeholders[stand_in[0]] = len(out)  # answers that code at this place in the list
            continue
        if record is None:
            findings.append(
                _say(
                    "not_a_code",
                    raw,
                    f"{raw} is not a code in {release.name}, the release for {ex.date_of_service}: {_elsewhere(code, release)}",
                )
            )
            continue
        if any(d.code == code for d in out):
            findings.append(_say("duplicate", raw, f"{record.display} is given twice: report each code once"))
            continue
        out.append(_Dx(raw, code, record))
    return out


def _elsewhere(code: str, release: icd10cm.Release) -> str:
    for src in icd10cm.releases_available():
        if src.name != release.name and icd10cm.release(src.name).get(code) is not None:
            return f"it exists in {src.name} ({src.effective_from} to {src.effective_to}), not on this date"
    return "find the condition in the Alphabetic Index and verify it in the Tabular List"


def _check_diagnoses(ex: Exercise, accepted: Answer, given: list[str]) -> tuple[float, list[Finding]]:
    release = icd10cm.for_date(ex.date_of_service)
    findings: list[Finding] = []
    required = [icd10cm.compact(c) for c in accepted.required]
    placeholders: dict[str, int] = {}
    dxs = _read_diagnoses(release, ex, given, required, findings, placeholders)
    penalty = EXTRA_PENALTY * (len(findings) - len(placeholders))  # non-codes and duplicates
    optional = {icd10cm.compact(c) for c in accepted.optional}
    stands_for: dict[int, str] = {}  # position in dxs -> required code it answers
    credit: dict[str, float] = dict.fromkeys(placeholders, 0.5)
    for i, d in enumerate(dxs):
        if d.code in required and d.code not in credit:
            stands_for[i], credit[d.code] = d.code, 1.0
    for i, d in enumerate(dxs):
        if i in stands_for or d.code in optional:
            continue
        open_codes = [c for c in required if c not in credit]
        near = max(open_codes, key=lambda c: _prefix(c, d.code), default=None)
        declared = _distractor_kind(ex, d.code, icd10cm.compact)
        if near is not None and _prefix(near, d.code) >= 3:
            kind, value, text = _near_miss(release, d, release.lookup(near))
            kind = declared or kind
            if declared:
                text = _declared_text(declared, d.record.display, d.record.title)
            stands_for[i], credit[near] = near, value
            findings.append(_say(kind, d.raw, text))
            continue
        penalty += EXTRA_PENALTY
        kind = declared or ("less_specific" if not d.record.billable else "not_supported")
        findings.append(_say(kind, d.raw, _declared_text(kind, d.record.display, d.record.title)))
    for code in required:
        if code not in credit:
            findings.append(_missing(release, code, dxs))
    findings += _sequencing(accepted, dxs, stands_for, credit)
    conflicts = _excludes1(release, [d.code for d in dxs], allowed=set(required) | optional)
    penalty += EXCLUDES1_PENALTY * len(conflicts)
    findings += conflicts
    return sum(credit.values()) / len(required) - penalty, findings


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


PLACEHOLDER_TEXT = (
    "{shown} stops short: a code that needs a 7th character but has fewer than six characters takes "
    "the placeholder X in each empty position"
)
LATERALITY = re.compile(r"\b(right|left|bilateral|unspecified side|unspecified (?:upper|lower) limb)\b", re.I)


def _near_miss(release: icd10cm.Release, got: _Dx, want: icd10cm.Code) -> tuple[str, float, str]:
    """(kind, credit, message) for a code in the category of a required code."""
    g, w, shown = got.code, want.code, got.record.display
    partial = 0.5 if g[:4] == w[:4] else 0.25
    if not got.record.billable:
        if w.startswith(g) and len(w) == 7 and "X" in w[len(g) :]:
            return "placeholder", 0.5, PLACEHOLDER_TEXT.format(shown=shown)
        if w.startswith(g) and len(w) == 7 and len(g) == 6:
            return (
                "seventh_character",
                0.5,
                f"{shown} needs its 7th character. {_seventh_meanings(release, w)}",
            )
        return (
            "less_specific",
            partial,
            (
                f"{shown} ({got.record.title}) is a header, not a billable code: a code is reported to the "
                "full number of characters it has"
            ),
        )
    if len(g) == len(w) == 7 and g[:6] == w[:6]:
        return (
            "seventh_character",
            0.5,
            (
                f"{shown} ends in {g[6]}: {_seventh_meaning(release, g)}; that is not the encounter documented. "
                f"{_seventh_meanings(release, w)}"
            ),
        )
    if _is_drug_code(g) and _is_drug_code(w) and g[:5] == w[:5] and g[5] != w[5]:
        return (
            "poisoning_vs_adverse",
            0.5,
            (
                f"{shown} codes {got.record.title.split(',')[0].lower()}: a poisoning is a wrong drug, wrong dose, "
                "wrong route or an overdose; an adverse effect is a drug correctly prescribed and properly taken; "
                "underdosing is taking less than prescribed. Re-read how the drug was taken"
            ),
        )
    if (
        LATERALITY.sub("", got.record.title) == LATERALITY.sub("", want.title)
        and got.record.title != want.title
    ):
        side = LATERALITY.search(got.record.title)
        return (
            "laterality",
            0.5,
            (
                f"{shown} names the {side.group(1).lower() if side else 'wrong'} side: re-read which side the "
                "documentation gives"
            ),
        )
    g_unspec, w_unspec = _vague(got.record.title), _vague(want.title)
    if g_unspec and not w_unspec:
        return (
            "less_specific",
            partial,
            (f"{shown} ({got.record.title}) is less specific than the documentation: it says more than that"),
        )
    if w_unspec and not g_unspec:
        return (
            "more_specific",
            partial,
            (
                f"{shown} ({got.record.title}) says more than the documentation does: code only what the "
                "provider documents"
            ),
        )
    return (
        "different_concept",
        partial,
        (
            f"{shown} ({got.record.title}) is in the right category but is another condition: re-read the note "
            "and verify the code in the Tabular List"
        ),
    )


def _vague(title: str) -> bool:
    return bool(re.search(r"\b(unspecified|without|NOS)\b", title, re.I))


def _is_drug_code(code: str) -> bool:
    return code[0] == "T" and "36" <= code[1:3] <= "50" and len(code) == 7


def _seventh_defs(release: icd10cm.Release, code: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in release.notes(code, inherited=True):
        if n.kind == "seven_chr_def" and ":" in n.text:
            letter, meaning = n.text.split(":", 1)
            out.setdefault(letter.strip(), meaning.strip())
    return out


def _seventh_meaning(release: icd10cm.Release, code: str) -> str:
    return _seventh_defs(release, code).get(code[6], "not a 7th character this category defines")


def _seventh_meanings(release: icd10cm.Release, code: str) -> str:
    defs = _seventh_defs(release, code)
    listed = "; ".join(f"{k} = {v}" for k, v in defs.items())
    if code[0] == "O":
        return f"In chapter 15 the 7th character says which fetus: {listed}"
    return (
        f"Its 7th characters: {listed}. A is used while the patient receives active treatment, D for "
        "encounters after active treatment (healing or recovery), S for a condition that results from "
        "the injury"
    )


_DECLARED = {
    "integral_symptom": "{shown} ({title}) is a sign or symptom routinely part of the diagnosed condition: it is not coded separately",
    "uncertain_coded": "{shown} ({title}) codes a diagnosis the documentation leaves uncertain (probable, suspected, rule out); in the office, code the signs and symptoms or what is certain",
    "combination_split": "{shown} ({title}) codes separately what one combination code already says",
    "combination_missed": "{shown} ({title}) misses a combination code that says both conditions at once",
    "more_specific": "{shown} ({title}) says more than the documentation does: code only what the provider documents",
    "less_specific": "{shown} ({title}) is less specific than the documentation, or a header that is not billable",
    "different_concept": "{shown} ({title}) is another condition than the one documented",
    "poisoning_vs_adverse": "{shown} ({title}): poisoning, adverse effect and underdosing are told apart by how the drug was taken",
    "not_supported": "{shown} ({title}) is not supported by the documentation for this encounter",
    "laterality": "{shown} ({title}) names the wrong side",
    "em_level": "{shown} is not the level the documented medical decision making or total time supports",
    "units": "{shown} has the wrong number of units",
    "service_not_supported": "{shown} ({title}) is a service the documentation does not support or that is part of another one billed",
}


def _declared_text(kind: str, shown: str, title: str) -> str:
    template = _DECLARED.get(kind, "{shown} ({title}) is not right here: " + KINDS[kind][0])
    return template.format(shown=shown, title=title)


def _missing(release: icd10cm.Release, code: str, dxs: list[_Dx]) -> Finding:
    """A required code with no counterpart: required by a note on a code given, or just missing."""
    for d in dxs:
        for note in release.notes(d.code, inherited=True):
            if note.kind == "use_additional" and any(code.startswith(r) for r in note.refs):
                return _say(
                    "additional_missing",
                    "",
                    f"A 'use additional code' note over {d.record.display} asks for another code that the "
                    "documentation supports; your answer lacks it",
                )
    return _say(
        "missing", "", "A documented condition that affects this encounter has no code in your answer"
    )


def _sequencing(
    accepted: Answer, dxs: list[_Dx], stands_for: dict[int, str], credit: dict[str, float]
) -> list[Finding]:
    """Ordered codes must keep their relative order, and the first of them must be listed first."""
    ordered = [icd10cm.compact(c) for c in accepted.ordered]
    given_order = [stands_for[i] for i in sorted(stands_for) if stands_for[i] in ordered]
    keep = set(_lcs(given_order, [c for c in ordered if c in given_order]))
    first_ok = (
        not stands_for
        or not ordered
        or stands_for.get(min(stands_for)) == ordered[0]
        or ordered[0] not in given_order
    )
    out = []
    for i in sorted(stands_for):
        code = stands_for[i]
        wrong_place = code in ordered and (code not in keep or (code == ordered[0] and not first_ok))
        if wrong_place and credit.get(code) == 1.0:
            credit[code] = SEQUENCE_CREDIT
            out.append(
                _say(
                    "sequencing",
                    dxs[i].raw,
                    f"{dxs[i].record.display} is right but out of sequence: the first-listed code is the main "
                    "reason for the encounter, and 'code first' / 'use additional code' notes fix the order of pairs",
                )
            )
    return out


def _lcs(a: list[str], b: list[str]) -> list[str]:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    out, i, j = [], len(a), len(b)
    while i and j:
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return out[::-1]


def _excludes1(release: icd10cm.Release, codes: list[str], allowed: set[str]) -> list[Finding]:
    """The release's one Excludes1 rule (shared with the scrubber), less the pairs the expected
    answer itself holds (the instructor applied the I.A.12.a exception there)."""
    return [
        Finding("excludes1", icd10cm.format(c.excluded), f"Excludes1 conflict: {c.describe()}")
        for c in release.excludes1_conflicts(codes)
        if not {c.code, c.excluded} <= allowed
    ]


# --- multiple choice ---------------------------------------------------------------------------


def _check_choice(ex: Exercise, accepted: Answer, given: list[str]) -> tuple[float, list[Finding]]:
    """All or nothing, as on the CPC exam; each wrong option chosen gets its rationale."""
    findings: list[Finding] = []
    chosen = []
    for raw in given:
        letter = raw.strip().upper().rstrip(").")
        if letter not in ex.options:
            findings.append(
                Finding("not_a_code", raw, f"{raw!r} is not one of the options {', '.join(ex.options)}.")
            )
        elif letter not in chosen:
            chosen.append(letter)
    right = set(accepted.required)
    for letter in chosen:
        if letter not in right:
            why = ex.options[letter].rationale or "re-read the question"
            findings.append(Finding("wrong_choice", letter, f"{letter} is not right; rationale: {why}"))
    if right - set(chosen) and not findings:
        findings.append(
            Finding("wrong_choice", "", "Another option is right as well; rationale: choose all that apply.")
        )
    return (1.0 if set(chosen) == right and not findings else 0.0), findings


# --- procedures --------------------------------------------------------------------------------

PROCEDURE = re.compile(r"^(?P<code>[A-Z0-9]{5})(?P<mods>(?:-[A-Z0-9]{2})*)(?:[X*×](?P<units>\d{1,3}))?$")
EM_CODES = re.compile(r"^99(2[0-9]{2}|3[0-9]{2}|4[0-9]{2})$")


@dataclasses.dataclass(frozen=True)
class ProcedureLine:
    code: str
    modifiers: frozenset[str]
    units: int = 1


def parse_procedure(text: str) -> ProcedureLine:
    """``99214-25``, ``20610-RT``, ``J1100x3``: code, modifiers, units. Raises ``CodeError``."""
    m = PROCEDURE.match(str(text).strip().upper())
    if not m:
        raise CodeError(
            f"{text!r} is not a procedure line: write CODE, CODE-MOD (up to four modifiers) and xUNITS, "
            "for example 99214-25 or J1100x3"
        )
    code = m["code"]
    if not (cpt.is_valid(code) or hcpcs.is_valid(code)):
        raise CodeError(
            f"{code} is neither a CPT code (five digits, or four and F, T, U, A or M) nor a HCPCS code (a letter and four digits)"
        )
    mods = frozenset(x for x in m["mods"].split("-") if x)
    unknown = sorted(x for x in mods if not modifiers.is_valid(x))
    if unknown:
        raise CodeError(f"{', '.join(unknown)} on {code} is not a modifier")
    return ProcedureLine(code, mods, int(m["units"] or 1))


def _procedure_tokens(given: list[str]) -> list[str]:
    """Join a units token written apart ("J1100 x3") to its line."""
    out: list[str] = []
    for tok in given:
        if out and re.fullmatch(r"[xX*×]\d{1,3}", tok):
            out[-1] += tok
        else:
            out.append(tok)
    return out


def _check_procedures(ex: Exercise, accepted: Answer, given: list[str]) -> tuple[float, list[Finding]]:
    findings: list[Finding] = []
    lines: list[tuple[str, ProcedureLine]] = []
    for raw in _procedure_tokens(given):
        try:
            line = parse_procedure(raw)
        except CodeError as exc:
            findings.append(_say("not_a_code", raw, str(exc)))
            continue
        if any(line == other for _, other in lines):
            findings.append(
                _say("duplicate", raw, f"{raw} is given twice: one line per service, with units for repeats")
            )
            continue
        lines.append((raw, line))
    penalty = EXTRA_PENALTY * len(findings)
    want = [parse_procedure(e) for e in accepted.required]
    optional = [parse_procedure(e) for e in accepted.optional]
    used: set[int] = set()
    credit = 0.0
    for exp in want:
        same = sorted(
            (i for i, (_, g) in enumerate(lines) if g.code == exp.code and i not in used),
            key=lambda i: (lines[i][1].modifiers != exp.modifiers, lines[i][1].units != exp.units),
        )  # the closest line first
        family = [i for i, (_, g) in enumerate(lines) if g.code[:4] == exp.code[:4] and i not in used]
        if same:
            i = same[0]
            used.add(i)
            gained, found = _compare_line(ex, lines[i][0], lines[i][1], exp, lines)
            credit += gained
            findings += found
        elif family:
            i = family[0]
            used.add(i)
            credit += 0.25
            raw, g = lines[i]
            kind = _distractor_kind(ex, g.code, str.upper) or (
                "em_level" if EM_CODES.match(g.code) else "different_concept"
            )
            text = (
                f"{g.code} is the right kind of service at the wrong level: the level follows the documented "
                "medical decision making (problems, data, risk) or the total time on the date"
                if kind == "em_level"
                else f"{g.code} is in the right code family but is not the service documented"
            )
            findings.append(_say(kind, raw, text))
        else:
            findings.append(
                _say(
                    "missing",
                    "",
                    f"A documented service has no line in your answer ({len(want)} are expected)",
                )
            )
    for i, (raw, g) in enumerate(lines):
        if i in used or any(g.code == o.code for o in optional):
            continue
        if any(g.code == e.code and "50" in e.modifiers for e in want) and g.modifiers & {"RT", "LT"}:
            findings.append(
                _say("bilateral", raw, "A bilateral procedure is one line, not a right and a left line")
            )
            continue  # already marked on the first line
        penalty += EXTRA_PENALTY
        kind = _distractor_kind(ex, g.code, str.upper) or "service_not_supported"
        findings.append(_say(kind, raw, _declared_text(kind, raw, _procedure_title(g.code))))
    return credit / len(want) - penalty, findings


def _compare_line(
    ex: Exercise, raw: str, got: ProcedureLine, exp: ProcedureLine, lines: list[tuple[str, ProcedureLine]]
) -> tuple[float, list[Finding]]:
    out: list[Finding] = []
    gained = 1.0
    if got.modifiers != exp.modifiers:
        gained = 0.5
        if "50" in exp.modifiers and got.modifiers & {"RT", "LT"}:
            out.append(
                _say(
                    "bilateral",
                    raw,
                    f"{got.code} was done on both sides: a code whose bilateral indicator is 1 is reported once "
                    "with the bilateral modifier, not with RT and LT",
                )
            )
        elif EM_CODES.match(got.code) and got.modifiers & {"59", "XE", "XP", "XS", "XU"}:
            out.append(
                _say(
                    "modifier_on_em",
                    raw,
                    f"{got.code} carries {'/'.join(sorted(got.modifiers & {'59', 'XE', 'XP', 'XS', 'XU'}))}: "
                    "59 and X{EPSU} are never appended to an E/M code; a separately identifiable E/M has its own modifier",
                )
            )
        else:
            for m in sorted(got.modifiers - exp.modifiers):
                out.append(
                    _say(
                        "modifier",
                        raw,
                        f"{got.code} carries modifier {m} ({_modifier_meaning(m)}), which the documentation does not support",
                    )
                )
            if exp.modifiers - got.modifiers:
                out.append(
                    _say(
                        "modifier",
                        raw,
                        f"{got.code} lacks a modifier the documentation supports: re-read what else happened that day and where",
                    )
                )
    if got.units != exp.units:
        gained -= 0.25
        out.append(
            _say(
                "units",
                raw,
                f"{got.code} is reported with {got.units} unit(s), which is not what was given or done",
            )
        )
    return gained, out


def _procedure_title(code: str) -> str:
    found = cpt.get(code)
    return (found.label or found.title) if found is not None else "a service"


def _modifier_meaning(mod: str) -> str:
    record = modifiers.get(mod)
    return record.meaning if record is not None else "not a known modifier"
