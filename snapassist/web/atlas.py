"""The city's atlas in the web app: prepared once per process, drawn on the city's home page.

The atlas (every photo of the city clustered, each spot with its subjects:
``snapassist precompute``) is read with the tables
(:meth:`~.tables.TablesHolder.atlas`). Here it is prepared once for serving
(:class:`AtlasView`): its spots in rank order, its ends (the best scored and
the most photographed) and a coarse outline of the city's photos, so that a
search by place (:mod:`.near`) is a lookup of a few milliseconds.

The home page shows both ends of the atlas: its order favours admired
spots that few have shot, so the places every visitor expects (Dresden's
Frauenkirche ranks 113th of 116) come last; on the map they stand beside
the best scored ones, marked apart.
"""
import dataclasses
import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from flask import current_app, url_for

from .. import config, geo
from ..spots import near
from .assets import asset_url
from .card import N_LABEL_SUBJECTS, subject_labels
from .map import popup_html, render_atlas_map

#: Spots at each end of the home page's map: the best scored, the most photographed.
N_HOME_SPOTS = 30
#: The outline of the city's photos is made of cells this many degrees wide
#: (about 550 m of latitude): a point's distance to the city is measured to
#: the nearest cell centre, a few hundred metres off the nearest photo,
#: which a rule of ``OUTSIDE_M`` (10 km) does not feel.
CELL_DEG = 0.005
#: What each kind of home marker means, for the legend.
KINDS = {"top": "among the best scored", "busy": "among the most photographed",
         "both": "both"}

_LOCK = threading.Lock()


@dataclasses.dataclass
class _Outline:
    """What :func:`snapassist.spots.near` reads of an atlas: its spots and photo positions."""

    spots: list
    latitudes: np.ndarray
    longitudes: np.ndarray


