"""Per-spot facts on hand-made photos whose answer is known."""
import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from snapassist import config, geo
from snapassist.spots import _measures
from snapassist.spots._when import when

TORONTO = ZoneInfo("America/Toronto")


def _days(*dates):
    return np.array(dates, dtype="datetime64[D]")


# --- real calendars -------------------------------------------------------------

YEARS = range(2010, 2026)


def first_saturday_of_october(year):
    """Nuit Blanche (Toronto): the night of the first Saturday of October."""
    first = dt.date(year, 10, 1)
    return first + dt.timedelta(days=(5 - first.weekday()) % 7)


def canadian_thanksgiving(year):
    """The second Monday of October."""
    first = dt.date(year, 10, 1)
    return first + dt.timedelta(days=(0 - first.weekday()) % 7 + 7)


def easter_sunday(year):
    """Western Easter: the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


#: The first day of the Lunar New Year, 2010-2025, from the Hong Kong
#: Observatory's Gregorian-Lunar calendar conversion tables (it follows the
#: moon and the sun, so it is looked up rather than computed).
LUNAR_NEW_YEAR = {
    2010: "02-14", 2011: "02-03", 2012: "01-23", 2013: "02-10", 2014: "01-31", 2015: "02-19",
    2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05", 2020: "01-25", 2021: "02-12",
    2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29"}


def lunar_new_year(year):
    return dt.date.fromisoformat(f"{year}-{LUNAR_NEW_YEAR[year]}")


def test_the_calendars_themselves():
    """The helpers give what any calendar shows (checked against their definitions)."""
    for year in YEARS:
        nuit, thanks, easter = (first_saturday_of_october(year), canadian_thanksgiving(year),
                                easter_sunday(year))
        assert nuit.weekday() == 5 and nuit.month == 10 and nuit.day <= 7
        assert thanks.weekday() == 0 and thanks.month == 10 and 8 <= thanks.day <= 14
        assert easter.weekday() == 6 and dt.date(year, 3, 22) <= easter <= dt.date(year, 4, 25)
        assert dt.date(year, 1, 21) <= lunar_new_year(year) <= dt.date(year, 2, 20)
    # Two Easters every almanac lists.
    assert easter_sunday(2019) == dt.date(2019, 4, 21) and easter_sunday(2024) == dt.date(2024, 3, 31)


def _photos(days_and_hours, light=None):
    """(taken, hours, lights) arrays from ``[(date, hour or None), ...]``; hours past 24 roll over.

    ``light`` names the light of every photo with an hour (``""`` without one).
    """
    taken, hours, lights = [], [], []
    for day, hour in days_and_hours:
        if hour is not None and hour >= 24:
            day, hour = day + dt.timedelta(days=1), hour - 24
        taken.append(np.datetime64(day, "D"))
        hours.append(np.nan if hour is None else hour)
        lights.append("" if hour is None else light)
    return np.array(taken, dtype="datetime64[D]"), np.array(hours), np.array(lights, dtype=object)


def _others(n):
    """``n`` ordinary days at noon, the 20th of months that hold none of these events."""
    months = (5, 6, 8, 9, 11, 12)
    return [(dt.date(YEARS[i % len(YEARS)], months[i % len(months)], 20), 12.0)
            for i in range(n)]


def _name(day):
    return f"{calendar.month_abbr[day.month]} {day.day}"


def _occasions(days_by_year):
    return [[min(days).isoformat(), max(days).isoformat()] for days in days_by_year]


def test_nuit_blanche_one_night_on_the_first_saturday_of_october():
    rng = np.random.default_rng(0)
    nights = [first_saturday_of_october(y) for y in YEARS]
    # From dusk to the small hours of Sunday: those belong to Saturday's night.
    event = [(night, float(hour)) for night in nights for hour in rng.uniform(19.5, 28, 6)]
    assert any(hour >= 24 for _, hour in event)
    taken, hours, lights = _photos(event, light="night")
    other = _photos(_others(8), light="day")
    answer = when(*(np.concatenate(pair) for pair in zip((taken, hours, lights), other)))
    assert answer["kind"] == "event" and answer["fixed"] is False and answer["once"] is False
    assert answer["occasions"] == _occasions([[night] for night in nights])
    assert answer["years"] == len(YEARS) and answer["length"] == 1
    assert answer["unit"] == "night" and answer["night_share"] == 1.0
    assert answer["share"] >= len(event) / (len(event) + 8)
    assert answer["period"] == [_name(min(nights, key=_doy)), _name(max(nights, key=_doy))]
    assert answer["text"] == "An event: one night each year, early October"
    # The same calendar days hold too few of them: not "the same days every year".
    assert answer["days"][0] == answer["period"][0] and answer["days"][-1] == answer["period"][1]


def _doy(day):
    return (day.month, day.day)


def test_nuit_blanche_with_days_only_is_one_day_or_a_few():
    """Without the time, the night's small hours fall on Sunday: one or two days."""
    nights = [first_saturday_of_october(y) for y in YEARS]
    saturdays = [(night, None) for night in nights for _ in range(5)]
    answer = when(_photos(saturdays)[0])
    assert answer["unit"] == "day" and answer["night_share"] is None
    assert answer["text"] == "An event: one day each year, early October"
    sundays = [(night + dt.timedelta(days=1), None) for night in nights for _ in range(3)]
    answer = when(_photos(saturdays + sundays)[0])
    assert answer["length"] == 2 and answer["share"] == 1.0
    assert answer["text"] == "An event: a few days each year, early October"


