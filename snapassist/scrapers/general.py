"""Scraper 1: every geotagged photo taken in an area during a period.

Flickr returns at most the first 4,000 results of any query, so a busy
period cannot be fetched with one query. The period is fetched as a chain
of *segments*: one query sorted by date taken, paged to its end or to the
cap; when it hits the cap, the next segment starts at the date taken of the
last photo received (inclusive, as Flickr's bounds are, so the photos
sharing that second are fetched again and de-duplicated by id). No call is
spent probing a window's size and quiet days cost no extra call, which
keeps the cost close to the floor of one call per 250 photos. A single
second holding more photos than the cap is fetched by splitting the area
into quarters.

Each finished segment is checkpointed at once (see :mod:`._checkpoint`);
segments depend only on the data, so a resumed run makes the same segments
and ends with the same table as an uninterrupted one.
"""
import logging
import math
from datetime import date, datetime, timedelta

import pandas as pd

from .. import config
from ..errors import ValidationError
from ..geo import default_area
from ..schema import FLICKR_EXTRAS, RAW_MASTER
from ._checkpoint import Checkpoint

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)


def flickr_area_params(area):
    """Flickr search parameters for a :class:`~snapassist.geo.Area`."""
    if area.bbox is not None:
        return {"bbox": ",".join(repr(v) for v in area.bbox)}
    return {"lat": repr(area.lat), "lon": repr(area.lon),
            "radius": repr(area.radius_km), "radius_units": "km"}


