"""The world's cities: the radius rule, districts, which photo goes where, slugs, records."""
import math

import numpy as np
import pytest

from snapassist.errors import ValidationError
from snapassist.geo import EARTH_RADIUS_KM, haversine_m
from snapassist.ingest.cities import (DENSITY_PER_KM2, MAX_RADIUS_KM, MIN_RADIUS_KM, WorldCities,
                                      city_radius_km, slugify, world_cities)
from snapassist.web.cities import CITY_SLUG, RESERVED

KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180      # along the equator


def east(km):
    """The longitude ``km`` east of (0, 0) along the equator."""
    return km / KM_PER_DEGREE


def place(geonameid, name, km_east, population, country="XX", zone="Etc/UTC", km_north=0.0):
    return {"geonameid": geonameid, "name": name, "latitude": east(km_north),
            "longitude": east(km_east), "countrycode": country, "population": population,
            "timezone": zone}


def test_the_radius_holds_the_people_at_the_density_within_bounds():
    people = np.array([0, 15_000, 100_000, 564_904, 2_800_000, 9_000_000])
    expected = np.clip(np.sqrt(people / (math.pi * DENSITY_PER_KM2)), MIN_RADIUS_KM,
                       MAX_RADIUS_KM)
    np.testing.assert_allclose(city_radius_km(people), expected)
    # By hand: a disc of 9.48 km holds 564,904 people at 2,000 per km2.
    assert abs(math.pi * city_radius_km(564_904) ** 2 * DENSITY_PER_KM2 - 564_904) < 1
    assert city_radius_km(15_000) == MIN_RADIUS_KM and city_radius_km(9e6) == MAX_RADIUS_KM


@pytest.fixture(scope="module")
def toy():
    """A big city at (0, 0) with a district, a town beside it and one far away."""
    return WorldCities([
        place(1, "Big", 0, 2_000_000),            # radius 17.8 km
        place(2, "District", 5, 50_000),          # inside Big's radius: a district
        place(3, "Town", 20, 100_000),            # radius 4.0 km, its disc overlaps Big's
        place(4, "Far", 100, 20_000),             # radius 3 km
    ], {"XX": "Testland"})


def test_places_inside_a_larger_ones_radius_are_its_districts(toy):
    assert [c.name for c in toy.cities] == ["Big", "Town", "Far"]
    with pytest.raises(ValidationError, match=r"District, XX lies within 18 km of Big, XX, "
                                              r"whose photos it shares; use --city big-xx"):
        toy.find("District")


@pytest.mark.parametrize("km_east, city", [
    (0.0, "Big"), (5.5, "Big"),           # beside the district's centre: the city's
    (17.0, "Town"),                        # both discs reach it: the nearer centre
    (17.8 - 0.05, "Town"), (14.0, "Big"),  # Town's disc starts at 16 km
    (24.5, None),                          # past Town's 4 km
    (101.0, "Far"), (103.5, None), (60.0, None)])
def test_a_photo_goes_to_the_nearest_city_whose_radius_reaches_it(toy, km_east, city):
    index = toy.assign([0.0], [east(km_east)])[0]
    assert (toy[index].name if index >= 0 else None) == city


def test_a_city_behind_many_small_ones_is_still_found():
    # Ten small places 6 to 13 km from the photo, whose 3 km do not reach it,
    # all nearer than the big city 15 km away, whose 17.8 km do; they lie
    # beyond the big city's radius and over 3 km apart, so none is a district.
    places = [place(1, "Big", 0, 2_000_000)]
    for i, (km, degrees) in enumerate([(6, -40), (6, 0), (6, 40), (10, -60), (10, -30),
                                       (10, 0), (10, 30), (10, 60), (13, -20), (13, 20)]):
        angle = math.radians(degrees)
        places.append(place(10 + i, f"Small {i}", 15 + km * math.cos(angle), 15_000,
                            km_north=km * math.sin(angle)))
    world = WorldCities(places)
    assert len(world) == 11
    assert world[world.assign([0.0], [east(15.0)])[0]].name == "Big"


