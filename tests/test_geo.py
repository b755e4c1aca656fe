"""The one great-circle distance, bearing and area of the package."""
import argparse
import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from numpy.testing import assert_allclose

from snapassist import geo
from snapassist.cli.options import add_area_options, area_from_args
from snapassist.errors import ValidationError

TORONTO = ZoneInfo("America/Toronto")

METRES_PER_DEGREE = math.pi * geo.EARTH_RADIUS_M / 180


def test_distance_along_a_meridian_is_the_arc():
    assert_allclose(geo.haversine_m(10.0, 20.0, 11.0, 20.0), METRES_PER_DEGREE, rtol=1e-12)
    assert_allclose(geo.haversine_m(0.0, 0.0, 0.0, 180.0), math.pi * geo.EARTH_RADIUS_M)


def test_distance_is_symmetric_broadcasts_and_zero_on_itself():
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-89, 89, 50), rng.uniform(-180, 180, 50)
    d = geo.haversine_m(lat[0], lon[0], lat, lon)
    assert d.shape == (50,) and d[0] == 0
    assert_allclose(d, geo.haversine_m(lat, lon, lat[0], lon[0]))


def test_distance_across_the_antimeridian_is_short():
    assert geo.haversine_m(0.0, 179.9, 0.0, -179.9) < 0.21 * METRES_PER_DEGREE


@pytest.mark.parametrize("dlat, dlon, expected", [
    (1, 0, 0), (0, 1, 90), (-1, 0, 180), (0, -1, 270), (1, 1, 45), (-1, -1, 225)])
def test_bearing_at_the_equator(dlat, dlon, expected):
    assert_allclose(geo.bearing_deg(0.0, 0.0, dlat * 1e-3, dlon * 1e-3), expected, atol=1e-6)


def test_bearing_is_in_range_and_vectorised():
    b = geo.bearing_deg(43.6, -79.4, np.array([44.0, 43.0, 43.6]), np.array([-79.4, -79.4, -80.0]))
    assert_allclose(b[:2], [0, 180], atol=1e-9)
    assert 269 < b[2] < 271
    assert ((b >= 0) & (b < 360)).all()


def test_circle_contains_by_great_circle_distance():
    area = geo.Area.circle(43.7, -79.4, 5)
    north = 43.7 + 4.99e3 / METRES_PER_DEGREE
    outside = 43.7 + 5.01e3 / METRES_PER_DEGREE
    assert area.contains([43.7, north, outside], [-79.4, -79.4, -79.4]).tolist() == [True, True, False]


def test_box_contains_its_borders():
    box = geo.Area.box(-79.5, 43.6, -79.3, 43.7)
    assert box.contains([43.6, 43.65, 43.71], [-79.5, -79.3, -79.4]).tolist() == [True, True, False]


def test_split_covers_the_circle_and_keeps_only_its_photos():
    circle = geo.Area.circle(43.7, -79.4, 10)
    quarters = circle.split()
    w, s, e, n = circle.bounds()
    assert [q.bbox[0] for q in quarters].count(w) == 2 and max(q.bbox[3] for q in quarters) == n
    corner = quarters[0]
    assert corner.within == circle
    assert corner.keeps(43.7, -79.4) and corner.keeps(0, 0)
    assert not corner.keeps(s + 1e-4, w + 1e-4)  # the box's corner lies outside the circle


def test_area_round_trips_through_a_dict():
    for area in (geo.Area.circle(1, 2, 3), geo.Area.box(1, 2, 3, 4)):
        assert geo.Area.from_dict(area.to_dict()) == area


@pytest.mark.parametrize("make, match", [
    (lambda: geo.Area.circle(91, 0, 5), r"--lat must be within \[-90, 90\], got 91"),
    (lambda: geo.Area.circle(0, 181, 5), r"--lon must be within"),
    (lambda: geo.Area.circle(0, 0, 32), r"--radius must be > 0 and < 32 km.*got 32"),
    (lambda: geo.Area.box(1, 2, 1, 4), r"--bbox must be .* min < max"),
])
def test_bad_areas_are_refused_naming_the_option(make, match):
    with pytest.raises(ValidationError, match=match):
        make()


def _parse(argv):
    parser = argparse.ArgumentParser()
    add_area_options(parser, "test")
    return area_from_args(parser.parse_args(argv))


def test_area_options_give_none_a_box_or_a_circle():
    assert _parse([]) is None
    assert _parse(["--bbox=-79.5,43.6,-79.3,43.7"]).bbox == (-79.5, 43.6, -79.3, 43.7)
    circle = _parse(["--lat", "45", "--lon", "-75"])
    assert (circle.lat, circle.lon, circle.radius_km) == (45, -75, geo.default_area().radius_km)
    assert _parse(["--radius", "3"]).radius_km == 3


@pytest.mark.parametrize("argv, match", [
    (["--lat", "45"], "--lat and --lon must be given together"),
    (["--lon", "-75", "--radius", "3"], "--lat and --lon must be given together"),
    (["--bbox", "1,2,3,4", "--radius", "3"], "either --bbox or --lat/--lon/--radius"),
])
def test_area_options_refuse_half_a_centre_and_mixtures(argv, match):
    with pytest.raises(ValidationError, match=match):
        _parse(argv)


def test_a_malformed_bbox_is_an_argument_error(capsys):
    with pytest.raises(SystemExit):
        _parse(["--bbox", "1,2,3"])
    assert "four numbers" in capsys.readouterr().err


# --- the sun -----------------------------------------------------------------

