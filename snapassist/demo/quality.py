"""Spot quality: SnapAssist's spots scored against the demo generator's truth.

The demo generator knows where every landmark photo was taken from (its
subject's viewpoints). For each landmark, the search a photographer would
type is run exactly as the web app runs it, and its spots are compared with
the true viewpoints:

- a **true viewpoint** of a search is a viewpoint (of any subject) from which
  at least ``MIN_TRUE_PHOTOS`` of the matching photos were generated;
- a viewpoint is **found** when a spot's centre lies within ``RADIUS_M``;
- a spot is **real** (precise) when its centre lies within ``RADIUS_M`` of a
  true viewpoint;
- **duplication**: each real spot is given to its nearest true viewpoint; the
  real spots over the viewpoints given at least one (1.0: one spot a place);
- **completeness** of a found viewpoint: the photos generated there that its
  nearest spot holds, over the matching photos generated there;
- **purity** of a real spot: the share of its photos generated at the true
  viewpoints within ``RADIUS_M`` of its centre (strays from elsewhere lower it);
- **spread**: each spot's ``spread_m`` (68th percentile distance, metres);
- **rare admired** viewpoints: see :func:`rare_admired`; the share of them
  whose nearest spot (within ``RADIUS_M``) ranks in the top 3.

Used by ``benchmarks/bench_quality.py`` and by the tests.
"""
import math
import re
from pathlib import Path

import numpy as np

from .. import config, search
from ..search import FlickrPhotosDatabase, normalize_text
from ..errors import NotEnoughPhotosError, ValidationError
from ..geo import haversine_m
from . import places
from .generator import generate_demo_truth

RADIUS_M = 150.0
MIN_TRUE_PHOTOS = 15
TOP = 3
#: A viewpoint is rare when it has at most this share of its subject's photos...
RARE_WEIGHT_SHARE = 0.25
#: ...and admired when its views are at least this multiple of the subject's mean.
ADMIRED_VIEWS_RATIO = 1.5

#: The issue's targets on the 60,000-photo demo: measure -> (comparison, value).
TARGETS = {"recall": (">=", 0.8), "precision": (">=", 0.8), "duplication": ("<=", 1.2),
           "completeness": (">=", 0.7), "spread_m": ("<", 150.0), "rare_top3": (">=", 0.5)}
_OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}

_MARKER = re.compile(r"n_photos=(\d+), seed=(\d+)")


def subject_phrase(subject):
    """What a photographer would type for ``subject``.

    Its name ("CN Tower", "Queen's Park") when that finds the subject's own
    tag (the name's words joined are one of its tags), else the tag people
    use for it ("cne", "caribana", "tiff", "trinitybellwoods").
    """
    if normalize_text(subject.name).replace(" ", "") in subject.joined:
        return subject.name
    return subject.joined[0]


def rare_admired(subject):
    """Labels of the subject's rare but admired viewpoints.

    Rare: at most ``RARE_WEIGHT_SHARE`` of the subject's photos (its share of
    the viewpoints' weights). Admired: a views multiplier at least
    ``ADMIRED_VIEWS_RATIO`` times the subject's photo-weighted mean one. A
    subject with a single viewpoint has none.
    """
    weights = np.array([v.weight for v in subject.viewpoints], dtype=float)
    views = np.array([v.views for v in subject.viewpoints], dtype=float)
    if len(weights) < 2:
        return set()
    mean = np.average(views, weights=weights)
    share = weights / weights.sum()
    return {v.label for v, s, m in zip(subject.viewpoints, share, views)
            if s <= RARE_WEIGHT_SHARE and m >= ADMIRED_VIEWS_RATIO * mean}


def demo_parameters(folder):
    """``(n_photos, seed)`` of the demo tables in ``folder``, read from their marker."""
    marker = Path(folder) / config.DEMO_MARKER
    if not marker.is_file():
        raise ValidationError(f"{str(folder)!r} holds no demo tables: no {config.DEMO_MARKER}")
    found = _MARKER.search(marker.read_text(encoding="utf-8"))
    if not found:
        raise ValidationError(f"{str(marker)!r} does not name n_photos and seed")
    return int(found.group(1)), int(found.group(2))


