"""What a photographer needs at each spot, derived from its photos (pure data).

Each function takes plain arrays of one spot's photos (or the spots of one
search) and returns JSON-ready values: when the light is good there, which
way it faces from the search's anchor, the lenses people use, whether it is
an event, a season or a place for all year, and how much of it is one
person's work. The sun's times come from ``astral``; everything else from
the photos themselves.
"""
import datetime as dt

import numpy as np
import pandas as pd

from . import config, geo
from ._spot_when import when  # noqa: F401  (public here: spots.when)

_COMPASS = ("north", "north-east", "east", "south-east",
            "south", "south-west", "west", "north-west")


def light_shares(lights, views):
    """Share of photos in each light, over all photos and over the most viewed quarter.

    Parameters
    ----------
    lights : array of str
        Each photo's light (``geo.LIGHTS``), ``""`` where unknown.
    views : array of float

    Returns
    -------
    dict
        ``{"all": {light: share}, "admired": {light: share}, "n_known": int}``;
        shares are over the photos whose light is known, ``{}`` when none is.
    """
    lights = np.asarray(lights, dtype=object)
    views = np.asarray(views, dtype=np.float64)
    known = lights != ""
    order = np.argsort(-views, kind="stable")
    admired = np.zeros(len(lights), dtype=bool)
    admired[order[:max(1, int(np.ceil(config.ADMIRED_SHARE * len(lights))))]] = True
    return {"all": _shares(lights[known]), "admired": _shares(lights[known & admired]),
            "n_known": int(known.sum())}


def _shares(values):
    if len(values) == 0:
        return {}
    return {light: float(np.mean(values == light)) for light in geo.LIGHTS}


def focal_range_mm(focal_35mm):
    """``[p25, p75]`` of the 35 mm equivalent focal lengths, or ``None`` with fewer than 3."""
    f = np.asarray(focal_35mm, dtype=np.float64)
    f = f[np.isfinite(f) & (f > 0)]
    if len(f) < 3:
        return None
    low, high = np.percentile(f, [25, 75])
    return [float(round(low)), float(round(high))]


def one_photographer_share(owners):
    """Share of the photos taken by the spot's most prolific photographer."""
    owners = np.asarray(owners)
    if len(owners) == 0:
        return 0.0
    _, counts = np.unique(owners, return_counts=True)
    return float(counts.max() / len(owners))


def directions(latitudes, longitudes, n_owners):
    """Bearing and distance from each spot to the search's anchor.

    The anchor is the spot with the most distinct photographers (for a
    landmark, usually the landmark itself; ties go to the first).

    Returns
    -------
    list of dict
        Per spot ``{"anchor_index", "bearing_deg", "distance_m", "side"}``:
        ``bearing_deg`` is the direction from the spot towards the anchor (the
        way a photographer there faces it), ``side`` where the spot lies seen
        from the anchor (``"south-west"``: "1.9 km south-west of spot #3");
        all three are ``None`` for the anchor itself.
    """
    if len(n_owners) == 0:
        return []
    anchor = int(np.argmax(np.asarray(n_owners)))
    lat, lon = np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)
    # From the spot towards the anchor: the way a photographer there faces it.
    bearing = geo.bearing_deg(lat, lon, lat[anchor], lon[anchor])
    distance = geo.haversine_m(lat, lon, lat[anchor], lon[anchor])
    out = []
    for i in range(len(lat)):
        if i == anchor:
            out.append({"anchor_index": anchor, "bearing_deg": None, "distance_m": None,
                        "side": None})
        else:
            out.append({"anchor_index": anchor, "bearing_deg": float(bearing[i]),
                        "distance_m": float(distance[i]),
                        "side": compass(bearing[i] + 180.0)})
    return out