def _random_instants(rng, n):
    """Random places anywhere and instants 1950-2050, as numpy datetime64 UTC."""
    lat = rng.uniform(-89.5, 89.5, n)
    lon = rng.uniform(-180, 180, n)
    start = np.datetime64("1950-01-01T00:00:00", "s").astype(np.int64)
    end = np.datetime64("2050-01-01T00:00:00", "s").astype(np.int64)
    utc = rng.integers(start, end, n).astype("datetime64[s]")
    return lat, lon, utc


@pytest.mark.parametrize("refraction", [True, False])
def test_sun_elevation_agrees_with_astral(refraction):
    import datetime as dt

    from astral import Observer
    from astral.sun import elevation

    lat, lon, utc = _random_instants(np.random.default_rng(42), 3000)
    ours = geo.sun_elevation_deg(lat, lon, utc, refraction=refraction)
    theirs = np.array([
        elevation(Observer(la, lo), dt.datetime.fromtimestamp(int(t.astype(np.int64)),
                                                              dt.timezone.utc),
                  with_refraction=refraction)
        for la, lo, t in zip(lat, lon, utc, strict=True)])
    assert np.abs(ours - theirs).max() < 0.05
    # The sample covers day and night everywhere, not one kind of case.
    assert (theirs < -6).sum() > 500 and (theirs > 6).sum() > 500


def test_sun_elevation_by_hand_at_an_equinox_noon():
    # Around 12:07 UTC on the March equinox the sun stands over (0, 0)-ish:
    # the elevation at latitude L on the Greenwich meridian is about 90 - |L|.
    noon = np.datetime64("2024-03-20T12:07:00")
    e = geo.sun_elevation_deg(np.array([0.0, 45.0, -60.0]), 0.0, noon, refraction=False)
    assert_allclose(e, [90 - 0, 90 - 45, 90 - 60], atol=0.6)
    midnight = geo.sun_elevation_deg(45.0, 0.0, np.datetime64("2024-03-21T00:07:00"))
    assert midnight < -40


def test_unknown_instants_have_no_elevation_and_no_light():
    e = geo.sun_elevation_deg([43.6, 43.6], [-79.4, -79.4],
                              np.array(["2020-06-01T12:00", "NaT"], dtype="datetime64[s]"))
    assert np.isfinite(e[0]) and np.isnan(e[1])
    assert geo.light_of(e)[1] == ""


def test_light_bounds():
    e = [-30, -6.01, -6, -5, -4, 0, 5.99, 6, 40, np.nan]
    assert geo.light_of(e).tolist() == ["night", "night", "blue", "blue", "golden", "golden",
                                        "golden", "day", "day", ""]


# --- the sun's times and each photo's light (moved here with the helpers) ----------

def test_sun_times_in_toronto_in_june():
    sun = geo.sun_times(43.6426, -79.3871, dt.date(2024, 6, 21), TORONTO)
    assert "05:30" <= sun["sunrise"] <= "05:45" and "20:55" <= sun["sunset"] <= "21:10"
    start, end = sun["golden_evening"]
    assert start < sun["sunset"] < end
    assert sun["blue_evening"][0] >= sun["sunset"]
    assert 295 < sun["sunset_azimuth_deg"] < 310      # north-west at midsummer


def test_sun_times_where_the_sun_never_sets():
    sun = geo.sun_times(78.2, 15.6, dt.date(2024, 6, 21), ZoneInfo("Arctic/Longyearbyen"))
    assert sun["sunrise"] is None and sun["sunset"] is None
    assert sun["sunset_azimuth_deg"] is None


def test_sun_behind_you():
    # Facing east (towards the anchor) at sunset in the west: the sun is behind.
    assert geo.sun_behind(90, 295) is True
    assert geo.sun_behind(270, 295) is False
    assert geo.sun_behind(None, 295) is None


def test_light_codes_round_trip_and_anything_else_is_unknown():
    names = ["night", "blue", "golden", "day", "", "noon", None]
    codes = geo.light_codes(names)
    assert codes.dtype == np.int8
    assert codes.tolist() == [0, 1, 2, 3, -1, -1, -1]
    assert geo.light_names(codes).tolist() == ["night", "blue", "golden", "day", "", "", ""]


def test_photo_light_reads_local_times_in_the_zone_given():
    # 21:00 local on midsummer's day: in Toronto, about sunset; read as
    # Vancouver time it is midnight in Toronto.
    taken = np.array(["2026-06-21T21:00"], dtype="datetime64[ns]")
    toronto, light_t = geo.photo_light([43.65], [-79.38], taken, timezone="America/Toronto")
    vancouver, light_v = geo.photo_light([43.65], [-79.38], taken,
                                           timezone="America/Vancouver")
    utc_t = np.array(["2026-06-22T01:00"], dtype="datetime64[ns]")     # EDT = UTC-4
    utc_v = np.array(["2026-06-22T04:00"], dtype="datetime64[ns]")     # PDT = UTC-7
    assert toronto[0] == geo.sun_elevation_deg(43.65, -79.38, utc_t)[0]
    assert vancouver[0] == geo.sun_elevation_deg(43.65, -79.38, utc_v)[0]
    assert light_t[0] == geo.light_of(toronto)[0] and light_v[0] == geo.light_of(vancouver)[0]
    # Without granularity or the unknown flag, a date is taken as exact.
    assert geo.photo_light([43.65], [-79.38], taken, [4], [0])[1][0] == ""
    assert geo.photo_light([43.65], [-79.38], taken, [0], [1])[1][0] == ""
