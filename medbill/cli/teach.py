"""``medbill teach``: list, check, validate, export for students, grade, sign."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medbill.cli._output import print_json, print_table

if TYPE_CHECKING:
    from medbill.teach import Bank


def register(p: argparse.ArgumentParser) -> None:
    tsub = p.add_subparsers(dest="teach_command", required=True, metavar="ACTION")

    def bank_arg(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--bank", metavar="FILE", help="an exercise bank (YAML); default: medbill's own")

    lst = tsub.add_parser("list", help="list the exercises (scenarios only unless --solutions)")
    bank_arg(lst)
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--solutions", action="store_true", help="include the answers (needs --bank FILE)")
    lst.add_argument("--stats", action="store_true", help="coverage table: ICD-10-CM chapter x exercises")
    lst.set_defaults(func=_list)

    chk = tsub.add_parser(
        "check",
        help="check an answer: codes in order, first-listed first (a worked problem: NAME=VALUE per question)",
    )
    chk.add_argument("id")
    chk.add_argument("codes", nargs="+", metavar="CODE")
    bank_arg(chk)
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=_check)

    val = tsub.add_parser("validate", help="check a bank against the code data on each date of service")
    val.add_argument("bank", metavar="FILE")
    val.set_defaults(func=_validate)

    init = tsub.add_parser("init-bank", help="write medbill's bank, with answers, as a start for your own")
    init.add_argument("dest", metavar="FILE")
    init.set_defaults(func=_init_bank)

    exp = tsub.add_parser(
        "export", help="student copies: walkthroughs without solutions, a bank without answers"
    )
    exp.add_argument("--student", required=True, metavar="DIR")
    bank_arg(exp)
    exp.add_argument(
        "--source", metavar="DIR", help="walkthrough folder (default: the walkthroughs medbill ships)"
    )
    exp.set_defaults(func=_export)

    key = tsub.add_parser("key", help="print a new key for signing progress files")
    key.set_defaults(func=_key)

    grd = tsub.add_parser("grades", help="grade progress files against the instructor's bank")
    grd.add_argument("progress", nargs="+", metavar="PROGRESS_JSON")
    bank_arg(grd)
    grd.add_argument("--key-file", metavar="FILE", help="the key the progress files were signed with")
    grd.add_argument(
        "--csv", metavar="FILE", help="write a gradebook CSV an LMS imports (Canvas/Moodle columns)"
    )
    grd.set_defaults(func=_grades)


def _bank(args: argparse.Namespace) -> Bank:
    from medbill.teach import load_bank

    return load_bank(args.bank)


def _fail(message: str) -> int:
    print(f"medbill: error: {message}", file=sys.stderr)
    return 2


def _list(args: argparse.Namespace) -> int:
    from medbill.teach import BankError

    if args.solutions and not args.bank:
        return _fail(
            "--solutions needs the instructor's bank: pass --bank FILE (`medbill teach init-bank FILE` writes one)."
        )
    try:
        bank = _bank(args)
    except BankError as exc:
        return _fail(str(exc))
    if args.solutions and not bank.has_answers:
        return _fail(f"{args.bank} is a student copy: it holds no answers.")
    if args.stats:
        from medbill.teach.stats import coverage_table

        table = coverage_table(bank)
        if args.json:
            print_json(table.reset_index().to_dict(orient="records"))
        else:
            table["title"] = table["title"].str.slice(0, 48)
            print_table(
                table.reset_index().to_dict(orient="records"),
                ["chapter", "title", "first_listed", "any_code", "easy", "medium", "hard"],
            )
        return 0
    rows = [e.to_dict(solutions=args.solutions) for e in bank]
    if args.json:
        print_json(rows)
        return 0
    for ex, r in zip(bank, rows, strict=True):
        r["scenario"] = " ".join(str(r["scenario"]).split())[:60]
        if args.solutions:  # codes in order, or a worked problem's name=value per question
            r["answer"] = " ".join(ex.expected)
    print_table(
        rows,
        ["id", "topic", "difficulty", "date_of_service", "scenario"] + (["answer"] if args.solutions else []),
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from medbill.teach import BankError, check

    try:
        bank = _bank(args)
        result = check(bank.get(args.id), args.codes)
    except (KeyError, BankError) as exc:
        return _fail(exc.args[0])
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"score {result.score:.2f}")
        for line in result.feedback:
            print(f"- {line}")
    return 0 if result.correct else 1  # a wrong answer is a finding


def _validate(args: argparse.Namespace) -> int:
    from medbill.teach import BankError, load_bank
    from medbill.teach.validate import validate_bank

    try:
        bank = load_bank(args.bank, validate=False)
    except BankError as exc:
        return _fail(str(exc))
    problems = validate_bank(bank)
    for p in problems:
        print(f"{p.severity}: {p.describe()}")
    errors = sum(p.severity == "error" for p in problems)
    print(f"{len(bank)} exercises, {errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


def _init_bank(args: argparse.Namespace) -> int:
    from medbill.teach.exercises import default_bank

    dest = Path(args.dest)
    if dest.exists():
        return _fail(f"{dest} exists; choose another file name.")
    dest.write_text(default_bank().to_yaml(solutions=True), encoding="utf-8")
    print(dest)
    return 0


def _export(args: argparse.Namespace) -> int:
    from medbill.teach import BankError
    from medbill.teach.export import export_student

    try:
        written = export_student(args.student, args.source, bank=_bank(args))
    except (BankError, FileNotFoundError) as exc:
        return _fail(str(exc))
    for path in written:
        print(path)
    return 0


def _key(args: argparse.Namespace) -> int:
    from medbill.teach.progress import new_key

    print(new_key())
    return 0


def _grades(args: argparse.Namespace) -> int:
    from medbill.teach import BankError, collect_grades
    from medbill.teach.progress import ProgressError, gradebook_csv

    try:
        bank = _bank(args)
        if not bank.has_answers:
            return _fail(f"{args.bank} is a student copy: grading needs the instructor's bank.")
        key = Path(args.key_file).read_text().strip() if args.key_file else None
        grades = collect_grades(args.progress, bank, key)
    except (BankError, ProgressError, OSError) as exc:
        return _fail(str(exc))
    if args.csv:
        Path(args.csv).write_text(gradebook_csv(grades, bank), encoding="utf-8")
        print(args.csv)
    else:
        summary = grades[["attempted", "points", "possible", "percent"]].reset_index()
        print_table(
            summary.to_dict(orient="records"), ["student", "attempted", "points", "possible", "percent"]
        )
    return 0
