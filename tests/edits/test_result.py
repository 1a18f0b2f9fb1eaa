"""ScrubResult shape, selection and payer settings, what-if, MCE import, the CLI and robustness."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medbill.cli import main
from medbill.edits import PayerRules, rules, scrub, what_if
from medbill.exceptions import ScrubErrors
from medbill.refdata import mce


def test_every_line_and_claim_has_a_status(mk):
    claims = [mk.claim(), mk.claim(claim_id="C2", patient_id="P2", billing_npi="1234567890")]
    lines = [
        mk.line(),
        mk.line(line_number=2, procedure_code="93000", units=0),
        mk.line(claim_id="C2"),
        mk.line(claim_id="C9"),
    ]
    result = scrub(*mk.tables(claims, lines), rules=["integrity"], as_of=mk.AS_OF)
    assert len(result.line_status) == 4 and len(result.claim_status) == 2
    assert result.line_status["status"].tolist() == ["clean", "error", "clean", "error"]
    assert result.claim_status[["claim_id", "lines", "status"]].values.tolist() == [
        ["C1", 2, "error"],
        ["C2", 1, "error"],
    ]
    assert list(result.findings.columns[:8]) == [
        "claim_id",
        "line_number",
        "rule_id",
        "severity",
        "field",
        "value",
        "message",
        "reference",
    ]
    assert dict(zip(result.counts["rule_id"], result.counts["findings"], strict=True)) == {
        "UNITS-POSITIVE": 1,
        "NPI-CHECK": 1,
        "LINE-ORPHAN": 1,
        "DX-POINTER": 1,
    }


def test_raise_for_errors(mk):
    ok = scrub(*mk.tables(), rules=["integrity"], as_of=mk.AS_OF)
    assert ok.raise_for_errors() is ok
    bad = scrub(*mk.tables(None, [mk.line(charge=0)]), rules=["integrity"], as_of=mk.AS_OF)
    with pytest.raises(ScrubErrors, match="CHARGE-POSITIVE") as info:
        bad.raise_for_errors()
    assert info.value.findings["rule_id"].tolist() == ["CHARGE-POSITIVE"]


def test_html_rendering_escapes_and_colours(mk):
    lines = [mk.line(procedure_code="<b>", charge=0)]
    html = scrub(*mk.tables(None, lines), rules=["CHARGE-POSITIVE"], as_of=mk.AS_OF)._repr_html_()
    assert "CHARGE-POSITIVE" in html and "#b00020" in html and "<b>" not in html.replace("<b>ScrubResult", "")


@pytest.mark.parametrize(
    ("selected", "disabled", "expected"),
    [
        (["MOD-26-TC"], (), {"MOD-26-TC"}),  # one id
        (["MOD-5*"], (), {"MOD-50-LTRT", "MOD-59-X"}),  # glob
        (["modifiers"], ["MOD-UNKNOWN"], None),  # category minus one rule
    ],
)
def test_rule_selection(selected, disabled, expected):
    chosen = set(rules(selected, disabled)["id"])
    if expected is None:
        assert chosen and all(r.startswith("MOD-") for r in chosen) and "MOD-UNKNOWN" not in chosen
    else:
        assert chosen == expected


def test_unknown_rule_name_is_an_error():
    with pytest.raises(ValueError, match="No scrub rule matches 'NOPE'"):
        rules(["NOPE"])


def test_timely_filing_per_payer(mk):
    # submitted 95 days after the date of service
    claims, lines = mk.tables([mk.claim(submitted_date="2026-04-20")], [mk.line(service_date="2026-01-15")])
    assert scrub(claims, lines, rules=["TIMELY-FILING"], as_of=mk.AS_OF).findings.empty
    strict = {"MCR": PayerRules(timely_filing_days=90)}
    found = scrub(claims, lines, rules=["TIMELY-FILING"], payer_config=strict, as_of=mk.AS_OF).findings
    assert "the limit is 90 days" in found.iloc[0]["message"]
    # the payers table's timely_filing_days is used when no payer_config is given
    from medbill.edits.runner import as_tables  # noqa: F401  (same path ClaimsData takes)

    class Data:
        pass

    data = Data()
    data.claims, data.lines = claims, lines
    data.payers = pd.DataFrame({"payer_id": ["MCR"], "timely_filing_days": [60]})
    assert not scrub(data, rules=["TIMELY-FILING"], as_of=mk.AS_OF).findings.empty


def test_timezone_aware_as_of_is_refused_with_a_hint(mk):
    from datetime import UTC, datetime

    claims, lines = mk.tables(None, [mk.line()])
    aware = datetime(2026, 6, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"has a time zone.*as_of=as_of\.date\(\)"):
        scrub(claims, lines, as_of=aware)
    # the same moment as a local day works, and so does a naive datetime
    assert len(scrub(claims, lines, as_of=aware.date()).line_status) == 1
    assert len(scrub(claims, lines, as_of=aware.replace(tzinfo=None)).line_status) == 1


def test_payer_can_disable_a_rule(mk):
    claims, lines = mk.tables(None, [mk.line(charge=0)])
    config = {"MCR": {"disable": ["CHARGE-POSITIVE"]}}
    assert scrub(claims, lines, rules=["CHARGE-POSITIVE"], payer_config=config, as_of=mk.AS_OF).findings.empty
    with pytest.raises(ValueError, match="Unknown payer setting"):
        scrub(claims, lines, payer_config={"MCR": {"timely": 3}}, as_of=mk.AS_OF)


def test_what_if_shows_findings_that_disappear_and_appear(mk, reference_data):
    day = "2026-06-30"
    claims, lines = mk.tables(
        [mk.claim(submitted_date=day)],
        [
            mk.line(procedure_code="0001U", service_date=day),
            mk.line(line_number=2, procedure_code="0029U", service_date=day),
        ],
    )

    class Data:
        pass

    data = Data()
    data.claims, data.lines, data.payers = claims, lines, None
    change = what_if(data, "C1", line=2, modifier1="XU", as_of=mk.AS_OF, rules=["NCCI-PTP", "modifiers"])
    assert change.disappeared["rule_id"].tolist() == ["NCCI-PTP"]
    assert change.appeared.empty
    worse = what_if(data, "C1", line=2, modifier1="ZZ", as_of=mk.AS_OF, rules=["NCCI-PTP", "modifiers"])
    assert worse.appeared["rule_id"].tolist() == ["MOD-UNKNOWN"] and worse.disappeared.empty
    assert "disappear" in change._repr_html_()
    with pytest.raises(ValueError, match="needs line="):
        what_if(data, "C1", modifier1="XU")


MCE_LISTS = """\
Definitions of Medicare Code Edits v37
A. Newborn diagnoses
A33       Tetanus neonatorum
Z38.00    Single liveborn infant, delivered vaginally
Female diagnoses
N70.01    Acute salpingitis
"""


def test_mce_list_layout_import(fresh_home, tmp_path, mk):
    path = tmp_path / "mce_definitions_v37.txt"
    path.write_text(MCE_LISTS)
    prov = mce.import_release(path)
    assert (prov.release, prov.rows, str(prov.effective_from)) == ("v37", 3, "2019-10-01")
    found = scrub(
        *mk.tables([mk.claim(dx1="N70.01", patient_sex="M")]), rules=["MCE-SEX"], as_of=mk.AS_OF
    ).findings
    assert found["message"].str.contains("female-only").all()


def test_cli_exit_status_and_json(tmp_path, mk, capsys):
    claims, lines = mk.tables()
    folder = tmp_path / "claims"
    folder.mkdir()
    claims.to_csv(folder / "claims.csv", index=False)
    lines.to_csv(folder / "lines.csv", index=False)
    assert main(["scrub", str(folder), "--json", "--rules", "integrity", "--as-of", "2026-08-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["lines_checked"], out["claims_checked"], out["findings"]) == (1, 1, [])
    lines.assign(units=0).to_csv(folder / "lines.csv", index=False)
    assert main(["scrub", str(folder), "--json", "--rules", "integrity", "--as-of", "2026-08-01"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["counts"] == {"UNITS-POSITIVE": 1}
    assert set(out["findings"][0]) >= {
        "claim_id",
        "line_number",
        "rule_id",
        "severity",
        "message",
        "reference",
    }
    assert main(["scrub", str(folder), "--list-rules", "--rules", "MOD-26-TC"]) == 0
    assert "MOD-26-TC" in capsys.readouterr().out


@pytest.mark.parametrize(
    "junk",
    [None, "", 0, "x" * 10_000, "١٢٣", "\x00", 3.5],  # None, empty, zero, huge, Arabic digits, NUL, float
)
def test_junk_values_never_crash(mk, junk):
    claims, lines = mk.tables(
        [mk.claim(dx1=junk, billing_npi=junk, patient_birth_date=junk, place_of_service=junk)],
        [mk.line(procedure_code=junk, modifier1=junk, units=junk, dx_pointers=junk, service_date=junk)],
    )
    result = scrub(claims, lines, as_of=mk.AS_OF)
    assert len(result.line_status) == 1 and len(result.claim_status) == 1


def test_empty_and_missing_columns(mk):
    result = scrub(pd.DataFrame({"claim_id": []}), pd.DataFrame({"claim_id": []}), as_of=mk.AS_OF)
    assert result.findings.empty and len(result.line_status) == 0
    bare = scrub(pd.DataFrame({"claim_id": ["C1"]}), pd.DataFrame({"claim_id": ["C1"]}), as_of=mk.AS_OF)
    assert set(bare.findings["field"]) >= {"procedure_code", "service_date", "billing_npi", "dx1"}


CODES = ["99213", "93000", "11102", "0001U", "0029U", None, "ZZZ"]
MODS = [None, "25", "26", "TC", "59", "XU", "LT", "50", "Q9"]
DXS = [None, "J06.9", "E11", "O80", "P07.01", "S52.521", "A33", "junk"]


@st.composite
def batches(draw):
    n_claims = draw(st.integers(0, 4))
    ids = [f"C{i}" for i in range(n_claims)] + draw(st.lists(st.sampled_from(["C0", "C9"]), max_size=1))
    claims = [
        {
            "claim_id": cid,
            "patient_id": draw(st.sampled_from(["P1", "P2", None])),
            "patient_birth_date": draw(st.sampled_from(["1950-01-01", "2026-07-01", None])),
            "patient_sex": draw(st.sampled_from(["F", "M", "U", None])),
            "payer_id": "MCR",
            "billing_npi": draw(st.sampled_from(["1234567893", "1234567890", None])),
            "place_of_service": draw(st.sampled_from(["11", "21", "99", None])),
            "dx1": draw(st.sampled_from(DXS)),
            "dx2": draw(st.sampled_from(DXS)),
        }
        for cid in ids
    ]
    n_lines = draw(st.integers(0, 6))
    lines = [
        {
            "claim_id": draw(st.sampled_from([*ids, "C7", None])) if ids else "C7",
            "line_number": draw(st.sampled_from([1, 2, 2, None])),
            "service_date": draw(st.sampled_from(["2026-06-30", "2026-07-01", "2030-01-01", None])),
            "procedure_code": draw(st.sampled_from(CODES)),
            "modifier1": draw(st.sampled_from(MODS)),
            "modifier2": draw(st.sampled_from(MODS)),
            "units": draw(st.sampled_from([1, 0, 3, None])),
            "charge": draw(st.sampled_from([10.0, -1.0, None])),
            "dx_pointers": draw(st.sampled_from(["A", "AB", "Z", "AA", None])),
        }
        for _ in range(n_lines)
    ]
    return pd.DataFrame(claims, columns=list(claims[0]) if claims else ["claim_id"]), pd.DataFrame(
        lines, columns=list(lines[0]) if lines else ["claim_id"]
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=batches())
def test_findings_only_reference_rows_that_exist(batch, reference_data):
    claims, lines = batch
    result = scrub(claims, lines, as_of="2026-08-01")
    f = result.findings
    assert len(result.line_status) == len(lines) and len(result.claim_status) == len(claims)
    assert f["line_row"].dropna().between(0, len(lines) - 1).all()
    assert f["claim_row"].dropna().between(0, len(claims) - 1).all()
    on_lines = f.dropna(subset=["line_row"])
    if len(on_lines):
        source = lines.reset_index(drop=True).loc[on_lines["line_row"].astype(int)]
        expected = source["claim_id"].fillna("").astype(str).str.strip().to_numpy()
        assert (expected == on_lines["claim_id"].fillna("").astype(str).to_numpy()).all()
    claim_level = f[f["line_row"].isna()]
    assert claim_level["claim_id"].isin(claims["claim_id"]).all()
    # every finding's rule exists and is one that was selected
    assert set(f["rule_id"]) <= set(rules()["id"])
