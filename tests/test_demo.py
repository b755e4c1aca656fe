"""Tests of the synthetic Toronto demo tables (snapassist.demo)."""
import datetime as dt
import math
import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dateutil.easter import easter

from snapassist import config, schema
from snapassist.clustering import OPTICS
from snapassist.search import SEARCH_FILE, FlickrPhotosDatabase, normalize_text
from snapassist.demo import (build_demo_tables, clean_titles, generate_demo_photos,
                             generate_demo_truth, photographer_figures, places)
from snapassist.errors import TableError, ValidationError

from conftest import DEMO_TEST_PHOTOS, DEMO_TEST_SEED

# Real coordinates, written here independently of the generator's data: the
# CN Tower's base and the spots it is photographed from.
CN_TOWER_VIEWPOINTS = {
    "base": (43.6426, -79.3871),
    "Roundhouse Park": (43.6413, -79.3848),
    "Centre Island": (43.6227, -79.3760),
    "Polson Pier": (43.6396, -79.3548),
    "Humber Bay Park East": (43.6237, -79.4737),
    "Riverdale Park East": (43.6700, -79.3527),
    "Trillium Park": (43.6288, -79.4123),
    "HTO Park": (43.6384, -79.3878),
    "Bathurst Street bridge": (43.6397, -79.4010),
}
HIGH_PARK = (43.6465, -79.4637)


