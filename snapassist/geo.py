"""Geometry on the Earth and the sun over it: distance, bearing, areas, light.

Everything takes degrees (WGS84 latitude and longitude) and works on numpy
arrays or plain numbers alike. The sphere is the IUGG mean Earth radius, the
radius our OPTICS distances are scaled by too. The sun's elevation (and the
light it gives a photo) is computed here in numpy; its times of day on a
date (sunrise, golden and blue hours) come from ``astral``.
"""
import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config
from .errors import ValidationError

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6371008.8
EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000.0

#: About a metre: no point splitting an area further.
_MIN_BOX_DEG = 1e-5


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres between points given in degrees.

    Arguments broadcast like numpy arrays; a float comes back for scalars.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def bearing_deg(lat1, lon1, lat2, lon2):
    """Initial bearing from point 1 towards point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - lon1)
    y = np.sin(dlmb) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dlmb)
    return np.mod(np.degrees(np.arctan2(y, x)), 360.0)


@dataclass(frozen=True)
class Area:
    """An area of the Earth: a circle (``lat``, ``lon``, ``radius_km``) or a box.

    ``bbox`` is ``(min_lon, min_lat, max_lon, max_lat)``, as Flickr takes it.
    ``within`` is the circle a box was cut from (see :meth:`split`), so that
    photos outside that circle can be left out.
    """

    lat: float = None
    lon: float = None
    radius_km: float = None
    bbox: tuple = None
    within: "Area" = None

    @classmethod
    def circle(cls, lat, lon, radius_km):
        """A circle; Flickr accepts radii in (0, 32) km."""
        if not -90 <= lat <= 90:
            raise ValidationError(f"--lat must be within [-90, 90], got {lat}")
        if not -180 <= lon <= 180:
            raise ValidationError(f"--lon must be within [-180, 180], got {lon}")
        if not 0 < radius_km < 32:
            raise ValidationError(
                f"--radius must be > 0 and < 32 km (Flickr's limit), got {radius_km}")
        return cls(lat=float(lat), lon=float(lon), radius_km=float(radius_km))

    @classmethod
    def box(cls, min_lon, min_lat, max_lon, max_lat):
        """A box in degrees, as Flickr's ``bbox``."""
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise ValidationError(
                "--bbox must be MIN_LON,MIN_LAT,MAX_LON,MAX_LAT with min < max "
                f"within [-180, 180] x [-90, 90], got {min_lon},{min_lat},{max_lon},{max_lat}")
        return cls(bbox=(float(min_lon), float(min_lat), float(max_lon), float(max_lat)))

    def to_dict(self):
        """``{"bbox": [...]}`` or ``{"lat":, "lon":, "radius_km":}`` (see :meth:`from_dict`)."""
        if self.bbox is not None:
            return {"bbox": list(self.bbox)}
        return {"lat": self.lat, "lon": self.lon, "radius_km": self.radius_km}

    @classmethod
    def from_dict(cls, data):
        """The area :meth:`to_dict` described (validated)."""
        if "bbox" in data:
            return cls.box(*data["bbox"])
        return cls.circle(data["lat"], data["lon"], data["radius_km"])

    def describe(self):
        """``"circle of 25 km around (43.7, -79.5)"`` or ``"box w,s,e,n"``."""
        if self.bbox is not None:
            return "box " + ",".join(f"{v:g}" for v in self.bbox)
        return f"circle of {self.radius_km:g} km around ({self.lat:g}, {self.lon:g})"

    def bounds(self):
        """The area's bounding box ``(min_lon, min_lat, max_lon, max_lat)``."""
        if self.bbox is not None:
            return self.bbox
        dlat = math.degrees(self.radius_km / EARTH_RADIUS_KM)
        dlon = dlat / max(math.cos(math.radians(self.lat)), 1e-6)
        return (self.lon - dlon, self.lat - dlat, self.lon + dlon, self.lat + dlat)

    def contains(self, lat, lon):
        """Boolean mask (or bool) of the points inside the area, borders included."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        if self.bbox is not None:
            w, s, e, n = self.bbox
            return (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
        return haversine_m(lat, lon, self.lat, self.lon) <= self.radius_km * 1000.0

    def split(self):
        """Four quarter boxes covering this area, or ``[]`` if it is tiny."""
        w, s, e, n = self.bounds()
        if e - w < _MIN_BOX_DEG or n - s < _MIN_BOX_DEG:
            return []
        mx, my = (w + e) / 2, (s + n) / 2
        root = self.within or (self if self.bbox is None else None)
        return [Area(bbox=b, within=root) for b in
                ((w, s, mx, my), (mx, s, e, my), (w, my, mx, n), (mx, my, e, n))]

    def keeps(self, lat, lon):
        """Whether a photo from a sub-box belongs to the circle it was cut from.

        Photos without a real geotag (0, 0) are kept: the raw table stays
        honest and the preprocessing drops them.
        """
        if self.within is None or (lat == 0 and lon == 0):
            return True
        return bool(self.within.contains(lat, lon))


def default_area():
    """The 2018 scrape area: 25 km around (43.68641, -79.489219)."""
    return Area.circle(config.SCRAPE_CENTER_LAT, config.SCRAPE_CENTER_LON,
                       config.SCRAPE_RADIUS_KM)


# --- the sun ---------------------------------------------------------------
# NOAA's solar position equations (the ones of its solar calculator
# spreadsheet, after Meeus), vectorised over numpy arrays. Good to about 0.01
# degrees for years 1800-2100.

#: Sun elevations (degrees) that bound each light, from dark to bright.
LIGHTS = ("night", "blue", "golden", "day")
LIGHT_BOUNDS_DEG = (-6.0, -4.0, 6.0)


def sun_elevation_deg(lat, lon, utc, refraction=True):
    """Elevation of the sun's centre above the horizon, in degrees.

    Parameters
    ----------
    lat, lon : array_like
        Position in degrees.
    utc : array_like of numpy.datetime64
        Instants in UTC (NaT gives NaN).
    refraction : bool
        Add the atmosphere's refraction (the apparent elevation; about half a
        degree at the horizon), as a photographer sees the sun.
    """
    utc = np.asarray(utc, dtype="datetime64[ns]")
    unknown = np.isnat(utc)
    seconds = np.where(unknown, 0, utc.astype(np.int64)) / 1e9
    days = seconds / 86400.0
    century = (days + 2440587.5 - 2451545.0) / 36525.0
    mean_long = np.mod(280.46646 + century * (36000.76983 + century * 0.0003032), 360.0)
    mean_anom = np.radians(357.52911 + century * (35999.05029 - 0.0001537 * century))
    eccent = 0.016708634 - century * (0.000042037 + 0.0000001267 * century)
    centre = (np.sin(mean_anom) * (1.914602 - century * (0.004817 + 0.000014 * century))
              + np.sin(2 * mean_anom) * (0.019993 - 0.000101 * century)
              + np.sin(3 * mean_anom) * 0.000289)
    omega = np.radians(125.04 - 1934.136 * century)
    apparent_long = np.radians(mean_long + centre - 0.00569 - 0.00478 * np.sin(omega))
    obliquity = np.radians(
        23.0 + (26.0 + (21.448 - century * (46.815 + century * (0.00059 - century * 0.001813)))
                / 60.0) / 60.0 + 0.00256 * np.cos(omega))
    declination = np.arcsin(np.sin(obliquity) * np.sin(apparent_long))
    y = np.tan(obliquity / 2) ** 2
    l0 = np.radians(mean_long)
    eq_time_min = 4 * np.degrees(
        y * np.sin(2 * l0) - 2 * eccent * np.sin(mean_anom)
        + 4 * eccent * y * np.sin(mean_anom) * np.cos(2 * l0)
        - 0.5 * y * y * np.sin(4 * l0) - 1.25 * eccent * eccent * np.sin(2 * mean_anom))
    minutes_utc = np.mod(seconds, 86400.0) / 60.0
    solar_time = np.mod(minutes_utc + eq_time_min + 4.0 * np.asarray(lon, dtype=np.float64),
                        1440.0)
    hour_angle = np.radians(solar_time / 4.0 - 180.0)
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    cos_zenith = (np.sin(phi) * np.sin(declination)
                  + np.cos(phi) * np.cos(declination) * np.cos(hour_angle))
    elevation = 90.0 - np.degrees(np.arccos(np.clip(cos_zenith, -1.0, 1.0)))
    if refraction:
        elevation = elevation + _refraction_deg(elevation)
    return np.where(unknown, np.nan, elevation)


def _refraction_deg(elevation):
    """Atmospheric refraction at a geometric elevation (NOAA's piecewise fit), degrees."""
    e = np.asarray(elevation, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.tan(np.radians(e))
        arcsec = np.select(
            [e > 85.0, e > 5.0, e > -0.575],
            [0.0, 58.1 / t - 0.07 / t ** 3 + 0.000086 / t ** 5,
             1735.0 + e * (-518.2 + e * (103.4 + e * (-12.79 + e * 0.711)))],
            -20.772 / t)
    return arcsec / 3600.0


def light_of(elevation_deg):
    """The light of each sun elevation, ``""`` where it is unknown (NaN).

    ``"night"`` below -6 degrees, ``"blue"`` from -6 to -4, ``"golden"`` from
    -4 to 6, ``"day"`` from 6 up; each light includes its lower bound.
    """
    e = np.asarray(elevation_deg, dtype=np.float64)
    names = np.asarray(LIGHTS, dtype=object)[np.searchsorted(LIGHT_BOUNDS_DEG, np.nan_to_num(e),
                                                             side="right")]
    return np.where(np.isnan(e), "", names).astype(object)


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
        :func:`light_of` of it: one of :data:`LIGHTS`, ``""`` where unknown.
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
    elevation = sun_elevation_deg(latitude, longitude,
                                      utc.to_numpy(dtype="datetime64[ns]"))
    return elevation, light_of(elevation)


#: Codes of the lights in compact columns: the index in :data:`LIGHTS`, -1 unknown.
UNKNOWN_LIGHT_CODE = -1


def light_codes(lights):
    """``int8`` codes of light names (:data:`LIGHTS` index; -1 for ``""`` or anything else)."""
    lights = pd.Series(np.asarray(lights, dtype=object))
    codes = lights.map({name: i for i, name in enumerate(LIGHTS)})
    return codes.fillna(UNKNOWN_LIGHT_CODE).to_numpy(dtype=np.int8)


def light_names(codes):
    """The inverse of :func:`light_codes` (``""`` for unknown)."""
    names = np.asarray(LIGHTS + ("",), dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    return names[np.where(codes >= 0, codes, len(LIGHTS))]
