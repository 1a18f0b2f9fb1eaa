"""A junk-value sweep over medbill's public API (python-stdnum's habit): every parameter of every
swept function gets each junk value in turn, the others a good value, and the call must return or
raise a medbill error (``MedbillError``: its classes derive from ``ValueError``/``LookupError``), never
another exception, and never take longer than ``LIMIT_SECONDS``.

``python tests/robustness_sweep.py`` prints the figure table; ``tests/test_robustness_sweep.py``
runs the same sweep and fails on any untyped exception or hang.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.exceptions import MedbillError

LIMIT_SECONDS = 30.0  # generous: the machine is shared; a hang is minutes

JUNK: dict[str, Any] = {
    "None": None,
    "empty": "",
    "blank": "   ",
    "0": 0,
    "-1": -1,
    "1e308": 1e308,
    "nan": float("nan"),
    "inf": float("inf"),
    "True": True,
    "10**30": 10**30,
    "Decimal": Decimal("1.5"),
    "huge digits": "9" * 1_000_000,
    "huge words": "diabetes fracture " * 50_000,
    "arabic-indic digits": "\u0669\u0669\u0662\u0661\u0663",
    "fullwidth": "\uff19\uff19\uff12\uff11\uff13",
    "NUL": "\x00",
    "emoji": "\U0001fa7a",
    "bytes": b"99213",
    "list": ["99213"],
    "dict": {"code": "99213"},
    "object": object(),
    "date text": "2020-06-01",
    "bad date text": "2020-02-30",
    "huge date text": "2020-06-01" * 100_000,
    "pd.NA": pd.NA,
}

JUNK_SERIES = pd.Series(list(JUNK.values()), dtype=object)

# A good value for each parameter name (anything not junk-swept is called with these).
GOOD_CODES = {
    "carc": "45",
    "cpt": "99213",
    "hcpcs": "A0428",
    "icd10cm": "E11.9",
    "modifiers": "25",
    "npi": "1234567893",
    "pos": "11",
    "rarc": "N130",
    "taxonomy": "207Q00000X",
    "tin": "12-3456789",
    "registry": "E11.9",
}
GOOD_BY_NAME: dict[str, Any] = {
    "text": "diabetes",
    "limit": 5,
    "on": date(2025, 11, 1),
    "d": date(2025, 11, 1),
    "day": date(2025, 11, 1),
    "system": "icd10cm",
    "systems": None,
    "name": "FY2026",
    "old": "FY2025",
    "new": "FY2026",
    "group": "CO",
    "setting": "practitioner",
    "source": "",
    "first9": "123456789",
    "value": "2025-11-01",
    "dates": pd.Series(pd.to_datetime(["2025-11-01"])),
    "release": None,
    "effective": None,
    "what": "release",
    "releases": [],
    "days": pd.Series(pd.to_datetime(["2025-11-01"])),
    "start": date(2025, 10, 1),
    "end": date(2025, 12, 31),
}

# Plumbing that takes medbill's own objects (callables, Provenance lists) from medbill itself;
# swept through the public functions that call it instead.
NOT_SWEPT = {
    "store.atomic_write_bytes",
    "store.cached",
    "store.lazy",
    "store.install",
    "coverage.covers",
    "coverage.in_effect",
    "coverage.in_effect_many",
    "coverage.nearest",
    "coverage.describe",
    "coverage.not_covered_message",
    "coverage.coverage",
    "coverage.require",
    "coverage.warn_not_covered",
    "coverage.uncovered_groups",
    "coverage.uncovered_labels",
}


class Hang(Exception):
    """A call ran past LIMIT_SECONDS."""


@dataclasses.dataclass
class Figures:
    """Per swept function: calls tried and the untyped failures seen (parameter, junk, exception)."""

    calls: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    stream: bool = False  # print each failure as it happens (the script's -v)
    not_swept: list[str] = dataclasses.field(default_factory=list)

    def table(self) -> str:
        rows = [("area", "functions", "inputs tried", "failures")]
        areas: dict[str, list[str]] = {}
        for name in self.calls:
            areas.setdefault(name.rsplit(".", 1)[0], []).append(name)
        for area, names in sorted(areas.items()):
            rows.append(
                (
                    area,
                    str(len(names)),
                    str(sum(self.calls[n] for n in names)),
                    str(sum(len(self.failures.get(n, [])) for n in names)),
                )
            )
        total = ("total", str(len(self.calls)), str(sum(self.calls.values())), str(self.failure_count))
        rows.append(total)
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        table = "\n".join(
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            for r in rows
        )
        if self.not_swept:
            table += "\nnot swept: " + "; ".join(self.not_swept)
        return table

    @property
    def failure_count(self) -> int:
        return sum(len(v) for v in self.failures.values())

    def failure_lines(self) -> list[str]:
        return [f"{name}: {f}" for name, found in sorted(self.failures.items()) for f in found]


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang(f"took more than {LIMIT_SECONDS} s")


def call_once(fn: Callable[..., Any], kwargs: dict[str, Any]) -> str | None:
    """None when ``fn(**kwargs)`` returns or raises a medbill error; else what went wrong."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(**kwargs)
    except MedbillError:
        return None
    except Hang as exc:
        return f"hang: {exc}"
    except Exception as exc:  # the sweep's purpose: any other exception is a finding
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return None


