"""A city's atlas: what people photograph at each spot, and the spots around a point."""
import numpy as np
import pandas as pd
import pytest

from snapassist.errors import QueryError
from snapassist.precompute._atlas import ATLAS_KEY, compute_atlas, place_names
from snapassist.spots import SpotsAnswer, Spot, near, spot_subjects
from snapassist.spots._subjects import is_camera_tag


def _photos(groups):
    """``(spot, n, owners, tags)`` groups of photos (``spot`` -1: in none), each group's own owners."""
    rows = []
    for g, (spot, n, owners, tags) in enumerate(groups):
        for i in range(n):
            rows.append({"spot": spot, "owner": f"{g}-{i % owners}", "tags": tags})
    return pd.DataFrame(rows)


def test_subjects_are_the_tags_over_represented_there_by_photographers():
    frame = _photos([
        # A tower seen by 20 photographers, who also tag the city.
        (1, 40, 20, "cntower cn tower toronto skyline"),
        # A market, and one photographer's 100 photos of a cat there.
        (2, 30, 15, "market food toronto"),
        (2, 100, 1, "cat market"),
        # The rest of the city: the city's name, skylines and cats everywhere.
        (-1, 400, 200, "toronto skyline street"),
        (-1, 200, 100, "toronto cat"),
    ])
    subjects = spot_subjects(frame["tags"], frame["owner"], frame["spot"], 2,
                             leave_out=["Toronto"])
    tower = [s["label"] for s in subjects[0]]
    market = [s["label"] for s in subjects[1]]
    # The joined tag is shown as typed; its words are not repeated after it.
    assert tower[0] == "cn tower" and "cn" not in tower and "tower" not in tower
    assert "toronto" not in tower + market          # the city is no subject
    assert market[0] == "market" and "cat" not in market   # one person's cat is no subject
    first = subjects[0][0]
    assert first["n_photographers"] == 20 and first["share"] == 1.0 and first["lift"] > 5


def test_a_tag_everybody_uses_is_no_subject_and_small_tags_are_left_out():
    frame = _photos([(1, 30, 10, "bridge river 2014 canon 50mm at ab"),
                     (-1, 300, 100, "river street")])
    labels = [s["label"] for s in spot_subjects(frame["tags"], frame["owner"],
                                                frame["spot"], 1)[0]]
    # "river" is everywhere: not over-represented; numbers, cameras, common
    # and two-letter words never are subjects.
    assert labels == ["bridge"]
    assert is_camera_tag("canon") and is_camera_tag("50mm") and is_camera_tag("iphone12")
    assert not is_camera_tag("bridge")


def test_place_names_include_the_country_of_the_time_zone():
    names = place_names({"city": "Dresden", "timezone": "Europe/Berlin"})
    assert names[:2] == ["Dresden", "Germany"]
    # ... and in the country's other languages, as photographers tag it.
    assert {"Deutschland", "Allemagne", "Federal Republic of Germany"} <= set(names)
    assert "France" not in names
    # A country recorded in the tables counts too, and one zone's country once.
    canada = place_names({"city": "Toronto", "country": "Canada",
                          "timezone": "America/Toronto"})
    assert canada[:2] == ["Toronto", "Canada"] and "Kanada" in canada
    assert len(canada) == len(set(canada))
    assert place_names({}) == []
    assert place_names({"city": "X", "timezone": "Not/AZone"}) == ["X"]
    assert place_names({"city": "X", "country": "Atlantis"}) == ["X", "Atlantis"]


def test_a_country_named_in_another_language_is_no_subject():
    frame = _photos([(1, 30, 10, "frauenkirche deutschland germaniia"),
                     (-1, 300, 100, "street")])
    leave_out = place_names({"city": "Dresden", "timezone": "Europe/Berlin"})
    subjects = spot_subjects(frame["tags"], frame["owner"], frame["spot"], 1,
                             leave_out=leave_out)
    assert [s["label"] for s in subjects[0]] == ["frauenkirche"]


def _spot(rank, lat, lon, months=None, admired=None):
    return Spot(rank=rank, score=1.0, n_photos=30, n_owners=10, mean_views=1.0,
                median_views=1.0, latitude=lat, longitude=lon, spread_m=50.0, photo_ids=[],
                best_photos=[], settings={}, hours=[0] * 24,
                months=months or [3] * 12, light={"admired": admired or {}, "all": {}})


def _atlas(spots):
    lat = np.array([s.latitude for s in spots])
    lon = np.array([s.longitude for s in spots])
    return SpotsAnswer(query="", n_photos=len(spots), spots=spots, latitudes=lat,
                       longitudes=lon, photo_rank=np.arange(1, len(spots) + 1),
                       reachability=np.zeros(0), reachability_rank=np.zeros(0, dtype=int))


def test_near_gives_the_spots_within_the_radius_in_order_with_their_bearing():
    # 0.009 degrees of latitude is about 1 km.
    atlas = _atlas([_spot(1, 43.659, -79.38), _spot(2, 43.65, -79.38), _spot(3, 43.70, -79.38)])
    found = near(atlas, 43.65, -79.38, radius_m=1500)
    assert [n.spot.rank for n in found] == [1, 2]
    assert found[0].direction == "north" and abs(found[0].distance_m - 1000) < 10
    assert found[1].distance_m < 1
    assert [n.spot.rank for n in near(atlas, 43.65, -79.38, radius_m=500)] == [2]


