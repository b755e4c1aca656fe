"""What each spot tells a photographer, through find_spots on hand-made photos.

Five places 3 km apart, each shot by a known crowd at known times: a
landmark shot all year by sixty people (the anchor), a viewpoint west of it
shot mostly at golden hour, a festival of three nights each October, a
spring garden, and one photographer's favourite corner. Expected values are
worked out here from the photos themselves.
"""
import dataclasses
import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from snapassist import config, geo
from snapassist.spots import add_sun, admired_score, find_spots, sort_answer

LAT0, LON0 = 43.6426, -79.3871
EARTH_M = 6_371_008.8
THRESHOLD = 500.0
TORONTO = ZoneInfo("America/Toronto")


def _offset(north_m, east_m):
    dlat = north_m / (math.pi * EARTH_M / 180)
    dlon = east_m / (math.pi * EARTH_M / 180 * math.cos(math.radians(LAT0)))
    return LAT0 + dlat, LON0 + dlon


def _place(name, north_m, east_m, times, owners, views, light=None, focal=None, seed=0):
    """One photo per entry of ``times`` on a disc of 40 m around an offset."""
    rng = np.random.default_rng(seed)
    n = len(times)
    lat0, lon0 = _offset(north_m, east_m)
    r, t = 40 * np.sqrt(rng.random(n)), rng.random(n) * 2 * np.pi
    lat = lat0 + r * np.sin(t) / (math.pi * EARTH_M / 180)
    lon = lon0 + r * np.cos(t) / (math.pi * EARTH_M / 180 * math.cos(math.radians(LAT0)))
    taken = pd.to_datetime(pd.Series(times))
    return pd.DataFrame({
        "id": [f"{name}{i}" for i in range(n)],
        "owner": [owners[i % len(owners)] for i in range(n)],
        "views": [views[i % len(views)] for i in range(n)], "latitude": lat, "longitude": lon,
        "datetaken": taken, "month": taken.dt.month.astype(float),
        "hour": taken.dt.hour.astype(float),
        "light": light if light is not None else ["day"] * n,
        "FocalLengthIn35mmFormat": focal if focal is not None else [np.nan] * n,
        "place": name})


def _all_year(n, year=2015, hour=13):
    return [f"{year + i % 4}-{i % 12 + 1:02d}-{i % 27 + 1:02d} {hour}:00" for i in range(n)]


@pytest.fixture(scope="module")
def photos():
    # Twice as many photos as the others: last by score, not by admired views.
    anchor = _place("anchor", 0, 0, _all_year(120), [f"a{i}" for i in range(60)], [2000, 900],
                    focal=[24.0, 200.0, np.nan] * 40, seed=1)
    west_light = ["golden"] * 45 + ["day"] * 15
    west = _place("west", 0, -3000, _all_year(60, hour=20), [f"w{i}" for i in range(40)],
                  [3000] * 45 + [600] * 15, light=west_light, seed=2)
    # A festival: 3 nights each October, 2012-2019, and a few other days.
    nights = [f"{2012 + i % 8}-10-{5 + i % 3:02d} 21:30" for i in range(54)]
    festival = _place("festival", 3000, 0, nights + _all_year(6), [f"f{i}" for i in range(30)],
                      [1500, 700], light=["night"] * 60, seed=3)
    spring = [f"{2014 + i % 5}-{4 + i % 2:02d}-{i % 28 + 1:02d} 11:00" for i in range(54)]
    autumn = [f"2016-{m:02d}-10 11:00" for m in (8, 9, 10, 11, 12, 1)]
    garden = _place("garden", -3000, 0, spring + autumn, [f"g{i}" for i in range(30)],
                    [1200, 650], seed=4)
    # 40 of 60 photos by one person, the rest by five others.
    corner = _place("corner", 0, 3000, _all_year(60),
                    ["solo", "solo", "x1", "solo", "solo", "x2", "solo", "x3", "solo", "x4",
                     "solo", "x5"] * 5, [800], seed=5)
    return pd.concat([anchor, west, festival, garden, corner], ignore_index=True)


@pytest.fixture(scope="module")
def result(photos):
    return find_spots(photos.drop(columns="place"), THRESHOLD, query="x")


@pytest.fixture(scope="module")
def by_place(result, photos):
    place_of = photos.set_index("id")["place"]
    found = {}
    for h in result.spots:
        places = set(place_of[h.photo_ids])
        assert len(places) == 1, "a spot never mixes places"
        found[places.pop()] = h
    assert set(found) == {"anchor", "west", "festival", "garden", "corner"}
    return found