def distance_m(lat1, lon1, lat2, lon2):
    """Haversine distance in metres (the test's own oracle)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))


@pytest.fixture(scope="module")
def tables():
    return generate_demo_photos(DEMO_TEST_PHOTOS, DEMO_TEST_SEED)


@pytest.fixture(scope="module")
def master(tables):
    return tables[0]


@pytest.fixture(scope="module")
def popular(tables):
    return tables[1]


@pytest.fixture(scope="module")
def tag_sets(master):
    return master["tags"].str.split().map(set)


@pytest.fixture(scope="module")
def large():
    """The default-size demo (60,000 photos, the default seed), its tags and its truth."""
    master, _ = generate_demo_photos(config.DEMO_N_PHOTOS, config.DEMO_SEED)
    truth, viewpoints = generate_demo_truth(config.DEMO_N_PHOTOS, config.DEMO_SEED)
    return master, master["tags"].str.split().map(set), truth, viewpoints


def tagged(tag_sets, *tags):
    return tag_sets.map(lambda s: any(t in s for t in tags)).to_numpy()


def searched(tag_sets, phrase):
    """Photos a search finds: every word of the phrase a tag, or the words joined one."""
    words = normalize_text(phrase).split()
    return tag_sets.map(lambda s: "".join(words) in s or all(w in s for w in words)).to_numpy()


# --- schema ---------------------------------------------------------------

@pytest.mark.parametrize("which, columns", [(0, schema.PROCESSED_MASTER), (1, schema.PROCESSED_POPULAR)])
def test_columns_and_dtypes_are_exactly_the_schema(tables, which, columns):
    frame = tables[which]
    assert list(frame.columns) == list(columns)
    for name, kind in columns.items():
        if kind == "str":
            assert schema.is_text_dtype(frame[name].dtype), name
        else:
            assert frame[name].dtype == np.dtype(schema.DTYPES[kind]), name


@pytest.mark.parametrize("which, columns", [(0, schema.PROCESSED_MASTER), (1, schema.PROCESSED_POPULAR)])
def test_string_columns_hold_only_python_strings(tables, which, columns):
    frame = tables[which]
    for name, kind in columns.items():
        if kind == "str":
            assert frame[name].map(type).eq(str).all(), name


def test_sizes(master, popular):
    assert len(master) == DEMO_TEST_PHOTOS
    assert 0.2 < len(popular) / len(master) < 0.26


# --- determinism ----------------------------------------------------------

def test_same_seed_gives_identical_tables():
    first = generate_demo_photos(2000, seed=11)
    second = generate_demo_photos(2000, seed=11)
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_frame_equal(first[1], second[1])


def test_different_seeds_give_different_tables():
    first, _ = generate_demo_photos(2000, seed=11)
    second, _ = generate_demo_photos(2000, seed=12)
    assert not first["id"].equals(second["id"])
    assert not np.allclose(first["latitude"], second["latitude"])


@pytest.mark.parametrize("n", [1, 2, 10, 137])
def test_tiny_tables_keep_the_schema(n):
    master, popular = generate_demo_photos(n, seed=3)
    assert len(master) == n
    assert list(popular.columns) == list(schema.PROCESSED_POPULAR)
    assert (popular["views"] > np.percentile(master["views"], 75)).all()


# --- identifiers and Flickr fields ------------------------------------------

def test_ids_are_unique_flickr_like_numbers(master):
    assert master["id"].is_unique
    assert master["id"].str.fullmatch(r"[1-9]\d{7,10}").all()
    # Mostly the 10- and 11-digit ids of 2009 onwards.
    assert master["id"].str.len().ge(10).mean() > 0.8


def test_flickr_fields_are_well_formed(master):
    assert master["owner"].str.fullmatch(r"\d{8}@N0\d").all()
    assert master["secret"].str.fullmatch(r"[0-9a-f]{10}").all()
    assert master["server"].str.fullmatch(r"\d{4}").all()
    for suffix, letter in (("q", "q"), ("s", "s"), ("m", "m"), ("l", "b")):
        urls = master[f"url_{suffix}"]
        expected = ("https://live.staticflickr.com/" + master["server"] + "/" + master["id"] + "_"
                    + master["secret"] + f"_{letter}.jpg")
        present = urls != ""
        assert present.mean() > 0.9
        assert (urls[present] == expected[present]).all()
    assert master["width_m"].max() == 500 and master["width_s"].max() == 240
    assert master["license"].between(0, 16).all()
    assert master["accuracy"].between(11, 16).all() and (master["accuracy"] == 16).mean() > 0.7
    assert set(master["context"]) <= {0, 1, 2}
    assert master["place_id"].ne("").all() and master["woeid"].str.fullmatch(r"\d+").all()
    assert (master["machine_tags"] == "uploaded:by=instagram").any()


# The Dresden sample's photographers: 17,879 photos by 909 of them.
DRESDEN_FIGURES = {"median": 3.0, "mean": 17_879 / 909, "top1_share": 0.44}


@pytest.mark.parametrize("size", ["test", "default"])
def test_photographers_are_as_unequal_as_real_ones(master, large, size):
    """Median and mean photos per photographer, busiest 1%'s share: within 2x of Dresden's."""
    owners = (master if size == "test" else large[0])["owner"]
    figures = photographer_figures(owners)
    far = {k: (figures[k], v) for k, v in DRESDEN_FIGURES.items() if not v / 2 <= figures[k] <= 2 * v}
    assert not far, f"(demo, Dresden): {far}"
    assert figures["photographers"] > len(owners) / 40
    assert master.groupby("owner")["ownername"].nunique().eq(1).all()


# --- space ------------------------------------------------------------------

def test_every_photo_is_inside_the_scrape_circle(master):
    d = distance_m(config.SCRAPE_CENTER_LAT, config.SCRAPE_CENTER_LON,
                   master["latitude"], master["longitude"])
    assert d.max() <= config.SCRAPE_RADIUS_KM * 1000


def test_background_thins_out_from_downtown(master):
    d = distance_m(43.6480, -79.3810, master["latitude"], master["longitude"])
    assert np.median(d) < 3000
    assert (d > 10_000).mean() > 0.05


def _nearest_cn_viewpoint(master, mask):
    lat, lon = master["latitude"].to_numpy()[mask], master["longitude"].to_numpy()[mask]
    d = np.array([distance_m(lat, lon, *point) for point in CN_TOWER_VIEWPOINTS.values()])
    return d.min(axis=0), d.argmin(axis=0)


def test_cn_tower_photos_concentrate_at_real_viewpoints(master, tag_sets):
    cn = tagged(tag_sets, "cntower") | (tagged(tag_sets, "cn") & tagged(tag_sets, "tower"))
    assert cn.sum() > 300
    nearest, which = _nearest_cn_viewpoint(master, cn)
    assert (nearest < 300).mean() > 0.8
    assert np.median(nearest) < 150
    names = list(CN_TOWER_VIEWPOINTS)
    counts = np.bincount(which[nearest < 300], minlength=len(names))
    assert names[counts.argmax()] == "base"
    assert (counts >= 10).sum() >= 6


def test_far_cn_tower_viewpoints_are_rare_but_admired(master, tag_sets):
    cn = tagged(tag_sets, "cntower")
    nearest, which = _nearest_cn_viewpoint(master, cn)
    views = master["views"].to_numpy()[cn]
    names = list(CN_TOWER_VIEWPOINTS)
    at = {name: (which == i) & (nearest < 300) for i, name in enumerate(names)}
    assert at["Polson Pier"].sum() < at["base"].sum() / 4
    assert np.median(views[at["Polson Pier"]]) > 2 * np.median(views[at["base"]])


def _series(master):
    """Bulk uploads seen in a table: one owner's 50+ photos with one set of tags in an hour."""
    key = [master["owner"], master["tags"], master["datetaken"].dt.floor("D")]
    size = master.groupby(key)["id"].transform("size")
    rows = master[size >= 50]
    return [group for _, group in rows.groupby(key[:2] + [key[2][size >= 50]])]