def sweep_function(label: str, fn: Callable[..., Any], good: dict[str, Any], figures: Figures) -> None:
    """Each parameter of ``fn`` gets each junk value (the others their good value, when required)."""
    params = [
        p
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"
    ]
    missing = [p.name for p in params if p.default is p.empty and p.name not in good]
    if missing:  # a parameter the sweep has no good value for: listed under the table, not guessed
        figures.not_swept.append(f"{label} (no good value for {', '.join(missing)})")
        return
    required = {p.name: good[p.name] for p in params if p.default is p.empty}
    figures.calls.setdefault(label, 0)
    for p in params:
        series_param = "many" in label or p.name in ("dates", "codes", "values", "numbers", "groups")
        junk_values = [("junk Series", JUNK_SERIES)] if series_param else []
        junk_values += list(JUNK.items())
        for junk_name, junk in junk_values:
            kwargs = {**required, p.name: junk}
            figures.calls[label] += 1
            problem = call_once(fn, kwargs)
            if problem:
                figures.failures.setdefault(label, []).append(f"{p.name}={junk_name}: {problem}")
                if figures.stream:
                    print(f"{label}: {p.name}={junk_name}: {problem}", file=sys.stderr, flush=True)


# Official files imported before the refdata sweep, so lookups and searches run against real tables.
IMPORTS = [
    ("hcpcs", "cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"),
    ("cpt", "cms/pfs/2025/PPRRVU2025_Oct.csv"),
    ("taxonomy", "nucc/nucc_taxonomy_251.csv"),
    ("ncci", "cms/ncci/ptp_practitioner_v322r0_f1_excerpt.tsv"),
    ("mue", "cms/ncci/mue_practitioner_2026-07-01_excerpt.csv"),
    ("mce", "cms/mce/v37/MCE_Simple_Code_Edits_v37.txt"),
]


def refdata_functions(only: str | None = None) -> Iterator[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """(label, function, good values) for every public function of every ``medbill.refdata`` module
    (of module ``only`` when given)."""
    import medbill.refdata as refdata

    for info in pkgutil.iter_modules(refdata.__path__):
        if info.name.startswith("_") or (only and info.name != only):
            continue
        module = importlib.import_module(f"medbill.refdata.{info.name}")
        for name, fn in sorted(vars(module).items()):
            label = f"{info.name}.{name}"
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            if label in NOT_SWEPT:
                continue
            code = GOOD_CODES.get(info.name, "99213")
            good = {**GOOD_BY_NAME, "code": code, "number": code, "path": Path(__file__), "key": "x"}
            good.update(
                {"codes": pd.Series([code]), "values": pd.Series([code]), "numbers": pd.Series([code])}
            )
            good["groups"] = pd.Series(["CO"])
            if info.name == "hcpcs":
                good["name"] = "2020"
            if info.name in ("store", "registry", "catalog"):
                good["release"] = "FY2026"
            yield f"refdata.{label}", fn, good


def _replacing(instance: Any) -> Callable[..., Any]:
    """A function whose keyword arguments replace fields of a valid model instance (validation runs)."""

    def build(**fields: Any) -> Any:
        return dataclasses.replace(instance, **fields)

    params = [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None)
        for f in dataclasses.fields(instance)
    ]
    build.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return build


