"""One stored answer: a search's :class:`~snapassist.spots.SpotsAnswer` made storable.

Private helper of :mod:`snapassist.precompute`. An answer is split into what
scales with the photos (the map's points, the reachability plot) and the
rest (every other field of the result, as JSON). Both are generic over the
result's dataclass fields, so fields added to ``Hotspot`` or
``SpotsAnswer`` later are stored without a change here:

- array fields as long as the search (``latitudes``, ``photo_rank``, any new
  per-photo array) become columns of ``points``; every spot's photo is kept,
  and at most ``config.PRECOMPUTE_BACKGROUND_SAMPLE`` background photos,
  drawn with a fixed seed;
- ``reachability`` and ``reachability_rank`` become ``reach``: unchanged up
  to ``config.PRECOMPUTE_PLOT_BARS`` photos, else reduced to one
  (highest reachability, most common rank) pair per bar, binned exactly as
  ``web/plots.py`` bins them, so the drawn plot is the same;
- everything else is JSON; dataclasses, tuples, arrays and numpy scalars are
  tagged so that they come back as they were.
"""
import dataclasses
import importlib
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import config
from ..errors import NotEnoughPhotosError, TableError
from ..spots import SpotsAnswer, find_spots

#: Stands for the search phrase while computing, so that a stored answer can
#: be given back with the phrase exactly as a photographer typed it.
QUERY_MARK = "\x1fsnapassist-query\x1f"
#: The result's arrays in OPTICS order (the reachability plot's).
REACH_FIELDS = ("reachability", "reachability_rank")
#: Code that may be rebuilt from a stored answer (the JSON names classes).
_TRUSTED_MODULES = ("snapassist.",)


@dataclass
class StoredAnswer:
    """What a search for ``phrase`` returns, in a form that can be stored.

    Attributes
    ----------
    phrase : str
        The phrase it was computed for (normalised: terms joined by a space).
    n_photos : int
        Photos matching the phrase.
    error : str or None
        The :class:`NotEnoughPhotosError` message (with :data:`QUERY_MARK`
        for the phrase) when that is the answer, else ``None``.
    fields : dict
        Every other field of the result, JSON-ready (see :func:`encode`).
    points : pandas.DataFrame
        The per-photo arrays of the photos drawn on the map, in search order.
    reach : pandas.DataFrame
        ``reachability`` and ``reachability_rank``, whole or one row per bar.
    n_background : int
        Background photos (in no spot) of the search; ``points`` holds
        ``n_background_drawn`` of them.
    reach_reduced : bool
        Whether ``reach`` holds one row per plot bar instead of per photo.
    """

    phrase: str
    n_photos: int
    error: object
    fields: dict
    points: pd.DataFrame
    reach: pd.DataFrame
    n_background: int = 0
    reach_reduced: bool = False

    @property
    def n_background_drawn(self):
        """How many background photos the stored map draws."""
        if "photo_rank" not in self.points:
            return 0
        return int((self.points["photo_rank"].to_numpy() < 0).sum())

    def to_result(self, query=None):
        """The :class:`SpotsAnswer` a live search for ``query`` gives.

        Equal to the live one in every field, except that a broad search's
        map holds a sample of the background photos
        (:attr:`n_background_drawn` of :attr:`n_background`) and its
        reachability arrays may hold one value per plot bar
        (:attr:`reach_reduced`).

        Raises
        ------
        NotEnoughPhotosError
            When that is the stored answer (the message names ``query``).
        """
        query = self.phrase if query is None else query
        if self.error is not None:
            raise NotEnoughPhotosError(self.error.replace(QUERY_MARK, query),
                                       n_photos=self.n_photos)
        values = {name: decode(value) for name, value in self.fields.items()}
        for name in self.points.columns:
            values[name] = self.points[name].to_numpy()
        for name in self.reach.columns:
            values[name] = self.reach[name].to_numpy()
        values["query"] = query
        names = {f.name for f in dataclasses.fields(SpotsAnswer)}
        missing = names - set(values)
        if missing:
            raise TableError(f"the stored answer for {self.phrase!r} lacks the field(s) "
                             f"{', '.join(sorted(missing))}: precompute it again")
        return SpotsAnswer(**{name: values[name] for name in names})


def compute_answer(photos, views_threshold, query, background_sample=None, plot_bars=None,
                   seed=None, settings=None, views=True):
    """What a live search for ``query`` returns, as a :class:`StoredAnswer`.

    Parameters
    ----------
    photos, views_threshold :
        As for :func:`~snapassist.spots.find_spots`.
    query : str
        The phrase (normalised) the answer is for.
    background_sample, plot_bars, seed : int, optional
        Default to ``config.PRECOMPUTE_BACKGROUND_SAMPLE``,
        ``config.PRECOMPUTE_PLOT_BARS`` and ``config.PRECOMPUTE_SAMPLE_SEED``.
    settings : snapassist.settings.Settings, optional
        The method's settings (default: ``Settings()``).
    views : bool
        Whether the photos have view counts (see :func:`~snapassist.spots.find_spots`).
    """
    try:
        result = find_spots(photos, views_threshold, query=QUERY_MARK, settings=settings,
                            views=views)
    except NotEnoughPhotosError as exc:
        empty = pd.DataFrame()
        return StoredAnswer(phrase=query, n_photos=int(exc.n_photos), error=str(exc),
                            fields={}, points=empty, reach=empty)
    return store_answer(result, query, background_sample, plot_bars, seed)


