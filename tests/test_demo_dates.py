"""The demo events' moving dates (snapassist.demo.dates), against independent oracles."""
import calendar
import datetime as dt

import numpy as np
import pytest
from dateutil.easter import easter

from snapassist.demo import dates
from snapassist.errors import ValidationError

YEARS = np.arange(1990, 2040)


def days(values):
    return [np.datetime64(v, "D") for v in values]


def test_easter_sunday_is_dateutils_for_every_year_of_the_gregorian_calendar():
    years = np.arange(1583, 2600)
    assert list(dates.easter_sunday(years)) == days(easter(int(y)) for y in years)


@pytest.mark.parametrize("year, day", [(2008, "2008-03-23"), (2011, "2011-04-24"),
                                       (2019, "2019-04-21"), (2024, "2024-03-31"),
                                       (2285, "2285-03-22"), (2038, "2038-04-25")])
def test_easter_sunday_by_hand(year, day):
    assert dates.easter_sunday([year])[0] == np.datetime64(day)


@pytest.mark.parametrize("month", [1, 2, 6, 9, 10, 12])
@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("n", [1, 2, 4, -1])
def test_nth_weekday_agrees_with_the_calendar_module(month, weekday, n):
    expected = []
    for y in YEARS:
        matching = [d for d in calendar.Calendar().itermonthdates(int(y), month)
                    if d.month == month and d.weekday() == weekday]
        expected.append(matching[n - 1] if n > 0 else matching[-1])
    assert list(dates.nth_weekday(YEARS, month, weekday, n)) == days(expected)


@pytest.mark.parametrize("year, name, day", [
    (2024, "Nuit Blanche (first Saturday of October)", "2024-10-05"),
    (2023, "Canadian Thanksgiving (second Monday of October)", "2023-10-09"),
    (2024, "Pride parade (last Sunday of June)", "2024-06-30"),
    (2025, "Labour Day (first Monday of September)", "2025-09-01"),
])
def test_nth_weekday_by_hand(year, name, day):
    rules = {"Nuit": (10, dates.SATURDAY, 1), "Cana": (10, dates.MONDAY, 2),
             "Prid": (6, dates.SUNDAY, -1), "Labo": (9, dates.MONDAY, 1)}
    assert dates.nth_weekday([year], *rules[name[:4]])[0] == np.datetime64(day), name


def test_victoria_day_is_the_monday_before_may_25():
    victoria = dates.weekday_before(YEARS, 5, 25, dates.MONDAY)
    for y, day in zip(YEARS, victoria.astype(dt.date)):
        assert day.weekday() == 0 and day.month == 5 and 18 <= day.day <= 24, y
    assert victoria[YEARS == 2021][0] == np.datetime64("2021-05-24")   # May 25 was a Tuesday
    assert victoria[YEARS == 2025][0] == np.datetime64("2025-05-19")


def test_lunar_new_year_moves_between_january_21_and_february_20():
    years = np.arange(2006, 2026)
    first = dates.lunar_new_year(years).astype(dt.date)
    assert all((d.month, d.day) >= (1, 21) and (d.month, d.day) <= (2, 20) for d in first)
    assert len({(d.month, d.day) for d in first}) >= 15        # it moves (2006 and 2025: Jan 29)
    # Published dates (Year of the Goat, the Rat, the Rabbit).
    assert list(dates.lunar_new_year([2015, 2020, 2023])) == days(
        ["2015-02-19", "2020-01-25", "2023-01-22"])


def test_lunar_new_year_outside_its_table_is_refused():
    with pytest.raises(ValidationError, match="Lunar New Year is known for 2005 to 2026, got 2030"):
        dates.lunar_new_year([2010, 2030])


@pytest.mark.parametrize("rule, expected", [
    (dates.Yearly("fixed", (7, 1)), "2024-07-01"),
    (dates.Yearly("nth_weekday", (9, dates.MONDAY, 1), -17), "2024-08-16"),
    (dates.Yearly("weekday_before", (5, 25, dates.MONDAY)), "2024-05-20"),
    (dates.Yearly("easter", (), -2), "2024-03-29"),
    (dates.Yearly("lunar_new_year", (), -1), "2024-02-09"),
])
def test_yearly_rules_give_each_years_first_day(rule, expected):
    assert rule.start(np.array([2024]))[0] == np.datetime64(expected)


def test_weekday_counts_from_monday():
    assert list(dates.weekday(days(["2024-01-01", "2024-01-07", "1970-01-01"]))) == [0, 6, 3]


@pytest.mark.parametrize("call, match", [
    (lambda: dates.Yearly("full_moon").start(np.array([2024])), "unknown yearly rule 'full_moon'"),
    (lambda: dates.nth_weekday([2024], 10, 0, 5), "n must be 1 to 4, or -1 for the last, got 5"),
    (lambda: dates.easter_sunday([2024.5]), "years must be integers, got an array of float64"),
])
def test_bad_rules_are_refused(call, match):
    with pytest.raises(ValidationError, match=match):
        call()
