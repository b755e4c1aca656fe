"""The demo's photographers, as unequal as real ones, and the figures that compare them.

In real Flickr samples a few photographers take a large share of the photos
and most take a handful: in the Dresden sample (17,879 photos by 909
photographers) the median photographer has 3 photos, the mean 20, and the
busiest 1% took 44% of them. :func:`photographer_figures` measures this on
any table (the demo's or a real one); :func:`draw_owners` gives the demo's
photos owners drawn to match it.
"""
import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..errors import ValidationError
from . import words

#: Photos per photographer: a lognormal of this median and spread (log
#: scale) whose upper tail grows heavier past ``TAIL_FROM`` standard scores,
#: fitted to the Dresden sample's quantiles (80th to 99th: 13, 28, 59, 247).
MEDIAN_PHOTOS = 3.0
SPREAD = 1.74
TAIL = 0.19
TAIL_FROM = 1.28
#: Share of the photographers counted as the busiest in ``top1_share``.
TOP_SHARE = 0.01


def photographer_figures(owners):
    """How photos are shared among photographers.

    Parameters
    ----------
    owners : array-like
        The photographer of each photo (any hashable ids: Flickr NSIDs,
        hashed user ids), one entry per photo.

    Returns
    -------
    dict
        ``photos`` and ``photographers`` (counts), ``median`` and ``mean``
        photos per photographer, and ``top1_share``: the share of the photos
        taken by the busiest 1% of photographers (at least one; the nearest
        whole number of them).

    Raises
    ------
    ValidationError
        If there are no photos, or a photo has no photographer (None or NaN).
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(owners, dtype=object), dtype=object))
    if not len(codes):
        raise ValidationError("owners must hold at least one photo, got none")
    missing = int((codes < 0).sum())
    if missing:
        raise ValidationError(f"owners must name the photographer of every photo; {missing} "
                              f"of {len(codes)} photos have none")
    counts = np.sort(np.bincount(codes))[::-1]
    top = max(1, int(round(TOP_SHARE * len(counts))))
    return {"photos": int(len(codes)), "photographers": int(len(counts)),
            "median": float(np.median(counts)), "mean": float(len(codes) / len(counts)),
            "top1_share": float(counts[:top].sum() / len(codes))}


def draw_owners(rng, n, bulk_sizes=()):
    """Owners for ``n`` photos, each bulk upload given to one busy photographer.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Number of photos.
    bulk_sizes : sequence of int
        Photos in each bulk upload (see ``bulk.draw_bulk_groups``).

    Returns
    -------
    owner_of : callable
        ``owner_of(bulk)`` -> the owner index of each photo, where ``bulk``
        gives each photo's bulk upload (-1 for none): every upload's photos
        share one owner, the rest are dealt out at random.
    n_owners : int
    busy : ndarray of bool
        Per owner: among the busiest 1%.
    """
    counts = _photos_per_owner(rng, n)
    reserved = np.zeros(len(counts), dtype=np.int64)
    uploader = np.empty(len(bulk_sizes), dtype=np.int64)
    # Loops over the few uploads: the biggest first, each to a photographer
    # who takes that many photos anyway (the busiest one if none is left).
    for g in np.argsort(bulk_sizes, kind="stable")[::-1]:
        free = counts - reserved
        fits = np.flatnonzero(free >= bulk_sizes[g])
        uploader[g] = rng.choice(fits) if len(fits) else int(np.argmax(free))
        reserved[uploader[g]] += bulk_sizes[g]
    counts = _fit_total(rng, np.maximum(counts, reserved), n, np.maximum(1, reserved))
    slots = rng.permutation(np.repeat(np.arange(len(counts)), counts - reserved))
    busy = np.arange(len(counts)) < max(1, int(round(TOP_SHARE * len(counts))))

    def owner_of(bulk):
        owner = np.empty(n, dtype=np.int64)
        owner[bulk < 0] = slots
        owner[bulk >= 0] = uploader[bulk[bulk >= 0]]
        return owner

    return owner_of, len(counts), busy


def pick_owner_names(rng, n_owners):
    """Flickr NSIDs and display names of ``n_owners`` owners: ``(nsid, names)``."""
    numbers_ = rng.choice(90_000_000, size=n_owners, replace=False) + 10_000_000
    suffix = rng.choice(np.array(["@N00", "@N02", "@N03", "@N04", "@N05", "@N06", "@N07", "@N08"]),
                        size=n_owners, p=[.15, .05, .1, .1, .15, .15, .15, .15])
    nsid = numbers_.astype(str).astype(object) + suffix.astype(object)

    def pick(pool):
        return np.array(pool, dtype=object)[rng.integers(0, len(pool), n_owners)]

    first, last, handle = pick(words.FIRST_NAMES), pick(words.LAST_NAMES), pick(words.HANDLES)
    digits = rng.integers(1, 999, n_owners).astype(str).astype(object)
    styles = [first + " " + last, np.array([f.lower() for f in first], dtype=object) + handle,
              "toronto" + handle + digits,
              first + " " + np.array([s[0] for s in last], dtype=object) + ".",
              pick(words.ODD_OWNER_NAMES)]
    style = rng.choice(len(styles), size=n_owners, p=[.45, .2, .15, .17, .03])
    return nsid, np.choose(style, styles)


def _counts(z):
    """Photos of the photographers at standard scores ``z`` of the distribution."""
    spread = SPREAD + TAIL * np.maximum(0.0, z - TAIL_FROM)
    return np.maximum(1, np.round(MEDIAN_PHOTOS * np.exp(spread * z))).astype(np.int64)


def _photos_per_owner(rng, n):
    """Photo counts (each >= 1) of the owners of ``n`` photos, busiest first, summing to n."""
    # As many owners as it takes for their typical counts to add up to n.
    low, high = 1, n
    while low < high:
        mid = (low + high) // 2
        if _counts(ndtri((np.arange(mid) + 0.5) / mid)).sum() >= n:
            high = mid
        else:
            low = mid + 1
    # One quantile in each of the owners' equal strata, jittered inside its
    # middle half: a random sample with the same shape, but the top stratum
    # cannot hand one owner half the city by a fluke.
    q = (np.arange(low) + rng.uniform(0.25, 0.75, low)) / low
    counts = np.sort(_counts(ndtri(q)))[::-1]
    return _fit_total(rng, counts, n, np.ones(low, dtype=np.int64))


def _fit_total(rng, counts, n, floor):
    """``counts`` changed at random, in proportion to them, to add up to ``n``; never below ``floor``."""
    gap = int(n - counts.sum())
    if gap > 0:
        counts = counts + rng.multinomial(gap, counts / counts.sum())
    elif gap < 0:
        counts = counts - rng.multivariate_hypergeometric(counts - floor, -gap)
    return counts
