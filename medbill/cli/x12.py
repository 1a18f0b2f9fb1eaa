"""``medbill x12``: read and validate X12 837P / 835 files."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("x12", help="read and validate X12 837P and 835 files")
    xsub = p.add_subparsers(dest="x12_command", required=True, metavar="ACTION")
    read = xsub.add_parser("read", help="summarise an 837P (claims) or 835 (payments)")
    read.add_argument("file")
    read.add_argument("--json", action="store_true", help="JSON output (amounts as two-decimal strings)")
    read.set_defaults(func=_read)
    check = xsub.add_parser("validate", help="medbill's structural and code checks; exit 0 clean, 1 errors")
    check.add_argument("file")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_validate)


def _transaction_kind(path: str) -> str:
    from medbill.claims.x12.tokenizer import iter_segments

    for seg in iter_segments(path):
        if seg.id == "ST":
            return seg.get(1)
    return ""


def _read(args: argparse.Namespace) -> int:
    from medbill.cli._output import print_json, print_table
    from medbill.exceptions import X12Error

    kind = _transaction_kind(args.file)
    if kind == "837":
        from medbill.claims.x12.reader_837p import read_837p

        claims = read_837p(args.file)
        out: dict[str, Any] = {
            "transaction": "837P",
            "claims": [
                {
                    "claim_id": c.claim_id,
                    "charge": f"{c.charge:.2f}",
                    "patient": f"{c.patient.last_name}, {c.patient.first_name}".strip(", "),
                    "payer_id": c.subscriber.payer.payer_id,
                    "billing_npi": c.billing_provider.npi,
                    "diagnoses": list(c.diagnoses),
                    "lines": [
                        {
                            "line_number": line.line_number,
                            "procedure_code": line.procedure_code,
                            "modifiers": list(line.modifiers),
                            "service_date": line.service_date,
                            "units": f"{line.units.normalize():f}",
                            "charge": f"{line.charge:.2f}",
                            "dx_pointers": line.dx_pointers,
                        }
                        for line in c.lines
                    ],
                }
                for c in claims
            ],
        }
        if args.json:
            print_json(out)
        else:
            rows = [
                {
                    "claim_id": c["claim_id"],
                    "charge": c["charge"],
                    "lines": len(c["lines"]),
                    "patient": c["patient"],
                }
                for c in out["claims"]
            ]
            print_table(rows, ["claim_id", "charge", "lines", "patient"])
        return 0
    if kind == "835":
        from medbill.claims.x12.parser_835 import summarise_835

        out = summarise_835(args.file)  # streamed: no tables are built for a summary
        if args.json:
            print_json(out)
        else:
            print(
                f"835: {len(out['payments'])} payment(s), total paid {out['total_paid']}, balanced: {out['balanced']}"
            )
            print_table(
                out["claims"], ["claim_id", "status", "charge", "paid", "patient_responsibility", "balanced"]
            )
        return 0
    raise X12Error(f"{args.file}: transaction set {kind!r} is not read by medbill (837P and 835 are)")


def _validate(args: argparse.Namespace) -> int:
    from medbill.claims.x12.validate import validate
    from medbill.cli._output import print_json

    found = validate(args.file)
    errors = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity != "error"]

    def rows(problems: list) -> list[dict]:
        return [
            {
                "segment_number": p.segment_number,
                "position": p.position,
                "segment": p.segment_id,
                "reason": p.reason,
            }
            for p in problems
        ]

    if args.json:
        print_json({"file": args.file, "ok": not errors, "errors": rows(errors), "warnings": rows(warnings)})
    else:
        for p in found:
            label = "" if p.severity == "error" else f"{p.severity}: "
            print(
                f"{args.file}: segment {p.segment_number} (byte {p.position}) {p.segment_id}: {label}{p.reason}"
            )
        summary = "OK" if not errors else f"{len(errors)} error(s)"
        print(f"{args.file}: {summary}" + (f", {len(warnings)} warning(s)" if warnings else ""))
    return 1 if errors else 0
