"""``medbill teach``: list exercises, check answers, export student notebooks."""

from __future__ import annotations

import argparse
import sys

from medbill.cli._output import print_json, print_table


def register(p: argparse.ArgumentParser) -> None:
    tsub = p.add_subparsers(dest="teach_command", required=True, metavar="ACTION")

    lst = tsub.add_parser("list", help="list the exercises")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--solutions", action="store_true", help="include the expected codes")
    lst.set_defaults(func=_list)

    chk = tsub.add_parser("check", help="check an answer: codes in order, first-listed first")
    chk.add_argument("id")
    chk.add_argument("codes", nargs="+", metavar="CODE")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=_check)

    exp = tsub.add_parser("export", help="write student copies of the walkthroughs, solutions removed")
    exp.add_argument("--student", required=True, metavar="DIR")
    exp.add_argument("--source", metavar="DIR", help="walkthrough folder (default: notebooks/teaching)")
    exp.set_defaults(func=_export)


def _list(args: argparse.Namespace) -> int:
    from medbill.teach import exercises

    rows = [e.to_dict(solutions=args.solutions) for e in exercises()]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        r["scenario"] = str(r["scenario"])[:70]
        if args.solutions:
            r["expected"] = " ".join(r["expected"])  # type: ignore[arg-type]
    print_table(
        rows, ["id", "topic", "date_of_service", "scenario"] + (["expected"] if args.solutions else [])
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from medbill.teach import check

    try:
        result = check(args.id, args.codes)
    except KeyError as exc:
        print(f"medbill: error: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.json:
        print_json({"id": result.exercise_id, "score": result.score, "feedback": list(result.feedback)})
    else:
        print(f"score {result.score:.2f}")
        for line in result.feedback:
            print(f"- {line}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from medbill.teach.export import export_student

    for path in export_student(args.student, args.source):
        print(path)
    return 0