def test_bulk_uploads_are_one_photographers_series_at_one_spot(large):
    master, _, truth, _ = large
    series = _series(master)
    assert 3 <= len(series) <= 12                  # a few per 60,000 photos
    viewpoints = []
    for photos in series:
        assert 50 <= len(photos) <= 200
        assert photos["datetaken"].max() - photos["datetaken"].min() < pd.Timedelta(hours=1)
        assert photos["dateupload"].nunique() == 1
        d = distance_m(photos["latitude"].median(), photos["longitude"].median(),
                       photos["latitude"], photos["longitude"])
        assert np.percentile(d, 90) < 30
        # In the truth, a series at a viewpoint belongs to it; elsewhere to none.
        truth_vp = truth["viewpoint"].to_numpy()[photos.index]
        assert len(set(truth_vp)) == 1
        viewpoints.append(truth_vp[0])
    assert any(v >= 0 for v in viewpoints) and any(v < 0 for v in viewpoints)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_tables_hold_no_bulk_uploads(seed):
    # 1,000 photos: an upload of 50 would be 5% of them, more than real ones are.
    assert _series(generate_demo_photos(1000, seed=seed)[0]) == []


def _far_viewpoints():
    return [(subject, v) for subject in places.LANDMARKS for v in subject.viewpoints if v.trail]


def test_far_viewpoints_lie_a_kilometre_from_their_subject():
    assert len(_far_viewpoints()) >= 3
    for subject, v in _far_viewpoints():
        main = subject.viewpoints[0]
        assert 700 <= distance_m(main.lat, main.lon, v.lat, v.lon) <= 1500, v.label


def test_far_viewpoints_are_few_photos_by_many_and_admired(large):
    master, tag_sets, truth, viewpoints = large
    views = master["views"].to_numpy()
    relative = []
    for subject, v in _far_viewpoints():
        row = viewpoints.index[(viewpoints["subject"] == subject.key) & (viewpoints["label"] == v.label)]
        at = (truth["viewpoint"] == row[0]).to_numpy() & searched(tag_sets, subject.name)
        of_subject = (truth["subject"] == subject.key).to_numpy()
        assert 15 <= at.sum() <= 0.06 * of_subject.sum(), v.label
        assert master["owner"][at].nunique() >= 0.6 * at.sum(), v.label
        relative.append(views[at] / np.median(views[of_subject & ~at]))
    # About twice the subject's views, as the Canaletto view has the Frauenkirche's.
    assert np.median(np.concatenate(relative)) >= 1.5


@pytest.mark.parametrize("subject, far", _far_viewpoints(), ids=[s.key for s, _ in _far_viewpoints()])
def test_far_viewpoints_come_at_the_end_of_their_subjects_cluster(large, subject, far):
    """In OPTICS' ordering, a trail leads from the main viewpoint's photos to the far ones'."""
    master, tag_sets, truth, viewpoints = large
    rows = np.flatnonzero(searched(tag_sets, subject.name))
    label = viewpoints["label"].to_numpy()[truth["viewpoint"].to_numpy()[rows]]
    at_vp = truth["viewpoint"].to_numpy()[rows] >= 0
    is_far, is_main = at_vp & (label == far.label), at_vp & (label == subject.viewpoints[0].label)
    is_trail = ~at_vp & (truth["subject"].to_numpy()[rows] == subject.key)
    # As the search runs it: haversine OPTICS, min_samples from the search's size.
    min_samples = max(config.MIN_SAMPLES_FLOOR, min(config.MIN_SAMPLES_CAP,
                                                    math.ceil(config.MIN_SAMPLES_FRACTION * len(rows))))
    points = np.radians(master[["latitude", "longitude"]].to_numpy()[rows])
    order = OPTICS(min_samples=min_samples, max_eps=math.pi, metric="haversine").fit(points).ordering_
    far_at = np.flatnonzero(is_far[order])
    first, last = far_at[0], far_at[-1]
    # The far photos follow (nearly all) the main viewpoint's...
    assert np.mean(np.flatnonzero(is_main[order]) < first) > 0.97
    # ...reached along the trail...
    assert is_trail[order][first - 10:first].sum() >= 3
    # ...and come together, with nothing but the trail and a few strays among them.
    between = order[first:last + 1]
    assert np.mean(is_far[between] | is_trail[between]) > 0.85
    assert (last - first + 1) < 3 * is_far.sum()