def test_easter_sunday_moves_by_five_weeks():
    easters = [easter_sunday(y) for y in YEARS]
    event = [(day, 11.0) for day in easters for _ in range(5)]
    taken, hours, lights = _photos(event + _others(10), light="day")
    answer = when(taken, hours, lights)
    assert answer["kind"] == "event" and not answer["fixed"] and answer["unit"] == "day"
    assert answer["occasions"] == _occasions([[day] for day in easters])
    first, last = min(easters, key=_doy), max(easters, key=_doy)
    assert answer["period"] == [_name(first), _name(last)]
    assert answer["text"].startswith("An event: one day each year, ")
    assert f"{calendar.month_name[first.month]} to" in answer["text"]
    assert answer["text"].endswith(calendar.month_name[last.month])


def test_thanksgiving_weekend_is_a_few_days_early_to_mid_october():
    weekends = [[canadian_thanksgiving(y) - dt.timedelta(days=k) for k in (2, 1, 0)]
                for y in YEARS]
    event = [(day, 15.0) for days in weekends for day in days for _ in range(2)]
    taken, hours, lights = _photos(event + _others(6), light="day")
    answer = when(taken, hours, lights)
    assert answer["kind"] == "event" and not answer["fixed"]
    assert answer["occasions"] == _occasions(weekends)
    assert answer["length"] == 3
    assert answer["text"] == "An event: a few days each year, early to mid October"


def test_the_lunar_new_year_from_days_alone():
    days = [lunar_new_year(y) for y in YEARS]
    taken = _photos([(day, None) for day in days for _ in range(4)])[0]
    answer = when(taken)
    assert answer["kind"] == "event" and not answer["fixed"] and answer["share"] == 1.0
    assert answer["occasions"] == _occasions([[day] for day in days])
    assert answer["period"] == [_name(min(days, key=_doy)), _name(max(days, key=_doy))]
    assert answer["text"] == "An event: one day each year, late January to mid February"


def test_a_festival_of_three_nights_each_october_is_an_event_on_fixed_days():
    rng = np.random.default_rng(0)
    nights = [f"{year}-10-{day:02d}" for year in range(2012, 2020) for day in (5, 6, 7)]
    taken = list(rng.choice(nights, 90)) + ["2015-07-01", "2016-03-09", "2017-12-24"]
    answer = when(_days(*taken))
    assert answer["kind"] == "event" and answer["fixed"] is True
    assert answer["days"] == ["Oct 5", "Oct 6", "Oct 7"]
    assert answer["share"] == pytest.approx(90 / 93)
    assert answer["years"] == 8 and answer["length"] == 3
    assert answer["text"] == "An event: Oct 5-7 each year"


