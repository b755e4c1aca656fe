"""What may change per request without clustering again: the sun and the order.

The sun on a chosen date (:func:`add_sun`) and the order the spots are
listed in (:func:`sort_answer`). Both return copies, so a cached answer is
never changed.
"""
import dataclasses

import numpy as np

from .. import config, geo
from ..settings import Settings


def add_sun(answer, date, timezone):
    """A copy of ``answer`` whose spots carry the sun on ``date``.

    Each spot's ``sun`` is :func:`snapassist.geo.sun_times` at its centre
    and ``sun_behind_at_sunset`` whether, facing the anchor, the setting sun
    is at the photographer's back. ``timezone`` is a ``zoneinfo.ZoneInfo``.
    """
    spots = []
    for h in answer.spots:
        sun = geo.sun_times(h.latitude, h.longitude, date, timezone)
        spots.append(dataclasses.replace(
            h, sun=sun, sun_behind_at_sunset=geo.sun_behind(h.bearing_deg,
                                                              sun["sunset_azimuth_deg"])))
    return dataclasses.replace(answer, spots=spots)


def admired_score(spot, search_median_views, prior=None):
    """Mean views shrunk towards the search's median views (``sort=admired``).

    ``(n * mean + k * median) / (n + k)`` with ``k`` photos of prior
    (``Settings.admired_prior_photos``): a small spot must show many admired
    photos, not one lucky one, to come first.
    """
    k = Settings().admired_prior_photos if prior is None else prior
    n = spot.n_photos
    return (n * spot.mean_views + k * search_median_views) / (n + k)


def sort_answer(answer, by, settings=None):
    """A copy of ``answer`` with its spots in order ``by`` (one of ``config.SORTS``).

    ``"score"`` is the ranking of :func:`~snapassist.spots.find_spots`;
    ``"admired"`` orders by :func:`admired_score`, ``"photographers"`` by
    distinct photographers, both highest first, ties kept in score order.
    Ranks are numbered again from 1 and every rank the answer holds
    (``photo_rank``, ``reachability_rank``, ``anchor_rank``) follows.
    ``settings`` gives the admired order's prior (default: ``Settings()``).

    Raises
    ------
    ValueError
        If ``by`` is not one of ``config.SORTS``.
    """
    if by not in config.SORTS:
        raise ValueError(f"sort must be one of {', '.join(config.SORTS)}, got {by!r}")
    if by == "admired" and not answer.has_views:
        raise ValueError("sort=admired needs view counts, and these photos have none")
    spots = sorted(answer.spots, key=lambda h: h.rank)
    if by == "admired":
        median = answer.search_median_views
        prior = (Settings() if settings is None else settings).admired_prior_photos
        spots.sort(key=lambda h: -admired_score(h, median, prior))
    elif by == "photographers":
        spots.sort(key=lambda h: -h.n_owners)
    new_rank = np.arange(len(answer.spots) + 2, dtype=np.int64)
    new_rank[-1] = -1      # background photos: rank -1 stays -1
    for rank, h in enumerate(spots, start=1):
        new_rank[h.rank] = rank
    if np.array_equal(new_rank[1:-1], np.arange(1, len(spots) + 1)):
        return answer

    def renumber(ranks):
        ranks = np.asarray(ranks)
        return new_rank[ranks].astype(ranks.dtype)

    spots = [dataclasses.replace(
        h, rank=int(new_rank[h.rank]),
        anchor_rank=None if h.anchor_rank is None else int(new_rank[h.anchor_rank]))
        for h in spots]
    anchor = answer.anchor_rank
    return dataclasses.replace(answer, spots=spots,
                               anchor_rank=None if anchor is None else int(new_rank[anchor]),
                               photo_rank=renumber(answer.photo_rank),
                               reachability_rank=renumber(answer.reachability_rank))