def compass(bearing_deg):
    """The eight-point compass name of a bearing (``"south-west"``)."""
    return _COMPASS[int(((float(bearing_deg) % 360) + 22.5) // 45) % 8]


def sun_times(lat, lon, date, tz):
    """The sun at a spot on a date, as local ``"HH:MM"`` times.

    Returns
    -------
    dict
        ``sunrise``, ``sunset``, ``golden_morning``/``golden_evening`` and
        ``blue_morning``/``blue_evening`` as ``[start, end]``, and
        ``sunset_azimuth_deg``; a value is ``None`` when the sun does not
        reach that height that day (polar summer or winter).
    """
    from astral import Observer, SunDirection
    from astral.sun import azimuth, blue_hour, golden_hour, sunrise, sunset

    observer = Observer(latitude=float(lat), longitude=float(lon))

    def attempt(compute):
        try:
            return compute()
        except ValueError:  # astral: the sun never reaches that elevation that day
            return None

    def hhmm(moment):
        return None if moment is None else moment.strftime("%H:%M")

    def span(compute):
        pair = attempt(compute)
        return None if pair is None else [hhmm(pair[0]), hhmm(pair[1])]

    rise = attempt(lambda: sunrise(observer, date, tzinfo=tz))
    set_ = attempt(lambda: sunset(observer, date, tzinfo=tz))
    return {
        "date": date.isoformat(),
        "sunrise": hhmm(rise), "sunset": hhmm(set_),
        "golden_morning": span(lambda: golden_hour(observer, date, SunDirection.RISING, tz)),
        "golden_evening": span(lambda: golden_hour(observer, date, SunDirection.SETTING, tz)),
        "blue_morning": span(lambda: blue_hour(observer, date, SunDirection.RISING, tz)),
        "blue_evening": span(lambda: blue_hour(observer, date, SunDirection.SETTING, tz)),
        "sunset_azimuth_deg": None if set_ is None else float(azimuth(observer, set_)),
    }


def sun_behind(bearing_to_anchor_deg, sun_azimuth_deg):
    """Whether the sun is at the photographer's back when facing the anchor.

    The sun is behind when it stands within 60 degrees of the opposite of the
    direction faced.
    """
    if bearing_to_anchor_deg is None or sun_azimuth_deg is None:
        return None
    back = (float(bearing_to_anchor_deg) + 180.0) % 360.0
    gap = abs((float(sun_azimuth_deg) - back + 180.0) % 360.0 - 180.0)
    return bool(gap <= 60.0)


def today_in(tz):
    """Today's date in time zone ``tz`` (a ``zoneinfo.ZoneInfo``)."""
    return dt.datetime.now(tz).date()


def photo_light(latitude, longitude, datetaken, granularity=None, unknown=None,
                timezone=None):
    """The sun's elevation and the light of each photo, from where and when it was taken.

    Parameters
    ----------
    latitude, longitude : array_like
        Degrees.
    datetaken : array_like of datetime64
        The photographer's local time (Flickr's ``datetaken``).
    granularity, unknown : array_like of int, optional
        Flickr's ``datetakengranularity`` (0 exact; anything else leaves the
        light unknown) and ``datetakenunknown`` (1: the date is really the
        upload time, so unknown).
    timezone : str, optional
        The city's IANA time zone (default ``config.DEFAULT_TIMEZONE``).

    Returns
    -------
    elevation : numpy.ndarray of float
        Degrees above the horizon, NaN where unknown: an inexact date, or a
        local time that does not exist (the hour skipped when clocks go
        forward) or is ambiguous (the hour repeated when they go back).
    light : numpy.ndarray of str (object)
        ``geo.light_of`` of it: one of ``geo.LIGHTS``, ``""`` where unknown.
    """
    local = pd.Series(pd.to_datetime(np.asarray(datetaken, dtype="datetime64[ns]")))
    exact = local.notna().to_numpy().copy()
    if granularity is not None:
        exact &= np.asarray(granularity) == 0
    if unknown is not None:
        exact &= np.asarray(unknown) != 1
    utc = (local.where(exact).dt.tz_localize(timezone or config.DEFAULT_TIMEZONE,
                                              ambiguous="NaT", nonexistent="NaT")
           .dt.tz_convert("UTC").dt.tz_localize(None))
    elevation = geo.sun_elevation_deg(latitude, longitude,
                                      utc.to_numpy(dtype="datetime64[ns]"))
    return elevation, geo.light_of(elevation)


#: Codes of the lights in compact columns: the index in ``geo.LIGHTS``, -1 unknown.
UNKNOWN_LIGHT_CODE = -1


def light_codes(lights):
    """``int8`` codes of light names (``geo.LIGHTS`` index; -1 for ``""`` or anything else)."""
    lights = pd.Series(np.asarray(lights, dtype=object))
    codes = lights.map({name: i for i, name in enumerate(geo.LIGHTS)})
    return codes.fillna(UNKNOWN_LIGHT_CODE).to_numpy(dtype=np.int8)


def light_names(codes):
    """The inverse of :func:`light_codes` (``""`` for unknown)."""
    names = np.asarray(geo.LIGHTS + ("",), dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    return names[np.where(codes >= 0, codes, len(geo.LIGHTS))]
