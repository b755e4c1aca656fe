"""A city's atlas: every photo clustered, and what people photograph at each spot.

``snapassist precompute`` builds it beside the subjects' answers, through
the same Dask path and into the same answers file (under :data:`ATLAS_KEY`,
a key no search phrase can have): the same spot selection and the same
:class:`~snapassist.settings.Settings` as a search, over every photo of the
city, and each spot's subjects (:mod:`snapassist.spots._subjects`).
"""
import importlib.resources
import logging

from ..spots import find_spots
from ..spots._subjects import spot_subjects
from ._answer import QUERY_MARK, store_answer

log = logging.getLogger(__name__)

#: The atlas's key in the answers file: no phrase cleans to it (``~`` goes).
ATLAS_KEY = "~atlas"
#: The columns the atlas reads besides those a search does: the tags.
ATLAS_COLUMNS = ("tags",)


def compute_atlas(photos, views_threshold, query=ATLAS_KEY, settings=None, leave_out=(),
                  views=True):
    """The atlas of a city's ``photos`` (every one), as a :class:`StoredAnswer`.

    Parameters
    ----------
    photos : pandas.DataFrame
        Every photo, with the columns a search reads and ``tags``.
    views_threshold : float
        As for :func:`~snapassist.spots.find_spots`.
    query : str
        The key it is stored under (:data:`ATLAS_KEY`).
    settings : snapassist.settings.Settings, optional
    leave_out : iterable of str
        Names that are never subjects (the city's, the country's: see
        :func:`place_names`).
    views : bool
        Whether the photos have view counts.
    """
    result = find_spots(photos, views_threshold, query=QUERY_MARK, settings=settings,
                        views=views)
    subjects = spot_subjects(photos["tags"].to_numpy(), photos["owner"].to_numpy(),
                             result.photo_rank, len(result.spots), leave_out=leave_out)
    for spot, found in zip(result.spots, subjects):
        spot.subjects = found
    return store_answer(result, query)


def place_names(place):
    """Names a city's atlas never offers as subjects: the city's and its country's.

    ``place`` is what the master table records (``city``, ``country``,
    ``timezone``). The country's English name is also found from the time
    zone (the tz database's own tables), so that tables recording none still
    leave "germany" out of Dresden's subjects.
    """
    names = [place.get("city"), place.get("country")]
    names += _countries_of_zone(place.get("timezone"))
    return [name for name in names if name]


def _countries_of_zone(zone):
    if not zone:
        return []
    try:
        folder = importlib.resources.files("tzdata") / "zoneinfo"
        zones = (folder / "zone.tab").read_text(encoding="utf-8")
        countries = (folder / "iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return []
    # zone.tab gives each zone the one country it belongs to.
    codes = [fields[0] for line in zones.splitlines() if not line.startswith("#")
             for fields in [line.split("\t")] if len(fields) > 2 and fields[2] == zone]
    name_of = dict(line.split("\t")[:2] for line in countries.splitlines()
                   if line and not line.startswith("#"))
    return [name_of[code] for code in codes if code in name_of]