def to_mysql(seconds):
    """Naive epoch seconds -> Flickr's ``"YYYY-MM-DD HH:MM:SS"``."""
    return (_EPOCH + timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%S")


def _taken_seconds(photo, default):
    try:
        when = datetime.strptime(str(photo.get("datetaken", "")), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return default
    return int((when - _EPOCH).total_seconds())


def _int(value, default=0):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _search_params(area, start, end, page):
    return {**flickr_area_params(area), "min_taken_date": to_mysql(start),
            "max_taken_date": to_mysql(end), "has_geo": 1, "content_type": 1,
            "media": "photos", "extras": FLICKR_EXTRAS, "sort": "date-taken-asc",
            "per_page": config.FLICKR_GEO_PER_PAGE, "page": page}


def iter_query(client, area, start, end, cap=config.FLICKR_RESULT_CAP):
    """Yield the pages of one query as ``(photos, total)``, up to the cap.

    Stops at ``page >= pages``, at an empty page, or at the last page within
    the first ``cap`` results (later pages would only repeat them). Pages
    may be shorter than asked (Flickr filters some photos after counting),
    so the stop depends on page numbers, not on photos received.
    """
    page = 1
    while True:
        answer = client.search(**_search_params(area, start, end, page))
        photos = answer.get("photo") or []
        if not photos:
            return
        yield photos, _int(answer.get("total"))
        per_page = _int(answer.get("perpage"), config.FLICKR_GEO_PER_PAGE) or 1
        if page >= min(_int(answer.get("pages")), math.ceil(cap / per_page)):
            return
        page += 1


def fetch_segment(client, area, cursor, end, cap=config.FLICKR_RESULT_CAP):
    """One segment of a chain: ``(photos, next_cursor)``.

    Fetches the query ``[cursor, end]`` up to the cap. ``next_cursor`` is
    where the chain goes on, or ``None`` when nothing is left. Photos may
    repeat: callers de-duplicate by id.
    """
    photos, total, last = [], 0, cursor
    for page, total in iter_query(client, area, cursor, end, cap):
        last = max(last, _taken_seconds(page[-1], cursor))
        photos.extend(p for p in page if area.keeps(_float(p.get("latitude")),
                                                    _float(p.get("longitude"))))
    if total <= cap:
        return photos, None  # the whole query fit under the cap
    if last > cursor:
        return photos, last  # inclusive: the rest of that second comes again
    # More than the cap in one second: split the area for that second.
    parts = area.split()
    if not parts:
        log.warning("more than %d photos taken at %s in a tiny area; only the "
                    "first %d can be fetched", cap, to_mysql(cursor), cap)
    for part in parts:
        photos.extend(iter_window_photos(client, part, cursor, cursor, cap))
    return photos, (cursor + 1 if cursor < end else None)


def iter_window_photos(client, area, start, end, cap=config.FLICKR_RESULT_CAP):
    """Yield every photo taken in ``[start, end]`` (inclusive epoch seconds).

    Photos may repeat (a capped query's last second is fetched again):
    callers de-duplicate by id.
    """
    cursor = start
    while cursor is not None:
        photos, cursor = fetch_segment(client, area, cursor, end, cap)
        yield from photos


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _text(value):
    """A Flickr value as the text stored in raw tables."""
    if value is None:
        return ""
    if isinstance(value, dict):  # {"_content": ...}
        return _text(value.get("_content"))
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def photos_to_frame(photos):
    """Photo dicts -> a raw master frame (every column text), first of each id."""
    rows = {}
    for photo in photos:
        pid = _text(photo.get("id"))
        if pid and pid not in rows:
            rows[pid] = [_text(photo.get(col)) for col in RAW_MASTER]
    frame = pd.DataFrame(list(rows.values()), columns=list(RAW_MASTER), dtype=object)
    return frame.astype(object)


def area_timezone(area):
    """The IANA time zone at the middle of ``area`` (``None`` at sea)."""
    from timezonefinder import TimezoneFinder

    w, s, e, n = area.bounds()
    return TimezoneFinder().timezone_at(lat=(s + n) / 2, lng=(w + e) / 2)


def period_bounds(start_date, end_date):
    """First and last second (naive epoch) of the days ``[start_date, end_date)``."""
    if not isinstance(start_date, date) or not isinstance(end_date, date):
        raise ValidationError("start_date and end_date must be datetime.date objects")
    if end_date <= start_date:
        raise ValidationError(
            f"END_DATE must be after START_DATE (END is exclusive), got "
            f"START_DATE {start_date.isoformat()} and END_DATE {end_date.isoformat()}")
    first = int((datetime.combine(start_date, datetime.min.time()) - _EPOCH).total_seconds())
    return first, first + (end_date - start_date).days * 86400 - 1


def scrape_general(client, start_date, end_date, out_path, area=None, progress=None,
                   city=None):
    """Fetch every photo of ``area`` taken in ``[start_date, end_date)``.

    Resumes from the checkpoint folder beside ``out_path`` if one exists, and
    writes the de-duplicated raw master table to ``out_path`` (key
    ``'table'``) when the whole period is done.

    Parameters
    ----------
    client : FlickrClient
    start_date, end_date : datetime.date
        End exclusive.
    out_path : pathlib.Path
    area : Area, optional
        Default :func:`default_area`.
    progress : callable, optional
        ``progress(days_done, n_photos)`` after each segment (``days_done``
        counts days of the period covered so far, a float).
    city : str, optional
        The city's name, recorded with the area and its time zone for the
        pages (``None`` records none).

    Returns
    -------
    pandas.DataFrame
        The raw master table written.
    """
    first, last = period_bounds(start_date, end_date)
    area = area or default_area()
    signature = {"scraper": "general", "start": start_date.isoformat(),
                 "end": end_date.isoformat(), "area": flickr_area_params(area)}
    checkpoint = Checkpoint(out_path, signature)
    units = sorted(checkpoint.open())
    cursor = checkpoint.info(units[-1])["next"] if units else first
    if units:
        log.info("resuming: %d segment(s) already done", len(units))
    while cursor is not None:
        calls = client.n_calls
        photos, next_cursor = fetch_segment(client, area, cursor, last)
        frame = photos_to_frame(photos)
        unit = f"segment-{len(units):06d}"
        checkpoint.save(unit, frame, start=to_mysql(cursor), next=next_cursor)
        units.append(unit)
        log.info("%s to %s: %d photos in %d calls", to_mysql(cursor),
                 to_mysql(next_cursor) if next_cursor is not None else to_mysql(last),
                 len(frame), client.n_calls - calls)
        cursor = next_cursor
        if progress:
            done = (last + 1 if cursor is None else cursor) - first
            progress(done / 86400, len(frame))
    table = checkpoint.load(units)
    if table is None:
        table = photos_to_frame([])
    # Segments overlap by one second, and a photo may be re-dated mid-scrape.
    table = table.drop_duplicates("id", keep="first").reset_index(drop=True)
    # The area goes with the table, so the preprocessing keeps the same one,
    # and with it what the pages say of the place.
    checkpoint.finish(table, attrs={"area": area.to_dict(), "city": city or None,
                                    "timezone": area_timezone(area)})
    log.info("wrote %d photos to %s", len(table), out_path)
    return table


__all__ = ["area_timezone", "flickr_area_params", "iter_query", "fetch_segment", "iter_window_photos",
           "photos_to_frame", "period_bounds", "scrape_general"]
