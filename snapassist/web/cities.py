"""Several cities in one app: one sub-folder of tables per city.

When the tables folder holds no tables at its root but sub-folders that do,
each sub-folder is a city: its name is the city's address (``/<city>/``,
``/<city>/search?q=``, ``/api/<city>/search?q=``), the city's name on the
pages is the one its tables record (else the folder's name), and its tables
are loaded on its first search, by a :class:`~snapassist.web.tables.TablesHolder`
of its own.

Thousands of cities (a world import) are served the same way:

- at start-up each city's master table is opened once, for its metadata
  only (photos, name, country) and as a cheap check; a city that fails it
  is logged, shown as unavailable and answered with a 503, while every
  other city serves;
- a process keeps at most ``max_loaded`` cities loaded (``SNAPASSIST_CITIES_LOADED``,
  default :data:`DEFAULT_MAX_LOADED`): using another one unloads the one
  used least recently (:meth:`Cities.use`);
- the home page finds cities by name (``/?city=dres``) and groups them by
  country; ``/cities.json?q=dres`` gives the same matches to its script.

The pages (:mod:`.pages`) are registered under ``/<city>`` and the API
(:mod:`.api`) under ``/api/<city>``: the city is taken out of the URL's
values before a view runs (``g.city``) and put back into every ``url_for``
of those pages (the Flask documentation's ``lang_code`` pattern), so the
templates need not know. This module imports neither: :func:`create_app`
wires them.
"""
import functools
import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import NotFound

from .. import config
from ..errors import ConfigError
from ._checks import inspect_tables
from .tables import TablesHolder, TablesUnavailable

log = logging.getLogger(__name__)

#: What a city's folder may be called to be served: it is the city's address.
CITY_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: Addresses the app itself uses at the root: no city may take them.
RESERVED = frozenset({"api", "static", "healthz", "search", "output", "about", "assets"})
#: Cities a process keeps loaded at most, unless ``SNAPASSIST_CITIES_LOADED`` says otherwise.
DEFAULT_MAX_LOADED = 8
#: Up to this many cities, the home page lists them all; beyond, it lists the
#: countries and the busiest cities, and finds the others by name.
HOME_LIST_MAX = 300
#: Matches shown for a typed name (page and suggestions), and cities named in a 404.
MAX_MATCHES = 50
MAX_NAMED = 20

bp = Blueprint("cities", __name__)


def _named(known):
    """At most :data:`MAX_NAMED` of ``known``, and the words for the rest."""
    known = list(known)
    more = len(known) - MAX_NAMED
    listing = ", ".join(known[:MAX_NAMED]) or "none"
    return known[:MAX_NAMED], listing + (f" and {more:,} more (see the home page)" if more > 0 else "")


class UnknownCity(NotFound):
    """A city address that names no city of the tables folder (404).

    ``known`` holds at most :data:`MAX_NAMED` cities: those whose names
    match the address best.
    """

    def __init__(self, slug, known):
        self.slug = slug
        self.known, listing = _named(known)
        super().__init__(f"There is no city {slug!r} here. The cities are: {listing}.")


class CityNeeded(NotFound):
    """An address of one city's pages or API asked without a city (404).

    With several cities, ``/api/search`` means nothing: the message names
    cities' own search addresses (at most :data:`MAX_NAMED` of them).
    """

    def __init__(self, known):
        self.known, _ = _named(known)
        self.search_paths = [f"/api/{slug}/search" for slug in self.known]
        more = len(list(known)) - len(self.known)
        super().__init__("This server has several cities: ask one of them, at "
                         + ", ".join(self.search_paths)
                         + (f" (and {more:,} more, listed on the home page)" if more > 0 else "")
                         + ".")


@dataclass
class City:
    """One city of the folder: its address, its name, its photos, its country, its tables."""

    slug: str
    name: str
    n_photos: int
    holder: TablesHolder
    country: str = ""

    @property
    def problem(self):
        """Why the city cannot be served now, or ``None`` (loads nothing)."""
        return self.holder.problem

    @property
    def key(self):
        """The city's name and address folded for matching what a visitor types."""
        return f"{_fold(self.name)} {_fold(self.slug)}"


def _fold(text):
    """``text`` lower-cased without accents, ``-`` and ``_`` as blanks: "Zürich" matches "zurich"."""
    decomposed = unicodedata.normalize("NFKD", str(text)).replace("-", " ").replace("_", " ")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


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


