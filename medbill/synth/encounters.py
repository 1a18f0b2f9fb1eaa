"""Encounters and their service lines, drawn in arrays from clinical scenario templates.

A scenario (``medbill/_data/synth_scenarios.csv``) is one kind of visit: the specialty group that
sees it, who it fits (age, sex), the months it happens in (flu shots: September to March), the diagnoses it is coded with (real ICD-10-CM codes, a laterality
tag where the code has one) and the services it bills, grouped in bundles that occur together with
a probability. The procedure column reads ``CODE[:MOD|:SIDE][*UNITS][>POINTER]`` joined by ``+``
within a bundle, ``@P`` after a bundle, ``;`` between bundles; ``:SIDE`` takes RT/LT from the
diagnosis drawn. Every scenario may open with an office E/M line (``em_rate``) whose level follows
the specialty's mix. Chronic scenarios recur: a patient keeps one chronic condition (same code,
same physician) across visits.

Templates are flattened into arrays once; encounters index into them, so drawing a million lines
is a handful of numpy operations, never a loop per claim.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from medbill.synth.practice import Practice, read_table

CHRONIC_VISIT_SHARE = 0.55  # share of a chronic patient's visits that are for the chronic condition
_ITEM = re.compile(
    r"^(?P<code>[A-Z0-9]{5})(?::(?P<mod>[A-Z0-9]{2}|SIDE))?(?:\*(?P<units>\d+))?(?:>(?P<ptr>[A-D]))?$"
)


@dataclasses.dataclass
class ChargeMaster:
    codes: np.ndarray
    index: dict[str, int]
    charge: np.ndarray
    reference_allowed: np.ndarray
    category: np.ndarray
    em_modifier: np.ndarray  # "25"/"57" the E/M takes when billed with this procedure, else ""
    necessity_denial_rate: np.ndarray

    @classmethod
    def load(cls) -> ChargeMaster:
        t = read_table("synth_charge_master.csv")
        codes = t["code"].to_numpy(dtype=object)
        return cls(
            codes=codes,
            index={c: i for i, c in enumerate(codes)},
            charge=t["charge"].astype(float).to_numpy(),
            reference_allowed=t["reference_allowed"].astype(float).to_numpy(),
            category=t["category"].to_numpy(dtype=object),
            em_modifier=t["em_modifier"].to_numpy(dtype=object),
            necessity_denial_rate=t["necessity_denial_rate"].astype(float).to_numpy(),
        )


@dataclasses.dataclass
class Scenarios:
    table: pd.DataFrame
    group: np.ndarray
    kind: np.ndarray
    weight: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    sex: np.ndarray
    header_variant: np.ndarray
    months: np.ndarray  # per scenario: months (1-12) it is seen in, empty for all year
    dx_vocab: np.ndarray  # every diagnosis string used, index = dx id
    dx_start: np.ndarray
    dx_count: np.ndarray
    dx_code: np.ndarray
    dx_side: np.ndarray
    extra_start: np.ndarray
    extra_count: np.ndarray
    extra_code: np.ndarray
    extra_min: np.ndarray
    extra_max: np.ndarray
    # template lines, grouped by scenario
    tl_start: np.ndarray
    tl_count: np.ndarray
    tl_code: np.ndarray  # charge-master index, -1 for the E/M placeholder
    tl_modifier: np.ndarray
    tl_units: np.ndarray
    tl_pointer: np.ndarray  # 0-based diagnosis index the line points to
    tl_prob: np.ndarray
    tl_pos_in_bundle: np.ndarray

    @classmethod
    def load(cls, cm: ChargeMaster) -> Scenarios:
        t = read_table("synth_scenarios.csv")
        vocab: dict[str, int] = {}

        def dx_id(code: str) -> int:
            return vocab.setdefault(code, len(vocab))

        dx_start: list[int] = []
        dx_count: list[int] = []
        dx_code: list[int] = []
        dx_side: list[str] = []
        ex_start: list[int] = []
        ex_count: list[int] = []
        ex_code: list[int] = []
        tl: list[tuple[int, str, int, int, float, int]] = []
        tl_start, tl_count = [], []
        # Parsing the small template table once is a plain loop; drawing never is.
        for row in t.itertuples(index=False):
            entries = [e.split(":") for e in row.dx.split("|")]
            dx_start.append(len(dx_code))
            dx_count.append(len(entries))
            for e in entries:
                dx_code.append(dx_id(e[0]))
                dx_side.append(e[1] if len(e) > 1 else "")
            extras = [e for e in row.dx_extra.split("|") if e]
            ex_start.append(len(ex_code))
            ex_count.append(len(extras))
            ex_code.extend(dx_id(e) for e in extras)
            tl_start.append(len(tl))
            em_rate = float(row.em_rate)
            if em_rate > 0:
                tl.append((-1, "", 1, 0, em_rate, 0))
            for bundle in filter(None, row.procedures.split(";")):
                items, _, prob = bundle.partition("@")
                for pos, item in enumerate(items.split("+")):
                    m = _ITEM.match(item)
                    if not m or m["code"] not in cm.index:
                        raise ValueError(
                            f"scenario {row.scenario}: procedure item {item!r} is malformed or not in the charge master"
                        )
                    ptr = "ABCD".index(m["ptr"]) if m["ptr"] else 0
                    tl.append(
                        (
                            cm.index[m["code"]],
                            m["mod"] or "",
                            int(m["units"] or 1),
                            ptr,
                            float(prob or 1),
                            pos,
                        )
                    )
            tl_count.append(len(tl) - tl_start[-1])
            if not any(line[4] >= 1 for line in tl[tl_start[-1] :]):
                raise ValueError(f"scenario {row.scenario} has no line that always occurs")
        tl_arr = np.array(tl, dtype=object)
        return cls(
            table=t,
            group=t["group"].to_numpy(dtype=object),
            kind=t["kind"].to_numpy(dtype=object),
            weight=t["weight"].astype(float).to_numpy(),
            min_age=t["min_age"].astype(int).to_numpy(),
            max_age=t["max_age"].astype(int).to_numpy(),
            sex=t["sex"].to_numpy(dtype=object),
            header_variant=t["header_variant"].to_numpy(dtype=object),
            months=np.array([[int(m) for m in text.split("|") if m] for text in t["months"]], dtype=object),
            dx_vocab=np.array(list(vocab), dtype=object),
            dx_start=np.array(dx_start),
            dx_count=np.array(dx_count),
            dx_code=np.array(dx_code),
            dx_side=np.array(dx_side, dtype=object),
            extra_start=np.array(ex_start),
            extra_count=np.array(ex_count),
            extra_code=np.array(ex_code, dtype=np.int64),
            extra_min=t["extra_min"].astype(int).to_numpy(),
            extra_max=t["extra_max"].astype(int).to_numpy(),
            tl_start=np.array(tl_start),
            tl_count=np.array(tl_count),
            tl_code=tl_arr[:, 0].astype(np.int64),
            tl_modifier=tl_arr[:, 1],
            tl_units=tl_arr[:, 2].astype(np.int64),
            tl_pointer=tl_arr[:, 3].astype(np.int64),
            tl_prob=tl_arr[:, 4].astype(float),
            tl_pos_in_bundle=tl_arr[:, 5].astype(np.int64),
        )


def _draw_scenarios(
    rng: np.random.Generator, sc: Scenarios, age: np.ndarray, female: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """One scenario per row, weighted, among the ``allowed`` ones that fit the row's age and sex.

    Rows are grouped by (age, sex) — at most a few hundred groups — and each group draws at once.
    """
    out = np.full(len(age), -1, dtype=np.int64)
    key = age * 2 + female.astype(np.int64)
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    for k, s, e in zip(keys, starts, ends, strict=True):
        a, f = divmod(int(k), 2)
        fits = (
            allowed
            & (sc.min_age <= a)
            & (sc.max_age >= a)
            & ((sc.sex == "A") | (sc.sex == ("F" if f else "M")))
        )
        w = np.where(fits, sc.weight, 0.0)
        if w.sum() == 0:
            continue
        out[order[s:e]] = rng.choice(len(w), size=e - s, p=w / w.sum())
    return out


def _pick(rng: np.random.Generator, n_choices: np.ndarray) -> np.ndarray:
    """A uniform index in ``range(n_choices[i])`` per row."""
    return np.minimum((rng.random(len(n_choices)) * n_choices).astype(np.int64), np.maximum(n_choices - 1, 0))


@dataclasses.dataclass
class Encounters:
    """Parallel arrays, one entry per encounter (one claim)."""

    patient: np.ndarray
    clinician: np.ndarray
    referring: np.ndarray  # clinician index or -1
    scenario: np.ndarray
    service_day: np.ndarray  # datetime64[D]
    dx: np.ndarray  # [n, 3] diagnosis ids, -1 when unused
    side: np.ndarray  # "RT"/"LT"/"" from the first-listed diagnosis
    em_new: np.ndarray  # bool: the E/M line, if any, is a new-patient visit


@dataclasses.dataclass
class Lines:
    """Parallel arrays, one entry per service line, grouped by encounter in line order."""

    encounter: np.ndarray
    line_number: np.ndarray
    code: np.ndarray  # charge-master index
    modifier: np.ndarray
    units: np.ndarray
    pointer: np.ndarray  # pointer letters, e.g. "AB"


def _patient_conditions(
    rng: np.random.Generator, practice: Practice, sc: Scenarios
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each patient's chronic scenario (-1 none), its physician, and a fixed draw for its code."""
    n = len(practice.age)
    p_chronic = np.where(practice.age <= 17, 0.15, np.where(practice.age >= 65, 0.75, 0.45))
    chronic = _draw_scenarios(rng, sc, practice.age, practice.is_female, sc.kind == "chronic")
    chronic = np.where(rng.random(n) < p_chronic, chronic, -1)
    group = np.where(chronic >= 0, sc.group[np.maximum(chronic, 0)], "")
    doctor = _clinician_in_group(rng, practice, group)
    doctor = np.where(np.isin(group, ["primary_care", "pediatrics"]), practice.pcp, doctor)
    return chronic, doctor, rng.random(n)