def evaluate(folder, subjects=None, find=None):
    """Score every landmark's search on the demo tables in ``folder``.

    Parameters
    ----------
    folder : path
        Demo tables (with their marker, which gives ``n_photos`` and ``seed``).
    subjects : iterable of str, optional
        Subject keys to score (default: every landmark).
    find : callable, optional
        Stand-in for :func:`snapassist.spots.find_spots` (same signature),
        to score another selection rule.

    Returns
    -------
    rows : list of dict
        One per subject (see :func:`score_search`).
    totals : dict
        The rows pooled (see :func:`pool`).
    """
    n, seed = demo_parameters(folder)
    truth, viewpoints = generate_demo_truth(n, seed)
    db = FlickrPhotosDatabase.from_folder(folder)
    if len(truth) != db.n_photos:
        raise ValidationError(f"{str(folder)!r} holds {db.n_photos} photos, its marker says {n}")
    wanted = None if subjects is None else set(subjects)
    rows = []
    for subject in places.LANDMARKS:
        if wanted is not None and subject.key not in wanted:
            continue
        phrase = subject_phrase(subject)
        photos, spots = search_spots(db, phrase, find)
        source = truth["viewpoint"].to_numpy()[photos.index.to_numpy()]
        labels = rare_admired(subject)
        rare = {i for i, (key, label) in enumerate(zip(viewpoints["subject"], viewpoints["label"]))
                if key == subject.key and label in labels}
        rows.append(score_search(subject.key, phrase, photos, source, spots, viewpoints, rare))
    return rows, pool(rows)


def search_spots(db, phrase, find=None):
    """``(photos, spots)`` of a search, as every caller searches (:func:`snapassist.search.answer`).

    ``find`` stands in for :func:`snapassist.spots.find_spots`. Without a
    budget, as the benchmark scores every subject however broad; ``spots``
    is ``[]`` when too few photos matched.
    """
    seen = {}

    def cluster(photos, views_threshold, query):
        seen["photos"] = photos
        if find is None:
            from ..spots import find_spots
            return find_spots(photos, views_threshold, query=query)
        return find(photos, views_threshold, query=query)

    try:
        spots = search.answer(db, phrase, cluster=cluster).spots
    except NotEnoughPhotosError:
        spots = []
    return seen["photos"], spots


def score_search(key, phrase, photos, source, spots, viewpoints, rare=(), radius_m=RADIUS_M):
    """One search's spots against its true viewpoints.

    Parameters
    ----------
    key : str
        The subject's name in the rows.
    phrase : str
    photos : DataFrame
        The search result (``id`` column).
    source : ndarray of int
        Per photo of ``photos``, its row in ``viewpoints`` (-1: background).
    spots : list of Spot
    viewpoints : DataFrame
        ``latitude`` and ``longitude`` of each viewpoint (the demo's from
        :func:`snapassist.demo.generate_demo_truth`, or a real city's labels).
    rare : set of int
        Rows of ``viewpoints`` that are the subject's rare admired viewpoints;
        only those that are true viewpoints of the search count.
    radius_m : float
        How near a spot's centre must be to find a viewpoint (``RADIUS_M``).
    """
    vp_ids, counts = np.unique(source[source >= 0], return_counts=True)
    true = vp_ids[counts >= MIN_TRUE_PHOTOS]
    n_at = dict(zip(vp_ids.tolist(), counts.tolist()))
    vlat = viewpoints["latitude"].to_numpy()[true]
    vlon = viewpoints["longitude"].to_numpy()[true]
    slat = np.array([s.latitude for s in spots])
    slon = np.array([s.longitude for s in spots])
    # dist[i, j]: true viewpoint i to spot j, metres.
    dist = haversine_m(vlat[:, None], vlon[:, None], slat[None, :], slon[None, :]) \
        if len(spots) else np.empty((len(true), 0))
    near = dist <= radius_m
    found = near.any(axis=1)
    real = near.any(axis=0)
    owners = np.argmin(dist, axis=0) if len(true) else np.zeros(len(spots), dtype=int)
    given = set(owners[real].tolist())

    row_of_id = {pid: i for i, pid in enumerate(photos["id"].astype(str))}
    complete = []
    n_rare = n_rare_top = 0
    purity = []
    for j in np.flatnonzero(real):
        members = np.array([row_of_id[p] for p in spots[j].photo_ids], dtype=np.intp)
        purity.append(float(np.mean(np.isin(source[members], true[near[:, j]]))))
    for i, vp in enumerate(true.tolist()):
        is_rare = vp in rare
        n_rare += is_rare
        if not found[i]:
            continue
        spot = spots[int(np.argmin(dist[i]))]
        members = np.array([row_of_id[p] for p in spot.photo_ids], dtype=np.intp)
        complete.append(float(np.sum(source[members] == vp)) / n_at[vp])
        n_rare_top += is_rare and spot.rank <= TOP
    return {
        "subject": key, "phrase": phrase, "n_photos": len(photos),
        "n_true": len(true), "n_found": int(found.sum()),
        "n_spots": len(spots), "n_real": int(real.sum()), "n_given": len(given),
        "completeness": complete, "purity": purity,
        "spreads": [float(s.spread_m) for s in spots],
        "n_rare": int(n_rare), "n_rare_top": int(n_rare_top),
        # Only TOP spots can rank in the top TOP: a subject with more rare
        # viewpoints cannot place them all.
        "n_rare_possible": int(min(n_rare, TOP)),
    }


