"""The vectorised twin of ``FeeSchedule.price``: a whole lines table in integer arithmetic.

RVUs, GPCIs and conversion factors are scaled integers (hundredths, thousandths, ten-thousandths)
so ``(RVU x GPCI) x CF`` is exact; money is in cents, rounded half up exactly as the Decimal path
rounds, which the tests check row by row. Per-row work is numpy; Python runs only per distinct
code, modifier, locality, place of service and rule combination.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from medbill.exceptions import InvalidFormat
from medbill.pricing import rules
from medbill.pricing._groups import group_ids
from medbill.refdata.pfs import CF_PLACES, GPCI_PLACES, NATIONAL, RVU_PLACES

if TYPE_CHECKING:
    from medbill.pricing.pfs import FeeSchedule

MODIFIER_COLUMNS = ("modifier1", "modifier2", "modifier3", "modifier4")
# Modifier -> small integer used by the batch path (0: any other modifier or none).
_MOD_CODES = {"26": 1, "TC": 2, "53": 3, "50": 4, "62": 5, "80": 6, "81": 7, "82": 8, "AS": 9, "66": 10}
_COMPONENT_BY_CODE = ("", "26", "TC", "53")
# The lines columns pricing reads (the rest of a lines table is not copied when it is split).
INPUT_COLUMNS = ("claim_id", "service_date", "procedure_code", *MODIFIER_COLUMNS, "units",
                 "place_of_service", "locality")  # fmt: skip
# The output's RVU, GPCI and conversion factor columns (floats, NaN where not known).
NUMERIC_COLUMNS = ("work_rvu", "pe_rvu", "mp_rvu", "gpci_work", "gpci_pe", "gpci_mp", "conversion_factor")
# Scale of the raw product (RVU x GPCI x CF) and the half-cent added before integer division.
_RAW_PER_CENT = 10 ** (RVU_PLACES + GPCI_PLACES + CF_PLACES - 2)

# Percent (bp) paid of the TC, PC and PE portions of a reduced procedure, by MPPR indicator 0-9.
_PORTION_BP = np.full((3, 10), rules.FULL, dtype=np.int64)
for _ind, (_, *_bps) in rules.MPPR_PORTIONS.items():
    _PORTION_BP[:, _ind] = _bps
# MPPR indicators 0-9 whose lines are ranked within claim, date and indicator.
_RANKED = np.isin(np.arange(10), list(rules.MPPR_RANKED))


def _round_bp(cents: np.ndarray, bp: np.ndarray | int | np.integer) -> np.ndarray:
    """Integer twin of ``rules.apply_bp``: cents x bp / 10000, half up (amounts are >= 0)."""
    return (cents * bp + rules.FULL // 2) // rules.FULL


def price_lines(
    fs: FeeSchedule, lines: pd.DataFrame, locality: object = None, pos: str | int = "11", *, qp: bool = False
) -> pd.DataFrame:
    """``FeeSchedule.price_lines`` for lines the release covers: see there. Reads the fee
    schedule's integer arrays; ``qp`` picks the qualifying APM participants' conversion factor."""
    if not isinstance(lines, pd.DataFrame):
        raise InvalidFormat(f"price_lines needs a DataFrame of lines, not {type(lines).__name__}.")
    if "procedure_code" not in lines.columns:
        raise InvalidFormat("The lines table has no procedure_code column (see docs/tables.md).")
    n = len(lines)
    n_loc = fs._n_loc
    cf = fs.cf_array(qp)
    outcome = np.full(n, rules.PRICED, dtype=np.int8)

    # Codes and modifiers: work on the distinct values, then take back to the rows.
    code_id, code_uniq = pd.factorize(lines["procedure_code"], use_na_sentinel=True)
    code_clean = [str(c).strip().upper() for c in code_uniq]
    mod_codes = []
    for col in (c for c in MODIFIER_COLUMNS if c in lines.columns):
        ids, uniq = pd.factorize(lines[col], use_na_sentinel=True)
        table = np.array([_MOD_CODES.get(str(u).strip().upper(), 0) for u in uniq] + [0], dtype=np.int8)
        mod_codes.append(table[ids])
    component = np.zeros(n, dtype=np.int8)
    for m in reversed(mod_codes):  # the first component modifier wins
        component = np.where((m >= 1) & (m <= 3), m, component)
    has = {name: np.zeros(n, dtype=bool) for name in ("50", "62", "66", "80", "81", "82", "AS")}
    for m in mod_codes:
        for name in has:
            has[name] |= m == _MOD_CODES[name]
    # Row of the RVU file per distinct code and component; -1 for "not found".
    rows_by_code = np.array(
        [[fs._row.get((c, comp), -1) for comp in _COMPONENT_BY_CODE] for c in code_clean] + [[-1] * 4],
        dtype=np.int64,
    ).reshape(-1, 4)
    code_known = np.array([c in fs._codes for c in code_clean] + [False])
    row = rows_by_code[code_id, component]
    outcome[row < 0] = rules.NO_COMPONENT_ROW
    outcome[~code_known[code_id]] = rules.UNKNOWN_CODE

    # Locality per line.
    if locality is not None:
        mac, lc = fs.locality_key(locality)
        loc = np.full(n, fs._loc[(mac, lc)], dtype=np.int64)
    elif "locality" in lines.columns:
        ids, uniq = pd.factorize(lines["locality"], use_na_sentinel=True)
        table = np.array([fs._locality_index(u) for u in uniq] + [-1], dtype=np.int64)
        loc = table[ids]
    else:
        raise InvalidFormat("Give locality='MAC-LOC' or a locality column in the lines table.")
    outcome[(loc < 0) & (outcome == rules.PRICED)] = rules.UNKNOWN_LOCALITY

    # Place of service: the line's own when filled, else the default; unknown codes are flagged.
    default_pos = rules.parse_pos(pos)
    if "place_of_service" in lines.columns:
        ids, uniq = pd.factorize(lines["place_of_service"], use_na_sentinel=True)
        codes = [_pos_or(u, default_pos) for u in uniq] + [default_pos]
    else:
        ids, codes = np.zeros(n, dtype=np.int64), [default_pos]
    facility = np.array([c in rules.facility_pos() for c in codes])[ids]
    pos_known = np.array([c in rules.known_pos() for c in codes])[ids]
    outcome[~pos_known & (outcome == rules.PRICED)] = rules.UNKNOWN_POS

    # Units: whole numbers of at least 1.
    if "units" in lines.columns:
        u = pd.to_numeric(lines["units"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        u = np.ones(n)
    bad_units = ~(np.isfinite(u) & (u >= 1) & (u == np.floor(u)) & (u < 1e6))
    outcome[bad_units & (outcome == rules.PRICED)] = rules.BAD_UNITS
    units = np.where(bad_units, 1, u).astype(np.int64)

    # Status.
    r = np.where(row >= 0, row, 0)
    status_code = fs._status.codes[r]
    cats = list(fs._status.categories)
    payable_cat = np.array([c in rules.PAYABLE_STATUS for c in cats])
    elsewhere_cat = np.array([c in rules.PRICED_ELSEWHERE for c in cats])
    ok = outcome == rules.PRICED
    outcome[ok & elsewhere_cat[status_code]] = rules.NOT_PRICED
    outcome[ok & ~payable_cat[status_code] & ~elsewhere_cat[status_code]] = rules.NOT_PAYABLE

    # Fee schedule amount in cents.
    lo = np.where(loc >= 0, loc, 0)
    a, g = fs._a, fs._g
    pe = np.where(facility, a["fac_pe_rvu"][r], a["nonfac_pe_rvu"][r])
    raw = (
        a["work_rvu"][r] * g["gpci_work"][lo] + pe * g["gpci_pe"][lo] + a["mp_rvu"][r] * g["gpci_mp"][lo]
    ) * cf[r]
    fee = (raw + _RAW_PER_CENT // 2) // _RAW_PER_CENT

    # Rules that bar a line whatever its amount: assistant, co-surgeon, team surgery.
    bilat_ind = a["bilat_surg"][r]
    bilateral = np.where(has["50"], bilat_ind, -1)
    assist_kind = np.where(
        has["AS"],
        rules.ASSIST_NONPHYSICIAN,
        np.where(has["80"] | has["81"] | has["82"], rules.ASSIST_PHYSICIAN, rules.ASSIST_NONE),
    )
    assist_ok = np.array([rules.ASSISTANT_PAYABLE.get(i, False) for i in range(10)])[a["asst_surg"][r]]
    outcome[(outcome == rules.PRICED) & (assist_kind > 0) & ~assist_ok] = rules.ASSISTANT_BARRED
    co_ok = np.array([rules.CO_SURGEON_PAYABLE.get(i, False) for i in range(10)])[a["co_surg"][r]]
    outcome[(outcome == rules.PRICED) & has["62"] & ~co_ok] = rules.CO_SURGEON_BARRED
    team_ok = np.array([rules.TEAM_PERMITTED.get(i, False) for i in range(10)])[a["team_surg"][r]]
    team = (outcome == rules.PRICED) & has["66"]
    outcome[team] = np.where(team_ok[team], rules.TEAM_BY_REPORT, rules.TEAM_BARRED)

    # Status T: bundled when another payable service is on the claim that day.
    keys = _group_keys(lines)
    if keys is not None and "T" in cats:
        is_t = status_code == cats.index("T")
        priced = outcome == rules.PRICED
        others = np.bincount(keys[priced & ~is_t], minlength=int(keys.max(initial=-1)) + 1)[keys]
        outcome[priced & is_t & (others > 0)] = rules.T_BUNDLED

    # Endoscopy families (claim, date, base code); without claim or date columns each line is alone.
    mult_proc = a["mult_proc"][r]
    family = np.where(outcome == rules.PRICED, a["endo_family"][r], -1)
    e_at = np.flatnonzero(family >= 0)
    group = np.arange(n) if keys is None else keys
    fam_id = pd.factorize(group[e_at] * (2 * len(fs.rvu)) + family[e_at])[0]
    is_member = mult_proc[e_at] == rules.ENDOSCOPY
    members = np.bincount(fam_id[is_member], minlength=len(e_at))
    # A base code billed with a member of its family is included in their payment.
    included = ~is_member & (members[fam_id] > 0)
    outcome[e_at[included]] = rules.ENDO_BASE_INCLUDED
    endoscopy_rank = np.zeros(n, dtype=np.int64)
    endoscopy_rank[e_at[included]] = members[fam_id[included]] + 1  # after every member
    m_at, m_fam = e_at[is_member], fam_id[is_member]

    # OPPS imaging cap, bilateral, assistant and co-surgeon percentages of one unit's amount.
    at = fs._cap_index.get_indexer(r * n_loc + lo)
    cap = np.where(facility, fs._cap_fac[at], fs._cap_nonfac[at]) if len(fs._cap_fac) else fee
    has_cap = at >= 0
    bilat_bp = np.array([rules.BILATERAL.get(i, (rules.FULL, ""))[0] for i in range(10)], dtype=np.int64)
    assist_bp = np.where(
        assist_kind == rules.ASSIST_NONPHYSICIAN, rules.ASSISTANT_NONPHYSICIAN, rules.ASSISTANT_PHYSICIAN
    )

    def adjust(base: np.ndarray, at: np.ndarray | slice) -> np.ndarray:
        amount = np.where(has_cap[at] & (cap[at] < base), cap[at], base)
        amount = np.where(has["50"][at], _round_bp(amount, bilat_bp[bilat_ind[at]]), amount)
        amount = np.where(assist_kind[at] > 0, _round_bp(amount, assist_bp[at]), amount)
        return np.where(has["62"][at], _round_bp(amount, rules.CO_SURGEON_PERCENT), amount)

    amount = adjust(fee, slice(None))

    # Endoscopy family rule on the fee: the highest in full, the others (and further units) less
    # the base code's fee at the same locality and setting, not below zero; then steps 2-4.
    m_rank = _procedure_rank(m_fam, np.ones(len(m_at), dtype=bool), fee[m_at])[0]
    endoscopy_rank[m_at] = m_rank
    base_row = a["endo_family"][r[m_at]]
    has_base = base_row < len(fs.rvu)
    br, m_lo = np.where(has_base, base_row, 0), lo[m_at]
    base_pe = np.where(facility[m_at], a["fac_pe_rvu"][br], a["nonfac_pe_rvu"][br])
    base_raw = (
        a["work_rvu"][br] * g["gpci_work"][m_lo]
        + base_pe * g["gpci_pe"][m_lo]
        + a["mp_rvu"][br] * g["gpci_mp"][m_lo]
    ) * cf[br]
    base_fee = np.where(has_base, (base_raw + _RAW_PER_CENT // 2) // _RAW_PER_CENT, 0)
    less_base = np.maximum(fee[m_at] - base_fee, 0)
    m_first_base = np.where(m_rank == 1, fee[m_at], less_base)
    m_first, m_further = adjust(m_first_base, m_at), adjust(less_base, m_at)
    m_units = units[m_at]
    endo = np.zeros(n, dtype=np.int8)
    endo[m_at] = np.where(
        m_rank > 1, rules.ENDO_LESS_BASE, np.where(m_units > 1, rules.ENDO_FIRST_OF_UNITS, 0)
    )
    fam_total = np.zeros(len(e_at), dtype=np.int64)
    np.add.at(fam_total, m_fam, m_first + m_further * (m_units - 1))

    # Multiple procedure reductions, within claim, date and indicator; each endoscopy family is one
    # indicator-2 procedure, ranked by its total through its highest line. Portions (cents) of one
    # unit's fee for indicators 4-7: TC and PC (4, 6, 7) or PE (5).
    priced = outcome == rules.PRICED
    in_mppr = priced & _RANKED[mult_proc]
    p_at = np.flatnonzero(in_mppr & (mult_proc >= 4) & (mult_proc <= 7))
    tc, pc, split = _tc_pc(fs, cf, rows_by_code[code_id[p_at]], component[p_at], facility[p_at],
                           lo[p_at], fee[p_at], a["pctc"][r[p_at]])  # fmt: skip
    therapy = mult_proc[p_at] == 5
    t_at = p_at[therapy]
    pe_part = np.zeros(len(p_at), dtype=np.int64)
    pe_part[therapy] = (pe[t_at] * g["gpci_pe"][lo[t_at]] * cf[r[t_at]] + _RAW_PER_CENT // 2) // _RAW_PER_CENT
    tc[therapy] = pc[therapy] = 0
    # Rank: 2 by amount, 5 by PE, 4, 6 and 7 by TC then fee (the RVU file ranks imaging "by fee
    # schedule amount for the TC"; the fee orders lines without a TC, such as -26 lines), as one
    # integer: TC cents x 2**32 + fee cents.
    rank_by = np.where(mult_proc == rules.MPPR_INDICATOR, amount, 0)
    rank_by[p_at] = np.where(therapy, pe_part, (tc << 32) + fee[p_at])
    heads = m_at[m_rank == 1]
    rank_by[heads] = fam_total[m_fam[m_rank == 1]]
    ranked = in_mppr.copy()
    ranked[heads] = True
    rank_kind = np.where(mult_proc == rules.ENDOSCOPY, rules.MPPR_INDICATOR, mult_proc)
    mkeys = None if keys is None else keys * 10 + rank_kind
    rank, shared = _procedure_rank(mkeys, ranked, rank_by)
    fam_rank = np.ones(len(e_at), dtype=np.int64)
    fam_rank[m_fam[m_rank == 1]] = rank[heads]
    rank[m_at] = fam_rank[m_fam]
    mppr = np.where(
        in_mppr & (shared | (units > 1)),
        np.where(rank == 1, rules.MPPR_HIGHEST, rules.MPPR_REDUCED),
        rules.MPPR_NONE,
    )
    # Indicator 2: 50% of the amount of the second and later procedures and units.
    reduced = _round_bp(amount, np.int64(rules.MPPR_FURTHER))
    is_2 = mult_proc == rules.MPPR_INDICATOR
    first = np.where(is_2 & (mppr == rules.MPPR_REDUCED), reduced, amount)
    further = np.where(is_2 & (mppr != rules.MPPR_NONE), reduced, amount)
    # Indicators 4-7: the portions' cuts come off the fee, then the rules above apply.
    bp = _PORTION_BP[:, mult_proc[p_at]]
    cut = sum(part - _round_bp(part, bp[i]) for i, part in enumerate((tc, pc, pe_part)))
    state = mppr[p_at]
    mppr[p_at[(state != rules.MPPR_NONE) & ~split & ~therapy]] = rules.MPPR_UNSPLIT
    active = state != rules.MPPR_NONE
    c_at = p_at[active]
    reduced_base = fee[c_at] - cut[active]
    cut_amount = adjust(reduced_base, c_at)
    further[c_at] = cut_amount
    later = state[active] == rules.MPPR_REDUCED
    first[c_at[later]] = cut_amount[later]
    # Endoscopies of a family ranked second or later: every unit at 50%.
    halve = fam_rank[m_fam] > 1
    first[m_at] = np.where(halve, _round_bp(m_first, np.int64(rules.MPPR_FURTHER)), m_first)
    further[m_at] = np.where(halve, _round_bp(m_further, np.int64(rules.MPPR_FURTHER)), m_further)
    mppr[m_at] = np.where(halve, rules.MPPR_REDUCED, rules.MPPR_NONE)
    # The cap flag describes the first unit's amount, as on the one-code path.
    capped_base = fee.copy()
    capped_base[c_at[later]] = reduced_base[later]
    capped_base[m_at] = m_first_base
    capped = has_cap & (cap < capped_base)
    total = first + further * (units - 1)
    procedure_rank = np.where(ranked, rank, 0)
    procedure_rank[m_at] = rank[m_at]
    # Line-length working arrays the output does not use, freed before it is built (at 1M lines
    # each is 8 MB, and the output's own arrays would come on top of them).
    del code_id, ids, u, raw, group, amount, rank_by, mkeys, rank, reduced, first, further, capped_base

    no_amount = np.isin(outcome, list(rules.NO_AMOUNT))
    total = np.where(priced, total, 0)
    allowed_cents = pd.array(np.where(no_amount, 0, total), dtype="Int64")
    allowed_cents[no_amount] = pd.NA
    fee_cents = pd.array(fee, dtype="Int64")
    fee_cents[~priced & ~np.isin(outcome, list(rules.KEEPS_FEE))] = pd.NA

    unknown_row, unknown_loc = row < 0, loc < 0
    return pd.DataFrame(
        {
            "allowed": allowed_cents.astype("Float64") / 100,
            "allowed_cents": allowed_cents,
            "fee_schedule_amount": fee_cents.astype("Float64") / 100,
            "facility": facility,
            "locality": _locality_labels(fs, loc),
            "status": pd.Categorical.from_codes(np.where(row >= 0, status_code, -1), categories=cats),
            "payable": priced & (total > 0),
            "rule": _rule_labels(outcome, status_code, cats, component, facility, capped, bilateral,
                                 assist_kind, has["62"], mppr, mult_proc, endo, family + 1, r,
                                 fs.rvu["endo_base"].to_numpy()),
            "work_rvu": _scaled(a["work_rvu"][r], RVU_PLACES, unknown_row),
            "pe_rvu": _scaled(pe, RVU_PLACES, unknown_row),
            "mp_rvu": _scaled(a["mp_rvu"][r], RVU_PLACES, unknown_row),
            "gpci_work": _scaled(g["gpci_work"][lo], GPCI_PLACES, unknown_loc),
            "gpci_pe": _scaled(g["gpci_pe"][lo], GPCI_PLACES, unknown_loc),
            "gpci_mp": _scaled(g["gpci_mp"][lo], GPCI_PLACES, unknown_loc),
            "conversion_factor": _scaled(cf[r], CF_PLACES, unknown_row),
            "procedure_rank": procedure_rank,
            "endoscopy_rank": endoscopy_rank,
        },
        index=lines.index,
        copy=False,  # one block per column: consolidating the float columns would copy them all
    )  # fmt: skip


def _scaled(values: np.ndarray, places: int, unknown: np.ndarray) -> np.ndarray:
    """Scaled integers as floats (``values / 10**places``), NaN where ``unknown``."""
    out = values / 10**places
    out[unknown] = np.nan
    return out
    return out


def _tc_pc(
    fs: FeeSchedule,
    cf: np.ndarray,
    code_rows: np.ndarray,
    component: np.ndarray,
    facility: np.ndarray,
    lo: np.ndarray,
    fee: np.ndarray,
    pctc: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TC and PC cents of one unit's fee, and whether the line splits (twin of ``FeeSchedule._tc_pc``).

    ``code_rows`` holds each line's RVU rows for the global, 26, TC and 53 components.
    """
    a, g = fs._a, fs._g
    pc_row = code_rows[:, 1]
    by_26 = (component == 0) & (pc_row >= 0)
    r26 = pc_row[by_26]
    pe = np.where(facility[by_26], a["fac_pe_rvu"][r26], a["nonfac_pe_rvu"][r26])
    l26 = lo[by_26]
    raw = (
        a["work_rvu"][r26] * g["gpci_work"][l26]
        + pe * g["gpci_pe"][l26]
        + a["mp_rvu"][r26] * g["gpci_mp"][l26]
    ) * cf[r26]
    whole = (component == 3) | ((component == 0) & ~by_26)  # a code without component rows
    tc_only = (component == 2) | (whole & (pctc == 3))
    pc_only = (component == 1) | (whole & (pctc == 2))
    pc = np.where(pc_only, fee, 0)
    pc[by_26] = np.minimum((raw + _RAW_PER_CENT // 2) // _RAW_PER_CENT, fee[by_26])
    tc = np.where(tc_only, fee, 0)
    tc[by_26] = fee[by_26] - pc[by_26]
    return tc, pc, by_26 | tc_only | pc_only


def _pos_or(value: object, default: str) -> str | None:
    """A line's place of service: ``default`` when missing, None when not a POS code."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value == "":
        return default
    try:
        return rules.parse_pos(int(value) if isinstance(value, float) and value == int(value) else value)
    except (InvalidFormat, ValueError, OverflowError):
        return None


def _group_keys(lines: pd.DataFrame) -> np.ndarray | None:
    """Multiple procedure groups: one per claim and date of service (when the columns exist)."""
    cols = [lines[c] for c in ("claim_id", "service_date") if c in lines.columns]
    return group_ids(*cols) if cols else None


def _procedure_rank(
    keys: np.ndarray | None, member: np.ndarray, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """1 for the highest amount among member lines of the same group, 2, 3 ... after; and
    whether a member line shares its group with another member line."""
    rank = np.ones(len(member), dtype=np.int64)
    shared = np.zeros(len(member), dtype=bool)
    if keys is None or not member.any():
        return rank, shared
    idx = np.flatnonzero(member)
    order = idx[np.lexsort((idx, -amount[idx], keys[idx]))]  # group, amount desc, line order
    k = keys[order]
    starts = np.r_[True, k[1:] != k[:-1]]
    ends = np.r_[starts[1:], True]
    pos = np.arange(len(order))
    rank[order] = pos - np.maximum.accumulate(np.where(starts, pos, 0)) + 1
    shared[order] = ~(starts & ends)
    return rank, shared


def _locality_labels(fs: FeeSchedule, loc: np.ndarray) -> pd.Categorical:
    labels = [*(fs.gpci["mac"] + "-" + fs.gpci["locality"]).tolist(), NATIONAL]
    return pd.Categorical.from_codes(np.where(loc >= 0, loc, -1), categories=labels)


def _rule_labels(
    outcome: np.ndarray,
    status_code: np.ndarray,
    cats: list[str],
    component: np.ndarray,
    facility: np.ndarray,
    capped: np.ndarray,
    bilateral: np.ndarray,
    assist_kind: np.ndarray,
    co_surgeon: np.ndarray,
    mppr: np.ndarray,
    mult_proc: np.ndarray,
    endo: np.ndarray,
    family: np.ndarray,
    rvu_row: np.ndarray,
    endo_base: np.ndarray,
) -> pd.Categorical:
    """The rule text of each line, composed once per distinct combination of its parts.

    ``family`` is 0 outside an endoscopy family, else a number shared by the lines of one family;
    ``endo_base`` is the RVU file's column, read at a line's ``rvu_row`` for the text.
    """
    parts = (
        outcome,
        status_code,
        component,
        facility,
        capped,
        bilateral + 1,
        assist_kind,
        co_surgeon,
        mppr,
        mult_proc,
        np.where(mult_proc == rules.ENDOSCOPY, endo, 0),
        np.where((mult_proc == rules.ENDOSCOPY) & (endo > 0), family, 0),  # named only then
    )
    key = np.zeros(len(outcome), dtype=np.int64)
    for p in parts:  # each part is 0 .. max: a mixed-radix number identifies the combination
        key = key * (int(p.max(initial=0)) + 1) + p.astype(np.int64)
    inverse, uniq = pd.factorize(key)
    first = np.full(len(uniq), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]  # first row of each combination
    texts = []
    for i in first:
        o, s, comp, fac, cap, bil, ak, co, mp, mpi, en, _ = (int(p[i]) for p in parts)
        texts.append(
            rules.rule_text(
                o, status=cats[s] if s >= 0 else "", component=_COMPONENT_BY_CODE[comp], facility=bool(fac),
                capped=bool(cap), bilateral=bil - 1, assistant=ak, co_surgeon=bool(co), mppr=mp, mult_proc=mpi,
                endo=en, endo_base=str(endo_base[rvu_row[i]]),
            )
        )  # fmt: skip
    text_id, text_uniq = pd.factorize(pd.Index(texts))
    return pd.Categorical.from_codes(text_id[inverse], categories=text_uniq)