def test_canada_day_fireworks_every_july_first_at_night():
    event = [(dt.date(y, 7, 1), 22.0 + 0.25 * k) for y in YEARS for k in range(3)]
    taken, hours, lights = _photos(event + _others(5), light="night")
    lights[len(event):] = "day"
    answer = when(taken, hours, lights)
    assert answer["fixed"] is True and answer["days"] == ["Jul 1"]
    assert answer["unit"] == "night" and answer["length"] == 1
    assert answer["text"] == "An event: Jul 1 each year, at night"


def test_a_fixed_date_counts_even_in_years_too_thin_to_judge_alone():
    """One or two photos a year, always on Jul 1: each year alone says nothing."""
    few = [(dt.date(y, 7, 1), None) for y in YEARS for _ in range(1 + y % 2)]
    assert max(1 + y % 2 for y in YEARS) < config.EVENT_MIN_YEAR_PHOTOS
    answer = when(_photos(few + _others(4))[0])
    assert answer["kind"] == "event" and answer["fixed"] is True
    assert answer["years"] == len(YEARS) and answer["days"] == ["Jul 1"]


def test_an_event_across_new_year_wraps_the_calendar():
    taken = [f"{y}-12-31" for y in range(2010, 2020)] + [f"{y}-01-01" for y in range(2011, 2021)]
    answer = when(_days(*taken))
    assert answer["kind"] == "event" and answer["days"] == ["Dec 31", "Jan 1"]
    assert answer["fixed"] and answer["text"] == "An event: Dec 31-Jan 1 each year"
    # Each New Year's Eve and its morning after are one year's occasion.
    assert answer["occasions"] == [[f"{y}-12-31", f"{y + 1}-01-01"] for y in range(2010, 2020)]


def test_new_years_eve_past_midnight_is_one_night():
    event = [(dt.date(y, 12, 31), hour) for y in YEARS for hour in (22.5, 23.5, 24.25, 25.0)]
    taken, hours, lights = _photos(event, light="night")
    answer = when(taken, hours, lights)
    assert answer["days"] == ["Dec 31"] and answer["length"] == 1
    assert answer["text"] == "An event: Dec 31 each year, at night"


def test_a_spot_seen_in_one_year_only_is_a_one_off():
    show = [(dt.date(2014, 5, d), 14.0) for d in (5, 6, 7) for _ in range(10)]
    taken, hours, lights = _photos(show + _others(2), light="day")
    answer = when(taken, hours, lights)
    assert answer["kind"] == "event" and answer["once"] is True and answer["fixed"] is False
    assert answer["years"] == 1 and answer["occasions"] == [["2014-05-05", "2014-05-07"]]
    assert answer["share"] == pytest.approx(30 / 32)
    assert answer["text"] == "A one-off event: a few days, May 5-7 2014"
    # One New Year's Eve, into the next morning.
    party = [(dt.date(2014, 12, 31), 23.0)] * 6 + [(dt.date(2015, 1, 1), 12.0)] * 6
    taken, hours, lights = _photos(party + _others(2), light="day")
    answer = when(taken, hours, lights)
    assert answer["once"] and answer["occasions"] == [["2014-12-31", "2015-01-01"]]
    assert answer["text"] == "A one-off event: a few days, Dec 31 2014-Jan 1 2015"


def test_photos_spread_over_a_season_each_year_are_seasonal():
    """Six photos a year, five days apart from Apr 20: no few days hold most of a year's."""
    spread = [dt.date(y, 4, 20) + dt.timedelta(days=5 * k) for y in YEARS for k in range(6)]
    answer = when(_photos([(day, None) for day in spread])[0])
    assert answer["kind"] == "seasonal" and answer["months"] == ["Apr", "May"]