def _clinician_in_group(rng: np.random.Generator, practice: Practice, group: np.ndarray) -> np.ndarray:
    """A random clinician of each row's scenario group (-1 where the group is empty text)."""
    order = np.argsort(practice.clinician_group, kind="stable")
    names, starts, counts = np.unique(practice.clinician_group[order], return_index=True, return_counts=True)
    pos = np.searchsorted(names, group)
    known = (pos < len(names)) & (names[np.minimum(pos, len(names) - 1)] == group)
    pos = np.minimum(pos, len(names) - 1)
    pick = starts[pos] + _pick(rng, counts[pos])
    return np.where(known, order[pick], -1)


def _seasonal(
    rng: np.random.Generator, sc: Scenarios, scenario: np.ndarray, day: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """Seasonal visits (flu shots) move to a working day of their season when the window has one."""
    month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    for s in np.flatnonzero([len(m) > 0 for m in sc.months]):  # a handful of seasonal scenarios
        in_season = days[np.isin(day_month, sc.months[s])]
        out = (scenario == s) & ~np.isin(month, sc.months[s])
        if len(in_season) and out.any():
            day = np.where(out, in_season[rng.integers(0, len(in_season), size=len(day))], day)
    return day


def draw_encounters(
    rng: np.random.Generator, practice: Practice, sc: Scenarios, n: int, days: np.ndarray
) -> Encounters:
    """``n`` encounters on working ``days``, in random order."""
    chronic, chronic_doctor, chronic_u = _patient_conditions(rng, practice, sc)
    visits = 1.0 + 3.0 * (chronic >= 0) + 1.0 * (practice.age >= 65)
    patient = rng.choice(len(visits), size=n, p=visits / visits.sum())
    age, female = practice.age[patient], practice.is_female[patient]
    use_chronic = (chronic[patient] >= 0) & (rng.random(n) < CHRONIC_VISIT_SHARE)
    other = _draw_scenarios(rng, sc, age, female, sc.kind != "chronic")
    scenario = np.where(use_chronic, chronic[patient], other)
    group = sc.group[scenario]
    random_doc = _clinician_in_group(rng, practice, group)
    is_primary = np.isin(group, ["primary_care", "pediatrics"])
    clinician = np.where(
        use_chronic, chronic_doctor[patient], np.where(is_primary, practice.pcp[patient], random_doc)
    )
    # Specialists see patients referred by the patient's primary care physician.
    referring = np.where(is_primary, -1, practice.pcp[patient])
    service_day = _seasonal(rng, sc, scenario, days[rng.integers(0, len(days), size=n)], days)

    # Diagnoses: the chronic code stays the same for a patient; extras are distinct, drawn in a ring.
    u_dx = np.where(use_chronic, chronic_u[patient], rng.random(n))
    first = sc.dx_start[scenario] + np.minimum(
        (u_dx * sc.dx_count[scenario]).astype(np.int64), sc.dx_count[scenario] - 1
    )
    ex_count = sc.extra_count[scenario]
    span = sc.extra_max[scenario] - sc.extra_min[scenario] + 1
    k = np.minimum(sc.extra_min[scenario] + _pick(rng, span), ex_count)
    ring = _pick(rng, ex_count)
    dx = np.full((n, 3), -1, dtype=np.int64)
    dx[:, 0] = sc.dx_code[first]
    for j in (1, 2):
        slot = sc.extra_start[scenario] + (ring + j - 1) % np.maximum(ex_count, 1)
        dx[:, j] = np.where(k >= j, sc.extra_code[np.minimum(slot, max(len(sc.extra_code) - 1, 0))], -1)
    side = sc.dx_side[first]

    return Encounters(
        patient=patient,
        clinician=clinician,
        referring=referring,
        scenario=scenario,
        service_day=service_day,
        dx=dx,
        side=side,
        em_new=np.zeros(n, dtype=bool),
    )


def _separate_same_day_visits(
    kept: dict[str, np.ndarray], first_day: np.datetime64, last_day: np.datetime64
) -> np.ndarray:
    """Move a patient's second visit to the same clinician on the same day a week or more away
    (same weekday), so no two claims duplicate each other; a few passes settle every clash."""
    day = kept["service_day"].copy()
    for shift in (7, -7, 14, -14, 21, -21, 28, -28):
        frame = pd.DataFrame({"p": kept["patient"], "c": kept["clinician"], "d": day})
        clash = frame.duplicated(keep="first").to_numpy()
        if not clash.any():
            break
        moved = day + np.timedelta64(shift, "D")
        day = np.where(clash & (moved >= first_day) & (moved <= last_day), moved, day)
    return day


def keep_and_sort(
    rng: np.random.Generator,
    enc: Encounters,
    lines: Lines,
    n_keep: int,
    practice: Practice,
    first_day: np.datetime64,
    last_day: np.datetime64,
) -> tuple[Encounters, Lines]:
    """The first ``n_keep`` encounters (drawn in random order, so an unbiased subset) sorted by
    date, patient and clinician, with their lines renumbered to the new order; marks new patients.
    Service days stay between ``first_day`` and ``last_day``."""
    kept = {f.name: getattr(enc, f.name)[:n_keep] for f in dataclasses.fields(Encounters)}
    kept["service_day"] = _separate_same_day_visits(kept, first_day, last_day)
    order = np.lexsort((kept["clinician"], kept["patient"], kept["service_day"]))
    enc = Encounters(**{k: v[order] for k, v in kept.items()})
    rank = np.empty(n_keep, dtype=np.int64)
    rank[order] = np.arange(n_keep)
    new_encounter = rank[lines.encounter]
    line_order = np.lexsort((lines.line_number, new_encounter))
    lines = Lines(**{f.name: getattr(lines, f.name)[line_order] for f in dataclasses.fields(Lines)})
    lines.encounter = new_encounter[line_order]

    # A patient's first visit with a clinician in the window is sometimes a new-patient visit
    # (the others were seen before the window began).
    n = n_keep
    pair = enc.patient.astype(np.int64) * 100_000 + enc.clinician
    by_pair = np.lexsort((enc.service_day, pair))
    first_of_pair = np.ones(n, dtype=bool)
    first_of_pair[1:] = pair[by_pair][1:] != pair[by_pair][:-1]
    is_first = np.empty(n, dtype=bool)
    is_first[by_pair] = first_of_pair
    new_share = (
        practice.specialties["new_share"]
        .astype(float)
        .to_numpy()[practice.clinician_specialty[enc.clinician]]
    )
    enc.em_new = is_first & (rng.random(n) < new_share)
    return enc, lines


def expand_lines(rng: np.random.Generator, enc: Encounters, sc: Scenarios) -> tuple[Lines, np.ndarray]:
    """Every encounter's service lines (before E/M levels and modifiers); also lines per encounter."""
    counts = sc.tl_count[enc.scenario]
    total = int(counts.sum())
    encounter = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    offset = np.arange(total) - np.repeat(starts, counts)
    tl = sc.tl_start[enc.scenario][encounter] + offset
    u = rng.random(total)
    # Lines of one bundle share the draw of the bundle's first line.
    include = u[np.arange(total) - sc.tl_pos_in_bundle[tl]] < sc.tl_prob[tl]
    encounter, tl = encounter[include], tl[include]
    per_encounter = np.bincount(encounter, minlength=len(counts))
    starts = np.cumsum(per_encounter) - per_encounter
    line_number = np.arange(len(encounter)) - np.repeat(starts, per_encounter) + 1
    n_dx = (enc.dx >= 0).sum(axis=1)
    em_pointer = np.array(["", "A", "AB", "ABC", "ABCD"], dtype=object)[n_dx[encounter]]
    pointer = np.where(
        sc.tl_code[tl] < 0, em_pointer, np.array(list("ABCD"), dtype=object)[sc.tl_pointer[tl]]
    )
    modifier = sc.tl_modifier[tl]
    modifier = np.where(modifier == "SIDE", enc.side[encounter], modifier)
    lines = Lines(
        encounter=encounter,
        line_number=line_number,
        code=sc.tl_code[tl],
        modifier=modifier,
        units=sc.tl_units[tl],
        pointer=pointer,
    )
    return lines, per_encounter


def take_lines(lines: Lines, per_encounter: np.ndarray, n_lines: int) -> tuple[Lines, int]:
    """The first encounters holding exactly ``n_lines`` lines (the last one truncated if needed);
    also how many encounters are kept. The caller draws at least ``n_lines`` lines."""
    cum = np.cumsum(per_encounter)
    n_enc = int(np.searchsorted(cum, n_lines) + 1)
    keep = slice(0, n_lines)
    return Lines(**{f.name: getattr(lines, f.name)[keep] for f in dataclasses.fields(Lines)}), n_enc


def assign_em_codes(
    rng: np.random.Generator, lines: Lines, enc: Encounters, practice: Practice, cm: ChargeMaster
) -> None:
    """Fill E/M placeholders with a level from the clinician's specialty mix, and give the E/M the
    modifier (25, or 57 before a major procedure) that a same-day procedure requires."""
    em = lines.code < 0
    spec = practice.specialties
    est_cols = [c for c in spec.columns if c.startswith("em_est_")]
    new_cols = [c for c in spec.columns if c.startswith("em_new_")]
    est_cum = np.cumsum(spec[est_cols].astype(float).to_numpy(), axis=1)
    new_cum = np.cumsum(spec[new_cols].astype(float).to_numpy(), axis=1)
    est_codes = np.array([cm.index[c.removeprefix("em_est_")] for c in est_cols])
    new_codes = np.array([cm.index[c.removeprefix("em_new_")] for c in new_cols])
    e = lines.encounter[em]
    specialty = practice.clinician_specialty[enc.clinician[e]]
    u = rng.random(len(e))
    is_new = enc.em_new[e]
    cum = np.where(is_new[:, None], new_cum[specialty], est_cum[specialty])
    level = np.minimum((u[:, None] * cum[:, -1:] > cum).sum(axis=1), cum.shape[1] - 1)
    lines.code[em] = np.where(is_new, new_codes[level], est_codes[level])

    # The strongest E/M modifier any other line of the encounter asks for (57 outranks 25).
    rank = np.select([cm.em_modifier == "57", cm.em_modifier == "25"], [2, 1], 0)
    n_enc = int(lines.encounter.max()) + 1 if len(lines.encounter) else 0
    needed = np.zeros(n_enc, dtype=np.int64)
    np.maximum.at(needed, lines.encounter[~em], rank[lines.code[~em]])
    mod = np.array(["", "25", "57"], dtype=object)[needed[lines.encounter]]
    lines.modifier = np.where(em, mod, lines.modifier)