def _members(photos, spot):
    return photos.set_index("id").loc[spot.photo_ids]


def test_a_festival_of_three_nights_each_october_is_an_event(by_place, photos):
    when = by_place["festival"].when
    assert when["kind"] == "event" and when["days"] == ["Oct 5", "Oct 6", "Oct 7"]
    assert when["share"] >= config.EVENT_SHARE
    # Its photos' light says the nights: the spot's columns reach the rule.
    assert when["fixed"] is True and when["unit"] == "night" and when["night_share"] == 1.0
    assert when["years"] == 8 and when["text"] == "An event: Oct 5-7 each year, at night"


def test_a_festival_nights_small_hours_count_for_its_evening(photos):
    """The hour column moves photos taken after midnight to the night they belong to."""
    late = photos.copy()
    festival = late["place"] == "festival"
    shifted = late.loc[festival, "datetaken"].where(
        late.loc[festival, "datetaken"].dt.month != 10,
        late.loc[festival, "datetaken"] + pd.Timedelta(hours=4))     # 01:30 the day after
    late.loc[festival, "datetaken"] = shifted
    late.loc[festival, "hour"] = shifted.dt.hour.astype(float)
    result = find_spots(late.drop(columns="place"), THRESHOLD)
    when = next(h.when for h in result.spots if h.photo_ids[0].startswith("festival"))
    assert when["days"] == ["Oct 5", "Oct 6", "Oct 7"] and when["unit"] == "night"
    # Without the hour, the same photos fall a day later.
    result = find_spots(late.drop(columns=["place", "hour"]), THRESHOLD)
    when = next(h.when for h in result.spots if h.photo_ids[0].startswith("festival"))
    assert when["days"] == ["Oct 6", "Oct 7", "Oct 8"]


def test_a_spring_garden_is_seasonal_and_the_landmark_is_for_all_year(by_place):
    assert by_place["garden"].when["kind"] == "seasonal"
    assert by_place["garden"].when["months"] == ["Apr", "May"]
    assert by_place["anchor"].when == {"kind": "year-round"}


def test_a_spot_shot_at_golden_hour_says_so(by_place, photos):
    spot = by_place["west"]
    members = _members(photos, spot)
    shares = members["light"].value_counts(normalize=True)
    assert spot.light["all"]["golden"] == pytest.approx(shares["golden"])
    assert spot.light["n_known"] == len(members)
    # The most viewed quarter is all golden: those are the admired photos.
    assert spot.light["admired"] == {"night": 0.0, "blue": 0.0, "golden": 1.0, "day": 0.0}


def test_the_anchor_has_the_most_photographers_and_others_face_it(by_place, photos, result):
    anchor = by_place["anchor"]
    assert anchor.n_owners == max(h.n_owners for h in by_place.values())
    # The answer names its anchor once; the page and the map read it there.
    assert result.anchor_rank == anchor.rank and result.anchor is anchor
    assert (anchor.bearing_deg, anchor.distance_m, anchor.side, anchor.anchor_rank) == (
        None, None, None, None)
    west = by_place["west"]
    assert west.anchor_rank == anchor.rank and west.side == "west"
    # Facing the anchor from the west is facing east.
    assert west.bearing_deg == pytest.approx(90.0, abs=2.0)
    p1, p2 = math.radians(west.latitude), math.radians(anchor.latitude)
    h = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2)
         * math.sin(math.radians(anchor.longitude - west.longitude) / 2) ** 2)
    assert west.distance_m == pytest.approx(2 * EARTH_M * math.asin(math.sqrt(h)), rel=1e-3)
    assert west.distance_m == pytest.approx(3000, abs=60)
    assert by_place["festival"].side == "north" and by_place["garden"].side == "south"
    assert by_place["corner"].side == "east"
    assert by_place["corner"].bearing_deg == pytest.approx(270.0, abs=2.0)


def test_the_lenses_people_use(by_place):
    # Half the known focal lengths are 24 mm, half 200 mm: the middle half spans both.
    assert by_place["anchor"].focal_range_mm == [24.0, 200.0]
    assert by_place["west"].focal_range_mm is None        # no EXIF there


def test_one_photographers_corner_is_flagged(by_place, photos):
    corner = by_place["corner"]
    owners = _members(photos, corner)["owner"]
    assert corner.one_photographer_share == pytest.approx((owners == "solo").mean())
    assert corner.one_photographer is True
    assert not any(h.one_photographer for name, h in by_place.items() if name != "corner")


