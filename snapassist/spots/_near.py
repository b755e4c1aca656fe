"""Search by place: the spots of a city's atlas around a point.

"I am here (or will be tonight): what is worth photographing nearby, and
from where?" The atlas (every photo of the city clustered, each spot with
its subjects) answers it without clustering anything: its spots within a
radius of the point, in the atlas's order, each with its distance and
bearing from the point, kept or left out by the same filters as a search.
"""
import dataclasses

import numpy as np

from .. import geo
from ..errors import QueryError
from ._measures import compass

#: The radius of a search by place: default, fewest and most metres.
DEFAULT_RADIUS_M = 1000.0
MIN_RADIUS_M = 50.0
MAX_RADIUS_M = 20000.0
#: A point farther than this from every photo of the city is outside it.
OUTSIDE_M = 10000.0
#: With months asked, a spot needs this many photos taken in them.
MIN_PHOTOS_IN_MONTHS = 3
#: With a light asked, that share of a spot's admired photos must be in it.
MIN_ADMIRED_LIGHT_SHARE = 0.25
#: ``tonight``: a spot's admired photos are golden or blue hour for this share.
MIN_TWILIGHT_SHARE = 0.4


@dataclasses.dataclass
class NearbySpot:
    """An atlas spot seen from a point: how far, which way, and the spot itself."""

    spot: object
    distance_m: float
    #: From the point towards the spot, degrees clockwise from north.
    bearing_deg: float
    #: Where the spot lies seen from the point ("north-east").
    direction: str


def check_point(lat, lon, radius_m, atlas=None):
    """The point and radius of a search by place, checked.

    Raises
    ------
    QueryError
        If ``lat`` or ``lon`` is not a number on the Earth, ``radius_m`` is
        outside ``[MIN_RADIUS_M, MAX_RADIUS_M]``, or (with ``atlas``) the
        point is more than ``OUTSIDE_M`` from every photo of the city.
    """
    lat, lon, radius_m = (_number(name, value) for name, value in
                          (("lat", lat), ("lon", lon), ("radius_m", radius_m)))
    if not -90 <= lat <= 90:
        raise QueryError(f"lat must be a latitude from -90 to 90, got {lat:g}")
    if not -180 <= lon <= 180:
        raise QueryError(f"lon must be a longitude from -180 to 180, got {lon:g}")
    if not MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M:
        raise QueryError(f"radius_m must be from {MIN_RADIUS_M:,.0f} to {MAX_RADIUS_M:,.0f} "
                         f"metres, got {radius_m:g}")
    if atlas is not None and len(atlas.latitudes):
        nearest = float(geo.haversine_m(lat, lon, atlas.latitudes, atlas.longitudes).min())
        if nearest > OUTSIDE_M:
            raise QueryError(f"the point ({lat:.5f}, {lon:.5f}) is outside the city: its "
                             f"nearest photo is {nearest / 1000:,.0f} km away")
    return lat, lon, radius_m


def _number(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a number, got {str(value)[:40]!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise QueryError(f"{name} must be a finite number, got {str(value)[:40]!r}")
    return number


def near(atlas, lat, lon, radius_m=DEFAULT_RADIUS_M, months=(), lights=(), tonight=False):
    """The atlas's spots within ``radius_m`` of a point, in the atlas's order.

    Parameters
    ----------
    atlas : SpotsAnswer
        The city's atlas (``StoredAnswers.atlas()``).
    lat, lon, radius_m : float
        The point (degrees) and how far around it (metres), checked by
        :func:`check_point`.
    months : sequence of int
        Keep spots with at least ``MIN_PHOTOS_IN_MONTHS`` photos taken in
        those months.
    lights : sequence of str
        Keep spots whose admired photos are in those lights for at least
        ``MIN_ADMIRED_LIGHT_SHARE``.
    tonight : bool
        Keep spots whose admired photos are golden or blue hour for at least
        ``MIN_TWILIGHT_SHARE`` (the caller adds tonight's sun).

    Returns
    -------
    list of NearbySpot
    """
    lat, lon, radius_m = check_point(lat, lon, radius_m, atlas)
    spots = sorted(atlas.spots, key=lambda s: s.rank)
    if not spots:
        return []
    slat = np.array([s.latitude for s in spots])
    slon = np.array([s.longitude for s in spots])
    distance = geo.haversine_m(lat, lon, slat, slon)
    bearing = geo.bearing_deg(lat, lon, slat, slon)
    out = []
    for spot, d, b in zip(spots, distance, bearing):
        if d <= radius_m and _kept(spot, months, lights, tonight):
            out.append(NearbySpot(spot, float(d), float(b), compass(b)))
    return out


def _kept(spot, months, lights, tonight):
    if months and sum(spot.months[m - 1] for m in months) < MIN_PHOTOS_IN_MONTHS:
        return False
    admired = (spot.light or {}).get("admired") or {}
    if lights and sum(admired.get(light, 0.0) for light in lights) < MIN_ADMIRED_LIGHT_SHARE:
        return False
    if tonight and admired.get("golden", 0.0) + admired.get("blue", 0.0) < MIN_TWILIGHT_SHARE:
        return False
    return True