def test_assign_agrees_with_a_brute_force_search_of_the_rule():
    rng = np.random.default_rng(3)
    places = [{"geonameid": i, "name": f"P{i}", "latitude": float(rng.uniform(-1, 1)),
               "longitude": float(rng.uniform(-1, 1)), "countrycode": "XX",
               "population": int(rng.choice([15_000, 80_000, 400_000, 3_000_000])),
               "timezone": "Etc/UTC"} for i in range(60)]
    world = WorldCities(places)
    lat, lon = rng.uniform(-1.1, 1.1, 2000), rng.uniform(-1.1, 1.1, 2000)
    got = world.assign(lat, lon)
    clat = np.array([c.latitude for c in world.cities])
    clon = np.array([c.longitude for c in world.cities])
    radius = np.array([c.radius_km for c in world.cities])
    for i in range(len(lat)):
        km = haversine_m(lat[i], lon[i], clat, clon) / 1000
        reach = np.flatnonzero(km <= radius)
        expected = reach[np.argmin(km[reach])] if len(reach) else -1
        assert got[i] == expected


def test_slugs_are_name_and_country_and_the_less_populous_twin_adds_its_id():
    world = WorldCities([place(1, "São Paulo", 0, 12_000_000, "BR"),
                         place(2, "Richmond", 500, 230_000, "US"),
                         place(3, "Richmond", 900, 100_000, "US"),
                         place(4, "東京", 2000, 8_000_000, "JP"),
                         place(5, "Llanfair" + "pwllgwyngyll" * 6, 3000, 15_000, "GB"),
                         place(6, "Api", 4000, 20_000, "")])
    slugs = {c.geonameid: c.slug for c in world.cities}
    assert slugs[1] == "sao-paulo-br"
    assert (slugs[2], slugs[3]) == ("richmond-us", "richmond-us-3")
    assert slugs[4] == slugify("東京") + "-jp" and slugs[4] != "-jp"
    assert slugs[6] == "api-xx"
    for slug in slugs.values():
        assert CITY_SLUG.match(slug) and slug not in RESERVED


def test_find_by_slug_id_name_or_name_and_country():
    world = WorldCities([place(1, "London", 0, 8_900_000, "GB"),
                         place(2, "London", 3000, 380_000, "CA"),
                         place(3, "Zürich", 6000, 400_000, "CH")])
    london, others = world.find("london")
    assert (london.country, [c.country for c in others]) == ("GB", ["CA"])
    assert world.find("London, CA")[0].geonameid == 2
    assert world.find("london-ca")[0].geonameid == 2
    assert world.find("2")[0].country == "CA"
    assert world.find("ZURICH")[0].name == "Zürich"
    with pytest.raises(ValidationError, match=r"--city 'Atlantis': no city of at least 15,000"):
        world.find("Atlantis")


def test_a_citys_record_carries_its_name_country_and_time_zone():
    world = WorldCities([place(7, "Big", 0, 2_000_000, "DE", "Europe/Berlin")],
                        {"DE": "Germany"})
    record = world[0].record()
    assert record["city"] == "Big" and record["country"] == "DE"
    assert record["country_name"] == "Germany" and record["timezone"] == "Europe/Berlin"
    assert record["slug"] == "big-de" and record["geonameid"] == 7
    assert record["population"] == 2_000_000
    assert record["radius_km"] == round(float(city_radius_km(2_000_000)), 3)


def test_no_place_is_an_error():
    with pytest.raises(ValidationError, match="no city to assign photos to"):
        WorldCities([])


def test_the_geonames_cities():
    world = world_cities()
    assert len(world) > 10_000
    slugs = [c.slug for c in world.cities]
    assert len(set(slugs)) == len(slugs)
    assert all(CITY_SLUG.match(s) and s.lower() not in RESERVED for s in slugs)
    dresden, _ = world.find("Dresden")
    assert (dresden.slug, dresden.country, dresden.timezone) == (
        "dresden-de", "DE", "Europe/Berlin")
    assert dresden.country_name == "Germany"
    # The Frauenkirche is Dresden's, and so is the Neustadt, a district of its own in GeoNames.
    assert [world[i].slug for i in world.assign([51.0519, 51.0660], [13.7415, 13.7580])] == [
        "dresden-de", "dresden-de"]
