"""One spot described from its photos: counts, views, centre, best photos, settings."""
from collections import Counter

import numpy as np
import pandas as pd

from ..schema import EXIF_NUMERIC, EXIF_TEXT, SUMMARY_TEXT
from ._facts import SpotColumns, spot_facts
from ._model import Spot
from ._photos import photo_summary, text_of


class Columns:
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


def describe_spot(cols, members, rank, score, spread, settings, has_views=True):
    views, lat, lon = cols.views[members], cols.lat[members], cols.lon[members]
    # Weight by views so the centre leans to where the admired photos were
    # taken; fall back to a plain mean when nobody viewed anything.
    weights = views if has_views and views.sum() > 0 else None
    if has_views:
        best = members[np.argsort(-views, kind="stable")[:settings.n_best_photos]]
    else:
        # No views to tell the best: one photo of each of the first photographers.
        _, first = np.unique(cols.owner[members], return_index=True)
        best = members[np.sort(first)[:settings.n_best_photos]]
    facts = spot_facts(cols.facts, members, cols.owner[members], views, settings)
    if not has_views:
        facts["light"] = dict(facts["light"], admired={})
    return Spot(
        rank=rank, score=float(score), n_photos=len(members),
        n_owners=int(len(np.unique(cols.owner[members]))),
        mean_views=float(views.mean()) if has_views else None,
        median_views=float(np.median(views)) if has_views else None,
        latitude=float(np.average(lat, weights=weights)),
        longitude=float(np.average(lon, weights=weights)),
        spread_m=spread,
        photo_ids=cols.ids[members].tolist(),
        best_photos=[photo_summary(cols.row(i)) for i in best],
        settings=cols.settings(members),
        hours=_counts(cols.hour[members], 24),
        months=_counts(cols.month[members], 12),
        # The directions are set for all spots at once, once all are known.
        **facts,
    )
