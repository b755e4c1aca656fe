"""When a spot is photographed: an event, a season or all year (pure data).

Private helper of :mod:`snapassist.spots`, which exports :func:`when`: the
calendar of a spot's photos, read for a festival that comes back each year
(on the same days or on moving ones), a season, or none.
"""
import calendar

import numpy as np

from ..settings import Settings


def when(taken, hours=None, lights=None, settings=None):
    """Event, season or all year, from the days the photos were taken.

    Parameters
    ----------
    taken : array of numpy.datetime64
        Local dates taken of photos whose day is known (NaT ignored).
    hours : array of float, optional
        The hour each was taken, NaN where unknown (a day without a time).
    lights : array of str, optional
        The light each was taken in (``geo.LIGHTS``), ``""`` where unknown.
    settings : snapassist.settings.Settings, optional
        The rules' thresholds (``event_*``, ``season_*``, ``min_dated_photos``).

    Returns
    -------
    dict or None
        An **event** when, in each year, most of that year's photos fall on
        a few days (see :func:`_event` and the ``event_*`` settings):
        ``{"kind": "event", "share", "days", "fixed", "once", "years",
        "occasions", "period", "length", "unit", "night_share", "text"}``.
        ``share``: of the dated photos, those on the event's days; ``days``:
        the calendar days they fall on (``"Oct 5"``); ``fixed``: the same
        calendar days every year; ``once``: seen in one year only;
        ``years``: the years it was seen; ``occasions``: each year's first
        and last day (ISO dates); ``period``: the first and last calendar
        day of them all; ``length``: the days (or nights) a year's occasion
        lasts (the median over the years); ``unit``: ``"night"`` when more
        than half of its photos of known time were taken at night, else
        ``"day"``; ``night_share``: that share (``None`` with fewer than
        ``EVENT_MIN_TIMED_PHOTOS`` of known time); ``text``: all that in
        words (``"An event: one night each year, early October"``).
        Else **seasonal** when more than ``SEASON_SHARE`` fall in
        ``SEASON_MAX_MONTHS`` consecutive months: ``{"kind": "seasonal",
        "months": ["Apr", "May"], "share"}``; else ``{"kind": "year-round"}``.
        ``None`` with fewer than ``MIN_DATED_PHOTOS`` dated photos.
    """
    s = Settings() if settings is None else settings
    taken = np.asarray(taken, dtype="datetime64[D]")
    n = len(taken)
    hours = np.full(n, np.nan) if hours is None else np.asarray(hours, dtype=np.float64)
    lights = np.full(n, "", dtype=object) if lights is None else np.asarray(lights, dtype=object)
    dated = ~np.isnat(taken)
    if dated.sum() < s.min_dated_photos:
        return None
    taken, hours, lights = taken[dated], hours[dated], lights[dated]
    event = _event(taken, hours, lights, s)
    if event is not None:
        return event
    months = taken.astype("datetime64[M]").astype(np.int64) % 12
    start, share = _best_window(np.bincount(months, minlength=12), s.season_max_months)
    if share > s.season_share:
        per_month = np.bincount(months, minlength=12)
        window = [(start + k) % 12 for k in range(s.season_max_months)]
        return {"kind": "seasonal", "share": share,
                "months": [calendar.month_abbr[m + 1] for m in window if per_month[m] > 0]}
    return {"kind": "year-round"}


def _event(taken, hours, lights, s):
    """The event the photos show (see :func:`when`), or ``None``.

    Two tests; either makes an event. Moving: each year with at least
    ``event_min_year_photos`` photos has its own best ``event_max_days``
    consecutive days; together they must hold ``event_share`` of all dated
    photos, each such year's count less the one photo its best days are
    sure to hold. Fixed: the same ``event_max_days`` calendar days in every
    year hold ``event_share``, so a date kept every year counts even in
    thin years. A "year" runs from the quietest month of the spot's
    calendar, so that New Year's Eve and the morning after are one year's.
    """
    width = s.event_max_days
    day = taken.astype(np.int64)
    # A festival night's small hours belong to its evening.
    day = day - (hours < s.event_night_ends_hour)
    doy = _day_of_year(day)
    per_doy = np.bincount(doy, minlength=366)
    year = _years(day, doy, per_doy)
    n = len(day)
    start, fixed_share = _best_window(per_doy, width)
    on_fixed = (doy - start) % 366 < width
    on_moving = np.zeros(n, dtype=bool)
    judged, held = 0, 0
    for y in np.unique(year):
        mine = np.flatnonzero(year == y)
        if len(mine) < s.event_min_year_photos:
            continue
        days = np.sort(day[mine])
        counts = np.searchsorted(days, days + width) - np.arange(len(days))
        first = days[int(np.argmax(counts))]
        on_moving[mine] = (day[mine] >= first) & (day[mine] < first + width)
        judged, held = judged + 1, held + int(counts.max())
    moving_share = (held - judged) / (n - judged) if judged < n else 0.0
    if max(moving_share, fixed_share) < s.event_share:
        return None
    fixed = bool(fixed_share >= s.event_share
                 and fixed_share >= s.event_fixed_share * on_moving.mean())
    members = on_fixed if fixed else on_moving
    years, counts = np.unique(year[members], return_counts=True)
    once = bool(counts.max() >= s.event_one_year_share * counts.sum())
    if once:
        members &= year == years[int(np.argmax(counts))]
    occasions, lengths = [], []
    for y in np.unique(year[members]):
        days = day[members & (year == y)]
        occasions.append([str(np.datetime64(int(days.min()), "D")),
                          str(np.datetime64(int(days.max()), "D"))])
        if len(days) > 1 or len(years) == 1:
            lengths.append(int(days.max() - days.min()) + 1)
    calendar_days = _calendar_order(np.unique(doy[members]))
    night = _night(hours[members], lights[members], s)
    answer = {"kind": "event", "share": float(members.mean()),
              "days": [_day_name(d) for d in calendar_days], "fixed": fixed and not once,
              "once": once, "years": len(occasions), "occasions": occasions,
              "period": [_day_name(calendar_days[0]), _day_name(calendar_days[-1])],
              "length": int(np.ceil(np.median(lengths))) if lengths else 1,
              "unit": "night" if night is not None and night > 0.5 else "day",
              "night_share": night}
    answer["text"] = _event_text(answer)
    return answer


