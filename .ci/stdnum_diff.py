#!/usr/bin/env python3
"""Differential test of `tillit id check` against python-stdnum (SPEC R-ID-1..4).

Usage: python3 .ci/stdnum_diff.py path/to/tillit-binary

Generates a few thousand identifiers per country, deterministically (random.Random(SEED)):
valid ones built with correct check digits across centuries (samordningsnummer, D-, H- and
synthetic numbers included) and invalid ones (bad check digits, impossible and future dates,
wrong lengths, misplaced separators, junk). Each batch goes through
`<binary> id check --country se|dk|no [--kind org] [--allow-test-ids]`, which must answer one
line per input line: "valid<TAB><normalised>" or "invalid<TAB><reason>".

Each answer is compared with stdnum.se.personnummer, stdnum.dk.cpr, stdnum.no.fodselsnummer,
stdnum.se.orgnr, stdnum.dk.cvr and stdnum.no.orgnr: validity, and for valid numbers the
normalised form (and for SE, whose normalised form holds the century, the birth date).
Where the SPEC and stdnum differ on purpose, the case is counted as a documented expected
difference (see EXPECTED below, each naming its SPEC rule); every other disagreement is
printed and makes the script exit 1. The last line is "N passed, M failed", N counting
agreements and documented differences.

"Today" is the real current date: the binary reads the system clock, as stdnum does.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from collections import Counter
from random import Random

from stdnum.dk import cpr as dk_cpr
from stdnum.dk import cvr as dk_cvr
from stdnum.no import fodselsnummer as no_fnr
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.se import personnummer as se_pnr

SEED = 20251124


def _todays() -> set[datetime.date]:
    # The binary may read UTC or local time; stdnum reads local time.
    return {datetime.date.today(), datetime.datetime.now(datetime.timezone.utc).date()}


TODAYS = _todays()
TODAY = datetime.date.today()

# Documented expected differences: key -> why tillit and stdnum disagree on purpose.
EXPECTED = {
    "se-samordningsnummer": "R-ID-1: samordningsnummer (day + 60) are valid; stdnum.se.personnummer has none",
    "se-century": "R-ID-1: a 10-digit number takes the most recent century that does not put the "
    "birth date in the future (by full date); stdnum chooses by year alone, so for a birthday later "
    "this year it returns a future date",
    "se-future-12": "R-ID-3a: a birth date in the future is invalid; stdnum.se.personnummer accepts "
    "future 12-digit numbers",
    "se-12-range": "R-ID-1: a 12-digit number must have a 10-digit form ('-' for the last 100 years, "
    "'+' for the 100 before), and a '+' must agree; stdnum accepts any year and any separator",
    "no-synthetic": "R-ID-3: synthetic test numbers (month + 80) are valid when test identities are "
    "enabled; stdnum rejects them",
    "no-d-and-h": "R-ID-3: day + 40 (D-number) and month + 40 (H-number) together are neither; "
    "stdnum subtracts both",
    "se-org-sole-trader": "R-ID-4: an organisationsnummer needs third digit >= 2 (legal persons); "
    "stdnum.se.orgnr also accepts sole traders' personnummer",
    "no-org-first-digit": "R-ID-4: an organisasjonsnummer starts with 8 or 9; stdnum.no.orgnr does not check",
    "form": "R-ID-3a: only the usual separator is accepted; stdnum also strips other characters "
    "(spaces, ':', '.', Unicode dashes and digits, a 'DK' prefix ...)",
    "clock-edge": "the binary's and this script's 'today' differ (UTC against local time, or "
    "midnight passed); birth dates on those days may be judged differently",
}


# ---------------------------------------------------------------------------------------------
# Check digits


def luhn_digit(payload: str) -> str:
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def mod11_digit(payload: str, weights: list[int]) -> str | None:
    r = (11 - sum(int(c) * w for c, w in zip(payload, weights)) % 11) % 11
    return None if r == 10 else str(r)


NO_K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
NO_K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
DK_CPR = [4, 3, 2, 7, 6, 5, 4, 3, 2]
DK_CVR = [2, 7, 6, 5, 4, 3, 2]
NO_ORG = [3, 2, 7, 6, 5, 4, 3, 2]


def no_complete(payload9: str) -> str | None:
    k1 = mod11_digit(payload9, NO_K1)
    if k1 is None:
        return None
    k2 = mod11_digit(payload9 + k1, NO_K2)
    return None if k2 is None else payload9 + k1 + k2


# ---------------------------------------------------------------------------------------------
# Generators


def rand_date(rng: Random, lo: datetime.date, hi: datetime.date) -> datetime.date:
    return lo + datetime.timedelta(days=rng.randrange((hi - lo).days + 1))


def other_digit(rng: Random, d: str) -> str:
    return rng.choice([c for c in "0123456789" if c != d])


def bad_check(rng: Random, number: str) -> str:
    return number[:-1] + other_digit(rng, number[-1])


JUNK_ALPHABET = (
    "0123456789" * 6 + "abcxyzABCXYZåøæÅ-+ :./,_\t#*" + "\u2013\u2212\u00a0\u0663\uff10\u200b\u2028é"
)


def junk(rng: Random, n: int) -> list[str]:
    out = ["", " ", "\t", "   \t  ", "abc", "null", "-", "+", "0", "🙂", "1" * 40]
    for _ in range(n):
        out.append("".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randrange(1, 16))))
    return out


def wrong_lengths(rng: Random, n: int, good: set[int]) -> list[str]:
    out = []
    for _ in range(n):
        length = rng.choice([k for k in range(1, 15) if k not in good])
        out.append("".join(rng.choice("0123456789") for _ in range(length)))
    return out


def aged_100(birth: datetime.date) -> bool:
    # R-ID-1: '+' covers birth dates at least 100 years before today (compared as tuples,
    # since "today minus 100 years" need not exist).
    return (birth.year + 100, birth.month, birth.day) <= (TODAY.year, TODAY.month, TODAY.day)


def se_forms(rng: Random, ten: str, birth_year: int, plus: bool) -> list[str]:
    century = f"{birth_year // 100:02d}"
    sep = "+" if plus else "-"
    forms = [
        century + ten,
        century + ten[:6] + "-" + ten[6:],
        ten,
        ten[:6] + sep + ten[6:],
        "  " + ten[:6] + sep + ten[6:] + " ",
    ]
    if plus:
        forms.append(century + ten[:6] + "+" + ten[6:])
    return rng.sample(forms, 2)


def se_person_cases(rng: Random) -> list[str]:
    out: list[str] = []
    lo = datetime.date(TODAY.year - 199, 1, 1)

    def add(birth: datetime.date, coord: bool, plus: bool | None = None, serial: int | None = None):
        day = birth.day + (60 if coord else 0)
        serial = rng.randrange(1000) if serial is None else serial
        payload = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}{serial:03d}"
        ten = payload + luhn_digit(payload)
        out.extend(se_forms(rng, ten, birth.year, aged_100(birth) if plus is None else plus))
        if rng.random() < 0.2:
            out.append(bad_check(rng, ten))

    for _ in range(900):
        add(rand_date(rng, lo, TODAY), coord=rng.random() < 0.2)
    # Century edges: birthdays around today, this year and 100 and 199 years ago.
    for back in (0, 99, 100, 101, 199):
        for delta in range(-3, 4):
            d = TODAY + datetime.timedelta(days=delta)
            try:
                d = d.replace(year=d.year - back)
            except ValueError:
                continue
            add(d, coord=False)
            add(d, coord=True)
    # Wrong separator for the age: '+' on the young, '-' on the old.
    for _ in range(60):
        add(rand_date(rng, lo, TODAY), coord=False, plus=rng.random() < 0.5)
    # Leap days, including 1900 (not leap) and 2000 (leap).
    for year in (1828, 1900, 1904, 1996, 2000, 2004, 2020, 2024):
        for yy_sep in ("-", "+"):
            payload = f"{year % 100:02d}0229{rng.randrange(1000):03d}"
            ten = payload + luhn_digit(payload)
            out += [ten[:6] + yy_sep + ten[6:], f"{year // 100}{ten}"]
    for year in (1899, 1901, 2001, 2023, 2025):
        payload = f"{year % 100:02d}0229{rng.randrange(1000):03d}"
        out.append(f"{year // 100}{payload}{luhn_digit(payload)}")
    # Impossible dates with correct Luhn digits.
    for mmdd in ("0001", "0101", "1301", "0132", "0230", "0431", "0160", "0192", "0200", "9999"):
        for _ in range(4):
            payload = f"{rng.randrange(100):02d}{mmdd}{rng.randrange(1000):03d}"
            ten = payload + luhn_digit(payload)
            out += [ten[:6] + "-" + ten[6:], f"{rng.choice(['18', '19', '20'])}{ten}"]
    # Future and far-past 12-digit numbers.
    for _ in range(60):
        d = rand_date(rng, TODAY + datetime.timedelta(days=1), datetime.date(2099, 12, 31))
        payload = f"{d.year % 100:02d}{d.month:02d}{d.day:02d}{rng.randrange(1000):03d}"
        out.append(f"{d.year // 100}{payload}{luhn_digit(payload)}")
    for _ in range(30):
        d = rand_date(rng, datetime.date(1600, 1, 1), lo)
        payload = f"{d.year % 100:02d}{d.month:02d}{d.day:02d}{rng.randrange(1000):03d}"
        out.append(f"{d.year // 100}{payload}{luhn_digit(payload)}")
    # Misplaced and foreign separators.
    for _ in range(60):
        payload = f"{rng.randrange(100):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
        ten = payload + luhn_digit(payload)
        cut = rng.randrange(1, 10)
        sep = rng.choice("-+ :.")
        out.append(ten[:cut] + sep + ten[cut:])
    out += wrong_lengths(rng, 150, {10, 12})
    out += junk(rng, 150)
    return out


def dk_person_cases(rng: Random) -> list[str]:
    out: list[str] = []

    def sevenths(year: int) -> list[int]:
        if 1858 <= year <= 1899:
            return [5, 6, 7, 8]
        if 1900 <= year <= 1936:
            return [0, 1, 2, 3]
        if 1937 <= year <= 1999:
            return [0, 1, 2, 3, 4, 9]
        if 2000 <= year <= 2036:
            return [4, 9, 5, 6, 7, 8]
        if 2037 <= year <= 2057:
            return [5, 6, 7, 8]
        return []

    def add(birth: datetime.date, mod11_ok: bool | None = None):
        options = sevenths(birth.year)
        if not options:
            return
        head = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.choice(options)}{rng.randrange(100):02d}"
        if mod11_ok if mod11_ok is not None else rng.random() < 0.5:
            # R-ID-2: the old modulus 11 rule, weight 1 on the last digit.
            last = (-sum(int(c) * w for c, w in zip(head, DK_CPR))) % 11
            if last == 10:
                return
            number = head + str(last)
        else:
            number = head + rng.choice("0123456789")
        out.append(rng.choice([number, number[:6] + "-" + number[6:], f" {number[:6]}-{number[6:]} "]))

    for _ in range(1200):
        add(rand_date(rng, datetime.date(1858, 1, 1), TODAY))
    # Every 7th digit with every year: the century table, including futures.
    for seventh in range(10):
        for yy in range(100):
            d = rand_date(rng, datetime.date(2001, 1, 1), datetime.date(2001, 12, 28))
            out.append(f"{d.day:02d}{d.month:02d}{yy:02d}-{seventh}{rng.randrange(1000):03d}")
    # Birthdays around today, and leap days.
    for delta in range(-3, 4):
        add(TODAY + datetime.timedelta(days=delta))
    for seventh in range(10):
        for yy in (0, 4, 36, 37, 57, 58, 60, 96):
            out.append(f"2902{yy:02d}-{seventh}{rng.randrange(1000):03d}")
    for ddmm in ("0001", "0100", "3201", "0113", "3004", "3102", "9999"):
        for _ in range(5):
            out.append(f"{ddmm}{rng.randrange(100):02d}-{rng.randrange(10000):04d}")
    for _ in range(60):
        n = f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(100):02d}{rng.randrange(10000):04d}"
        cut = rng.randrange(1, 10)
        out.append(n[:cut] + rng.choice("- +:") + n[cut:])
    out += wrong_lengths(rng, 150, {10})
    out += junk(rng, 150)
    return out


def no_individual(rng: Random, year: int) -> int | None:
    # R-ID-3 read backwards: an individual number that gives this year.
    if 1854 <= year <= 1899:
        return rng.randrange(500, 750)
    if 1900 <= year <= 1939:
        return rng.randrange(0, 500)
    if 1940 <= year <= 1999:
        return rng.choice([rng.randrange(0, 500), rng.randrange(900, 1000)])
    if 2000 <= year <= 2039:
        return rng.randrange(500, 1000)
    return None


def no_person_cases(rng: Random) -> list[str]:
    out: list[str] = []

    def add(birth: datetime.date, day_add: int = 0, month_add: int = 0):
        ind = no_individual(rng, birth.year)
        if ind is None:
            return
        number = no_complete(
            f"{birth.day + day_add:02d}{birth.month + month_add:02d}{birth.year % 100:02d}{ind:03d}"
        )
        if number is None:
            return
        out.append(number if rng.random() < 0.85 else f" {number[:6]} {number[6:]} ")
        if rng.random() < 0.15:
            out.append(bad_check(rng, number))

    lo = datetime.date(1854, 1, 1)
    for _ in range(900):
        add(rand_date(rng, lo, TODAY))
    for day_add, month_add in ((40, 0), (0, 40), (0, 80), (40, 80), (40, 40)):
        for _ in range(120):
            add(rand_date(rng, lo, TODAY), day_add, month_add)
    # Every individual-number range with every year: the century table, including futures.
    for _ in range(700):
        d = rand_date(rng, datetime.date(2001, 1, 1), datetime.date(2001, 12, 28))
        number = no_complete(f"{d.day:02d}{d.month:02d}{rng.randrange(100):02d}{rng.randrange(1000):03d}")
        if number:
            out.append(number)
    for delta in range(-3, 4):
        add(TODAY + datetime.timedelta(days=delta))
    # FH-numbers (first digit 8 or 9), leap days, impossible dates: all with valid control digits.
    for _ in range(60):
        number = no_complete(f"{rng.choice('89')}{rng.randrange(10**8):08d}")
        if number:
            out.append(number)
    for yy in (0, 4, 39, 40, 53, 54, 96, 99):
        for ind in (0, 499, 500, 749, 750, 899, 900, 999):
            for ddmm in ("2902", "6902", "2942", "2982"):
                number = no_complete(f"{ddmm}{yy:02d}{ind:03d}")
                if number:
                    out.append(number)
    for ddmm in ("0001", "0100", "3201", "0113", "3004", "4001", "7201", "0140", "0153", "0180", "0193"):
        for _ in range(6):
            number = no_complete(f"{ddmm}{rng.randrange(100):02d}{rng.randrange(1000):03d}")
            if number:
                out.append(number)
    # Control digit 10: no valid number exists with these first digits.
    for _ in range(40):
        payload = f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(100):02d}{rng.randrange(1000):03d}"
        if mod11_digit(payload, NO_K1) is None:
            out.append(payload + f"{rng.randrange(100):02d}")
    for _ in range(60):
        n = f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(10**7):07d}"
        cut = rng.randrange(1, 11)
        out.append(n[:cut] + rng.choice("- :") + n[cut:])
    out += wrong_lengths(rng, 150, {11})
    out += junk(rng, 150)
    return out


def se_org_cases(rng: Random) -> list[str]:
    out: list[str] = []
    for _ in range(700):
        payload = f"{rng.randrange(10**9):09d}"
        n = payload + luhn_digit(payload)
        out.append(rng.choice([n, n[:6] + "-" + n[6:]]))
        if rng.random() < 0.25:
            out.append(bad_check(rng, n))
    for _ in range(40):
        payload = f"{rng.randrange(10**9):09d}"
        n = payload + luhn_digit(payload)
        cut = rng.randrange(1, 10)
        out.append(n[:cut] + rng.choice("- .") + n[cut:])
    return out + wrong_lengths(rng, 100, {10}) + junk(rng, 100)


def dk_org_cases(rng: Random) -> list[str]:
    out: list[str] = []
    for _ in range(700):
        payload = f"{rng.randrange(10**7):07d}"
        check = mod11_digit(payload, DK_CVR)
        n = payload + (check if check is not None else rng.choice("0123456789"))
        out.append(n)
        if rng.random() < 0.25:
            out.append(bad_check(rng, n))
    for _ in range(40):
        payload = f"{rng.randrange(10**6, 10**7):07d}"
        check = mod11_digit(payload, DK_CVR)
        if check is not None:
            out.append(
                rng.choice(["DK", "DK ", "", ""])
                + payload[:4]
                + rng.choice(["", " ", "-"])
                + payload[4:]
                + check
            )
    return out + wrong_lengths(rng, 100, {8}) + junk(rng, 100)


def no_org_cases(rng: Random) -> list[str]:
    out: list[str] = []
    for _ in range(700):
        payload = f"{rng.choice('89') if rng.random() < 0.7 else rng.randrange(10)}{rng.randrange(10**7):07d}"
        check = mod11_digit(payload, NO_ORG)
        n = payload + (check if check is not None else rng.choice("0123456789"))
        out.append(rng.choice([n, f"{n[:3]} {n[3:6]} {n[6:]}"]))
        if rng.random() < 0.25:
            out.append(bad_check(rng, n))
    for _ in range(40):
        payload = f"9{rng.randrange(10**7):07d}"
        check = mod11_digit(payload, NO_ORG)
        if check is not None:
            n = payload + check
            cut = rng.randrange(1, 9)
            out.append(n[:cut] + rng.choice(" -") + n[cut:])
    return out + wrong_lengths(rng, 100, {9}) + junk(rng, 100)


# ---------------------------------------------------------------------------------------------
# The two answers


def core(s: str) -> str:
    # Both sides ignore surrounding whitespace; the generators only put spaces and tabs there.
    return s.strip(" \t")


def digits_of(s: str) -> str:
    return "".join(c for c in s if c in "0123456789")


def stdnum_answer(validator, s: str):
    """(valid, normalised-or-None, birth-date-or-None) from stdnum."""
    module, kind = validator
    if not module.is_valid(s):
        return (False, None, None)
    birth = None
    if kind == "person":
        birth = module.get_birth_date(s)
    norm = digits_of(module.compact(s))
    if module is se_pnr:
        # stdnum's century, written the way tillit stores it: YYYYMMDDNNNC.
        norm = f"{birth.year // 100:02d}{norm[-10:]}"
    return (True, norm, birth)


def se_birth_from_normalised(norm: str) -> datetime.date | None:
    try:
        day = int(norm[6:8])
        return datetime.date(int(norm[0:4]), int(norm[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        return None


def se_recent_year(yy: int, month: int, day: int) -> int:
    # R-ID-1: the most recent year ending in yy whose month-day is not after today.
    candidate = TODAY.year - TODAY.year % 100 + yy
    if candidate > TODAY.year or (candidate == TODAY.year and (month, day) > (TODAY.month, TODAY.day)):
        candidate -= 100
    return candidate


# ---------------------------------------------------------------------------------------------
# Classification of disagreements


FORMS = {
    ("se", "person"): re.compile(r"[0-9]{6}[-+]?[0-9]{4}|[0-9]{8}[-+]?[0-9]{4}"),
    ("dk", "person"): re.compile(r"[0-9]{6}-?[0-9]{4}"),
    ("no", "person"): re.compile(r"[0-9]{6} ?[0-9]{5}"),
    ("se", "org"): re.compile(r"[0-9]{6}-?[0-9]{4}"),
    ("dk", "org"): re.compile(r"[0-9]{8}"),
    ("no", "org"): re.compile(r"[0-9]{9}|[0-9]{3} [0-9]{3} [0-9]{3}"),
}


def clock_sensitive(s: str, country: str, kind: str) -> bool:
    """Whether the birth month-day is within a day of one of the candidate todays, when
    those differ (the binary may read UTC, stdnum reads local time)."""
    if len(TODAYS) == 1 or kind != "person":
        return False
    d = digits_of(s)
    if country == "se" and len(d) in (10, 12):
        month, day = int(d[-8:-6]), int(d[-6:-4])
        day = day - 60 if day > 60 else day
    elif country in ("dk", "no") and len(d) >= 4:
        day, month = int(d[0:2]), int(d[2:4])
        if country == "no":
            day = day - 40 if day >= 40 else day
            month = month - 80 if month >= 80 else month - 40 if month >= 40 else month
    else:
        return False
    near = {
        ((t + datetime.timedelta(days=k)).month, (t + datetime.timedelta(days=k)).day)
        for t in TODAYS
        for k in (-1, 0, 1)
    }
    return (month, day) in near


def classify(country: str, kind: str, allow_test_ids: bool, s: str, t, p) -> tuple[str, str]:
    """('pass', '') | ('expected', key) | ('fail', why)."""
    t_valid, t_norm = t
    p_valid, p_norm, p_birth = p
    c = core(s)
    if not FORMS[(country, kind)].fullmatch(c):
        # R-ID-3a: anything but the usual forms is invalid for tillit.
        if t_valid:
            return ("fail", "tillit accepted a form outside R-ID-3a")
        return ("pass", "") if not p_valid else ("expected", "form")
    d = digits_of(c)

    if t_valid and p_valid:
        if t_norm == p_norm:
            if country == "se" and kind == "person" and se_birth_from_normalised(t_norm) != p_birth:
                return ("fail", "same normalised form, different birth date")
            return ("pass", "")
        if country == "se" and kind == "person" and len(d) == 10 and se_century_case(d):
            return ("expected", "se-century")
        return (
            ("expected", "clock-edge")
            if clock_sensitive(c, country, kind)
            else ("fail", "normalised forms differ")
        )
    if t_valid == p_valid:
        return ("pass", "")

    if kind == "person" and country == "se":
        if t_valid and int(d[-6:-4]) > 60:
            return ("expected", "se-samordningsnummer")
        if not t_valid and len(d) == 10 and se_century_case(d):
            return ("expected", "se-century")
        if not t_valid and len(d) == 12:
            if p_birth and p_birth > TODAY:
                return ("expected", "se-future-12")
            year = int(d[0:4])
            recent = se_recent_year(int(d[2:4]), int(d[4:6]), int(d[6:8]))
            if year < recent - 100 or ("+" in c and year != recent - 100):
                return ("expected", "se-12-range")
    if kind == "person" and country == "no":
        day, month = int(d[0:2]), int(d[2:4])
        if t_valid and allow_test_ids and 80 <= month <= 92:
            return ("expected", "no-synthetic")
        if not t_valid and day >= 40 and 40 <= month < 80:
            return ("expected", "no-d-and-h")
    if kind == "org" and country == "se" and not t_valid and int(d[2]) < 2:
        return ("expected", "se-org-sole-trader")
    if kind == "org" and country == "no" and not t_valid and d[0] not in "89":
        return ("expected", "no-org-first-digit")
    if clock_sensitive(c, country, kind):
        return ("expected", "clock-edge")
    return ("fail", "validity differs")


def se_century_case(ten: str) -> bool:
    # R-ID-1 by full date against stdnum by year: they part only for this year's YY with a
    # month-day after today.
    yy, month, day = int(ten[0:2]), int(ten[2:4]), int(ten[4:6])
    day = day - 60 if day > 60 else day
    return yy == TODAY.year % 100 and (month, day) > (TODAY.month, TODAY.day)


# ---------------------------------------------------------------------------------------------
# Running


def run_tillit(binary: str, country: str, kind: str, allow_test_ids: bool, inputs: list[str]):
    args = [binary, "id", "check", "--country", country]
    if kind == "org":
        args += ["--kind", "org"]
    if allow_test_ids:
        args.append("--allow-test-ids")
    proc = subprocess.run(
        args,
        input="".join(s + "\n" for s in inputs),
        capture_output=True,
        encoding="utf-8",
        check=False,
    )
    if proc.returncode != 0:
        return None, f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()[:500]}"
    text = proc.stdout
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    if text == "":
        lines = []
    if len(lines) != len(inputs):
        return None, f"{' '.join(args)}: {len(inputs)} lines in, {len(lines)} lines out"
    answers = []
    for line in lines:
        verdict, tab, rest = line.partition("\t")
        if tab != "\t" or verdict not in ("valid", "invalid") or not rest or "\t" in rest:
            answers.append(("malformed", line))
        else:
            answers.append((verdict == "valid", rest))
    return answers, None


VALIDATORS = {
    ("se", "person"): (se_pnr, "person"),
    ("dk", "person"): (dk_cpr, "person"),
    ("no", "person"): (no_fnr, "person"),
    ("se", "org"): (se_orgnr, "org"),
    ("dk", "org"): (dk_cvr, "org"),
    ("no", "org"): (no_orgnr, "org"),
}

GENERATORS = {
    ("se", "person"): se_person_cases,
    ("dk", "person"): dk_person_cases,
    ("no", "person"): no_person_cases,
    ("se", "org"): se_org_cases,
    ("dk", "org"): dk_org_cases,
    ("no", "org"): no_org_cases,
}

RUNS = [
    ("se", "person", False),
    ("dk", "person", False),
    ("no", "person", False),
    ("no", "person", True),
    ("se", "org", False),
    ("dk", "org", False),
    ("no", "org", False),
]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary = sys.argv[1]
    passed = failed = 0
    expected = Counter()
    shown = unshown = 0
    print(f"stdnum_diff: today {TODAY}, seed {SEED}")
    for country, kind, allow in RUNS:
        rng = Random(f"{SEED}-{country}-{kind}")
        inputs = list(dict.fromkeys(GENERATORS[(country, kind)](rng)))
        label = f"{country} {kind}" + (" --allow-test-ids" if allow else "")
        answers, error = run_tillit(binary, country, kind, allow, inputs)
        if answers is None:
            print(f"FAIL {label}: {error}")
            failed += len(inputs)
            continue
        counts = Counter()
        for s, t in zip(inputs, answers):
            p = stdnum_answer(VALIDATORS[(country, kind)], s)
            if t[0] == "malformed":
                status, why = "fail", f"malformed output line {t[1]!r}"
            else:
                status, why = classify(country, kind, allow, s, t, p)
            counts[status] += 1
            if status == "fail":
                failed += 1
                unshown += 1
                if shown < 200:
                    unshown -= 1
                    shown += 1
                    t_text = f"valid {t[1]}" if t[0] is True else f"invalid ({t[1]})"
                    p_text = f"valid {p[1]} born {p[2]}" if p[0] else "invalid"
                    print(f"FAIL {label} {s!r}: {why}; tillit: {t_text}; stdnum: {p_text}")
            else:
                passed += 1
                if status == "expected":
                    expected[why] += 1
                    counts[f"expected:{why}"] += 1
        detail = ", ".join(
            f"{k.split(':', 1)[1]} {v}" for k, v in sorted(counts.items()) if k.startswith("expected:")
        )
        print(
            f"{label}: {len(inputs)} inputs, {counts['pass']} agree, {counts['expected']} documented "
            f"differences{' (' + detail + ')' if detail else ''}, {counts['fail']} failed"
        )
    if unshown:
        print(f"... {unshown} more failures not shown")
    if expected:
        print("documented differences from python-stdnum:")
        for key, n in sorted(expected.items()):
            print(f"  {key} ({n}): {EXPECTED[key]}")
    if _todays() != TODAYS:
        print("note: the date changed during the run; rerun if failures involve today's date")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