# --- time -------------------------------------------------------------------

def test_cherry_blossoms_bloom_in_spring_at_high_park(master, tag_sets):
    cherry = tagged(tag_sets, "cherryblossom", "sakura")
    assert cherry.sum() > 50
    months = master["month"].to_numpy()[cherry]
    assert np.isin(months[~np.isnan(months)], [4, 5]).mean() > 0.95
    d = distance_m(master["latitude"].to_numpy()[cherry], master["longitude"].to_numpy()[cherry], *HIGH_PARK)
    assert (d < 1200).mean() > 0.6


def test_sunsets_are_in_the_evening_and_nights_at_night(master, tag_sets):
    hour = master["hour"].to_numpy()
    sunset = hour[tagged(tag_sets, "sunset") & ~np.isnan(hour)]
    assert len(sunset) > 100
    assert ((sunset >= 16) & (sunset <= 21)).mean() > 0.95
    night = hour[tagged(tag_sets, "night") & ~np.isnan(hour)]
    assert ((night >= 17) | (night <= 4)).mean() > 0.95


def test_winter_lights_shine_from_november_to_january(master, tag_sets):
    christmas = tagged(tag_sets, "christmas")
    months = master["month"].to_numpy()[christmas]
    assert np.isin(months[~np.isnan(months)], [11, 12, 1]).all()


def _event_days(master, tag_sets, tag, night_after_midnight=False):
    """Days (as dates) the exactly-dated photos tagged ``tag`` were taken on."""
    exact = ((master["datetakengranularity"] == 0) & (master["datetakenunknown"] == 0)).to_numpy()
    taken = master["datetaken"][tagged(tag_sets, tag) & exact]
    if night_after_midnight:          # a night's photos after midnight belong to its evening
        taken = taken - pd.Timedelta(hours=8)
    return [t.date() for t in taken]


def _nth_weekday(year, month, weekday, n):
    days = [dt.date(year, month, d) for d in range(1, 32) if _valid(year, month, d)]
    matching = [d for d in days if d.weekday() == weekday]
    return matching[n - 1] if n > 0 else matching[-1]


def _valid(year, month, day):
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


