from datetime import date

import pytest

from states.workdays import (
    add_working_days,
    easter_sunday,
    is_working_day,
    next_working_day_after,
    public_holidays,
    working_day_on_or_after,
    working_day_on_or_before,
)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_holidays_2026_follow_the_algemene_termijnenwet() -> None:
    assert public_holidays(2026) == {
        date(2026, 1, 1),  # Nieuwjaarsdag
        date(2026, 4, 6),  # tweede Paasdag
        date(2026, 4, 27),  # Koningsdag
        date(2026, 5, 5),  # 5 mei, every year
        date(2026, 5, 14),  # Hemelvaartsdag
        date(2026, 5, 25),  # tweede Pinksterdag
        date(2026, 12, 25),
        date(2026, 12, 26),
    }
    assert date(2026, 4, 3) not in public_holidays(2026)  # Goede Vrijdag is not included


def test_kings_day_moves_to_saturday_when_the_27th_is_a_sunday() -> None:
    assert date(2025, 4, 26) in public_holidays(2025)
    assert date(2025, 4, 27) not in public_holidays(2025)
    assert date(2013, 4, 30) in public_holidays(2013)  # Koninginnedag before 2014


def test_working_days() -> None:
    assert is_working_day(date(2026, 1, 2))  # Friday
    assert not is_working_day(date(2026, 1, 3))  # Saturday
    assert not is_working_day(date(2026, 1, 1))
    assert next_working_day_after(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_working_day_after(date(2027, 3, 26)) == date(2027, 3, 30)  # over Easter Monday
    assert working_day_on_or_after(date(2026, 5, 14)) == date(2026, 5, 15)
    assert working_day_on_or_before(date(2026, 5, 25)) == date(2026, 5, 22)
    assert add_working_days(date(2026, 4, 30), 3) == date(2026, 5, 6)  # skips the weekend and 5 May
    assert add_working_days(date(2026, 4, 30), 0) == date(2026, 4, 30)
