"""What a photographer needs at each spot, wired into a search's answer.

Private helper of :mod:`snapassist.hotspots`: the facts of one spot from its
photos (light, lenses, when, one photographer's share), the directions
between the spots of one search, and what may change per request without
clustering again: the sun on a chosen date (:func:`add_sun`) and the order
the spots are listed in (:func:`sort_result`). Both return copies, so a
cached answer is never changed.
"""
import dataclasses

import numpy as np
import pandas as pd

from . import config, spots


class SpotColumns:
    """The columns the facts read, as arrays aligned with the search's photos."""

    def __init__(self, photos, month_bins):
        n = len(photos)
        self.light = (photos["light"].fillna("").to_numpy(dtype=object)
                      if "light" in photos.columns else np.full(n, "", dtype=object))
        if "datetaken" in photos.columns:
            taken = photos["datetaken"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        else:
            taken = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        if "month" in photos.columns:
            # The tables know the month exactly when they know the day: an
            # exact date or a day without a time, not the upload time, not
            # "May 2014" (see snapassist.ingest.preprocess.DAY_KNOWN). So a
            # known month is a known day.
            taken = np.where(month_bins >= 0, taken, np.datetime64("NaT"))
        self.taken = taken
        # The hour moves a festival night's small hours to its evening, and
        # tells night from day where the light is unknown.
        self.hour = (pd.to_numeric(photos["hour"], errors="coerce").to_numpy(dtype=np.float64)
                     if "hour" in photos.columns else np.full(n, np.nan))
        # The 35 mm equivalent only: without the camera's crop factor, a
        # focal length says nothing comparable across cameras.
        self.focal_35mm = (
            pd.to_numeric(photos["FocalLengthIn35mmFormat"], errors="coerce")
            .to_numpy(dtype=np.float64) if "FocalLengthIn35mmFormat" in photos.columns
            else np.full(n, np.nan))


def spot_facts(columns, members, owners, views):
    """The date-independent facts of one spot (fields of :class:`~snapassist.hotspots.Hotspot`).

    Parameters
    ----------
    columns : SpotColumns
    members : numpy.ndarray of int
        The spot's photos (rows of the search).
    owners, views : numpy.ndarray
        The spot's photos' owner codes and views, aligned with ``members``.
    """
    share = spots.one_photographer_share(owners)
    return {"light": spots.light_shares(columns.light[members], views),
            "focal_range_mm": spots.focal_range_mm(columns.focal_35mm[members]),
            "when": spots.when(columns.taken[members], columns.hour[members],
                               columns.light[members]),
            "one_photographer_share": share,
            "one_photographer": bool(share > config.ONE_PHOTOGRAPHER_SHARE)}


def direction_facts(hotspots):
    """Per spot ``bearing_deg``, ``distance_m``, ``side``, ``anchor_rank`` (rank order).

    The anchor is the spot with the most distinct photographers (ties: the
    best ranked); its own four facts are ``None``.
    """
    found = spots.directions([h.latitude for h in hotspots], [h.longitude for h in hotspots],
                             [h.n_owners for h in hotspots])
    out = []
    for i, facts in enumerate(found):
        anchor = facts.pop("anchor_index")
        facts["anchor_rank"] = None if i == anchor else hotspots[anchor].rank
        out.append(facts)
    return out


def add_sun(result, date, timezone):
    """A copy of ``result`` whose spots carry the sun on ``date``.

    Each spot's ``sun`` is :func:`snapassist.spots.sun_times` at its centre
    and ``sun_behind_at_sunset`` whether, facing the anchor, the setting sun
    is at the photographer's back. ``timezone`` is a ``zoneinfo.ZoneInfo``.
    """
    hotspots = []
    for h in result.hotspots:
        sun = spots.sun_times(h.latitude, h.longitude, date, timezone)
        hotspots.append(dataclasses.replace(
            h, sun=sun, sun_behind_at_sunset=spots.sun_behind(h.bearing_deg,
                                                              sun["sunset_azimuth_deg"])))
    return dataclasses.replace(result, hotspots=hotspots)


def admired_score(hotspot, search_median_views, prior=None):
    """Mean views shrunk towards the search's median views (``sort=admired``).

    ``(n * mean + k * median) / (n + k)`` with ``k`` photos of prior
    (``config.ADMIRED_PRIOR_PHOTOS``): a small spot must show many admired
    photos, not one lucky one, to come first.
    """
    k = config.ADMIRED_PRIOR_PHOTOS if prior is None else prior
    n = hotspot.n_photos
    return (n * hotspot.mean_views + k * search_median_views) / (n + k)


def sort_result(result, by):
    """A copy of ``result`` with its spots in order ``by`` (one of ``config.SORTS``).

    ``"score"`` is the ranking of :func:`~snapassist.hotspots.find_hotspots`;
    ``"admired"`` orders by :func:`admired_score`, ``"photographers"`` by
    distinct photographers, both highest first, ties kept in score order.
    Ranks are numbered again from 1 and every rank the result holds
    (``photo_rank``, ``reachability_rank``, ``anchor_rank``) follows.

    Raises
    ------
    ValueError
        If ``by`` is not one of ``config.SORTS``.
    """
    if by not in config.SORTS:
        raise ValueError(f"sort must be one of {', '.join(config.SORTS)}, got {by!r}")
    hotspots = sorted(result.hotspots, key=lambda h: h.rank)
    if by == "admired":
        median = result.search_median_views
        hotspots.sort(key=lambda h: -admired_score(h, median))
    elif by == "photographers":
        hotspots.sort(key=lambda h: -h.n_owners)
    new_rank = np.arange(len(result.hotspots) + 2, dtype=np.int64)
    new_rank[-1] = -1      # background photos: rank -1 stays -1
    for rank, h in enumerate(hotspots, start=1):
        new_rank[h.rank] = rank
    if np.array_equal(new_rank[1:-1], np.arange(1, len(hotspots) + 1)):
        return result

    def renumber(ranks):
        ranks = np.asarray(ranks)
        return new_rank[ranks].astype(ranks.dtype)

    hotspots = [dataclasses.replace(
        h, rank=int(new_rank[h.rank]),
        anchor_rank=None if h.anchor_rank is None else int(new_rank[h.anchor_rank]))
        for h in hotspots]
    return dataclasses.replace(result, hotspots=hotspots,
                               photo_rank=renumber(result.photo_rank),
                               reachability_rank=renumber(result.reachability_rank))
