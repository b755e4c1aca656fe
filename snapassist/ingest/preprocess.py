"""Raw scraper tables -> the processed tables the web app searches.

Coerces every column to the schema's dtype (Flickr sends numbers as strings
or numbers at random), drops photos without a real geotag and outside the
scrape area, de-duplicates by id, and adds ``title_cleaned``, ``hour``,
``month``, and each photo's ``sun_elevation`` and ``light`` (the sun where
and when it was taken, read in the city's time zone). The month is known
when the day taken is (see :data:`DAY_KNOWN`); the hour and the light only
when the time is. Then stores the search
file beside the processed tables (tag index and searched columns, see
:mod:`snapassist.search`). Unparseable values become NaN/NaT; such rows
are counted and reported, never fatal.
"""
import html
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
from unidecode import unidecode

from .. import config
from ..errors import TableError
from ..geo import Area, default_area
from ..io import read_table, read_table_attrs, write_table
from ..schema import PROCESSED_MASTER, PROCESSED_POPULAR, check_required, coerce_frame
from ..geo import photo_light
from ..search import example_subjects, write_search_file
from ..search._tagindex import TagIndex

log = logging.getLogger(__name__)

#: ``datetakengranularity`` of a date exact to the second (Flickr's 0).
GRANULARITY_EXACT = 0
#: SnapAssist's own ``datetakengranularity`` for "the day is known, not the
#: time" (an imported date without a time of day, as in every LBSN file);
#: Flickr's own codes are 0 exact, 4 month, 6 year, 8 circa.
GRANULARITY_DAY = 2
#: The granularities whose day, hence month, is known. Flickr's 4 (the month
#: but not the day) is left out on purpose: its ``datetaken`` is the 1st of
#: the month, which would read as a real day, and a known ``month`` means
#: "the day is known" to the spots' facts (when a spot is an event), so that
#: one column tells both.
DAY_KNOWN = (GRANULARITY_EXACT, GRANULARITY_DAY)

_NOT_WORD = re.compile(r"[\W_]+")
_HTML_TAG = re.compile(r"<[^>]*>")


def clean_title(title):
    """ASCII transliteration, HTML tags removed, punctuation as single spaces."""
    if not isinstance(title, str):
        return ""
    text = unidecode(_HTML_TAG.sub(" ", html.unescape(title)))
    return _NOT_WORD.sub(" ", text).strip()


def add_light(frame, timezone=None):
    """Set ``frame``'s ``sun_elevation`` and ``light`` columns in place; return ``frame``.

    From ``latitude``, ``longitude`` and ``datetaken`` (the photographer's
    local time, read in ``timezone``, default ``config.DEFAULT_TIMEZONE``);
    unknown (NaN and ``""``) unless ``datetakengranularity`` is 0 and
    ``datetakenunknown`` is not 1 (see :func:`snapassist.spots.photo_light`).
    """
    n = len(frame)
    columns = frame.columns
    elevation, light = photo_light(
        frame["latitude"].to_numpy(dtype=np.float64), frame["longitude"].to_numpy(dtype=np.float64),
        frame["datetaken"].to_numpy(dtype="datetime64[ns]") if "datetaken" in columns
        else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
        frame["datetakengranularity"].to_numpy() if "datetakengranularity" in columns else None,
        frame["datetakenunknown"].to_numpy() if "datetakenunknown" in columns else None,
        timezone)
    frame["sun_elevation"] = elevation
    frame["light"] = pd.array(light, dtype="str")
    return frame


def preprocess_table(raw, columns, area=None, name="table", timezone=config.DEFAULT_TIMEZONE):
    """Process one raw table; return ``(frame, report)``.

    Parameters
    ----------
    raw : pandas.DataFrame
        A raw master or popular table.
    columns : dict
        ``PROCESSED_MASTER`` or ``PROCESSED_POPULAR``.
    area : Area, optional
        Photos outside it are dropped (default: the 2018 scrape area).
    name : str
        Used in log messages.
    timezone : str or None
        The city's time zone, to read local times taken in for each photo's
        light (:func:`add_light`); ``None`` leaves the light unknown for the
        caller to add once it knows the zone.
    """
    area = area or default_area()
    check_required(raw, name)
    report = {"raw": len(raw)}
    frame, bad = coerce_frame(raw.reset_index(drop=True), columns)
    report["bad_values"] = int(bad.sum())
    lat, lon = frame["latitude"].to_numpy(), frame["longitude"].to_numpy()
    no_id = (frame["id"].str.strip() == "").to_numpy()
    untagged = np.isnan(lat) | np.isnan(lon) | ((lat == 0) & (lon == 0))
    outside = ~untagged & ~area.contains(lat, lon)
    keep = ~no_id & ~untagged & ~outside
    report.update(no_id=int(no_id.sum()), no_geotag=int((untagged & ~no_id).sum()),
                  outside_area=int((outside & ~no_id).sum()))
    frame = frame[keep]
    before = len(frame)
    frame = frame.drop_duplicates("id", keep="first").reset_index(drop=True)
    report["duplicates"] = before - len(frame)
    frame["title_cleaned"] = frame["title"].map(clean_title).astype(object)
    frame["hour"], frame["month"] = taken_hour_month(frame)
    if timezone is not None:
        add_light(frame, timezone)
    order = [c for c in columns if c in frame.columns]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    report["kept"] = len(frame)
    if report["bad_values"]:
        log.warning("%s: %d row(s) held unreadable values (kept as missing)", name,
                    report["bad_values"])
    return frame, report