def _ratio(a, b):
    return a / b if b else float("nan")


def summary(row):
    """The headline numbers of one row, or of pooled rows (see :func:`pool`)."""
    complete, spreads = row["completeness"], row["spreads"]
    return {
        "recall": _ratio(row["n_found"], row["n_true"]),
        "precision": _ratio(row["n_real"], row["n_spots"]),
        "duplication": _ratio(row["n_real"], row["n_given"]),
        "completeness": float(np.median(complete)) if complete else float("nan"),
        "purity": float(np.median(row["purity"])) if row["purity"] else float("nan"),
        "spread_m": float(np.median(spreads)) if spreads else float("nan"),
        "rare_top3": _ratio(row["n_rare_top"], row["n_rare"]),
    }


def meets(totals):
    """``{measure: bool}``: whether pooled rows meet each of ``TARGETS``."""
    s = summary(totals)
    return {k: (not math.isnan(s[k])) and _OPS[op](s[k], v) for k, (op, v) in TARGETS.items()}


def pool(rows):
    """Every subject's counts added up, lists joined: the totals' raw form."""
    out = {"subject": "TOTAL", "phrase": "", "completeness": [], "purity": [], "spreads": []}
    for key in ("n_photos", "n_true", "n_found", "n_spots", "n_real", "n_given",
                "n_rare", "n_rare_top", "n_rare_possible"):
        out[key] = sum(r.get(key, 0) for r in rows)
    for r in rows:
        out["completeness"] += r["completeness"]
        out["spreads"] += r["spreads"]
        out["purity"] += r["purity"]
    return out


def evaluate_atlas(folder, settings=None, top=5):
    """Score the city's atlas of the demo tables in ``folder`` against the truth.

    The atlas clusters every photo (:func:`snapassist.precompute._atlas.compute_atlas`);
    for every true viewpoint (at least ``MIN_TRUE_PHOTOS`` photos generated
    there, of any subject), its nearest atlas spot within ``RADIUS_M`` should
    list the viewpoint's subject among its ``top`` subjects.

    Returns
    -------
    dict
        ``n_true``, ``n_found`` (a spot within ``RADIUS_M``), ``n_named``
        (and its subjects name the subject), ``named_share`` (over every
        true viewpoint), ``n_spots``, ``n_with_subjects``, ``misses`` (the
        labels of the viewpoints not named) and ``atlas`` (the answer).
    """
    from ..precompute._atlas import atlas_of_folder

    n, seed = demo_parameters(folder)
    truth, viewpoints = generate_demo_truth(n, seed)
    atlas = atlas_of_folder(folder, settings=settings).to_result("")
    source = truth["viewpoint"].to_numpy()
    ids, counts = np.unique(source[source >= 0], return_counts=True)
    true = ids[counts >= MIN_TRUE_PHOTOS]
    slat = np.array([s.latitude for s in atlas.spots])
    slon = np.array([s.longitude for s in atlas.spots])
    by_key = {s.key: s for s in places.LANDMARKS}
    n_found = n_named = 0
    misses = []
    for vp in true.tolist():
        row = viewpoints.iloc[vp]
        dist = haversine_m(row["latitude"], row["longitude"], slat, slon)
        if not len(dist) or dist.min() > RADIUS_M:
            misses.append(f"{row['name']}: {row['label']} (no spot)")
            continue
        n_found += 1
        spot = atlas.spots[int(np.argmin(dist))]
        if names_subject(spot.subjects[:top], by_key[row["subject"]]):
            n_named += 1
        else:
            misses.append(f"{row['name']}: {row['label']} "
                          f"({', '.join(s['label'] for s in spot.subjects[:top]) or 'none'})")
    return {"n_true": len(true), "n_found": n_found, "n_named": n_named,
            "named_share": _ratio(n_named, len(true)), "n_spots": len(atlas.spots),
            "n_with_subjects": sum(bool(s.subjects) for s in atlas.spots),
            "misses": misses, "atlas": atlas}


def names_subject(subjects, subject):
    """Whether atlas ``subjects`` (dicts with ``tag`` and ``label``) name a demo subject.

    A subject is named by one of its joined tags (``cntower``), or by its
    name typed as words ("CN Tower"), plurals and spacing aside.
    """
    from ..search import singular

    def key(text):
        return singular(normalize_text(text).replace(" ", ""))

    wanted = {key(tag) for tag in subject.joined} | {key(subject.name)}
    return any(key(s["tag"]) in wanted or key(s["label"]) in wanted for s in subjects)
