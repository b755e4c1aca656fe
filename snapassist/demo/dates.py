"""When the demo's yearly events happen: dates that move from year to year.

Most festivals are not held on a fixed day of the year: Toronto's Pride
parade is on the last Sunday of June, the CNE ends on Labour Day, Easter
follows the moon and the Lunar New Year the Chinese calendar. Each rule here
gives an event's first day for many years at once (numpy ``datetime64[D]``),
so the generator places every event photo on its own year's date without a
loop over photos.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

#: The first day of the Lunar New Year, from the Hong Kong Observatory's
#: Gregorian-Lunar calendar conversion tables (checked against the
#: ``lunardate`` package's conversions).
LUNAR_NEW_YEAR = {
    2005: "2005-02-09", 2006: "2006-01-29", 2007: "2007-02-18", 2008: "2008-02-07",
    2009: "2009-01-26", 2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23",
    2013: "2013-02-10", 2014: "2014-01-31", 2015: "2015-02-19", 2016: "2016-02-08",
    2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05", 2020: "2020-01-25",
    2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17",
}
_LNY_FIRST = min(LUNAR_NEW_YEAR)
_LNY_DAYS = np.array([LUNAR_NEW_YEAR[y] for y in range(_LNY_FIRST, max(LUNAR_NEW_YEAR) + 1)],
                     dtype="datetime64[D]")


def _years(years):
    years = np.asarray(years)
    if years.dtype.kind not in "iu":
        raise ValidationError(f"years must be integers, got an array of {years.dtype}")
    return years.astype(np.int64)


def month_start(years, month):
    """The first day of ``month`` (1-12, or an array of months) in each of ``years``."""
    return ((_years(years) - 1970) * 12 + (month - 1)).astype("datetime64[M]").astype("datetime64[D]")


def weekday(days):
    """Day of the week of ``datetime64[D]`` days, Monday 0 to Sunday 6."""
    # 1970-01-01, day 0, was a Thursday.
    return (np.asarray(days, dtype="datetime64[D]").astype(np.int64) + THURSDAY) % 7


def nth_weekday(years, month, day_of_week, n):
    """The ``n``-th ``day_of_week`` of ``month`` in each year; ``n = -1`` is the last one."""
    if n == -1:
        last = month_start(np.asarray(years) + (month == 12), month % 12 + 1) - 1
        return last - (weekday(last) - day_of_week) % 7
    if not 1 <= n <= 4:
        raise ValidationError(f"n must be 1 to 4, or -1 for the last, got {n}")
    first = month_start(years, month)
    return first + (day_of_week - weekday(first)) % 7 + 7 * (n - 1)


def weekday_before(years, month, day, day_of_week):
    """The last ``day_of_week`` strictly before ``month``/``day`` in each year."""
    limit = month_start(years, month) + (day - 1)
    return limit - 1 - (weekday(limit - 1) - day_of_week) % 7


def easter_sunday(years):
    """Easter Sunday of the Gregorian calendar in each year (22 March to 25 April).

    The anonymous Gregorian computus (Meeus, *Astronomical Algorithms*):
    integer arithmetic on the golden number, the century's corrections and
    the weekday.
    """
    y = _years(years)
    a = y % 19
    b, c = y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    day = (h + leap - 7 * m + 114) % 31 + 1
    return month_start(y, month) + (day - 1)


def lunar_new_year(years):
    """The first day of the Lunar New Year in each year (from :data:`LUNAR_NEW_YEAR`).

    Raises
    ------
    ValidationError
        If a year is outside the table.
    """
    y = _years(years)
    outside = (y < _LNY_FIRST) | (y >= _LNY_FIRST + len(_LNY_DAYS))
    if outside.any():
        raise ValidationError(f"the Lunar New Year is known for {_LNY_FIRST} to "
                              f"{_LNY_FIRST + len(_LNY_DAYS) - 1}, got {int(y[outside][0])}")
    return _LNY_DAYS[y - _LNY_FIRST]


@dataclass(frozen=True)
class Yearly:
    """An event's first day each year: a rule, moved by ``offset`` days.

    ``rule`` is one of ``"fixed"`` (``args``: month, day), ``"nth_weekday"``
    (month, weekday, n), ``"weekday_before"`` (month, day, weekday),
    ``"easter"`` or ``"lunar_new_year"`` (no arguments).
    """

    rule: str
    args: tuple = ()
    offset: int = 0

    def start(self, years):
        """The event's first day in each of ``years`` (``datetime64[D]`` array)."""
        if self.rule == "fixed":
            month, day = self.args
            first = month_start(years, month) + (day - 1)
        elif self.rule == "nth_weekday":
            first = nth_weekday(years, *self.args)
        elif self.rule == "weekday_before":
            first = weekday_before(years, *self.args)
        elif self.rule == "easter":
            first = easter_sunday(years)
        elif self.rule == "lunar_new_year":
            first = lunar_new_year(years)
        else:
            raise ValidationError(f"unknown yearly rule {self.rule!r}")
        return first + self.offset