def taken_hour_month(frame):
    """The hour and the month taken of ``frame``'s photos, NaN where unknown (floats).

    Both are unknown when ``datetakenunknown`` is 1 (``datetaken`` is then
    the upload time) or ``datetaken`` is missing; otherwise the month is
    known when the day is (``datetakengranularity`` in :data:`DAY_KNOWN`),
    the hour only when the time is (:data:`GRANULARITY_EXACT`).
    """
    taken = frame["datetaken"]
    granularity = frame["datetakengranularity"]
    dated = taken.notna() & (frame["datetakenunknown"] != 1)
    exact = dated & (granularity == GRANULARITY_EXACT)
    day_known = dated & granularity.isin(DAY_KNOWN)
    return (taken.dt.hour.where(exact).astype("float64"),
            taken.dt.month.where(day_known).astype("float64"))


def timezone_at(lat, lon):
    """The IANA time zone name at a point (``None`` at sea), from ``timezonefinder``."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder().timezone_at(lat=float(lat), lng=float(lon))


def example_searches(tags, city=None):
    """What a city's search page offers to try: its commonest tags answered at once.

    See :func:`snapassist.search.example_subjects`; the city's own name is
    left out (it names every photo).
    """
    index = TagIndex(tags).to_arrays()
    return example_subjects(index["tags"], np.diff(index["offsets"]), index["machine"],
                            config.N_EXAMPLES, [city] if city else [])


def describe_scrape(recorded, area, city=None):
    """What a scraped table says of its place: ``{"city", "area", "timezone"}``.

    ``city`` names it; else the city scraper 1 recorded; else, for tables
    that predate that record, the 2018 area's city when the area is that one.
    The time zone is the recorded one, else the area's middle's.
    """
    if city is None:
        city = recorded.get("city") if "city" in recorded else (
            config.SCRAPE_CITY if area == default_area() else None)
    w, s, e, n = area.bounds()
    zone = recorded.get("timezone") or timezone_at((s + n) / 2, (w + e) / 2)
    return {"city": city or None, "area": area.to_dict(), "timezone": zone}


def read_and_preprocess_tables(table_folder, master_table=config.MASTER_TABLE_RAW,
                               popular_table=config.POPULAR_TABLE_RAW,
                               master_table_processed=config.MASTER_TABLE_PROCESSED,
                               popular_table_processed=config.POPULAR_TABLE_PROCESSED,
                               area=None, city=None):
    """Process the raw tables of ``table_folder`` into processed tables there.

    The popular table is optional (scraper 2 may not have run): when it is
    absent only the master table is processed. Photos outside ``area`` are
    dropped; by default the area scraper 1 recorded in the master table, else
    the 2018 scrape area. The processed master table records the place for
    the pages (see :func:`describe_scrape`): ``city``, else the one scraper 1
    recorded.

    Returns
    -------
    dict
        ``{"master": report, "popular": report or None}``; each report counts
        raw, bad_values, no_id, no_geotag, outside_area, duplicates and kept rows.

    Raises
    ------
    TableError
        The master table is missing or unreadable, or a table cannot be written.
    """
    folder = Path(table_folder).expanduser()
    if not folder.is_dir():
        raise TableError(f"the table folder {str(folder)!r} does not exist", path=str(folder))
    reports = {"master": None, "popular": None}
    recorded = read_table_attrs(folder / master_table)
    if area is None:
        area = Area.from_dict(recorded["area"]) if recorded.get("area") else default_area()
    log.info("keeping photos in the %s", area.describe())
    place = describe_scrape(recorded, area, city)
    # Local times taken are read in the place's zone (the 2018 area's,
    # Toronto, when none is known); the master table records it, for the
    # web app's "today" and sun times.
    timezone = place["timezone"] = place["timezone"] or config.DEFAULT_TIMEZONE
    jobs = [("master", master_table, master_table_processed, PROCESSED_MASTER),
            ("popular", popular_table, popular_table_processed, PROCESSED_POPULAR)]
    for kind, src, dst, columns in jobs:
        path = folder / src
        if kind == "popular" and not path.exists():
            log.info("no popular table %s: skipped (scraper 2 has not run)", path)
            continue
        frame, report = preprocess_table(read_table(path, f"raw {kind} table"), columns, area,
                                         str(path), timezone)
        if kind == "master":
            place["examples"] = example_searches(frame["tags"], place["city"])
        write_table(frame, folder / dst, fmt="table", attrs=place if kind == "master" else None)
        reports[kind] = report
        log.info("%s: %s -> %s", kind, report, folder / dst)
    if (master_table_processed, popular_table_processed) == (config.MASTER_TABLE_PROCESSED,
                                                             config.POPULAR_TABLE_PROCESSED):
        # Read back rather than reuse the frames: the search file must
        # describe the tables exactly as the web app will read them.
        path = write_search_file(folder)
        log.info("search file (tag index and searched columns) -> %s", path)
    else:
        log.info("custom table names: no search file written (the web app reads %s and %s)",
                 config.MASTER_TABLE_PROCESSED, config.POPULAR_TABLE_PROCESSED)
    return reports