class Cities:
    """The cities of a folder, each with its own tables, loaded on its first search.

    Parameters
    ----------
    folder : path
        The folder of one sub-folder of tables per city.
    settings : Settings, optional
        The method's settings, for each city's stored answers.
    max_loaded : int
        Cities this process keeps loaded at most (the least recently used
        one is unloaded to load another).

    Raises
    ------
    ConfigError
        If ``folder`` holds no city that can be served, or ``max_loaded``
        is not a whole number of at least 1.
    """

    def __init__(self, folder, settings=None, max_loaded=DEFAULT_MAX_LOADED):
        if isinstance(max_loaded, bool) or not isinstance(max_loaded, int) or max_loaded < 1:
            raise ConfigError(f"SNAPASSIST_CITIES_LOADED must be a whole number of at least 1, "
                              f"got {max_loaded!r}")
        start = time.perf_counter()
        self.folder = Path(folder)
        self.max_loaded = max_loaded
        self._cities = {}
        self._recent = OrderedDict()        # the slugs of loaded cities, least recently used first
        self._lock = threading.Lock()
        for slug, path in city_folders(self.folder):
            info = inspect_tables(path)
            place = info.place
            name = str(place.get("city") or slug)
            holder = TablesHolder(folder=path, settings=settings, label=name)
            holder.on_load = functools.partial(self._loaded, slug)
            country = str(place.get("country_name") or place.get("country") or "")
            self._cities[slug] = City(slug, name, info.n_photos, holder, country)
            if info.problem is not None:
                holder.mark_unusable(info.problem)
            elif info.search_problem is not None:
                log.warning("%s: %s; its tables will be read whole and indexed at load",
                            name, info.search_problem)
        if not self._cities:
            raise ConfigError(f"the tables folder {str(self.folder)!r} holds no city whose "
                              "folder name can be an address (letters, digits, '-', '_')")
        unusable = sum(city.problem is not None for city in self)
        log.info("%d cities in %s (%d unusable), checked in %.2f s; at most %d loaded at once "
                 "per process", len(self._cities), self.folder, unusable,
                 time.perf_counter() - start, self.max_loaded)

    def __iter__(self):
        return iter(self._cities.values())

    def __len__(self):
        return len(self._cities)

    def __getitem__(self, slug):
        try:
            return self._cities[slug]
        except KeyError:
            raise UnknownCity(slug, self._likely(slug)) from None

    def _likely(self, slug):
        """The addresses most like ``slug``: matching it, else its first word, else its start.

        At most three passes over the cities: a 404 stays cheap however many there are.
        """
        typed = _fold(str(slug)[:64])
        words = typed.split()
        for attempt in (typed, words[0] if words else "", typed[:3]):
            found = self.matching(attempt, limit=MAX_NAMED + 1) if len(attempt) >= 2 else []
            if found:
                return [c.slug for c in found]
        return list(self._cities)[:MAX_NAMED + 1]

    @property
    def n_loaded(self):
        """How many cities this process holds loaded."""
        return sum(city.holder.loaded for city in self._in_use())

    @property
    def n_changed(self):
        """How many loaded cities' files changed since loaded (each reloads on its next use)."""
        return sum(city.holder.changed for city in self._in_use())

    @property
    def loaded(self):
        """Whether as many cities are loaded as this process keeps (all, when fewer)."""
        return self.n_loaded >= min(len(self), self.max_loaded)

    def _in_use(self):
        # Only these can be loaded: no walk over thousands of cities.
        return [self._cities[slug] for slug in list(self._recent)]

    def use(self, slug):
        """The :class:`TablesHolder` of city ``slug``, now the most recently used.

        Raises
        ------
        UnknownCity
            If there is no city ``slug``.
        """
        city = self[slug]
        with self._lock:
            if slug in self._recent:
                self._recent.move_to_end(slug)
        return city.holder

    def _loaded(self, slug):
        """City ``slug`` was just loaded: keep the process within ``max_loaded`` cities.

        The loaded cities used least recently are unloaded (searches running
        in them finish with the tables they hold; the memory goes with them).
        Called by the city's holder, under its lock; takes no other holder's.
        """
        with self._lock:
            self._recent.pop(slug, None)
            self._recent[slug] = None
            while len(self._recent) > self.max_loaded:
                old, _ = self._recent.popitem(last=False)
                if self._cities[old].holder.loaded:
                    self._cities[old].holder.unload()
                    log.info("%s: unloaded (the %d cities used most recently stay loaded)",
                             self._cities[old].name, self.max_loaded)

    def get(self):
        """Load cities now, as many as a process keeps (gunicorn's preload): the busiest first.

        A city that cannot be loaded is left unavailable, not fatal.
        """
        for city in sorted(self, key=lambda c: (-(c.n_photos or 0), c.slug)):
            if self.n_loaded >= self.max_loaded:
                break
            if city.problem is None:
                try:
                    self.use(city.slug).get()
                except TablesUnavailable:
                    pass        # logged by its holder; the city answers 503
        return self

    def matching(self, typed, limit=MAX_MATCHES):
        """Cities whose name or address contains ``typed``: those starting so first, then the busiest.

        Case, accents and the address's ``-`` and ``_`` do not count: "zurich"
        finds Zürich, "leipzig-de" and "leipzig de" find Leipzig.
        """
        wanted = " ".join(_fold(typed).split())
        if not wanted:
            return []
        found = [c for c in self if wanted in c.key]
        found.sort(key=lambda c: (not (c.key.startswith(wanted) or f" {wanted}" in c.key),
                                  -(c.n_photos or 0), c.name))
        return found[:limit]

    def by_country(self, cities=None):
        """``[(country, [city, ...])]``: by country name (unnamed last), cities by name."""
        groups = {}
        for city in self if cities is None else cities:
            groups.setdefault(city.country, []).append(city)
        return [(country, sorted(found, key=lambda c: _fold(c.name)))
                for country, found in sorted(groups.items(), key=lambda kv: (not kv[0], _fold(kv[0])))]


