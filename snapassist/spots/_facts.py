"""What a photographer needs at each spot, wired into a search's answer.

The facts of one spot from its photos (light, lenses, when, one
photographer's share) and the directions between the spots of one search,
from the measures of :mod:`._measures` and :mod:`._when`.
"""
import numpy as np
import pandas as pd

from . import _measures
from ._when import when


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


def spot_facts(columns, members, owners, views, settings):
    """The date-independent facts of one spot (fields of :class:`~snapassist.spots.Spot`).

    Parameters
    ----------
    columns : SpotColumns
    members : numpy.ndarray of int
        The spot's photos (rows of the search).
    owners, views : numpy.ndarray
        The spot's photos' owner codes and views, aligned with ``members``.
    settings : snapassist.settings.Settings
    """
    share = _measures.one_photographer_share(owners)
    return {"light": _measures.light_shares(columns.light[members], views,
                                            settings.admired_share),
            "focal_range_mm": _measures.focal_range_mm(columns.focal_35mm[members]),
            "when": when(columns.taken[members], columns.hour[members], columns.light[members],
                         settings),
            "one_photographer_share": share,
            "one_photographer": bool(share > settings.one_photographer_share)}


def direction_facts(spots):
    """Per spot ``bearing_deg``, ``distance_m``, ``side``, ``anchor_rank`` (rank order).

    The anchor is the spot with the most distinct photographers (ties: the
    best ranked); its own four facts are ``None``.
    """
    found = _measures.directions([s.latitude for s in spots], [s.longitude for s in spots],
                                 [s.n_owners for s in spots])
    out = []
    for i, facts in enumerate(found):
        anchor = facts.pop("anchor_index")
        facts["anchor_rank"] = None if i == anchor else spots[anchor].rank
        out.append(facts)
    return out
