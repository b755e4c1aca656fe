"""A search's parameters from its query string: the phrase, filters, order and date.

One rule for every parameter, whatever the route:

- **empty is absent**: a value that is empty or only blanks counts as not
  given (``sort=`` is the default order, ``months=`` no filter, ``q=`` no
  phrase);
- **lists merge**: ``months`` and ``light`` take several values, comma-separated
  or repeated (``months=10,11`` is ``months=10&months=11``);
- **one value or a 400**: ``q`` (and its 2018 name ``search_keywords``,
  the same parameter), ``sort`` and ``date`` take one value; given twice
  with different values the request is refused, naming the parameter,
  rather than one of them picked silently.

``months=10,11`` and ``light=golden,blue`` keep only the photos taken in
those months or in that light; ``sort=`` orders the spots (``config.SORTS``);
``date=YYYY-MM-DD`` is the day the sun is given for (default: today in the
city's time zone). A bad value is a :class:`~snapassist.errors.QueryError`
naming the parameter, the rule and the value.
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
#: The phrase's parameter and its 2018 name (``/output?search_keywords=``).
PHRASE_NAMES = ("q", "search_keywords")


def city_zone(name):
    """The ``ZoneInfo`` of the tables' time zone ``name``; the default one if unknown."""
    try:
        return ZoneInfo(name or config.DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("the tables record the unknown time zone %r: using %s", name,
                    config.DEFAULT_TIMEZONE)
        return ZoneInfo(config.DEFAULT_TIMEZONE)


def single_value(args, *names):
    """The one value of a single-valued parameter (under any of ``names``), or ``None``.

    Blank values count as absent; the same value given twice is that value.

    Raises
    ------
    QueryError
        If the parameter has two or more different values.
    """
    values = [value.strip() for name in names for value in args.getlist(name)]
    distinct = list(dict.fromkeys(value for value in values if value))
    if len(distinct) > 1:
        shown = ", ".join(repr(value[:_ECHO]) for value in distinct[:3])
        raise QueryError(f"{names[0]} takes one value, got {len(distinct)}: {shown}")
    return distinct[0] if distinct else None


def query_phrase(args):
    """The search phrase (``q``, or the 2018 ``search_keywords``), or ``None`` if not given.

    Raises
    ------
    QueryError
        If the phrase is given twice with different values.
    """
    return single_value(args, *PHRASE_NAMES)


def echo_phrase(args):
    """The phrase to show again beside an error: the first one given, ``""`` if none.

    Never raises: it is what an error page shows, whatever was wrong.
    """
    for name in PHRASE_NAMES:
        for value in args.getlist(name):
            if value.strip():
                return value
    return ""


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
    sort = single_value(args, "sort") or config.SORTS[0]
    if sort not in config.SORTS:
        raise QueryError(f"sort must be one of {', '.join(config.SORTS)}, "
                         f"got {sort[:_ECHO]!r}")
    date = single_value(args, "date")
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
