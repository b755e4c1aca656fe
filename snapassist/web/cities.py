"""Several cities in one app: one sub-folder of tables per city.

When the tables folder holds no tables at its root but sub-folders that do,
each sub-folder is a city: its name is the city's address (``/<city>/``,
``/<city>/search?q=``, ``/api/<city>/search?q=``), the city's name on the
pages is the one its tables record (else the folder's name), and its tables
are loaded on its first search, by a :class:`~snapassist.web.tables.TablesHolder`
of its own. The home page lists the cities; ``/healthz`` says which are loaded.

The pages (:mod:`.pages`) are registered under ``/<city>`` and the API
(:mod:`.api`) under ``/api/<city>``: the city is taken out of the URL's
values before a view runs (``g.city``) and put back into every ``url_for``
of those pages (the Flask documentation's ``lang_code`` pattern), so the
templates need not know. This module imports neither: :func:`create_app`
wires them.
"""
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from flask import Blueprint, current_app, g, render_template
from werkzeug.exceptions import NotFound

from .. import config
from .tables import TablesHolder

log = logging.getLogger(__name__)

#: What a city's folder may be called to be served: it is the city's address.
CITY_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: Addresses the app itself uses at the root: no city may take them.
RESERVED = frozenset({"api", "static", "healthz", "search", "output", "about"})

bp = Blueprint("cities", __name__)


class UnknownCity(NotFound):
    """A city address that names no city of the tables folder (404)."""

    def __init__(self, slug, known):
        self.slug, self.known = slug, list(known)
        listing = ", ".join(self.known) or "none"
        super().__init__(f"There is no city {slug!r} here. The cities are: {listing}.")


class CityNeeded(NotFound):
    """An address of one city's pages or API asked without a city (404).

    With several cities, ``/api/search`` means nothing: the message names
    each city's own search address.
    """

    def __init__(self, known):
        self.known = list(known)
        self.search_paths = [f"/api/{slug}/search" for slug in self.known]
        super().__init__("This server has several cities: ask one of them, at "
                         + ", ".join(self.search_paths) + ".")


@dataclass
class City:
    """One city of the folder: its address, its name, its photos, its tables."""

    slug: str
    name: str
    n_photos: int
    holder: TablesHolder


def city_folders(folder):
    """``[(slug, path)]`` of the sub-folders of ``folder`` holding tables, by name.

    Sub-folders with tables but a name unfit for an address are skipped with
    a warning; sub-folders without tables are not cities and are ignored.
    """
    found = []
    for path in sorted(Path(folder).iterdir()):
        if not path.is_dir() or not config.has_tables(path):
            continue
        if not CITY_SLUG.match(path.name) or path.name.lower() in RESERVED:
            log.warning("skipping the tables in %s: a city's folder name is its address, "
                        "made of letters, digits, '-' and '_' (not one of %s)", path,
                        ", ".join(sorted(RESERVED)))
            continue
        found.append((path.name, path))
    return found


def is_cities_folder(folder):
    """Whether ``folder`` holds no tables at its root but at least one city's."""
    return (folder is not None and Path(folder).is_dir() and not config.has_tables(folder)
            and any(config.has_tables(p) for p in Path(folder).iterdir() if p.is_dir()))


def _count_rows(path):
    """The number of photos of a master table, from its metadata (``None`` if unknown)."""
    try:
        with pd.HDFStore(path, mode="r") as store:
            storer = store.get_storer(config.HDF_KEY)
            rows = getattr(storer, "nrows", None)      # table format
            if rows is None:                             # fixed: the length of the index
                rows = storer.group.axis1.shape[0]
            return int(rows)
    except Exception:  # noqa: BLE001 - a count is a nicety; loading reports the real error
        return None


class Cities:
    """The cities of a folder, each with its own tables, loaded on its first search.

    Raises
    ------
    ConfigError
        If ``folder`` holds no city that can be served.
    """

    def __init__(self, folder, settings=None):
        from ..errors import ConfigError

        self.folder = Path(folder)
        self._cities = {}
        for slug, path in city_folders(self.folder):
            holder = TablesHolder(folder=path, settings=settings)
            master = path / config.MASTER_TABLE_PROCESSED
            self._cities[slug] = City(slug, holder.city or slug, _count_rows(master), holder)
        if not self._cities:
            raise ConfigError(f"the tables folder {str(self.folder)!r} holds no city whose "
                              "folder name can be an address (letters, digits, '-', '_')")
        log.info("%d cities in %s: %s", len(self._cities), self.folder,
                 ", ".join(self._cities))

    def __iter__(self):
        return iter(self._cities.values())

    def __len__(self):
        return len(self._cities)

    def __getitem__(self, slug):
        try:
            return self._cities[slug]
        except KeyError:
            raise UnknownCity(slug, self._cities) from None

    @property
    def loaded(self):
        """Whether every city's tables are in memory."""
        return all(city.holder.loaded for city in self)

    def get(self):
        """Load every city's tables now (``create_app(load_tables=True)``, gunicorn's preload)."""
        for city in self:
            city.holder.get()
        return self


def current_holder():
    """The :class:`TablesHolder` of this request: its city's, or the app's only one.

    ``None`` on the pages of a several-cities app that belong to no city
    (the list of cities).
    """
    cities = current_app.extensions.get("snapassist_cities")
    if cities is None:
        return current_app.extensions["snapassist_tables"]
    slug = g.get("city")
    return None if slug is None else cities[slug].holder


def take_city(endpoint, values):
    """``url_value_preprocessor``: the city out of the URL's values into ``g.city``, checked."""
    if values and "city" in values:
        slug = values.pop("city")
        current_app.extensions["snapassist_cities"][slug]     # UnknownCity (404) if none
        g.city = slug


def give_city(endpoint, values):
    """``url_defaults``: the current city into every address of the city's pages."""
    if "city" in values or g.get("city") is None:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "city"):
        values["city"] = g.city


@bp.route("/")
def index():
    """The home page of several cities: the list of them."""
    return render_template("cities.html", cities=list(current_app.extensions["snapassist_cities"]),
                           message=None)
