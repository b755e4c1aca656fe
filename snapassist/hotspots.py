"""From the photos matching a search to ranked photo hotspots (pure data).

The 2018 method with its bugs fixed: OPTICS on great-circle distances
(haversine on radians, not degrees mis-scaled by a sine); from its cluster
hierarchy, the largest clusters that are still one place to stand
(``_spot_selection``), strays dropped, spots without one popular photo
dropped, and the rest ranked by ``spot_score`` (``SCORE_TEXT``). Each spot
carries what a photographer needs there (``_spot_facts``): its light, lenses,
season or event, direction from the search's anchor; the sun on a date and
other orders are applied to an answer afterwards (:func:`add_sun`,
:func:`sort_result`). Nothing here knows about Flask or folium; the web layer
renders the result.
"""
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config
from ._spot_facts import (SpotColumns, add_sun, admired_score, direction_facts, sort_result,
                          spot_facts)
from ._spot_selection import choose_spots, densest_photo, explain_no_spot
from .clustering import OPTICS
from .errors import NotEnoughPhotosError
from .geo import EARTH_RADIUS_M, haversine_m
from .photos import EXIF_NUMERIC, EXIF_TEXT, SUMMARY_TEXT, photo_summary, text_of

# add_sun, admired_score and sort_result are the per-request parts of an
# answer, for the web layer.
__all__ = ["SCORE_TEXT", "Hotspot", "HotspotResult", "USED_COLUMNS", "add_sun",
           "admired_score", "find_hotspots", "sort_result", "spot_score", "trim_cluster"]

#: The ranking in words, for every page and document that explains it.
SCORE_TEXT = "mean views per photo divided by the number of photos"


def spot_score(views):
    """The 2018 score of a spot from its photos' views: ``SCORE_TEXT``.

    High for a place whose photos are admired but that few people have shot.
    """
    views = np.asarray(views, dtype=np.float64)
    return float(views.mean() / len(views))


