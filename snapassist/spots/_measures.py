"""What a photographer needs at each spot, measured on its photos (pure data).

Each function takes plain arrays of one spot's photos (or the spots of one
search) and returns JSON-ready values: when the light is good there, which
way it faces from the search's anchor, the lenses people use, and how much
of it is one person's work. When it is photographed is :mod:`._when`; the
sun's times are :mod:`snapassist.geo`'s.
"""
import numpy as np

from .. import geo
from ..settings import Settings

_COMPASS = ("north", "north-east", "east", "south-east",
            "south", "south-west", "west", "north-west")


def light_shares(lights, views, admired_share=None):
    """Share of photos in each light, over all photos and over the most viewed quarter.

    Parameters
    ----------
    lights : array of str
        Each photo's light (``geo.LIGHTS``), ``""`` where unknown.
    views : array of float
    admired_share : float, optional
        The most viewed share that counts as admired (``Settings.admired_share``).

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
    share = Settings().admired_share if admired_share is None else admired_share
    admired[order[:max(1, int(np.ceil(share * len(lights))))]] = True
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
