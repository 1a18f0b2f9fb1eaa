"""The generated 835s (and 837Ps) against pyx12, an outside validator, and their own balance."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pandas as pd
import pytest

from medbill.synth import generate
from medbill.synth.x12_835 import payment_texts


def _pyx12_ok(text: str) -> bool:
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    return pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None, fd_json=None
    )


@pytest.fixture(scope="module")
def small():
    return generate(lines=600, seed=21)


def _covering(texts: dict[str, str], features: tuple[str, ...]) -> list[str]:
    """A few payments that together show every feature (pyx12 is slow: check these, not all)."""
    chosen: list[str] = []
    for feature in features:
        if not any(feature in texts[c] for c in chosen):
            chosen.append(next(pid for pid, text in texts.items() if feature in text))
    return chosen


def test_835s_pass_pyx12(small) -> None:
    texts = payment_texts(small)
    assert len(texts) == len(small.remit_payments) > 3
    features = (
        "BPR*I",
        "CHK",
        "CAS*CO*45",
        "CAS*PR*1",
        "CAS*PR*3",
        "CAS*CO*16",
        "CAS*CO*97",
        "LQ*HE",
        "CLP*C",
        "*4*",
    )
    chosen = _covering(texts, features)
    assert [pid for pid in chosen if not _pyx12_ok(texts[pid])] == []


def test_pyx12_is_a_real_oracle(small) -> None:
    # A broken claim status code must fail, or the test above proves nothing.
    text = next(iter(payment_texts(small).values()))
    assert not _pyx12_ok(re.sub(r"CLP\*([^*]+)\*\d+\*", r"CLP*\1*99*", text, count=1))


def _amounts(text: str, tag: str, index: int) -> list[float]:
    out = []
    for seg in text.split("~"):
        parts = seg.strip().split("*")
        if parts[0] == tag and len(parts) > index and parts[index]:
            out.append(float(parts[index]))
    return out


def test_835_amounts_balance(small) -> None:
    for text in payment_texts(small).values():
        bpr = _amounts(text, "BPR", 2)[0]
        assert abs(bpr - sum(_amounts(text, "CLP", 4))) < 0.005
        # Each service line: charge - paid - adjustments = 0.
        charge = paid = adjusted = 0.0
        for seg in text.split("~"):
            parts = seg.strip().split("*")
            if parts[0] == "SVC":
                charge += float(parts[2])
                paid += float(parts[3])
            elif parts[0] == "CAS":
                adjusted += sum(float(parts[i]) for i in range(3, len(parts), 3) if parts[i])
        assert abs(charge - paid - adjusted) < 0.005


@pytest.mark.slow
def test_cli_writes_x12_and_names_the_835_files(tmp_path: Path) -> None:
    from medbill.cli import main

    assert (
        main(["synth", "--lines", "150", "--seed", "4", "--format", "csv", "--x12", "--out", str(tmp_path)])
        == 0
    )
    files_835 = sorted((tmp_path / "x12" / "835").glob("*.835"))
    files_837 = sorted((tmp_path / "x12" / "837p").glob("*.837"), key=lambda f: -f.stat().st_size)
    assert files_835 and files_837
    payments = (tmp_path / "remit_payments.csv").read_text()
    assert f"x12/835/{files_835[0].name}" in payments
    # The largest batches (Medicare, with referring providers, modifiers and several lines).
    assert [f.name for f in files_837[:2] if not _pyx12_ok(f.read_text())] == []
    # Claims the 837P cannot carry are reported, never silently dropped.
    sent = pd.read_csv(tmp_path / "claims.csv", dtype=str)["submitted_date"].notna().sum()
    in_files = sum(f.read_text().count("CLM*") for f in files_837)
    rejected = len(pd.read_csv(tmp_path / "x12" / "837p" / "rejected.csv"))
    assert in_files + rejected == sent