@dataclass
class Hotspot:
    """One ranked cluster of photos: where to stand, and what people shot there."""

    rank: int
    score: float
    n_photos: int
    n_owners: int
    mean_views: float
    median_views: float
    latitude: float
    longitude: float
    spread_m: float
    photo_ids: list
    best_photos: list
    settings: dict
    hours: list
    months: list
    # What a photographer needs there (``_spot_facts``). find_hotspots sets
    # them all; the defaults (unknown) let a spot be built by hand.
    #: Share of the photos in each light (``spots.light_shares``).
    light: dict = None
    #: [p25, p75] of the 35 mm equivalent focal lengths, or None.
    focal_range_mm: object = None
    #: Event, season or year-round (``spots.when``), or None.
    when: object = None
    one_photographer_share: float = None
    one_photographer: bool = None
    #: From the spot towards the search's anchor (None for the anchor).
    bearing_deg: object = None
    distance_m: object = None
    #: Where the spot lies seen from the anchor ("south-west").
    side: object = None
    #: The anchor's rank (None for the anchor itself).
    anchor_rank: object = None
    #: The sun on the date asked (``add_sun``); None until then.
    sun: object = None
    sun_behind_at_sunset: object = None

    def to_dict(self):
        """Plain JSON-ready dict (the ``/api/search`` cluster shape)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class HotspotResult:
    """Everything a search produced, for the list, the map and the plot.

    ``photo_rank`` is aligned with the rows of the search result: the rank of
    the hotspot each photo belongs to, ``-1`` for background photos (never
    clustered, trimmed, or in a dropped cluster). ``reachability`` is OPTICS'
    reachability distance in metres, in cluster order (``inf`` for the first
    point of each connected part), and ``reachability_rank`` the rank of each
    point in that same order.
    """

    query: str
    n_photos: int
    hotspots: list
    latitudes: np.ndarray
    longitudes: np.ndarray
    photo_rank: np.ndarray
    reachability: np.ndarray
    reachability_rank: np.ndarray
    min_samples: int = 0
    views_threshold: float = 0.0
    #: Median views of the search's photos, the prior of ``sort=admired``.
    search_median_views: float = 0.0
    #: Why there is no spot, and where the photos are densest (not a spot):
    #: see ``_spot_selection.explain_no_spot``; ``None`` when there are spots.
    no_spot: object = None


def find_hotspots(photos, views_threshold, query=""):
    """Cluster the photos of one search and rank the resulting hotspots.

    Parameters
    ----------
    photos : pandas.DataFrame
        Search result: columns ``id, owner, views, latitude, longitude`` at
        least; ``ownername, title, hour, month, datetaken, light, url_*`` and
        the EXIF columns are used when present (a photo's day taken counts
        only where its ``month`` is known, i.e. its date is exact).
    views_threshold : float
        The master table's ``config.VIEWS_PERCENTILE``-th percentile of views.
    query : str
        The search phrase, carried into the result for display.

    Returns
    -------
    HotspotResult
        Hotspots ranked by score (rank 1 first); possibly none. Each carries
        its facts for a photographer but the sun, which depends on a date
        (:func:`add_sun`).

    Raises
    ------
    NotEnoughPhotosError
        If fewer than ``config.MIN_PHOTOS_TO_CLUSTER`` photos matched, or none
        of them has more views than ``views_threshold``.
    """
    photos = photos.reset_index(drop=True)
    n = len(photos)
    views = photos["views"].to_numpy(dtype=np.float64)
    _check_enough(query, n, views, views_threshold)

    lat = photos["latitude"].to_numpy(dtype=np.float64)
    lon = photos["longitude"].to_numpy(dtype=np.float64)
    owner = pd.factorize(photos["owner"])[0]
    # Density of photographers, not of photos: each photographer counts once
    # per few metres, so one person's burst of 150 photos at one spot weighs
    # as one visit, not as a crowd (P-DBSCAN's idea). Spots are chosen among
    # these visits and then hold every photo of them.
    visit, first = _visits(lat, lon, owner, config.SPOT_VISIT_M)
    vlat, vlon, vowner = lat[first], lon[first], owner[first]
    n_visits = len(first)
    min_samples = max(config.MIN_SAMPLES_FLOOR,
                      min(config.MIN_SAMPLES_CAP, math.ceil(config.MIN_SAMPLES_FRACTION * n_visits)))
    candidates, n_dropped = [], 0
    if n_visits >= min_samples:
        # max_eps = pi (half the globe, farther than any two photos) is the
        # same as no limit, except that it dodges a scikit-learn quirk our
        # OPTICS reproduces: with an infinite radius and min_samples >= n/2,
        # the brute-force haversine search finds no neighbours, so searches
        # of 15-29 photos could never form a cluster.
        optics = OPTICS(min_samples=min_samples, max_eps=math.pi, metric="haversine",
                        cluster_method="xi", xi=config.OPTICS_XI,
                        min_cluster_size=config.MIN_SPOT_PHOTOS)
        optics.fit(np.radians(np.column_stack([vlat, vlon])))
        order = np.asarray(optics.ordering_)
        reach = np.asarray(optics.reachability_, dtype=np.float64)[order] * EARTH_RADIUS_M
        chosen = choose_spots(
            vlat, vlon, vowner, optics.reachability_, optics.ordering_,
            optics.cluster_hierarchy_, config.MAX_SPOT_SPREAD_M, config.MIN_SPOT_OWNERS,
            config.TRIM_PERCENTILE, config.SPOT_TAIL_FACTOR, config.SPOT_MIN_CONTRAST,
            min_size=config.MIN_SPOT_PHOTOS or min_samples, level_step=config.SPOT_LEVEL_STEP,
            min_separation_m=config.MIN_SPOT_SEPARATION_M)
    else:
        # Too few visits to cluster: one or two photographers' series.
        order = np.arange(0)
        reach = np.zeros(0)
        chosen = []
    for visits, _ in chosen:
        # Strays are judged by visits too: a burst at the middle of a place
        # must not make the rest of its photographers look far away.
        kept, spread = trim_cluster(vlat[visits], vlon[visits])
        members = np.flatnonzero(np.isin(visit, visits[kept]))
        if views[members].max() < views_threshold:
            n_dropped += 1
            continue
        score = spot_score(views[members])
        candidates.append((score, members, spread))

    # Rank by score; ties broken by size so the order never depends on labels.
    candidates.sort(key=lambda c: (-c[0], -len(c[1])))
    photo_rank = np.full(n, -1, dtype=np.int64)
    columns = _Columns(photos) if candidates else None
    hotspots = []
    for rank, (score, members, spread) in enumerate(candidates, start=1):
        photo_rank[members] = rank
        hotspots.append(_describe(columns, members, rank, score, spread))
    for hotspot, facts in zip(hotspots, direction_facts(hotspots)):
        for name, value in facts.items():
            setattr(hotspot, name, value)

    return HotspotResult(
        query=query, n_photos=n, hotspots=hotspots, latitudes=lat, longitudes=lon,
        photo_rank=photo_rank, reachability=reach, reachability_rank=photo_rank[first[order]],
        min_samples=min_samples, views_threshold=float(views_threshold),
        search_median_views=float(np.median(views)),
        no_spot=None if hotspots else explain_no_spot(
            lat, lon, owner, densest_photo(lat, lon, min_samples), config.MAX_SPOT_SPREAD_M,
            config.MIN_SPOT_OWNERS, config.ONE_PHOTOGRAPHER_SHARE,
            config.MIN_SPOT_PHOTOS or min_samples, n_dropped),
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


def _check_enough(query, n, views, views_threshold):
    what = f"'{query}'" if query else "the search"
    if n < config.MIN_PHOTOS_TO_CLUSTER:
        raise NotEnoughPhotosError(
            f"Only {n} photo{'s' if n != 1 else ''} matched {what}; at least "
            f"{config.MIN_PHOTOS_TO_CLUSTER} are needed to find photo spots. "
            f"Try a broader subject.", n_photos=n)
    if not (views > views_threshold).any():
        raise NotEnoughPhotosError(
            f"None of the {n} photos matching {what} is among the most viewed "
            f"(more than {views_threshold:,.0f} views), so no spot stands out. "
            f"Try another subject.", n_photos=n)


def trim_cluster(lat, lon):
    """Which members to keep, and the cluster's spread in metres.

    The spread is the ``config.TRIM_PERCENTILE``-th percentile of the
    great-circle distances from the members' median position; members farther
    than ``config.TRIM_FACTOR`` times the spread are outliers.

    Returns
    -------
    keep : numpy.ndarray of bool
    spread_m : float
    """
    dist = haversine_m(np.median(lat), np.median(lon), lat, lon)
    spread = float(np.percentile(dist, config.TRIM_PERCENTILE))
    return dist <= config.TRIM_FACTOR * spread, spread


#: Every column find_hotspots reads: a search need copy no others.
USED_COLUMNS = tuple(dict.fromkeys(
    ("views", "latitude", "longitude", "hour", "month", "datetaken", "light")
    + SUMMARY_TEXT + EXIF_TEXT + EXIF_NUMERIC))


class _Columns:
    """The search's columns as plain arrays, converted once for all clusters.

    Per-cluster work then indexes numpy arrays instead of slicing a wide
    DataFrame, which dominated the time of searches with many spots.
    """

    def __init__(self, photos):
        self.views = photos["views"].to_numpy(dtype=np.float64)
        self.lat = photos["latitude"].to_numpy(dtype=np.float64)
        self.lon = photos["longitude"].to_numpy(dtype=np.float64)
        self.owner = pd.factorize(photos["owner"])[0]
        self.ids = photos["id"].astype(str).to_numpy(dtype=object)
        self.hour = self._bins(photos, "hour", 0, 24)
        self.month = self._bins(photos, "month", 1, 12)
        self.facts = SpotColumns(photos, self.month)
        n = len(photos)
        self.text = {name: (photos[name].to_numpy(dtype=object) if name in photos.columns
                            else np.full(n, None, dtype=object))
                     for name in SUMMARY_TEXT + EXIF_TEXT}
        self.numeric = {name: (pd.to_numeric(photos[name], errors="coerce")
                               .to_numpy(dtype=np.float64) if name in photos.columns
                               else np.full(n, np.nan))
                        for name in EXIF_NUMERIC}
        self.has_exif = np.zeros(n, dtype=bool)
        for values in self.numeric.values():
            self.has_exif |= np.isfinite(values)
        for name in EXIF_TEXT:
            self.has_exif |= np.array([bool(text_of(v)) for v in self.text[name]], dtype=bool)

    @staticmethod
    def _bins(photos, column, first, size):
        """0-based bin of each photo, -1 where unknown or out of range."""
        if column not in photos.columns:
            return np.full(len(photos), -1, dtype=np.int64)
        values = pd.to_numeric(photos[column], errors="coerce").to_numpy(dtype=np.float64)
        values = np.where(np.isfinite(values), values - first, -1).astype(np.int64)
        return np.where((values >= 0) & (values < size), values, -1)

    def row(self, i):
        """Photo ``i`` as a dict of the columns a summary needs."""
        row = {name: values[i] for name, values in self.text.items()}
        row.update((name, values[i]) for name, values in self.numeric.items())
        row["views"] = self.views[i]
        return row

    def settings(self, members):
        """Most common camera and lens, median numeric settings, over photos with EXIF."""
        exif = members[self.has_exif[members]]
        settings = {"n_with_exif": len(exif)}
        for name in EXIF_TEXT:
            texts = [t for t in map(text_of, self.text[name][exif]) if t]
            settings[name] = Counter(texts).most_common(1)[0][0] if texts else None
        for name in EXIF_NUMERIC:
            values = self.numeric[name][exif]
            values = values[np.isfinite(values)]
            settings[name] = float(np.median(values)) if len(values) else None
        return settings


def _counts(bins, size):
    return np.bincount(bins[bins >= 0], minlength=size).tolist()


def _describe(cols, members, rank, score, spread):
    views, lat, lon = cols.views[members], cols.lat[members], cols.lon[members]
    # Weight by views so the centre leans to where the admired photos were
    # taken; fall back to a plain mean when nobody viewed anything.
    weights = views if views.sum() > 0 else None
    best = members[np.argsort(-views, kind="stable")[:config.N_BEST_PHOTOS]]
    return Hotspot(
        rank=rank, score=float(score), n_photos=len(members),
        n_owners=int(len(np.unique(cols.owner[members]))),
        mean_views=float(views.mean()), median_views=float(np.median(views)),
        latitude=float(np.average(lat, weights=weights)),
        longitude=float(np.average(lon, weights=weights)),
        spread_m=spread,
        photo_ids=cols.ids[members].tolist(),
        best_photos=[photo_summary(cols.row(i)) for i in best],
        settings=cols.settings(members),
        hours=_counts(cols.hour[members], 24),
        months=_counts(cols.month[members], 12),
        # The directions are set for all spots at once, once all are known.
        **spot_facts(cols.facts, members, cols.owner[members], views),
    )