class AtlasView:
    """An atlas (a :class:`~snapassist.spots.SpotsAnswer` with subjects) ready to serve.

    ``spots`` in rank order; :attr:`outline` for :func:`snapassist.spots.near`
    (the spots and one point per cell of the city's photos: a few thousand
    where the atlas draws hundreds of thousands); :meth:`ends` for the home
    page. ``home`` keeps the home page's rendered map.
    """

    def __init__(self, atlas):
        self.atlas = atlas
        self.spots = sorted(atlas.spots, key=lambda s: s.rank)
        # One key per cell (latitude and longitude cell numbers, both
        # non-negative after the shift), then the cells' centres.
        lat = np.rint((np.asarray(atlas.latitudes, dtype=np.float64) + 90) / CELL_DEG)
        lon = np.rint((np.asarray(atlas.longitudes, dtype=np.float64) + 180) / CELL_DEG)
        span = int(360 / CELL_DEG) + 2
        cells = pd.unique(lat.astype(np.int64) * span + lon.astype(np.int64))
        self.outline = _Outline(self.spots, (cells // span) * CELL_DEG - 90,
                                (cells % span) * CELL_DEG - 180)
        self.home = None

    def near(self, lat, lon, radius_m, months=(), lights=(), tonight=False):
        """:func:`snapassist.spots.near` on this atlas (its errors, its order)."""
        return near(self.outline, lat, lon, radius_m, months=months, lights=lights,
                    tonight=tonight)

    def ends(self, n=N_HOME_SPOTS):
        """``[(spot, kind)]``: the top ``n`` by score and by photographers, once each.

        ``kind`` is ``"top"``, ``"busy"`` or ``"both"``; in rank order.
        """
        top = {s.rank for s in self.spots[:n]}
        busy = {s.rank for s in sorted(self.spots, key=lambda s: (-s.n_owners, s.rank))[:n]}
        return [(s, "both" if s.rank in top and s.rank in busy else
                 "top" if s.rank in top else "busy")
                for s in self.spots if s.rank in top or s.rank in busy]


def atlas_view(holder, load=True):
    """The :class:`AtlasView` of ``holder``'s tables, or ``None`` when they have no atlas.

    With ``load`` false, tables not loaded yet are loaded only when an
    answers file lies beside them (so a home page without a precompute
    loads nothing, as before the atlas).
    """
    if holder is None:
        return None
    if not holder.loaded and not load:
        folder = holder.folder
        if folder is None or not (Path(folder) / config.PRECOMPUTED_ANSWERS).is_file():
            return None
    atlas = holder.atlas()
    if atlas is None:
        return None
    # Kept with the tables (dropped when they are unloaded or reloaded).
    found = holder.derived.get("atlas_view")
    if found is None or found.atlas is not atlas:
        with _LOCK:
            found = holder.derived.get("atlas_view")
            if found is None or found.atlas is not atlas:
                found = holder.derived["atlas_view"] = AtlasView(atlas)
    return found


def prepare(holder):
    """Make the first search by place of a process as fast as the next ones.

    Called where the tables are loaded ahead of requests (a preloading
    server, before it forks its workers): prepares the atlas's
    :class:`AtlasView` and imports what the sun's times need, so that no
    worker's first ``/api/near`` does either (30-60 ms at a million photos).
    """
    view = atlas_view(holder)
    if view is not None and view.spots:
        geo.sun_times(view.spots[0].latitude, view.spots[0].longitude, dt.date(2000, 6, 21),
                      dt.timezone.utc)
    return view


def subject_links(h, limit=None):
    """``[(label, address)]``: spot ``h``'s top subjects, each with its search's address."""
    labels = subject_labels(h) if limit is None else subject_labels(h, limit)
    return [(label, url_for("pages.search", q=label)) for label in labels]


def marker(h, kind, demo):
    """What :class:`~.map.AtlasMarkers` draws of spot ``h``: position, label, card."""
    labels = subject_labels(h, N_LABEL_SUBJECTS)
    # An atlas has an anchor (its most photographed spot) but a card saying
    # "2.6 km E of #56" of a spot the map may not show tells nothing.
    h = without_anchor(h)
    return {"rank": h.rank, "lat": h.latitude, "lon": h.longitude, "kind": kind,
            "label": ", ".join(labels), "title": f"Spot #{h.rank}",
            "popup": str(popup_html(h, demo=demo, subjects=subject_links(h)))}


def without_anchor(h):
    """A copy of spot ``h`` without its place from the atlas's anchor."""
    return dataclasses.replace(h, bearing_deg=None, distance_m=None, side=None,
                               anchor_rank=None)


def spots_view(spots, pad_deg=0.002):
    """``[[s, w], [n, e]]`` around ``spots`` (a little beyond, so one spot is a view too)."""
    lat = [s.latitude for s in spots]
    lon = [s.longitude for s in spots]
    return [[min(lat) - pad_deg, min(lon) - pad_deg], [max(lat) + pad_deg, max(lon) + pad_deg]]


def map_assets():
    """The ``scripts`` and ``styles`` a map of ours links (Leaflet and our layers)."""
    return ([asset_url("leaflet.js", "leaflet"), asset_url("map.js")],
            [asset_url("leaflet.css", "leaflet"), asset_url("map.css")])


def home_map(view, demo):
    """The home page's map of ``view``'s two ends, rendered once per process.

    Returns ``{"map": MapParts, "n_spots", "n_shown", "kinds"}``.
    """
    if view.home is None:
        ends = view.ends()
        scripts, styles = map_assets()
        parts = render_atlas_map([marker(h, kind, demo) for h, kind in ends],
                                 spots_view([h for h, _ in ends]),
                                 tiles=current_app.extensions["snapassist_tiles"],
                                 scripts=scripts, styles=styles,
                                 near_url=url_for("near.page"))
        shown = {kind for _, kind in ends}
        view.home = {"map": parts, "n_spots": len(view.spots), "n_shown": len(ends),
                     "n_each": N_HOME_SPOTS,
                     "kinds": [(kind, text) for kind, text in KINDS.items() if kind in shown]}
    return view.home
