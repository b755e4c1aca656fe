"""The one search: a phrase and its options to an answer, or to "too broad".

Every caller goes through :func:`answer`: the web pages and the API, the
precompute, the quality benchmark and the other benchmarks. It decides what
a search costs: a stored answer (computed beforehand) when there is one, a
"too broad" answer with narrower searches when more photos match than a
request may cluster, else the spots of its photos. The phrase is matched
once, on the tag index.
"""
import dataclasses
import datetime as dt
import functools

from .. import config
from ..errors import NotEnoughPhotosError
from ..schema import used_columns
from ..settings import Settings
from ._tagindex import parse_query

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec")


@dataclasses.dataclass(frozen=True)
class SearchOptions:
    """What a search asked for besides its phrase.

    ``months`` and ``light`` are sorted and without repeats, so that the same
    filters always make the same cache key. ``sort`` and ``date`` change
    only how an answer is shown (:func:`snapassist.spots.sort_answer`,
    :func:`snapassist.spots.add_sun`), never which spots it has.
    """

    sort: str = config.SORTS[0]
    months: tuple = ()
    light: tuple = ()
    date: dt.date = None

    @property
    def filters(self):
        """The options that change which photos are clustered (a cache key part)."""
        return (self.months, self.light)

    @property
    def filtered(self):
        """Whether only some of the search's photos are clustered."""
        return bool(self.months or self.light)

    def describe_filters(self):
        """The filters in words ("taken in Oct, Nov; in golden light"), ``""`` when none."""
        parts = []
        if self.months:
            parts.append("taken in " + ", ".join(_MONTH_NAMES[m - 1] for m in self.months))
        if self.light:
            parts.append("in " + " or ".join(self.light) + " light")
        return "; ".join(parts)

    def to_dict(self):
        """JSON-ready: ``{"sort", "months", "light", "date"}`` (date as YYYY-MM-DD)."""
        return {"sort": self.sort, "months": list(self.months), "light": list(self.light),
                "date": None if self.date is None else self.date.isoformat()}


@dataclasses.dataclass
class TooBroad:
    """A search with too many photos to cluster within a request.

    ``suggestions`` are ``(tag, n_photos)``: the commonest useful tags
    among its photos, each a narrower search to offer.
    """

    query: str
    n_photos: int
    suggestions: list
    #: The filters in words, "" when none (see SearchOptions.describe_filters).
    filters: str = ""


def answer(tables, phrase, options=None, settings=None, budget=None, stored=None, cluster=None):
    """The answer of a search for ``phrase``.

    Parameters
    ----------
    tables : snapassist.search.FlickrPhotosDatabase
    phrase : str
        What the photographer typed.
    options : SearchOptions, optional
        Its filters (``months``, ``light``) choose the photos clustered.
    settings : snapassist.settings.Settings, optional
        The method's settings (default: ``Settings()``): passed to the
        default ``cluster``, and its ``views_percentile`` sets the views
        threshold. The budget is given apart, as ``budget``.
    budget : int, optional
        Most photos clustered: a search matching more answers
        :class:`TooBroad` (``None``: no limit, as offline).
    stored : callable, optional
        ``stored(phrase)``: the answer computed beforehand, or ``None``.
        Consulted first, whatever the budget, for unfiltered searches only
        (a stored answer clusters every photo of its subject).
    cluster : callable, optional
        ``cluster(photos, views_threshold, query)``: the spots of the
        search's photos (default :func:`snapassist.spots.find_spots` with
        ``settings``). The precompute passes one that sends them to a Dask
        worker.

    Returns
    -------
    snapassist.spots.SpotsAnswer or TooBroad
        (or whatever ``stored`` or ``cluster`` return).

    Raises
    ------
    QueryError
        If the phrase is empty after cleaning or too long.
    NotEnoughPhotosError
        If too few photos matched (the message names the filters).
    """
    options = SearchOptions() if options is None else options
    settings = Settings() if settings is None else settings
    query = phrase.strip()
    terms = parse_query(phrase)
    if stored is not None and not options.filtered:
        found = stored(phrase)
        if found is not None:
            return found
    rows = tables.match_terms(terms, options.months, options.light)
    if budget is not None and len(rows) > budget:
        return TooBroad(query, len(rows), tables.narrower_tags_at(terms, rows, config.N_SUGGESTIONS),
                        options.describe_filters())
    # Copying the hits is most of a search's cost on a large table: only the
    # columns finding spots reads (optional ones may be absent in old tables).
    photos = tables.photos_at(rows, used_columns(tables.columns))
    if cluster is None:
        from ..spots import find_spots
        cluster = functools.partial(find_spots, settings=settings, views=tables.has_views)
    try:
        return cluster(photos, tables.views_threshold(settings.views_percentile), query)
    except NotEnoughPhotosError as exc:
        if not options.filtered:
            raise
        raise NotEnoughPhotosError(
            f"With the filters ({options.describe_filters()}): {exc} Or remove a filter.",
            n_photos=exc.n_photos) from None