def test_photos_without_an_exact_date_say_nothing_about_when(photos):
    vague = photos.copy()
    vague["month"] = np.nan                 # as preprocess leaves inexact dates
    result = find_spots(vague.drop(columns="place"), THRESHOLD)
    assert all(h.when is None for h in result.spots)
    assert all(h.months == [0] * 12 for h in result.spots)


def test_tables_without_light_or_dates_still_answer(photos):
    old = photos.drop(columns=["place", "light", "datetaken", "FocalLengthIn35mmFormat"])
    result = find_spots(old, THRESHOLD)
    assert result.spots
    for h in result.spots:
        assert h.light == {"all": {}, "admired": {}, "n_known": 0}
        assert h.when is None and h.focal_range_mm is None


def test_the_sun_on_a_date_at_each_spot(result, by_place):
    date = dt.date(2026, 6, 21)
    sunny = add_sun(result, date, TORONTO)
    assert all(h.sun is None for h in result.spots), "the cached answer is left alone"
    for h in sunny.spots:
        assert h.sun == geo.sun_times(h.latitude, h.longitude, date, TORONTO)
    west = next(h for h in sunny.spots if h.rank == by_place["west"].rank)
    corner = next(h for h in sunny.spots if h.rank == by_place["corner"].rank)
    anchor = next(h for h in sunny.spots if h.rank == by_place["anchor"].rank)
    # Midsummer sunset is in the north-west (about 304 degrees): at the back of
    # someone facing east, in the face of someone facing west.
    assert 290 < west.sun["sunset_azimuth_deg"] < 315
    assert west.sun_behind_at_sunset is True
    assert corner.sun_behind_at_sunset is False
    assert anchor.sun_behind_at_sunset is None


def _check_renumbered(original, resorted, expected_order):
    """``resorted`` lists ``expected_order`` (old ranks) as ranks 1.., every rank remapped."""
    assert [h.rank for h in resorted.spots] == list(range(1, len(expected_order) + 1))
    assert [h.photo_ids for h in resorted.spots] == [
        original.spots[r - 1].photo_ids for r in expected_order]
    new_of = {old: new for new, old in enumerate(expected_order, start=1)} | {-1: -1}
    assert resorted.photo_rank.tolist() == [new_of[r] for r in original.photo_rank.tolist()]
    assert resorted.reachability_rank.tolist() == [
        new_of[r] for r in original.reachability_rank.tolist()]
    for old, new in zip(sorted(original.spots, key=lambda h: new_of[h.rank]),
                        resorted.spots):
        assert new.anchor_rank == (None if old.anchor_rank is None else new_of[old.anchor_rank])
    assert resorted.anchor_rank == new_of[original.anchor_rank]
    assert resorted.anchor.photo_ids == original.anchor.photo_ids


def test_sorted_by_photographers(result):
    resorted = sort_answer(result, "photographers")
    expected = [h.rank for h in sorted(result.spots, key=lambda h: (-h.n_owners, h.rank))]
    _check_renumbered(result, resorted, expected)
    assert resorted.spots[0].anchor_rank is None      # the anchor has the most


def test_sorted_by_admired_views(result, photos):
    median = float(np.median(photos["views"]))
    assert result.search_median_views == median
    k = config.ADMIRED_PRIOR_PHOTOS

    def shrunk(h):
        return (h.n_photos * h.mean_views + k * median) / (h.n_photos + k)

    expected = [h.rank for h in sorted(result.spots, key=lambda h: (-shrunk(h), h.rank))]
    assert expected != [h.rank for h in result.spots], "a different order than the score"
    _check_renumbered(result, sort_answer(result, "admired"), expected)
    assert admired_score(result.spots[0], median) == pytest.approx(
        shrunk(result.spots[0]))


def test_one_viral_photo_does_not_carry_a_small_spot():
    class Spot:
        n_photos, mean_views = 15, 400 + 20000 / 15     # one photo of 20,000 views
    big = dataclasses.make_dataclass("Big", [("n_photos", int), ("mean_views", float)])(
        200, 1200.0)
    assert admired_score(Spot, 300) < admired_score(big, 300)
    assert Spot.mean_views > big.mean_views


def test_sorting_by_score_changes_nothing_and_bad_sorts_are_refused(result):
    assert sort_answer(result, "score") is result
    with pytest.raises(ValueError, match="sort must be one of score, admired, photographers, "
                                         "got 'views'"):
        sort_answer(result, "views")
