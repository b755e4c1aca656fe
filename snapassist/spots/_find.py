"""From the photos matching a search to ranked spots (pure data).

The 2018 method with its bugs fixed: OPTICS on great-circle distances
(haversine on radians, not degrees mis-scaled by a sine), over visits (one
photographer's photos within a few metres count once); from its cluster
hierarchy, the largest clusters that are still one place to stand
(:mod:`._selection`), strays dropped, spots without one popular photo
dropped, and the rest ranked by :func:`spot_score` (``SCORE_TEXT``). Each
spot carries what a photographer needs there (:mod:`._facts`): its light,
lenses, season or event, direction from the search's anchor; the sun on a
date and other orders are applied to an answer afterwards
(:mod:`._order`). Nothing here knows about Flask or folium; the web layer
renders the answer.
"""
import math

import numpy as np
import pandas as pd

from ..settings import Settings
from ..clustering import OPTICS
from ..errors import NotEnoughPhotosError
from ..geo import EARTH_RADIUS_M
from ._describe import Columns, describe_spot
from ._facts import direction_facts
from ._model import SpotsAnswer, spot_score
from ._selection import choose_spots, densest_photo, distances_from_middle, explain_no_spot

def find_spots(photos, views_threshold, query="", settings=None, views=True):
    """Cluster the photos of one search and rank the resulting spots.

    Parameters
    ----------
    photos : pandas.DataFrame
        Search result: columns ``id, owner, views, latitude, longitude`` at
        least; ``ownername, title, hour, month, datetaken, light, url_*`` and
        the EXIF columns are used when present (a photo's day taken counts
        only where its ``month`` is known, i.e. its date is exact).
    views_threshold : float
        The city's ``settings.views_percentile``-th percentile of views.
    query : str
        The search phrase, carried into the result for display.
    settings : snapassist.settings.Settings, optional
        The method's settings (default: ``Settings()``, the defaults).
    views : bool
        Whether the photos have view counts. Without them (a data set such
        as YFCC100M has none) nothing is gated or ranked by views: spots are
        ranked by their number of photographers, their ``score`` is that
        number, and their views and admired light are ``None``/left out.

    Returns
    -------
    SpotsAnswer
        Spots ranked by score (rank 1 first); possibly none (then
        ``no_spot`` says why). Each carries its facts for a photographer but
        the sun, which depends on a date (:func:`~snapassist.spots.add_sun`).

    Raises
    ------
    NotEnoughPhotosError
        If fewer than ``settings.min_photos_to_cluster`` photos matched, or
        none of them has more views than ``views_threshold``.
    """
    s = Settings() if settings is None else settings
    has_views = bool(views)
    photos = photos.reset_index(drop=True)
    n = len(photos)
    views = photos["views"].to_numpy(dtype=np.float64)
    _check_enough(query, n, views, views_threshold if has_views else None,
                  s.min_photos_to_cluster)

    lat = photos["latitude"].to_numpy(dtype=np.float64)
    lon = photos["longitude"].to_numpy(dtype=np.float64)
    owner = pd.factorize(photos["owner"])[0]
    # Density of photographers, not of photos: each photographer counts once
    # per few metres, so one person's burst of 150 photos at one spot weighs
    # as one visit, not as a crowd (P-DBSCAN's idea). Spots are chosen among
    # these visits and then hold every photo of them.
    visit, first = _visits(lat, lon, owner, s.spot_visit_m)
    vlat, vlon, vowner = lat[first], lon[first], owner[first]
    n_visits = len(first)
    min_samples = max(s.min_samples_floor,
                      min(s.min_samples_cap, math.ceil(s.min_samples_fraction * n_visits)))
    min_size = s.min_spot_photos or min_samples
    candidates, n_dropped = [], 0
    if n_visits >= min_samples:
        # max_eps = pi (half the globe, farther than any two photos) is the
        # same as no limit, except that it dodges a scikit-learn quirk our
        # OPTICS reproduces: with an infinite radius and min_samples >= n/2,
        # the brute-force haversine search finds no neighbours, so searches
        # of 15-29 photos could never form a cluster.
        optics = OPTICS(min_samples=min_samples, max_eps=math.pi, metric="haversine",
                        cluster_method="xi", xi=s.optics_xi,
                        min_cluster_size=s.min_spot_photos)
        optics.fit(np.radians(np.column_stack([vlat, vlon])))
        order = np.asarray(optics.ordering_)
        reach = np.asarray(optics.reachability_, dtype=np.float64)[order] * EARTH_RADIUS_M
        chosen = choose_spots(
            vlat, vlon, vowner, optics.reachability_, optics.ordering_,
            optics.cluster_hierarchy_, s.max_spot_spread_m, s.min_spot_owners,
            s.trim_percentile, s.spot_tail_factor, s.spot_min_contrast,
            min_size=min_size, level_step=s.spot_level_step,
            min_separation_m=s.min_spot_separation_m)
    else:
        # Too few visits to cluster: one or two photographers' series.
        order = np.arange(0)
        reach = np.zeros(0)
        chosen = []
    for visits, _ in chosen:
        # Strays are judged by visits too: a burst at the middle of a place
        # must not make the rest of its photographers look far away.
        kept, spread = trim_cluster(vlat[visits], vlon[visits], s)
        members = np.flatnonzero(np.isin(visit, visits[kept]))
        if has_views and views[members].max() < views_threshold:
            n_dropped += 1
            continue
        score = (spot_score(views[members]) if has_views
                 else float(len(np.unique(owner[members]))))
        candidates.append((score, members, spread))

    # Rank by score; ties broken by size so the order never depends on labels.
    candidates.sort(key=lambda c: (-c[0], -len(c[1])))
    photo_rank = np.full(n, -1, dtype=np.int64)
    columns = Columns(photos) if candidates else None
    spots = []
    for rank, (score, members, spread) in enumerate(candidates, start=1):
        photo_rank[members] = rank
        spots.append(describe_spot(columns, members, rank, score, spread, s, has_views))
    anchor_rank = None
    for spot, facts in zip(spots, direction_facts(spots)):
        for name, value in facts.items():
            setattr(spot, name, value)
        if spot.anchor_rank is None:
            anchor_rank = spot.rank

    return SpotsAnswer(
        query=query, n_photos=n, spots=spots, latitudes=lat, longitudes=lon,
        photo_rank=photo_rank, reachability=reach, reachability_rank=photo_rank[first[order]],
        min_samples=min_samples, views_threshold=float(views_threshold),
        search_median_views=float(np.median(views)) if has_views else None,
        has_views=has_views,
        no_spot=None if spots else explain_no_spot(
            lat, lon, owner, densest_photo(lat, lon, min_samples), s.max_spot_spread_m,
            s.min_spot_owners, s.one_photographer_share, min_size, n_dropped),
        anchor_rank=anchor_rank,
    )


