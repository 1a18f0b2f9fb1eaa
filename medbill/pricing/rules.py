"""Medicare PFS payment rules as data, shared by the one-code (Decimal) and batch (integer) paths.

Percentages are in basis points (1/100 of a percent) so both paths apply the same exact
fractions and round to the cent, half up, after each step:

1. fee schedule amount from the RVUs of the code's row (the 26, TC or 53 row when modified);
2. OPPS imaging cap: the lesser of that amount and CMS's OPPS-based price for the locality;
3. bilateral surgery (modifier 50) by the bilateral indicator;
4. assistant at surgery (80/81/82/AS) or co-surgeon (62) by their indicators; team surgery (66)
   is either barred (zero) or priced by the MAC by report (no national amount);
5. status T services (injections) are bundled (zero) when another payable service is billed on
   the claim the same day;
6. multiple procedure reduction (indicator 2): the highest-paid procedure of the claim and date
   at 100%, every other one (and every further unit) at 50%.

The percentage MPPRs of indicators 4-7 come earlier, between steps 1 and 2: they cut portions of
the fee schedule amount of the second and later procedures (and further units) of the same
indicator, claim and date, and the OPPS cap and steps 3-4 then apply to the reduced amount (the
MACs' worksheets compare the reduced amount with the OPPS cap). A portion is in cents: the PC is
the fee of the code's 26 row, the TC the global fee less the PC (a -TC or -26 line is all TC or
all PC), the PE ``round(PE RVU x PE GPCI x CF)``; each reduced portion is rounded half up to the
cent on its own and the line pays its fee less the cents cut. Each further unit is a further
procedure.

- 4 diagnostic imaging (one family, 88, in the RVU file): TC at 50%, PC at 95%;
- 5 always-therapy services: PE at 50%; units and procedures ranked by PE amount;
- 6 diagnostic cardiovascular: TC at 75%; 7 diagnostic ophthalmology: TC at 80%.

Indicators 4, 6 and 7 rank procedures by the fee schedule amount of their TC (the RVU file's
wording for imaging), then by fee schedule amount, which orders lines without a TC (-26 lines).

Endoscopies (indicator 3) form families by their endoscopic base code (the RVU file's ENDO BASE;
the base code itself has indicator 2). Within one family on a claim and date, like 4-7 on the fee
schedule amount and before step 2: the highest fee is paid in full, every other endoscopy of the
family (and every further unit) its fee less the base code's fee at the same locality and setting,
never below zero; the base code billed with a member of its family is not paid (its value is in
theirs). Then, at step 6, each family counts as one procedure whose amount is the total of its
lines after steps 2-4: it is ranked with the indicator-2 procedures of the claim and date, and a
family ranked second or later has every line (and unit) paid at 50%, rounded per unit like
indicator 2. A lone endoscopy is a family of one, so it takes part in the indicator-2 ranking.

Sources: CMS, Medicare Claims Processing Manual ch. 12 (sections 20-40; 40.6.1 for endoscopies),
the PFS relative value file's record layout (MULT PROC indicators, ENDO BASE) and its 2017
change of the imaging PC reduction from 25% to 5% (Consolidated Appropriations Act, 2016).
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal

from medbill.exceptions import InvalidFormat

FULL = 10_000  # 100% in basis points
CENT = Decimal("0.01")


@functools.cache
def facility_pos() -> frozenset[str]:
    """Place of service codes paid at the facility rate (CMS's POS list, ``medbill.refdata.pos``).

    Hospitals, ASCs, SNFs and the like (19, 21, 22, 23, 24, 26, 31, 34, 41, 42, 51-53, 56, 61,
    provider-based IHS/tribal 06 and 08) and POS 02 (telehealth outside the patient's home).
    """
    from medbill.refdata import pos

    table = pos.table()
    return frozenset(table.index[table["facility"]])


@functools.cache
def known_pos() -> frozenset[str]:
    """Every assigned place of service code."""
    from medbill.refdata import pos

    return frozenset(pos.table().index)


# Status codes. Only these are paid from the RVUs; the rest are not separately payable under the
# PFS or are priced another way.
PAYABLE_STATUS = frozenset({"A", "R", "T"})
STATUS_MEANING = {
    "A": "active code, paid under the fee schedule",
    "B": "bundled: payment is included in another service",
    "C": "carrier priced: the MAC sets the amount; no national RVUs",
    "D": "deleted code",
    "E": "excluded from the fee schedule by regulation",
    "F": "deleted code, no grace period",
    "G": "not valid for Medicare; another code is used",
    "H": "deleted modifier for this code",
    "I": "not valid for Medicare; another code is used",
    "J": "anesthesia service: priced from base and time units times the anesthesia CF",
    "M": "measurement code, used for reporting only",
    "N": "non-covered service",
    "P": "bundled or excluded: not separately payable",
    "R": "restricted coverage: paid when covered",
    "T": "injection: paid only when no other payable service is billed the same day",
    "X": "statutory exclusion: not a physician service under the fee schedule",
}
PRICED_ELSEWHERE = frozenset({"C", "J"})  # no national amount: the line gets no price, not zero

# Modifiers that select their own row of the RVU file.
COMPONENT_MODIFIERS = ("26", "TC", "53")
COMPONENT_MEANING = {
    "": "global service",
    "26": "professional component (modifier 26)",
    "TC": "technical component (modifier TC)",
    "53": "discontinued procedure (modifier 53)",
}

# Bilateral indicator -> percent (bp) of one side paid for a line with modifier 50, and why.
BILATERAL = {
    0: (FULL, "bilateral indicator 0: 150% does not apply; paid as one service"),
    1: (15_000, "bilateral indicator 1: 150% of the fee schedule amount"),
    2: (FULL, "bilateral indicator 2: RVUs already cover both sides; 100%"),
    3: (20_000, "bilateral indicator 3: each side at 100% (200%)"),
    9: (FULL, "bilateral indicator 9: concept does not apply; 100%"),
}

ASSISTANT_MODIFIERS = ("80", "81", "82", "AS")
ASSISTANT_PHYSICIAN = 1_600  # 16% of the surgeon's amount
ASSISTANT_NONPHYSICIAN = 1_360  # AS: 85% of 16%
# Assistant indicator -> payable? 0 needs documentation (paid here, with a note); 1 statutory bar.
ASSISTANT_PAYABLE = {0: True, 1: False, 2: True, 9: False}

CO_SURGEON_PERCENT = 6_250  # 62.5% to each co-surgeon
CO_SURGEON_PAYABLE = {0: False, 1: True, 2: True, 9: False}

# Team surgery (66): permitted codes are priced by the MAC "by report"; indicator 0 or 9 bars it.
TEAM_PERMITTED = {0: False, 1: True, 2: True, 9: False}

MPPR_INDICATOR = 2
MPPR_FURTHER = 5_000  # 50% for the second and later procedures and units
ENDOSCOPY = 3  # families by endoscopic base code, then ranked with indicator 2 by family total
# Indicator -> (family, percent paid of the TC, PC and PE portions of second and later procedures).
MPPR_PORTIONS = {
    4: ("imaging", 5_000, 9_500, FULL),
    5: ("therapy", FULL, FULL, 5_000),
    6: ("cardiovascular", 7_500, FULL, FULL),
    7: ("ophthalmology", 8_000, FULL, FULL),
}
MPPR_RANKED = frozenset({MPPR_INDICATOR, *MPPR_PORTIONS})  # ranked within claim, date and indicator


def apply_bp(amount: Decimal, bp: int) -> Decimal:
    """``amount`` times ``bp`` basis points, rounded to the cent half up (as CMS rounds)."""
    return (amount * bp / FULL).quantize(CENT, rounding=ROUND_HALF_UP)


def bp_text(bp: int) -> str:
    return f"{Decimal(bp) / 100:g}%"


def portion_cut(mult_proc: int, tc: Decimal, pc: Decimal, pe: Decimal) -> Decimal:
    """Cents cut from a second or later procedure: each portion less its reduced, rounded amount."""
    _, *bps = MPPR_PORTIONS[mult_proc]
    return sum((p - apply_bp(p, bp) for p, bp in zip((tc, pc, pe), bps, strict=True)), Decimal("0.00"))


def portion_how(mult_proc: int, rank: int, tc: Decimal, pc: Decimal, pe: Decimal) -> str:
    """'imaging MPPR, rank 2, every unit: TC 19.58 at 50%, PC 9.55 at 95%' (an explanation step)."""
    family, *bps = MPPR_PORTIONS[mult_proc]
    units = "every unit" if rank > 1 else "units after the first"
    cut = [
        f"{name} {value} at {bp_text(bp)}"
        for name, value, bp in zip(("TC", "PC", "PE"), (tc, pc, pe), bps, strict=True)
        if bp != FULL and value
    ]
    return f"{family} MPPR, rank {rank}, {units}: {', '.join(cut) or 'no reduced portion on this line'}"


def portion_text(mult_proc: int) -> str:
    """'TC 50%, PC 95%': the reduced portions of an indicator 4-7 MPPR."""
    _, *bps = MPPR_PORTIONS[mult_proc]
    return ", ".join(
        f"{n} {bp_text(bp)}" for n, bp in zip(("TC", "PC", "PE"), bps, strict=True) if bp != FULL
    )


def component_modifier(modifiers: tuple[str, ...]) -> str:
    """The first modifier that selects its own RVU row (26, TC, 53), or '' for the global row."""
    return next((m for m in modifiers if m in COMPONENT_MODIFIERS), "")


def assistant_modifier(modifiers: tuple[str, ...]) -> str:
    return next((m for m in modifiers if m in ASSISTANT_MODIFIERS), "")


_LOCALITY = (re.compile(r"(\d{5})(\d{2})"), re.compile(r"(\d{1,5})\s*[-/ ]\s*(\d{1,2})"))


def parse_locality(text: object) -> tuple[str, str] | None:
    """'01112-05', '01112 05', '0111205', ('01112', '05') -> ('01112', '05'); None otherwise."""
    if isinstance(text, tuple) and len(text) == 2:
        text = f"{text[0]}-{text[1]}"
    if not isinstance(text, str):
        return None
    for pattern in _LOCALITY:
        m = pattern.fullmatch(text.strip())
        if m:
            return m.group(1).zfill(5), m.group(2).zfill(2)
    return None


def parse_pos(pos: object) -> str:
    """'11', 11, '2' -> two-digit place of service text; ``InvalidFormat`` otherwise."""
    text = str(pos).strip() if isinstance(pos, (str, int)) and not isinstance(pos, bool) else ""
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 2):
        raise InvalidFormat(f"Place of service {pos!r} is not a two-digit CMS code such as '11'.")
    return text.zfill(2)


# Outcome of pricing one line; the batch path keeps these as small integers.
PRICED, UNKNOWN_CODE, NO_COMPONENT_ROW, NOT_PAYABLE, NOT_PRICED, UNKNOWN_LOCALITY, BAD_UNITS = range(7)
ASSISTANT_BARRED, CO_SURGEON_BARRED, UNKNOWN_POS, TEAM_BARRED, TEAM_BY_REPORT, T_BUNDLED = 7, 8, 9, 10, 11, 12
ENDO_BASE_INCLUDED = 13  # a base endoscopy billed with a member of its family
# Outcomes with no amount at all (NA), as opposed to a zero payment.
NO_AMOUNT = frozenset(
    {UNKNOWN_CODE, NO_COMPONENT_ROW, NOT_PRICED, UNKNOWN_LOCALITY, BAD_UNITS, UNKNOWN_POS, TEAM_BY_REPORT}
)
# Outcomes that still have a fee schedule amount (the line was priced, then a rule zeroed it).
KEEPS_FEE = frozenset(
    {ASSISTANT_BARRED, CO_SURGEON_BARRED, TEAM_BARRED, TEAM_BY_REPORT, T_BUNDLED, ENDO_BASE_INCLUDED}
)

# Multiple procedure state of a line. UNSPLIT: an indicator 6/7 global test only code (PC/TC
# indicator 4) whose TC is billed under its own code, so it has no TC portion to reduce here.
MPPR_NONE, MPPR_HIGHEST, MPPR_REDUCED, MPPR_UNSPLIT = 0, 1, 2, 3
# Endoscopy family state of an indicator-3 line: alone (or the highest, one unit), the highest with
# further units, or a later endoscopy of its family (fee less the base's).
ENDO_NONE, ENDO_FIRST_OF_UNITS, ENDO_LESS_BASE = 0, 1, 2
# Assistant kinds.
ASSIST_NONE, ASSIST_PHYSICIAN, ASSIST_NONPHYSICIAN = 0, 1, 2


def rule_text(
    outcome: int,
    *,
    status: str = "",
    component: str = "",
    facility: bool = False,
    capped: bool = False,
    bilateral: int = -1,
    assistant: int = ASSIST_NONE,
    co_surgeon: bool = False,
    mppr: int = MPPR_NONE,
    mult_proc: int = 9,
    endo: int = ENDO_NONE,
    endo_base: str = "",
) -> str:
    """The rule applied to a line, in words; the same text on the one-code and batch paths."""
    if outcome == UNKNOWN_CODE:
        return "unknown code: not in this fee schedule year"
    if outcome == NO_COMPONENT_ROW:
        return f"no {component} row for this code: the modifier does not apply to it"
    if outcome == UNKNOWN_LOCALITY:
        return "unknown locality: not a MAC-locality of this fee schedule year"
    if outcome == UNKNOWN_POS:
        return "unknown place of service: not an assigned CMS POS code"
    if outcome == BAD_UNITS:
        return "units must be a whole number of at least 1"
    if outcome in (NOT_PAYABLE, NOT_PRICED):
        return f"status {status}: {STATUS_MEANING.get(status, 'not separately payable')}"
    if outcome == ASSISTANT_BARRED:
        return "assistant at surgery not payable for this code (assistant indicator 1 or 9)"
    if outcome == T_BUNDLED:
        return "status T: injection bundled into another payable service of the same day"
    if outcome == ENDO_BASE_INCLUDED:
        return "base endoscopy billed with a member of its family: included in their payment"
    if outcome == TEAM_BARRED:
        return "team surgery (66) not permitted for this code (team indicator 0 or 9)"
    if outcome == TEAM_BY_REPORT:
        return "team surgery (66): the MAC prices it by report; no national amount"
    if outcome == CO_SURGEON_BARRED:
        return "co-surgeons not payable for this code (co-surgeon indicator 0 or 9)"
    parts = [f"{'facility' if facility else 'non-facility'} rate", COMPONENT_MEANING[component]]
    if status != "A":
        parts.append(f"status {status}: {STATUS_MEANING.get(status, '')}")
    if capped:
        parts.append("OPPS imaging cap applied")
    if bilateral >= 0:
        parts.append(BILATERAL[bilateral][1])
    if assistant == ASSIST_PHYSICIAN:
        parts.append("assistant at surgery: 16%")
    elif assistant == ASSIST_NONPHYSICIAN:
        parts.append("non-physician assistant (AS): 13.6%")
    if co_surgeon:
        parts.append("co-surgeon (62): 62.5%")
    if mult_proc == ENDOSCOPY:
        if endo == ENDO_FIRST_OF_UNITS:
            parts.append(
                f"endoscopy family {endo_base}: first unit in full, further units less the base endoscopy's"
            )
        elif endo == ENDO_LESS_BASE:
            parts.append(f"endoscopy family {endo_base}: amount less the base endoscopy's, not below zero")
        if mppr == MPPR_REDUCED:
            parts.append("multiple procedures: the family ranks below another procedure of the day; 50%")
    elif mult_proc in MPPR_PORTIONS and mppr != MPPR_NONE:
        parts.append(_portion_rule(mppr, mult_proc))
    elif mppr == MPPR_HIGHEST:
        parts.append("multiple procedures: highest at 100%, further units at 50%")
    elif mppr == MPPR_REDUCED:
        parts.append("multiple procedures: reduced to 50%")
    return "; ".join(parts)


def _portion_rule(mppr: int, mult_proc: int) -> str:
    family = MPPR_PORTIONS[mult_proc][0]
    later = "units and procedures" if mult_proc == 5 else "procedures"
    if mppr == MPPR_UNSPLIT:
        return f"{family} MPPR not applied: global test only code, its TC is billed under its own code"
    if mppr == MPPR_HIGHEST:
        first = "highest-PE unit" if mult_proc == 5 else "highest procedure"
        return f"{family} MPPR: {first} in full; {portion_text(mult_proc)} for further units"
    return f"{family} MPPR: {portion_text(mult_proc)} (second and later {family} {later} the same day)"
