"""A search's options from its query string: filters, order and date.

``months=10,11`` and ``light=golden,blue`` (or repeated) keep only the
photos taken in those months or in that light; ``sort=`` orders the spots
(``config.SORTS``); ``date=YYYY-MM-DD`` is the day the sun is given for
(default: today in the city's time zone). A bad value is a
:class:`~snapassist.errors.QueryError` naming the parameter, the rule and the
value.
"""
import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import config, geo
from ..errors import QueryError
from ..geo import today_in
from ..search import SearchOptions

log = logging.getLogger(__name__)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: How much of a bad value is echoed in a message.
_ECHO = 40


def city_zone(name):
    """The ``ZoneInfo`` of the tables' time zone ``name``; the default one if unknown."""
    try:
        return ZoneInfo(name or config.DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("the tables record the unknown time zone %r: using %s", name,
                    config.DEFAULT_TIMEZONE)
        return ZoneInfo(config.DEFAULT_TIMEZONE)


def parse_options(args, zone):
    """The :class:`SearchOptions` of a request's ``args`` (a werkzeug ``MultiDict``).

    ``zone`` (a ``ZoneInfo``) gives the default date: today there.

    Raises
    ------
    QueryError
        If a value breaks its parameter's rule; the message names both.
    """
    months = sorted({_month(v) for v in _values(args, "months")})
    light = _values(args, "light")
    for value in light:
        if value not in geo.LIGHTS:
            raise QueryError(f"light must be one or more of {', '.join(geo.LIGHTS)} "
                             f"separated by commas (light=golden,blue), got {value[:_ECHO]!r}")
    sorts = args.getlist("sort")
    sort = sorts[-1].strip() if sorts else config.SORTS[0]
    if sort not in config.SORTS:
        raise QueryError(f"sort must be one of {', '.join(config.SORTS)}, "
                         f"got {sort[:_ECHO]!r}")
    date = args.get("date", "").strip()
    return SearchOptions(sort=sort, months=tuple(months),
                         light=tuple(sorted(set(light), key=geo.LIGHTS.index)),
                         date=_date(date) if date else today_in(zone))


def _values(args, name):
    """Every comma-separated value of a parameter, over all its repeats; blanks dropped."""
    return [part.strip() for value in args.getlist(name) for part in value.split(",")
            if part.strip()]


def _month(value):
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 12:
        raise QueryError(f"months must be month numbers from 1 to 12 separated by commas "
                         f"(months=10,11), got {value[:_ECHO]!r}")
    return int(value)


def _date(value):
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"date must be a day written YYYY-MM-DD (date=2026-06-21), "
                         f"got {value[:_ECHO]!r}") from None