# Each event: its tag, a test of its days written from the rule people know,
# whether its photos are at night, and the least share of photos on its days.
LUNAR_NEW_YEAR = {2006: "01-29", 2007: "02-18", 2008: "02-07", 2009: "01-26", 2010: "02-14",
                  2011: "02-03", 2012: "01-23", 2013: "02-10", 2014: "01-31", 2015: "02-19",
                  2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05", 2020: "01-25",
                  2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29"}
EVENTS = {
    "easter": ("beacheseasterparade", lambda d: d == easter(d.year), False, 0.8),
    "lunar new year": ("lunarnewyear", lambda d: abs(
        (d - dt.date.fromisoformat(f"{d.year}-{LUNAR_NEW_YEAR[d.year]}")).days) <= 2, False, 0.75),
    "victoria day": ("victoriadayfireworks", lambda d: d.month == 5 and d.weekday() == 0
                     and 18 <= d.day <= 24, True, 0.85),
    "nuit blanche": ("nuitblanche", lambda d: d == _nth_weekday(d.year, 10, 5, 1), True, 0.95),
    "pride": ("pridetoronto", lambda d: 0 <= (_nth_weekday(d.year, 6, 6, -1) - d).days <= 8,
              False, 0.75),
    "cne": ("cne", lambda d: 0 <= (_nth_weekday(d.year, 9, 0, 1) - d).days <= 17, False, 0.65),
}


@pytest.mark.parametrize("event", EVENTS)
def test_moving_events_are_on_their_years_dates(master, tag_sets, event):
    tag, on_its_days, at_night, share = EVENTS[event]
    days = _event_days(master, tag_sets, tag, at_night)
    assert len(days) >= 20
    assert np.mean([on_its_days(d) for d in days]) >= share
    # The date moves: the same event falls on several different days of the year.
    assert len({(d.month, d.day) for d in days if on_its_days(d)}) >= 4


def test_most_photos_name_the_city(master, large):
    """As "dresden" is on 70% of the Dresden sample's photos, "toronto" is on most here."""
    for tag_sets in (master["tags"].str.split().map(set), large[1]):
        assert 0.6 < tagged(tag_sets, "toronto").mean() < 0.9


def test_dates_are_consistent(master):
    assert master["datetakengranularity"].isin([0, 4, 6, 8]).all()
    assert (master["datetakengranularity"] == 0).mean() > 0.85
    assert (master["datetakenunknown"] == 0).mean() > 0.95
    assert (master["dateupload"] >= master["datetaken"]).all()
    exact = (master["datetakengranularity"] == 0) & (master["datetakenunknown"] == 0)
    assert master.loc[exact, "hour"].eq(master.loc[exact, "datetaken"].dt.hour).all()
    assert master.loc[exact, "month"].eq(master.loc[exact, "datetaken"].dt.month).all()
    assert master.loc[~exact, ["hour", "month"]].isna().all().all()
    assert master["datetaken"].min() >= pd.Timestamp("2006-01-01")
    assert master["dateupload"].max() <= pd.Timestamp("2025-11-01")


def test_every_photo_has_the_light_of_its_time_and_place(master):
    """The stored elevation is the sun's at each photo's time, read in Toronto's zone."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from snapassist import geo

    zone = ZoneInfo("America/Toronto")
    exact = ((master["datetakengranularity"] == 0) & (master["datetakenunknown"] == 0)).to_numpy()
    rows = np.random.default_rng(0).choice(np.flatnonzero(exact), 300, replace=False)
    checked = 0
    for row in rows:
        local = master["datetaken"].iloc[row].to_pydatetime()
        first, second = local.replace(tzinfo=zone), local.replace(tzinfo=zone, fold=1)
        elevation = master["sun_elevation"].iloc[row]
        if first.utcoffset() != second.utcoffset():      # a time clocks skip or repeat
            assert np.isnan(elevation) and master["light"].iloc[row] == ""
            continue
        utc = first.astimezone(dt.timezone.utc).replace(tzinfo=None)
        expected = float(geo.sun_elevation_deg(master["latitude"].iloc[row],
                                               master["longitude"].iloc[row],
                                               np.datetime64(utc, "ns")))
        assert elevation == pytest.approx(expected, abs=1e-9)
        assert master["light"].iloc[row] == geo.light_of(expected)
        checked += 1
    assert checked > 250
    assert master.loc[~exact, "sun_elevation"].isna().all()
    assert (master.loc[~exact, "light"] == "").all()


def test_sunset_photos_are_mostly_golden_and_night_photos_night(master, tag_sets):
    light = master["light"].to_numpy(dtype=object)
    sunset = light[tagged(tag_sets, "sunset") & (light != "")]
    night = light[tagged(tag_sets, "night") & (light != "")]
    assert len(sunset) > 100 and len(night) > 100
    assert (sunset == "golden").mean() > 0.6
    assert (night == "night").mean() > 0.9
    assert set(light) == {"night", "blue", "golden", "day", ""}


# --- views and the popular table --------------------------------------------

def test_views_are_heavy_tailed(master):
    views = master["views"]
    assert views.min() >= 0
    assert views.max() > 100 * views.median()
    assert views.quantile(0.99) > 10 * views.median()


def test_popular_table_is_the_views_above_the_75th_percentile(master, popular):
    threshold = np.percentile(master["views"], 75)
    expected = master[master["views"] > threshold].reset_index(drop=True)
    pd.testing.assert_frame_equal(popular[list(schema.PROCESSED_MASTER)], expected)


def test_exif_settings_are_plausible(popular):
    ok = popular[popular["exif_status"] == "ok"]
    denied = popular[popular["exif_status"] == "permission_denied"]
    assert set(popular["exif_status"]) == {"ok", "permission_denied"}
    assert 0.05 < len(denied) / len(popular) < 0.25
    settings = ["FocalLength", "FocalLengthIn35mmFormat", "FNumber", "ExposureTime", "ISO"]
    assert denied[settings].isna().all().all() and denied["Camera"].eq("").all()
    assert ok["Camera"].ne("").all() and ok["Camera"].nunique() >= 10
    assert ok["FNumber"].dropna().between(1.0, 32).all()
    assert ok["ExposureTime"].dropna().between(1 / 8000, 300).all()
    assert ok["ISO"].dropna().between(25, 25600).all()
    assert ok["FocalLength"].dropna().between(1, 800).all()
    both = ok[["FocalLength", "FocalLengthIn35mmFormat"]].dropna()
    assert (both["FocalLengthIn35mmFormat"] >= both["FocalLength"]).all()
    # Some entries are missing, as in real EXIF.
    assert ok["Lens"].eq("").any() and ok["FocalLengthIn35mmFormat"].isna().any()


def test_exif_follows_the_light(popular):
    ok = popular[popular["exif_status"] == "ok"]
    tags = ok["tags"].str.split().map(set)
    long_exposure = ok["ExposureTime"][tags.map(lambda s: "longexposure" in s)].dropna()
    assert len(long_exposure) > 10 and long_exposure.median() >= 1.0
    midday = ok["ExposureTime"][ok["hour"].between(11, 15) & tags.map(lambda s: "sunset" not in s)]
    assert midday.dropna().median() <= 1 / 60


def test_lenses_fit_their_cameras_and_cameras_their_time(popular):
    ok = popular[(popular["exif_status"] == "ok") & (popular["Lens"] != "")]
    mounts = {"Canon EOS": ("EF", "RF"), "Nikon": ("AF-S", "NIKKOR Z"), "Sony": ("E ", "FE ", "Sigma"),
              "Fujifilm X-T": ("XF",), "Olympus": ("OLYMPUS",), "Apple": ("iPhone",)}
    for brand, prefixes in mounts.items():
        lenses = ok.loc[ok["Camera"].str.startswith(brand), "Lens"]
        assert lenses.str.startswith(prefixes).all(), brand
    iphone12 = popular[popular["Camera"] == "Apple iPhone 12 Pro"]
    assert (iphone12["datetaken"].dt.year >= 2020).all()


# --- text -------------------------------------------------------------------

def test_tags_are_normalised_flickr_tags(master, tag_sets):
    tags = master["tags"]
    assert tags.ne("").all()
    assert (tags == tags.str.lower()).all()
    assert (tag_sets.map(len) == tags.str.split().map(len)).all(), "a tag repeats within a photo"
    both_forms = tagged(tag_sets, "cntower") & tagged(tag_sets, "cn") & tagged(tag_sets, "tower")
    words_only = ~tagged(tag_sets, "cntower") & tagged(tag_sets, "cn") & tagged(tag_sets, "tower")
    assert both_forms.any() and words_only.any()
    assert tags.map(lambda t: not t.isascii()).mean() > 0.01
    for common in ("toronto", "ontario", "canada", "skyline", "night", "sunset", "longexposure"):
        assert tagged(tag_sets, common).any(), common


def test_titles_include_the_tricky_kinds(master):
    titles = master["title"]
    assert titles.eq("").mean() > 0.02
    assert titles.eq('"><script>alert(1)</script>').any()
    assert titles.str.contains("<b>", regex=False).any()
    assert titles.str.contains('"', regex=False).any() and titles.str.contains("'", regex=False).any()
    assert titles.map(lambda t: any(ord(c) >= 0x1F300 for c in t)).any(), "no emoji"
    assert titles.map(lambda t: any(0x80 <= ord(c) < 0x2000 for c in t)).any(), "no accented letters"


def test_title_cleaned_is_ascii_without_punctuation(master):
    cleaned = master["title_cleaned"]
    assert cleaned.map(str.isascii).all()
    assert not cleaned.map(lambda t: any(c in string.punctuation for c in t)).any()
    assert (cleaned == cleaned.str.strip()).all()


@pytest.mark.parametrize("title, cleaned", [
    ("<b>CN Tower</b>", "b CN Tower b"),
    ('"><script>alert(1)</script>', "script alert 1 script"),
    ("Journée à Toronto", "Journee a Toronto"),
    ("Café ☕", "Cafe"),
    ("It's Toronto's tallest", "It s Toronto s tallest"),
    ("", ""),
])
def test_clean_titles(title, cleaned):
    assert list(clean_titles([title])) == [cleaned]


# --- files ------------------------------------------------------------------

def test_build_writes_tables_and_marker(demo_folder, tables):
    names = sorted(p.name for p in demo_folder.iterdir())
    assert names == sorted([config.MASTER_TABLE_PROCESSED, config.POPULAR_TABLE_PROCESSED,
                            config.DEMO_MARKER, SEARCH_FILE])
    assert "synthetic" in (demo_folder / config.DEMO_MARKER).read_text(encoding="utf-8").lower()
    for path, frame in ((config.MASTER_TABLE_PROCESSED, tables[0]),
                        (config.POPULAR_TABLE_PROCESSED, tables[1])):
        loaded = pd.read_hdf(demo_folder / path, config.HDF_KEY)
        # pandas 3 reads strings back as its 'str' dtype; values are unchanged.
        strings = [c for c in frame.columns if frame[c].dtype == object]
        pd.testing.assert_frame_equal(loaded.astype({c: object for c in strings}), frame)


def test_build_creates_folders_and_overwrites(tmp_path):
    folder = tmp_path / "a" / "b"
    assert build_demo_tables(folder, n_photos=300, seed=1) == folder
    build_demo_tables(str(folder), n_photos=200, seed=2)
    master = pd.read_hdf(folder / config.MASTER_TABLE_PROCESSED, config.HDF_KEY)
    assert len(master) == 200
    assert len(list(folder.iterdir())) == 4
    # The search file was rebuilt for the new tables: it loads, and matches them.
    assert FlickrPhotosDatabase.from_folder(folder).fingerprint is not None


def test_failed_write_leaves_no_partial_files(tmp_path, monkeypatch):
    def broken_write(frame, path, *args, **kwargs):
        Path(path).write_bytes(b"half a table")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_hdf", broken_write)
    with pytest.raises(TableError, match="disk full"):
        build_demo_tables(tmp_path, n_photos=50, seed=1)
    assert [p.name for p in tmp_path.iterdir()] == [config.DEMO_MARKER]


@pytest.mark.parametrize("kwargs, match", [
    ({"n_photos": 0}, "n_photos must be between 1 and .*, got 0"),
    ({"n_photos": -5}, "n_photos must be between 1 and .*, got -5"),
    ({"n_photos": 10**9}, "n_photos must be between 1 and .*, got 1000000000"),
    ({"n_photos": 1.5}, "n_photos must be an integer, got 1.5"),
    ({"n_photos": "100"}, "n_photos must be an integer, got '100'"),
    ({"n_photos": True}, "n_photos must be an integer, got True"),
    ({"n_photos": None}, "n_photos must be an integer, got None"),
    ({"seed": -1}, "seed must be >= 0, got -1"),
    ({"seed": 2.0}, "seed must be an integer, got 2.0"),
    ({"seed": "x"}, "seed must be an integer, got 'x'"),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, match):
    with pytest.raises(ValidationError, match=match):
        generate_demo_photos(**{"n_photos": 10, "seed": 1, **kwargs})
    with pytest.raises(ValidationError, match=match):
        build_demo_tables(tmp_path / "out", **{"n_photos": 10, "seed": 1, **kwargs})
    assert not (tmp_path / "out").exists()


def test_bad_folders_are_refused(tmp_path):
    with pytest.raises(ValidationError, match="folder must be a path .*got 123"):
        build_demo_tables(123, n_photos=10)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ValidationError, match=re.escape(f"{str(a_file)!r} is a file")):
        build_demo_tables(a_file, n_photos=10)


def test_numpy_integers_are_accepted():
    master, _ = generate_demo_photos(np.int64(20), seed=np.int32(4))
    assert len(master) == 20


@pytest.mark.slow
def test_default_size_builds(tmp_path):
    folder = build_demo_tables(tmp_path)
    master = pd.read_hdf(folder / config.MASTER_TABLE_PROCESSED, config.HDF_KEY)
    assert len(master) == config.DEMO_N_PHOTOS


def test_the_demo_tables_record_their_city(demo_folder):
    from snapassist.io import read_table_attrs
    from snapassist.web import create_app

    place = read_table_attrs(demo_folder / config.MASTER_TABLE_PROCESSED)
    assert place["city"] == "Toronto" and place["timezone"] == "America/Toronto"
    client = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": demo_folder}).test_client()
    text = client.get("/").get_data(as_text=True)
    assert "What are you looking to photograph in Toronto?" in text
    assert "real places of Toronto" in text            # the demo banner
