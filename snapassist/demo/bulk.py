"""Bulk uploads: one photographer's 50 to 200 photos of one spot, taken within minutes.

Real Flickr tables hold many such series (in the Dresden sample, one
photographer's day can hold 370 photos): the same tags on every photo, one
place, one upload. A few of them land at a landmark's viewpoint, where they
swell one spot with one person's photos; others sit anywhere, under a
background theme's tags or, now and then, under a landmark's, miles from it.
The series are chosen among the photos already assigned a source (so the
number of photos stays as asked), then each copies its first photo's scene.
"""
import numpy as np

from .places import LAST_TAKEN

#: Bulk uploads per photo: a few per 60,000 photos.
PER_PHOTO = 6 / 60_000
#: At most this share of the photos is in bulk uploads (small tables get none).
MAX_SHARE = 0.04
SIZE_RANGE = (50, 200)
#: Where the uploads are: at a landmark viewpoint, anywhere under a landmark's
#: tags, anywhere under a background theme's tags.
SITE_SHARES = (0.5, 0.15, 0.35)
#: Metres between the photos of one series (standard deviation).
JITTER_M = 8.0
#: Mean seconds between two shots of a series.
GAP_S = 12.0
#: Each photo of a series is seen less than a single upload would be.
VIEWS = 0.5

_M_PER_DEG_LAT = 111_320.0
# Scene entries that every photo of a series shares with its first one.
_SHARED = ("source", "kind", "day", "cherry", "winter", "subj_name", "subj_tags",
           "subj_title", "landmark", "views_mult", "tripod")


def choose_bulk_uploads(rng, n, sites):
    """Which photos are bulk uploads, and at which source each upload is.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Number of photos.
    sites : sequence of (ndarray, ndarray)
        For each kind of site of ``SITE_SHARES``: the candidate sources and
        their probabilities.

    Returns
    -------
    dict
        ``group`` (per photo: its upload, -1 for none), ``rows`` (the
        uploads' photos, upload after upload, in the order taken),
        ``sizes`` and ``source`` (per upload).
    """
    count = int(np.floor(n * PER_PHOTO + rng.random()))
    sizes = rng.integers(SIZE_RANGE[0], SIZE_RANGE[1] + 1, count)
    sizes = sizes[np.cumsum(sizes) <= MAX_SHARE * n]
    rows = rng.choice(n, size=int(sizes.sum()), replace=False)
    group = np.full(n, -1, dtype=np.int64)
    group[rows] = np.repeat(np.arange(len(sizes)), sizes)
    kind = rng.choice(len(sites), size=len(sizes), p=SITE_SHARES)
    source = np.array([rng.choice(sites[k][0], p=sites[k][1] / sites[k][1].sum()) for k in kind],
                      dtype=np.int64)
    return {"group": group, "rows": rows, "sizes": sizes, "source": source}


def members(bulk):
    """``(rows, first)``: every bulk photo and the first photo of its upload."""
    starts = np.cumsum(bulk["sizes"]) - bulk["sizes"]
    first = bulk["rows"][starts]
    return bulk["rows"], np.repeat(first, bulk["sizes"])


def follow_first(values, bulk):
    """``values`` with every bulk photo's entry replaced by its upload's first photo's."""
    rows, first = members(bulk)
    out = values.copy()
    out[rows] = values[first]
    return out


def settle_bulk_uploads(rng, scene, bulk):
    """Make each upload one series: its first photo's scene, a few metres and seconds apart.

    Changes ``scene`` in place; ``scene["taken"]`` must be set.
    """
    rows, first = members(bulk)
    if not len(rows):
        return
    for key in _SHARED:
        scene[key][rows] = scene[key][first]
    for mask in scene["has"].values():
        mask[rows] = mask[first]
    scene["views_mult"][rows] *= VIEWS
    lat, lon = scene["lat"][first], scene["lon"][first]
    scene["lat"][rows] = lat + rng.normal(0, JITTER_M, len(rows)) / _M_PER_DEG_LAT
    scene["lon"][rows] = lon + rng.normal(0, JITTER_M, len(rows)) / (
        _M_PER_DEG_LAT * np.cos(np.radians(lat)))
    # Seconds since the series began: gaps added up within each upload.
    gaps = 1.0 + rng.exponential(GAP_S, len(rows))
    starts = np.cumsum(bulk["sizes"]) - bulk["sizes"]
    gaps[starts] = 0.0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[starts], bulk["sizes"])
    taken = scene["taken"][first] + np.floor(elapsed).astype("timedelta64[s]")
    # A series that would run past the scrape's end moves a year back whole.
    late = np.maximum.reduceat(taken, starts) > LAST_TAKEN
    taken -= np.where(np.repeat(late, bulk["sizes"]), 365, 0).astype("timedelta64[D]")
    scene["taken"][rows] = taken
