"""Spot quality on a real city: spots scored against viewpoints labelled by hand.

The demo knows where each of its photos was taken from; real photos do not.
For a real city, places to stand are labelled from public knowledge (a guide,
an encyclopedia page, a famous view), each with the subjects seen from it,
in a JSON file (``benchmarks/quality/dresden_viewpoints.json``)::

    {"city": "Dresden", "subjects": ["frauenkirche", ...],
     "viewpoints": [{"name": ..., "lat": ..., "lon": ..., "subjects": [...],
                     "source": ...}, ...]}

A search's photos are then given to the nearest viewpoint labelled with its
subject within ``TAKEN_FROM_M``, which stands in for the demo's "taken
from", and scored with the demo's measures (:func:`quality.score_search`:
found and real within ``quality.RADIUS_M`` of a spot's centre):

- a labelled viewpoint is a **true** viewpoint of the search when at least
  ``quality.MIN_TRUE_PHOTOS`` of its photos by at least ``MIN_TRUE_OWNERS``
  photographers were given to it (a place nobody in the sample shot from
  cannot be found; one person's series is no place);
- **rare admired**, as on the demo: at most ``quality.RARE_WEIGHT_SHARE`` of
  the photos given to the search's true viewpoints, with mean views at least
  ``quality.ADMIRED_VIEWS_RATIO`` times theirs.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..search import FlickrPhotosDatabase, normalize_text
from ..geo import haversine_m
from . import quality

#: Fewest distinct photographers at a true labelled viewpoint.
MIN_TRUE_OWNERS = 3
#: A photo within this of a labelled viewpoint (the nearest one) was taken
#: from it: one place to stand, as wide as a spot may be
#: (``config.MAX_SPOT_SPREAD_M``). Real photos of one view scatter more than
#: the demo's: the 18 Frauenkirche photos from the Canaletto view's bank lie
#: within 250 m of it, only 6 within 150 m.
TAKEN_FROM_M = 250.0


def load_viewpoints(path):
    """The labelled viewpoints of a real city.

    Returns
    -------
    subjects : list of str
        The phrases to score, as a photographer types them.
    viewpoints : pandas.DataFrame
        ``name, latitude, longitude, subjects`` (normalised phrases) and
        ``source``, one row per viewpoint.

    Raises
    ------
    ValidationError
        If the file is missing, not JSON, or a viewpoint lacks a field, has
        a position off the Earth, or names a subject not in ``subjects``.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"no labelled viewpoints at {str(path)!r}") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{str(path)!r} is not JSON: {exc}") from None
    subjects = [str(s) for s in data.get("subjects", [])]
    known = {normalize_text(s) for s in subjects}
    rows = []
    for i, vp in enumerate(data.get("viewpoints", [])):
        missing = [k for k in ("name", "lat", "lon", "subjects", "source") if k not in vp]
        if missing:
            raise ValidationError(f"{str(path)!r}: viewpoint {i} lacks {', '.join(missing)}")
        lat, lon = float(vp["lat"]), float(vp["lon"])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(f"{str(path)!r}: viewpoint {vp['name']!r} is at "
                                  f"({lat}, {lon}), off the Earth")
        names = [normalize_text(s) for s in vp["subjects"]]
        unknown = sorted(set(names) - known)
        if unknown:
            raise ValidationError(f"{str(path)!r}: viewpoint {vp['name']!r} names subjects "
                                  f"not listed in 'subjects': {', '.join(unknown)}")
        rows.append((vp["name"], lat, lon, tuple(names), vp["source"]))
    if not subjects or not rows:
        raise ValidationError(f"{str(path)!r} lists no subjects or no viewpoints")
    frame = pd.DataFrame(rows, columns=["name", "latitude", "longitude", "subjects", "source"])
    return subjects, frame


def assign(photos, viewpoints, phrase=None):
    """Each photo's nearest viewpoint within ``TAKEN_FROM_M``, else -1.

    Only the viewpoints labelled with ``phrase`` when it is given; any
    labelled viewpoint when ``None`` (as the demo's truth, where a search's
    true viewpoints are those its photos were taken from, whatever their
    subject).
    """
    key = None if phrase is None else normalize_text(phrase)
    labelled = np.flatnonzero([key is None or key in s for s in viewpoints["subjects"]])
    source = np.full(len(photos), -1, dtype=np.int64)
    if not len(labelled) or not len(photos):
        return source
    lat = photos["latitude"].to_numpy(dtype=np.float64)
    lon = photos["longitude"].to_numpy(dtype=np.float64)
    dist = haversine_m(lat[:, None], lon[:, None],
                       viewpoints["latitude"].to_numpy()[labelled][None, :],
                       viewpoints["longitude"].to_numpy()[labelled][None, :])
    nearest = np.argmin(dist, axis=1)
    near = dist[np.arange(len(photos)), nearest] <= TAKEN_FROM_M
    source[near] = labelled[nearest[near]]
    return source


def true_and_rare(photos, source):
    """The true viewpoints of a search (rows) and, among them, its rare admired ones.

    Photos given to a viewpoint that is not true go back to the background
    (-1) in the returned ``source``.
    """
    owners = photos["owner"].to_numpy()
    views = photos["views"].to_numpy(dtype=np.float64)
    true = []
    for vp in np.unique(source[source >= 0]).tolist():
        at = source == vp
        if at.sum() >= quality.MIN_TRUE_PHOTOS and len(np.unique(owners[at])) >= MIN_TRUE_OWNERS:
            true.append(vp)
    source = np.where(np.isin(source, true), source, -1)
    on = source >= 0
    rare = set()
    if len(true) >= 2:
        mean = views[on].mean()
        for vp in true:
            at = source == vp
            if (at.sum() <= quality.RARE_WEIGHT_SHARE * on.sum()
                    and views[at].mean() >= quality.ADMIRED_VIEWS_RATIO * mean):
                rare.add(vp)
    return source, rare


def evaluate_city(folder, labels, find=None, by_subject=False,
                  radius_m=quality.RADIUS_M):
    """Score every labelled subject's search on the tables in ``folder``.

    Parameters
    ----------
    folder : path
        Processed tables of the city (``snapassist import``).
    labels : path
        The labelled viewpoints (see the module's docstring).
    find : callable, optional
        ``find(photos, views_threshold, query=phrase)`` returning an object
        with ``spots`` (default :func:`snapassist.spots.find_spots`); a peer
        tool's clusters can stand in.
    by_subject : bool
        Give photos only to the viewpoints labelled with the search's
        subject (stricter: a spot at a labelled place of another subject is
        then no real spot). By default, as on the demo, any labelled place
        the search's photos were taken from is a true viewpoint of it.
    radius_m : float
        How near a spot's centre must be to find a viewpoint.

    Returns
    -------
    rows, totals
        As :func:`snapassist.demo.quality.evaluate`; each row also has
        ``rare_names``, the names of its rare admired viewpoints.
    """
    subjects, viewpoints = load_viewpoints(labels)
    db = FlickrPhotosDatabase.from_folder(folder)
    rows = []
    for phrase in subjects:
        photos, spots = quality.search_spots(db, phrase, find)
        source, rare = true_and_rare(photos, assign(photos, viewpoints,
                                                    phrase if by_subject else None))
        row = quality.score_search(phrase, phrase, photos, source, spots, viewpoints, rare,
                                   radius_m)
        row["rare_names"] = [viewpoints["name"].iloc[vp] for vp in sorted(rare)]
        rows.append(row)
    return rows, quality.pool(rows)