def test_a_few_photos_a_year_in_a_short_season_are_no_event():
    """Chance puts two of a year's four photos in three days; that is not an event."""
    rng = np.random.default_rng(7)
    season = [(dt.date(y, 5, 1) + dt.timedelta(days=int(k)), None)
              for y in YEARS for k in rng.choice(21, 4, replace=False)]
    assert when(_photos(season)[0])["kind"] == "seasonal"


def test_a_spring_spot_is_seasonal_with_its_months():
    rng = np.random.default_rng(1)
    spring = [f"{y}-{m:02d}-{d:02d}" for y in range(2010, 2020) for m in (4, 5)
              for d in range(1, 29)]
    other = [f"2015-{m:02d}-15" for m in range(1, 13) for _ in range(2)]
    answer = when(_days(*rng.choice(spring, 60), *other))
    assert answer["kind"] == "seasonal"
    assert set(answer["months"]) >= {"Apr", "May"} and len(answer["months"]) <= 3


def test_photos_all_year_are_year_round_and_too_few_say_nothing():
    every_month = [f"2018-{m:02d}-{d:02d}" for m in range(1, 13) for d in (3, 11, 19, 27)]
    assert when(_days(*every_month)) == {"kind": "year-round"}
    assert when(_days(*every_month[:config.MIN_DATED_PHOTOS - 1])) is None
    assert when(np.array(["NaT"] * 40, dtype="datetime64[D]")) is None
    # Nine Nuit Blanches and a dozen undated photos: still too few.
    nights = [first_saturday_of_october(y) for y in YEARS][:config.MIN_DATED_PHOTOS - 1]
    taken = np.concatenate([_photos([(d, None) for d in nights])[0],
                            np.full(12, np.datetime64("NaT"), dtype="datetime64[D]")])
    assert when(taken) is None


def test_a_spot_shot_at_golden_hour_says_so_for_its_admired_photos():
    lights = np.array(["golden"] * 8 + ["day"] * 12, dtype=object)
    views = np.array([1000.0] * 8 + [10.0] * 12)
    shares = _measures.light_shares(lights, views)
    assert shares["admired"]["golden"] == 1.0
    assert shares["all"]["golden"] == pytest.approx(0.4)
    assert sum(shares["all"].values()) == pytest.approx(1.0)
    assert shares["n_known"] == 20


def test_unknown_light_is_left_out_of_the_shares():
    shares = _measures.light_shares(np.array(["", "", "night", "night"], dtype=object),
                                np.array([5.0, 4, 3, 2]))
    assert shares["all"]["night"] == 1.0 and shares["n_known"] == 2
    assert _measures.light_shares(np.array(["", ""], dtype=object), np.ones(2))["all"] == {}


def test_a_spot_west_of_the_anchor_faces_east():
    # Spot 0 has the most photographers (the anchor); spot 1 lies 1.9 km west.
    lat0, lon0 = 43.6426, -79.3871
    west = lon0 - 1900 / (np.pi * geo.EARTH_RADIUS_M / 180 * np.cos(np.radians(lat0)))
    out = _measures.directions([lat0, lat0], [lon0, west], n_owners=[40, 7])
    assert out[0]["bearing_deg"] is None and out[0]["side"] is None
    assert out[1]["bearing_deg"] == pytest.approx(90, abs=0.5)
    assert out[1]["distance_m"] == pytest.approx(1900, rel=1e-3)
    assert out[1]["side"] == "west" and out[1]["anchor_index"] == 0


@pytest.mark.parametrize("bearing, name", [(0, "north"), (44, "north-east"), (180, "south"),
                                           (225, "south-west"), (337.6, "north"), (-90, "west")])
def test_compass(bearing, name):
    assert _measures.compass(bearing) == name


def test_focal_range_and_one_photographer_share():
    assert _measures.focal_range_mm([24, 35, 50, 70, 200, np.nan, 0]) == [35.0, 70.0]
    assert _measures.focal_range_mm([50, np.nan]) is None
    assert _measures.one_photographer_share(["a"] * 6 + ["b"] * 3 + ["c"]) == pytest.approx(0.6)