def _visits(lat, lon, owner, size_m):
    """Each photo's visit, and each visit's first photo.

    A visit is one photographer's photos within one cell of a grid of
    ``size_m`` (about a few metres): a burst of shots from one place.

    Returns
    -------
    visit : ndarray of int
        Per photo, its visit (0..n_visits - 1, in order of first photo).
    first : ndarray of int
        Per visit, its first photo (sorted).
    """
    if len(lat) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    step_lat = size_m / (EARTH_RADIUS_M * math.pi / 180)
    step_lon = step_lat / max(math.cos(math.radians(float(np.median(lat)))), 1e-6)
    keys = np.column_stack([owner, np.floor(lat / step_lat), np.floor(lon / step_lon)])
    _, first, visit = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    # Number the visits by their first photo, so the order follows the table's.
    order = np.argsort(first, kind="stable")
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return renumber[visit.ravel()], first[order]


def _check_enough(query, n, views, views_threshold, min_photos):
    """Refuse a search of too few photos, or (``views_threshold`` given) of no admired one."""
    what = f"'{query}'" if query else "the search"
    if n < min_photos:
        raise NotEnoughPhotosError(
            f"Only {n} photo{'s' if n != 1 else ''} matched {what}; at least "
            f"{min_photos} are needed to find photo spots. "
            f"Try a broader subject.", n_photos=n)
    if views_threshold is not None and not (views > views_threshold).any():
        raise NotEnoughPhotosError(
            f"None of the {n} photos matching {what} is among the most viewed "
            f"(more than {views_threshold:,.0f} views), so no spot stands out. "
            f"Try another subject.", n_photos=n)


def trim_cluster(lat, lon, settings=None):
    """Which members to keep, and the cluster's spread in metres.

    The spread is the ``settings.trim_percentile``-th percentile of the
    great-circle distances from the members' median position; members farther
    than ``settings.trim_factor`` times the spread are outliers.

    Returns
    -------
    keep : numpy.ndarray of bool
    spread_m : float
    """
    s = Settings() if settings is None else settings
    dist = distances_from_middle(lat, lon)
    spread = float(np.percentile(dist, s.trim_percentile))
    return dist <= s.trim_factor * spread, spread