def current_holder():
    """The :class:`TablesHolder` of this request: its city's, or the app's only one.

    ``None`` on the pages of a several-cities app that belong to no city
    (the list of cities).
    """
    cities = current_app.extensions.get("snapassist_cities")
    if cities is None:
        return current_app.extensions["snapassist_tables"]
    slug = g.get("city")
    return None if slug is None else cities.use(slug)


def take_city(endpoint, values):
    """``url_value_preprocessor``: the city out of the URL's values into ``g.city``, checked.

    Raises
    ------
    UnknownCity
        If the address names no city (404).
    TablesUnavailable
        If the city's tables cannot be served (503, naming the problem).
    """
    if values and "city" in values:
        slug = values.pop("city")
        city = current_app.extensions["snapassist_cities"][slug]     # UnknownCity (404) if none
        problem = city.problem
        if problem is not None:
            raise TablesUnavailable(f"{city.name} is unavailable: {problem}")
        g.city = slug


def give_city(endpoint, values):
    """``url_defaults``: the current city into every address of the city's pages."""
    if "city" in values or g.get("city") is None:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "city"):
        values["city"] = g.city


def home_page(message=None, status=200):
    """The home page of several cities (also the page of a 404 at the root)."""
    cities = current_app.extensions["snapassist_cities"]
    typed = request.args.get("city", "").strip()[:100]
    country = request.args.get("country", "").strip()[:100]
    if typed:
        shown = cities.matching(typed)
    elif country:
        shown = [c for c in cities if c.country == country]
    elif len(cities) <= HOME_LIST_MAX:
        shown = list(cities)
    else:
        shown = None
    countries = None
    if shown is None:
        counts = {}
        for city in cities:
            n, photos = counts.get(city.country, (0, 0))
            counts[city.country] = (n + 1, photos + (city.n_photos or 0))
        countries = sorted(((name, n, photos) for name, (n, photos) in counts.items() if name),
                           key=lambda item: _fold(item[0]))
        shown = sorted(cities, key=lambda c: -(c.n_photos or 0))[:MAX_MATCHES]
    return render_template("cities.html", groups=cities.by_country(shown), countries=countries,
                           typed=typed, country=country, n_cities=len(cities),
                           n_shown=len(shown), message=message), status


@bp.route("/")
def index():
    """The home page of several cities: found by name, grouped by country."""
    return home_page()


@bp.route("/cities.json")
def suggest():
    """``{"cities": [{"slug", "name", "country", "n_photos", "available"}]}`` matching ``?q=``."""
    cities = current_app.extensions["snapassist_cities"]
    found = cities.matching(request.args.get("q", "")[:100], limit=MAX_NAMED)
    return jsonify({"cities": [{"slug": c.slug, "name": c.name, "country": c.country,
                                "n_photos": c.n_photos, "available": c.problem is None}
                               for c in found]})