def store_answer(result, query, background_sample=None, plot_bars=None, seed=None):
    """A :class:`~snapassist.spots.SpotsAnswer` made storable, for ``query``.

    See :func:`compute_answer` for the parameters; the answer's own query is
    not kept (:meth:`StoredAnswer.to_result` gives it back).
    """
    background_sample = (config.PRECOMPUTE_BACKGROUND_SAMPLE if background_sample is None
                         else background_sample)
    plot_bars = config.PRECOMPUTE_PLOT_BARS if plot_bars is None else plot_bars
    seed = config.PRECOMPUTE_SAMPLE_SEED if seed is None else seed
    n = result.n_photos
    fields, per_photo, reach = {}, {}, {}
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if field.name == "query":
            continue
        if field.name in REACH_FIELDS:
            reach[field.name] = np.asarray(value)
        elif isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == n:
            per_photo[field.name] = value
        else:
            fields[field.name] = encode(value)
    background = np.flatnonzero(np.asarray(result.photo_rank) < 0)
    keep = _drawn_rows(result.photo_rank, background, background_sample, seed)
    points = pd.DataFrame({name: values[keep] for name, values in per_photo.items()})
    reduced = len(reach["reachability"]) > plot_bars
    if reduced:
        reach = dict(zip(REACH_FIELDS, reduce_reachability(
            reach["reachability"], reach["reachability_rank"], plot_bars)))
    return StoredAnswer(phrase=query, n_photos=int(n), error=None, fields=fields,
                        points=points, reach=pd.DataFrame(reach),
                        n_background=len(background), reach_reduced=reduced)


def load_answer(answer, query=None):
    """The :class:`SpotsAnswer` of a stored answer (see :meth:`StoredAnswer.to_result`)."""
    return answer.to_result(query)


def _drawn_rows(photo_rank, background, sample, seed):
    """Every spot's photo and at most ``sample`` background photos, in search order."""
    if len(background) <= sample:
        return np.arange(len(photo_rank))
    rng = np.random.default_rng(seed)
    picked = rng.choice(background, size=sample, replace=False)
    keep = np.asarray(photo_rank) >= 0
    keep[picked] = True
    return np.flatnonzero(keep)


def reduce_reachability(reach, ranks, n_bars):
    """One (highest reachability, most common rank) pair per bar of the plot.

    Mirrors ``web/plots.py``: the same bins (``linspace`` over the points),
    undefined reachability counted as the highest finite one (1 when none is
    positive), the most common rank of a bar with ties to the lowest rank.
    Drawn by that code, the pairs give the same bars and the same scale as
    the whole arrays.
    """
    reach = np.asarray(reach, dtype=np.float64)
    ranks = np.asarray(ranks)
    n = len(reach)
    finite = reach[np.isfinite(reach)]
    top = float(finite.max()) if len(finite) else 1.0
    top = top if top > 0 else 1.0
    reach = np.where(np.isfinite(reach), reach, top)
    starts = np.linspace(0, n, n_bars + 1).astype(int)[:-1]
    tops = np.maximum.reduceat(reach, starts)
    values, codes = np.unique(ranks, return_inverse=True)
    # Bar by bar keeps memory at n_bars x ranks, not n x ranks.
    bounds = np.append(starts, n)
    bar_ranks = np.empty(n_bars, dtype=ranks.dtype)
    for i in range(n_bars):
        counts = np.bincount(codes[bounds[i]:bounds[i + 1]], minlength=len(values))
        bar_ranks[i] = values[np.argmax(counts)]
    return tops, bar_ranks


def encode(value):
    """``value`` as JSON-ready data that :func:`decode` turns back into an equal value."""
    if isinstance(value, np.generic):
        value = value.item()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return {"__dataclass__": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name))
                           for f in dataclasses.fields(value)}}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.dtype.str, "values": encode(value.tolist())}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not any(k.startswith("__") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__items__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def decode(data):
    """The value :func:`encode` was given."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__dataclass__" in data:
        cls = _trusted_class(data["__dataclass__"])
        return cls(**{k: decode(v) for k, v in data["fields"].items()})
    if "__ndarray__" in data:
        dtype = np.dtype(data["__ndarray__"])
        if dtype.kind in "biuf":
            try:    # a plain list of numbers: no element needs decoding
                return np.asarray(data["values"], dtype=dtype)
            except TypeError:
                pass    # it holds encoded infinities: decode them first
        return np.asarray(decode(data["values"]), dtype=dtype)
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__items__" in data:
        return {decode(k): decode(v) for k, v in data["__items__"]}
    if "__float__" in data:
        return float(data["__float__"])
    return {k: decode(v) for k, v in data.items()}


def _trusted_class(name):
    module, _, qualname = name.partition(":")
    if not module.startswith(_TRUSTED_MODULES):
        raise TableError(f"a stored answer names the class {name!r}, outside snapassist")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def dumps(fields, error):
    """The JSON text stored for an answer's non-array part."""
    return json.dumps({"error": error, "fields": fields}, sort_keys=True, allow_nan=False,
                      separators=(",", ":"))


def loads(text):
    """``(fields, error)`` from :func:`dumps`'s text."""
    data = json.loads(text)
    return data["fields"], data["error"]