def test_near_keeps_spots_by_month_light_and_twilight():
    night = {"night": 0.8, "golden": 0.2}
    golden = {"golden": 0.5, "blue": 0.1, "day": 0.4}
    october = [0] * 9 + [10, 0, 0]
    atlas = _atlas([_spot(1, 43.65, -79.38, months=october, admired=night),
                    _spot(2, 43.651, -79.38, admired=golden)])
    assert [n.spot.rank for n in near(atlas, 43.65, -79.38, months=[10])] == [1, 2]
    assert [n.spot.rank for n in near(atlas, 43.65, -79.38, months=[7])] == [2]
    assert [n.spot.rank for n in near(atlas, 43.65, -79.38, lights=["night"])] == [1]
    assert [n.spot.rank for n in near(atlas, 43.65, -79.38, tonight=True)] == [2]


@pytest.mark.parametrize("args, message", [
    (("x", -79.38, 1000), "lat must be a number, got 'x'"),
    ((91, -79.38, 1000), "lat must be a latitude from -90 to 90, got 91"),
    ((43.65, -200, 1000), "lon must be a longitude"),
    ((43.65, -79.38, 10), "radius_m must be from 50 to 20,000 metres, got 10"),
    ((43.65, -79.38, "nan"), "radius_m must be a finite number"),
    ((48.85, 2.35, 1000), r"outside the city: its nearest photo is 6,\d+ km away"),
])
def test_bad_points_and_radii_are_refused_by_name(args, message):
    atlas = _atlas([_spot(1, 43.65, -79.38)])
    with pytest.raises(QueryError, match=message):
        near(atlas, *args)


def test_the_atlas_is_every_photo_clustered_with_its_subjects(demo_db):
    from snapassist.schema import used_columns

    photos = demo_db.photos_at(np.arange(demo_db.n_photos),
                               used_columns(demo_db.columns) + ["tags"])
    stored = compute_atlas(photos, demo_db.views_percentile, leave_out=["Toronto"])
    assert stored.phrase == ATLAS_KEY
    atlas = stored.to_result("")
    assert atlas.n_photos == demo_db.n_photos and atlas.spots
    labelled = [s for s in atlas.spots if s.subjects]
    assert len(labelled) >= 0.8 * len(atlas.spots)
    assert all("toronto" not in [x["tag"] for x in s.subjects] for s in atlas.spots)
    # The CN Tower's base: its nearest spot says what it is.
    base = min(atlas.spots, key=lambda s: (s.latitude - 43.6426) ** 2
               + (s.longitude + 79.3871) ** 2)
    assert "cn tower" in [x["label"] for x in base.subjects[:5]]


def _disc(rng, n, lat, lon, radius_m, prefix, tags, views=100):
    """``n`` photos by ``n`` photographers on a disc of ``radius_m`` around a point."""
    r = radius_m * np.sqrt(rng.random(n)) / 111_195.0
    t = rng.random(n) * 2 * np.pi
    return pd.DataFrame({
        "id": [f"{prefix}{i}" for i in range(n)], "owner": [f"{prefix}o{i}" for i in range(n)],
        "latitude": lat + r * np.sin(t), "longitude": lon + r * np.cos(t) / np.cos(np.radians(lat)),
        "views": np.full(n, views), "tags": [tags] * n})


def test_the_atlas_keeps_a_place_smaller_than_a_whole_city_search_would():
    from snapassist.geo import haversine_m
    from snapassist.precompute._atlas import atlas_settings
    from snapassist.settings import Settings
    from snapassist.spots import find_spots

    rng = np.random.default_rng(7)
    photos = pd.concat([
        _disc(rng, 4000, 43.640, -79.390, 40, "a", "tower skyline"),
        _disc(rng, 4000, 43.660, -79.390, 40, "b", "market food"),
        _disc(rng, 4000, 43.650, -79.360, 40, "c", "harbour boats"),
        # A small lookout: 25 photographers, far from the others.
        _disc(rng, 25, 43.670, -79.340, 10, "d", "lookout bridge", views=900),
    ], ignore_index=True)
    search = Settings()
    assert atlas_settings(search).min_samples_cap == search.min_samples_floor == 15
    assert atlas_settings(search).optics_xi == search.optics_xi

    def spots_near_lookout(answer):
        return [s for s in answer.spots
                if haversine_m(43.670, -79.340, s.latitude, s.longitude) < 100]

    # Clustered as one search of 12,025 photos, min_samples is 50: the
    # lookout's 25 photos make no spot. The atlas's floor of 15 keeps it.
    assert not spots_near_lookout(find_spots(photos, 100.0, settings=search))
    atlas = compute_atlas(photos, 100.0, settings=search).to_result("")
    [lookout] = spots_near_lookout(atlas)
    assert lookout.n_owners == 25
    assert {s["label"] for s in lookout.subjects[:2]} == {"lookout", "bridge"}
