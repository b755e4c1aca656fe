"""A city's atlas: every photo clustered, and what people photograph at each spot.

``snapassist precompute`` builds it beside the subjects' answers, through
the same Dask path and into the same answers file (under :data:`ATLAS_KEY`,
a key no search phrase can have): the same spot selection and the same
:class:`~snapassist.settings.Settings` as a search (``min_samples`` at its
floor: :func:`atlas_settings`), over every photo of the city, and each
spot's subjects (:mod:`snapassist.spots._subjects`).
"""
import dataclasses
import functools
import gettext
import importlib.resources
import logging
import os
from pathlib import Path

import numpy as np
import pycountry

from .. import config
from ..io import read_table_attrs
from ..schema import used_columns
from ..settings import Settings
from ..spots import find_spots
from ..spots._subjects import spot_subjects
from ._answer import QUERY_MARK, store_answer

log = logging.getLogger(__name__)

#: The atlas's key in the answers file: no phrase cleans to it (``~`` goes).
ATLAS_KEY = "~atlas"
#: The columns the atlas reads besides those a search does: the tags.
ATLAS_COLUMNS = ("tags",)


def atlas_settings(settings=None):
    """The settings the atlas clusters a whole city with: a search's, min_samples at its floor.

    A search's OPTICS ``min_samples`` grows with its visits
    (``min_samples_fraction``, up to ``min_samples_cap``) so that one
    subject's few hundred photos are not cut into crumbs. A city's every
    photo is not one subject: with ``min_samples`` at the cap (50 visits)
    the atlas kept only the busiest places and lost the smaller viewpoints
    a search of their subject finds (on the 60,000-photo demo, 20 of 74
    true viewpoints had no atlas spot within 150 m). So an atlas spot needs
    as many visits as the spot of the smallest search does:
    ``min_samples_floor``. Every other setting is the search's.
    """
    settings = Settings() if settings is None else settings
    return dataclasses.replace(settings, min_samples_cap=settings.min_samples_floor)


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
        The search's settings; the atlas clusters with :func:`atlas_settings`.
    leave_out : iterable of str
        Names that are never subjects (the city's, the country's: see
        :func:`place_names`).
    views : bool
        Whether the photos have view counts.
    """
    result = find_spots(photos, views_threshold, query=QUERY_MARK,
                        settings=atlas_settings(settings), views=views)
    subjects = spot_subjects(photos["tags"].to_numpy(), photos["owner"].to_numpy(),
                             result.photo_rank, len(result.spots), leave_out=leave_out)
    for spot, found in zip(result.spots, subjects):
        spot.subjects = found
    return store_answer(result, query)


def atlas_photos(database):
    """Every photo of ``database``, with the columns the atlas reads."""
    return database.photos_at(np.arange(database.n_photos),
                              used_columns(database.columns) + list(ATLAS_COLUMNS))


def atlas_of_folder(folder, database=None, settings=None):
    """The atlas of the city tables in ``folder``, computed here, as precompute would.

    For measuring and checking it (``bench_quality.py --atlas``) without a
    Dask cluster or an answers file; ``database`` is the folder's
    :class:`~snapassist.search.FlickrPhotosDatabase` when already loaded.
    """
    from ..search import FlickrPhotosDatabase

    settings = settings or Settings()
    database = database or FlickrPhotosDatabase.from_folder(folder)
    place = read_table_attrs(Path(folder) / config.MASTER_TABLE_PROCESSED)
    return compute_atlas(atlas_photos(database),
                         database.views_threshold(settings.views_percentile),
                         settings=settings, leave_out=place_names(place),
                         views=database.has_views)


def place_names(place):
    """Names a city's atlas never offers as subjects: the city's and its country's.

    ``place`` is what the master table records (``city``, ``country``,
    ``timezone``). The country is also found from the time zone (the tz
    database's own tables), so that tables recording none still leave it
    out, and it is named in every language ISO 3166's translations have
    (``pycountry``): photographers tag Dresden "germany", "deutschland",
    "allemagne" and "germaniia" alike.
    """
    codes = _countries_of_zone(place.get("timezone"))
    country = place.get("country")
    if country:
        try:
            codes.append(pycountry.countries.lookup(country).alpha_2)
        except LookupError:
            pass
    names = [place.get("city"), country]
    for code in dict.fromkeys(codes):
        names += country_names(code)
    return [name for name in dict.fromkeys(names) if name]


@functools.lru_cache(maxsize=64)
def country_names(code):
    """A country's names (ISO 3166 alpha-2 ``code``): in English, then in every translation."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ()
    english = [getattr(country, field, None) for field in ("name", "common_name", "official_name")]
    english = [name for name in english if name]
    names = dict.fromkeys(english)
    for language in sorted(os.listdir(pycountry.LOCALES_DIR)):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                              languages=[language])
        except OSError:
            continue
        names.update(dict.fromkeys(translation.gettext(name).strip() for name in english))
    return tuple(name for name in names if name)


def _countries_of_zone(zone):
    """The alpha-2 codes of the countries a tz ``zone`` belongs to (zone.tab)."""
    if not zone:
        return []
    try:
        zones = (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab"
                 ).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return []
    return [fields[0] for line in zones.splitlines() if not line.startswith("#")
            for fields in [line.split("\t")] if len(fields) > 2 and fields[2] == zone]