def _day_of_year(day):
    """Day of a 366-day year (Feb 29 kept apart), so a date falls on the same day every year."""
    day = np.asarray(day, dtype=np.int64).astype("datetime64[D]")
    months = day.astype("datetime64[M]").astype(np.int64) % 12
    return _MONTH_STARTS[months] + (day - day.astype("datetime64[M]")).astype(np.int64)


def _years(day, doy, per_doy):
    """Each photo's year, starting mid-way through the quietest month of the spot's calendar."""
    month = 31
    wrapped = np.concatenate([per_doy, per_doy[:month - 1]])
    quiet = np.convolve(wrapped, np.ones(month, dtype=np.int64), mode="valid")[:len(per_doy)]
    boundary = (int(np.argmin(quiet)) + month // 2) % len(per_doy)
    year = day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return year - (doy < boundary)


def _calendar_order(doys):
    """Days of the year (sorted, distinct) in order from the end of their widest gap.

    So Dec 31 comes before Jan 1 for an event across the new year.
    """
    gaps = np.diff(np.concatenate([doys, doys[:1] + 366]))
    start = (int(np.argmax(gaps)) + 1) % len(doys)
    return np.roll(doys, -start)


def _night(hours, lights, s):
    """Share of the photos of known time taken at night (``None`` when too few are known)."""
    known_light = lights != ""
    known_hour = ~known_light & np.isfinite(hours)
    at_night = np.where(known_light, lights == "night",
                        (hours >= s.event_night_starts_hour)
                        | (hours < s.event_night_ends_hour))
    known = known_light | known_hour
    if known.sum() < s.event_min_timed_photos:
        return None
    return float(at_night[known].mean())


_PARTS = ((10, "early"), (20, "mid"), (31, "late"))


def _part_of_month(name):
    """``"Oct 5"`` -> ``("early", "October")``."""
    month, day = name.split()
    month = calendar.month_name[list(calendar.month_abbr).index(month)]
    return next(part for last, part in _PARTS if int(day) <= last), month


def _period_words(first, last):
    """``"early October"``, ``"early to mid October"``, ``"late March to late April"``."""
    (p1, m1), (p2, m2) = _part_of_month(first), _part_of_month(last)
    if m1 == m2:
        return f"{p1} {m1}" if p1 == p2 else f"{p1} to {p2} {m1}"
    return f"{p1} {m1} to {p2} {m2}"


def _day_span(first, last):
    """``"Oct 5-7"``, ``"Oct 5"`` or ``"Dec 31-Jan 1"`` from two day names."""
    if first == last:
        return first
    if first.split()[0] == last.split()[0]:
        return f"{first}-{last.split()[1]}"
    return f"{first}-{last}"


def _event_text(event):
    """The event in words (see :func:`when`)."""
    unit = event["unit"]
    how_long = f"one {unit}" if event["length"] == 1 else f"a few {unit}s"
    if event["once"]:
        first, last = event["occasions"][0]
        if first[:4] == last[:4]:
            when = f"{_day_span(*event['period'])} {first[:4]}"
        else:       # across the new year
            when = f"{event['period'][0]} {first[:4]}-{event['period'][1]} {last[:4]}"
        return f"A one-off event: {how_long}, {when}"
    if event["fixed"]:
        at_night = ", at night" if unit == "night" else ""
        return f"An event: {_day_span(*event['period'])} each year{at_night}"
    return f"An event: {how_long} each year, {_period_words(*event['period'])}"


_MONTH_STARTS = np.cumsum([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30])


def _best_window(counts, width):
    """Start and share of the ``width`` consecutive bins (wrapping) holding the most."""
    total = counts.sum()
    wrapped = np.concatenate([counts, counts[:width - 1]])
    sums = np.convolve(wrapped, np.ones(width, dtype=np.int64), mode="valid")[:len(counts)]
    start = int(np.argmax(sums))
    return start, float(sums[start] / total) if total else 0.0


def _day_name(day_of_year):
    month = int(np.searchsorted(_MONTH_STARTS, day_of_year, side="right") - 1)
    return f"{calendar.month_abbr[month + 1]} {day_of_year - _MONTH_STARTS[month] + 1}"
