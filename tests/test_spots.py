"""Per-spot facts on hand-made photos whose answer is known."""
import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from snapassist import config, geo, spots

TORONTO = ZoneInfo("America/Toronto")


def _days(*dates):
    return np.array(dates, dtype="datetime64[D]")


def test_a_festival_of_three_nights_each_october_is_an_event():
    rng = np.random.default_rng(0)
    nights = [f"{year}-10-{day:02d}" for year in range(2012, 2020) for day in (5, 6, 7)]
    taken = list(rng.choice(nights, 90)) + ["2015-07-01", "2016-03-09", "2017-12-24"]
    answer = spots.when(_days(*taken))
    assert answer["kind"] == "event"
    assert answer["days"] == ["Oct 5", "Oct 6", "Oct 7"]
    assert answer["share"] == pytest.approx(90 / 93)


def test_a_spring_spot_is_seasonal_with_its_months():
    rng = np.random.default_rng(1)
    spring = [f"{y}-{m:02d}-{d:02d}" for y in range(2010, 2020) for m in (4, 5)
              for d in range(1, 29)]
    other = [f"2015-{m:02d}-15" for m in range(1, 13) for _ in range(2)]
    answer = spots.when(_days(*rng.choice(spring, 60), *other))
    assert answer["kind"] == "seasonal"
    assert set(answer["months"]) >= {"Apr", "May"} and len(answer["months"]) <= 3


def test_photos_all_year_are_year_round_and_too_few_say_nothing():
    every_month = [f"2018-{m:02d}-{d:02d}" for m in range(1, 13) for d in (3, 11, 19, 27)]
    assert spots.when(_days(*every_month)) == {"kind": "year-round"}
    assert spots.when(_days(*every_month[:config.MIN_DATED_PHOTOS - 1])) is None
    assert spots.when(np.array(["NaT"] * 40, dtype="datetime64[D]")) is None


def test_an_event_across_new_year_wraps_the_calendar():
    taken = [f"{y}-12-31" for y in range(2010, 2020)] + [f"{y}-01-01" for y in range(2011, 2021)]
    answer = spots.when(_days(*taken))
    assert answer["kind"] == "event" and answer["days"] == ["Dec 31", "Jan 1"]


def test_a_spot_shot_at_golden_hour_says_so_for_its_admired_photos():
    lights = np.array(["golden"] * 8 + ["day"] * 12, dtype=object)
    views = np.array([1000.0] * 8 + [10.0] * 12)
    shares = spots.light_shares(lights, views)
    assert shares["admired"]["golden"] == 1.0
    assert shares["all"]["golden"] == pytest.approx(0.4)
    assert sum(shares["all"].values()) == pytest.approx(1.0)
    assert shares["n_known"] == 20


def test_unknown_light_is_left_out_of_the_shares():
    shares = spots.light_shares(np.array(["", "", "night", "night"], dtype=object),
                                np.array([5.0, 4, 3, 2]))
    assert shares["all"]["night"] == 1.0 and shares["n_known"] == 2
    assert spots.light_shares(np.array(["", ""], dtype=object), np.ones(2))["all"] == {}


def test_a_spot_west_of_the_anchor_faces_east():
    # Spot 0 has the most photographers (the anchor); spot 1 lies 1.9 km west.
    lat0, lon0 = 43.6426, -79.3871
    west = lon0 - 1900 / (np.pi * geo.EARTH_RADIUS_M / 180 * np.cos(np.radians(lat0)))
    out = spots.directions([lat0, lat0], [lon0, west], n_owners=[40, 7])
    assert out[0]["bearing_deg"] is None and out[0]["side"] is None
    assert out[1]["bearing_deg"] == pytest.approx(90, abs=0.5)
    assert out[1]["distance_m"] == pytest.approx(1900, rel=1e-3)
    assert out[1]["side"] == "west" and out[1]["anchor_index"] == 0


@pytest.mark.parametrize("bearing, name", [(0, "north"), (44, "north-east"), (180, "south"),
                                           (225, "south-west"), (337.6, "north"), (-90, "west")])
def test_compass(bearing, name):
    assert spots.compass(bearing) == name


def test_focal_range_and_one_photographer_share():
    assert spots.focal_range_mm([24, 35, 50, 70, 200, np.nan, 0]) == [35.0, 70.0]
    assert spots.focal_range_mm([50, np.nan]) is None
    assert spots.one_photographer_share(["a"] * 6 + ["b"] * 3 + ["c"]) == pytest.approx(0.6)


def test_sun_times_in_toronto_in_june():
    sun = spots.sun_times(43.6426, -79.3871, dt.date(2024, 6, 21), TORONTO)
    assert "05:30" <= sun["sunrise"] <= "05:45" and "20:55" <= sun["sunset"] <= "21:10"
    start, end = sun["golden_evening"]
    assert start < sun["sunset"] < end
    assert sun["blue_evening"][0] >= sun["sunset"]
    assert 295 < sun["sunset_azimuth_deg"] < 310      # north-west at midsummer


def test_sun_times_where_the_sun_never_sets():
    sun = spots.sun_times(78.2, 15.6, dt.date(2024, 6, 21), ZoneInfo("Arctic/Longyearbyen"))
    assert sun["sunrise"] is None and sun["sunset"] is None
    assert sun["sunset_azimuth_deg"] is None


def test_sun_behind_you():
    # Facing east (towards the anchor) at sunset in the west: the sun is behind.
    assert spots.sun_behind(90, 295) is True
    assert spots.sun_behind(270, 295) is False
    assert spots.sun_behind(None, 295) is None


def test_light_codes_round_trip_and_anything_else_is_unknown():
    names = ["night", "blue", "golden", "day", "", "noon", None]
    codes = spots.light_codes(names)
    assert codes.dtype == np.int8
    assert codes.tolist() == [0, 1, 2, 3, -1, -1, -1]
    assert spots.light_names(codes).tolist() == ["night", "blue", "golden", "day", "", "", ""]


def test_photo_light_reads_local_times_in_the_zone_given():
    # 21:00 local on midsummer's day: in Toronto, about sunset; read as
    # Vancouver time it is midnight in Toronto.
    taken = np.array(["2026-06-21T21:00"], dtype="datetime64[ns]")
    toronto, light_t = spots.photo_light([43.65], [-79.38], taken, timezone="America/Toronto")
    vancouver, light_v = spots.photo_light([43.65], [-79.38], taken,
                                           timezone="America/Vancouver")
    utc_t = np.array(["2026-06-22T01:00"], dtype="datetime64[ns]")     # EDT = UTC-4
    utc_v = np.array(["2026-06-22T04:00"], dtype="datetime64[ns]")     # PDT = UTC-7
    assert toronto[0] == geo.sun_elevation_deg(43.65, -79.38, utc_t)[0]
    assert vancouver[0] == geo.sun_elevation_deg(43.65, -79.38, utc_v)[0]
    assert light_t[0] == geo.light_of(toronto)[0] and light_v[0] == geo.light_of(vancouver)[0]
    # Without granularity or the unknown flag, a date is taken as exact.
    assert spots.photo_light([43.65], [-79.38], taken, [4], [0])[1][0] == ""
    assert spots.photo_light([43.65], [-79.38], taken, [0], [1])[1][0] == ""
