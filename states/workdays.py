"""Working days in the Netherlands, for the few rules that count in working days.

A working day is Monday to Friday and not an "algemeen erkende feestdag" of the Algemene
termijnenwet (art. 3), the law that also extends statutory terms that end on a weekend or holiday:

- Nieuwjaarsdag (1 January)
- tweede Paasdag (Easter Monday; Easter Sunday is a Sunday anyway)
- Hemelvaartsdag (Easter + 39 days)
- tweede Pinksterdag (Whit Monday, Easter + 50 days; Whit Sunday is a Sunday anyway)
- eerste en tweede Kerstdag (25 and 26 December)
- Koningsdag: 27 April, or 26 April when the 27th is a Sunday (from 2014); before 2014
  Koninginnedag 30 April, or 29 April when the 30th is a Sunday
- 5 mei (Bevrijdingsdag), every year: the Algemene termijnenwet lists it without the "once every
  five years" that many collective agreements apply to days off.

Not included: Goede Vrijdag (not in the Algemene termijnenwet), carnival, regional days.
"""

from __future__ import annotations

from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _kings_day(year: int) -> date:
    if year >= 2014:
        day = date(year, 4, 27)
    else:
        day = date(year, 4, 30)
    if day.weekday() == 6:  # Sunday: celebrated the day before
        day -= timedelta(days=1)
    return day


def public_holidays(year: int) -> frozenset[date]:
    """The recognised public holidays of ``year`` (see the module docstring for the list)."""
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter + timedelta(days=1),
            easter + timedelta(days=39),
            easter + timedelta(days=50),
            _kings_day(year),
            date(year, 5, 5),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_working_day_after(day: date) -> date:
    """The first working day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_on_or_after(day: date) -> date:
    return day if is_working_day(day) else next_working_day_after(day)


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
    for _ in range(count):
        day = next_working_day_after(day)
    return day