def model_targets() -> Iterator[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """Every field of every claims model, replaced in a valid instance."""
    from medbill.claims.models import (
        Address,
        Claim,
        Patient,
        Payer,
        Provider,
        ServiceFacility,
        ServiceLine,
        Subscriber,
    )

    address = Address("100 MAIN ST", "SPRINGFIELD", "IL", "627011234")
    billing = Provider(
        npi="1234567893", last_name="RIVERSIDE FAMILY MEDICINE", entity_type="2", taxonomy="207Q00000X",
        tax_id="123456789", address=address, phone="2175550100",
    )  # fmt: skip
    payer = Payer(payer_id="60054", name="AETNA", claim_filing_indicator="CI", address=address)
    patient = Patient("DOE", "JANE", date(1980, 2, 29), "F", address, patient_id="P1")
    line = ServiceLine("99214", Decimal("150.00"), date(2025, 3, 3), dx_pointers="AB")
    claim = Claim(
        claim_id="C1001", patient=patient, subscriber=Subscriber(member_id="W123456789", payer=payer),
        billing_provider=billing, place_of_service="11", diagnoses=("E11.9", "I10"), lines=(line,),
    )  # fmt: skip
    facility = ServiceFacility(name="RIVERSIDE CLINIC", address=address, npi="1234567893")
    for instance in (address, billing, payer, patient, line, claim.subscriber, facility, claim):
        yield f"claims.models.{type(instance).__name__}", _replacing(instance), {}


def api_targets(claims_dir: Path) -> Iterator[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """The batch entry points: scrub, the claims folder reader and table typing."""
    from medbill.claims.tables import coerce_table, read_claims_dir
    from medbill.edits import scrub

    data = read_claims_dir(claims_dir)
    good = {"claims_or_data": data, "path": claims_dir, "name": "lines", "frame": data.lines}
    yield "edits.scrub", scrub, {**good, "as_of": date(2025, 11, 1)}
    yield "claims.tables.read_claims_dir", read_claims_dir, good
    yield "claims.tables.coerce_table", coerce_table, good


def pricing_targets() -> Iterator[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """FeeSchedule.price of an imported year (call only when the year's files are imported)."""
    from medbill.pricing.pfs import FeeSchedule

    fs = FeeSchedule.load("RVU25D")
    yield "pricing.FeeSchedule.price", fs.price, {"code": "99213", "locality": "15202-00"}


def run_sweep(
    targets: Iterator[tuple[str, Callable[..., Any], dict[str, Any]]], stream: bool = False
) -> Figures:
    figures = Figures(stream=stream)
    for label, fn, good in targets:
        started = time.perf_counter()
        sweep_function(label, fn, good, figures)
        figures.seconds[label] = time.perf_counter() - started
    return figures


if __name__ == "__main__":
    import os
    import tempfile

    from medbill.refdata import registry

    os.environ.setdefault("MEDBILL_HOME", tempfile.mkdtemp(prefix="medbill-sweep-"))
    shared = os.environ.get("MEDBILL_SHARED_DATA")
    for system, relative in IMPORTS if shared else []:
        registry.import_file(system, Path(shared) / relative)
    modules = [a for a in sys.argv[1:] if not a.startswith("-")]
    result = run_sweep(refdata_functions(modules[0] if modules else None), stream="-v" in sys.argv)
    print(result.table())
    if "-v" in sys.argv:
        slow = sorted(result.seconds.items(), key=lambda kv: -kv[1])[:15]
        print("\n".join(f"{s:7.1f} s  {label}" for label, s in slow))
