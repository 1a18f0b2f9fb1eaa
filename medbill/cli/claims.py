"""``medbill claims``: claims tables to X12 837P."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("claims", help="work with a CLAIMS_DIR of claims tables")
    csub = p.add_subparsers(dest="claims_command", required=True, metavar="ACTION")
    to837 = csub.add_parser(
        "to-837p", help="write the claims of CLAIMS_DIR as an X12 837P (005010X222A1) file"
    )
    to837.add_argument("claims_dir", metavar="CLAIMS_DIR")
    to837.add_argument("--out", required=True, help="837P file to write")
    to837.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid claims and list the refused ones (exit 1)",
    )
    to837.add_argument("--submitter-id", help="submitter ETIN / ISA06 (default: billing NPI)")
    to837.add_argument("--submitter-name", help="submitter name (default: billing provider)")
    to837.add_argument(
        "--contact-phone", help="submitter contact phone, 10 digits (default: billing provider phone)"
    )
    to837.add_argument("--receiver-id", help="receiver id / ISA08 (default: the first claim's payer id)")
    to837.add_argument("--receiver-name", help="receiver name (default: the first claim's payer)")
    to837.add_argument("--control-number", type=int, default=1, help="ISA13/GS06 interchange control number")
    to837.add_argument("--test", action="store_true", help="mark the interchange as test data (ISA15 = T)")
    resend = to837.add_mutually_exclusive_group()
    resend.add_argument(
        "--corrected",
        metavar="CLAIM_IDS",
        help="write only these claims (comma-separated) as replacements (CLM05-3 = 7, REF*F8 = payer's CLP07)",
    )
    resend.add_argument(
        "--void",
        metavar="CLAIM_IDS",
        help="write only these claims (comma-separated) as voids (CLM05-3 = 8, REF*F8 = payer's CLP07)",
    )
    to837.set_defaults(func=_to_837p)


def _to_837p(args: argparse.Namespace) -> int:
    from medbill.claims.models import build_claims
    from medbill.claims.tables import read_claims_dir
    from medbill.claims.x12.writer_837p import Receiver, Submitter, write_837p_file
    from medbill.exceptions import X12Error

    data = read_claims_dir(args.claims_dir)
    if args.corrected or args.void:
        from medbill.followup.corrections import mark_claims

        frequency, ids = ("7", args.corrected) if args.corrected else ("8", args.void)
        data = mark_claims(data, ids.split(","), frequency)
    claims, rejected = build_claims(data)
    self_pay = int((rejected["kind"] == "self-pay").sum())
    invalid = rejected[rejected["kind"] == "invalid"]
    if len(invalid) and not args.skip_invalid:
        for message in invalid["error"].head(20):
            print(f"medbill: refused: {message}", file=sys.stderr)
        more = " (first 20 shown)" if len(invalid) > 20 else ""
        print(
            f"medbill: {len(invalid)} of {len(data.claims)} claims refused{more}; fix them or pass --skip-invalid",
            file=sys.stderr,
        )
        return 1
    if not claims:
        raise X12Error(f"no claim in {args.claims_dir} can be written")
    billing = claims[0].billing_provider
    submitter = None
    if args.submitter_id or args.submitter_name or args.contact_phone:
        submitter = Submitter(
            args.submitter_name or billing.last_name,
            args.submitter_id or billing.npi,
            "BILLING OFFICE",
            args.contact_phone or billing.phone,
        )
    receiver = None
    if args.receiver_id or args.receiver_name:
        payer = claims[0].subscriber.payer
        receiver = Receiver(args.receiver_name or payer.name, args.receiver_id or payer.payer_id)
    write_837p_file(
        claims,
        Path(args.out),
        submitter=submitter,
        receiver=receiver,
        control_number=args.control_number,
        usage="T" if args.test else "P",
    )
    note = f"; {self_pay:,} self-pay claims not billed" if self_pay else ""
    print(f"wrote {len(claims):,} claims ({sum(len(c.lines) for c in claims):,} lines) to {args.out}{note}")
    for message in invalid["error"]:
        print(f"medbill: skipped: {message}", file=sys.stderr)
    return 1 if len(invalid) else 0
