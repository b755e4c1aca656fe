"""Finding spots: each rule on small hand-built searches.

Most tests replace OPTICS by a stand-in that returns labels chosen by the
test, so that each rule (gate, trimming, rejection, statistics, score and
rank) is checked on its own; one test runs the real OPTICS end to end.
Expected values are computed here independently of the module.
"""
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from snapassist import config
from snapassist.spots import _find
from snapassist.errors import NotEnoughPhotosError
from snapassist.spots import find_spots, spot_score, trim_cluster
from snapassist.geo import EARTH_RADIUS_M
from snapassist.web.format import settings_lines

LAT0, LON0 = 43.6426, -79.3871   # the CN Tower
THRESHOLD = 500.0


def metres_to_degrees(north_m, east_m, lat=LAT0):
    """Small offsets in metres to degrees (flat-earth, fine below a few km)."""
    dlat = north_m / (math.pi * EARTH_RADIUS_M / 180)
    dlon = east_m / (math.pi * EARTH_RADIUS_M / 180 * math.cos(math.radians(lat)))
    return dlat, dlon


def great_circle_m(lat1, lon1, lat2, lon2):
    """Independent haversine, one pair at a time with the math module."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def make_group(label, n, north_m, east_m, radius_m, views, owners=None, seed=0):
    """``n`` photos spread over a disc of ``radius_m`` around an offset from LAT0/LON0."""
    rng = np.random.default_rng(seed)
    r = radius_m * np.sqrt(rng.random(n))
    t = rng.random(n) * 2 * np.pi
    rows = []
    for i in range(n):
        dlat, dlon = metres_to_degrees(north_m + r[i] * np.sin(t[i]), east_m + r[i] * np.cos(t[i]))
        rows.append({
            "id": f"{label}{i}", "owner": (owners[i % len(owners)] if owners else f"o{label}{i}"),
            "ownername": "someone", "title": f"photo {i}",
            "views": views[i % len(views)] if isinstance(views, list) else views,
            "latitude": LAT0 + dlat, "longitude": LON0 + dlon,
            "label": label,
        })
    return rows


class FakeOptics:
    """Stands in for OPTICS: one flat cluster per label, chosen by the test.

    Photos come in reverse order and each label's photos must be consecutive
    rows, so that every label is one run of the ordering.
    """

    labels = None
    seen = {}
    last = None

    def __init__(self, **params):
        FakeOptics.seen = dict(params)
        FakeOptics.last = self

    def fit(self, X):
        FakeOptics.seen["X"] = X
        n = len(X)
        # OPTICS sees visits (one photographer's photos within a few metres),
        # each at its first photo's position: its label is that photo's.
        self.labels_ = np.array([FakeOptics.labels[tuple(x)] for x in X])
        self.ordering_ = np.arange(n)[::-1]
        # Close within a label, far between labels and for noise: clear places.
        in_order = self.labels_[self.ordering_]
        inside = (in_order >= 0) & (in_order == np.roll(in_order, 1))
        plot = np.where(inside, 1e-6 * (1 + np.arange(n) % 3), 1e-3)
        plot[0] = np.inf
        self.reachability_ = np.empty(n)
        self.reachability_[self.ordering_] = plot
        hierarchy = []
        for label in np.unique(self.labels_[self.labels_ >= 0]):
            pos = np.flatnonzero(self.labels_[self.ordering_] == label)
            assert len(pos) == pos[-1] - pos[0] + 1, "a label's rows must be consecutive"
            hierarchy.append([pos[0], pos[-1]])
        self.cluster_hierarchy_ = np.array(hierarchy, dtype=np.intp).reshape(-1, 2)
        return self


@pytest.fixture
def fake_optics(monkeypatch):
    monkeypatch.setattr(_find, "OPTICS", FakeOptics)
    return FakeOptics


def search(frame, fake=None):
    if fake is not None:
        positions = np.radians(frame[["latitude", "longitude"]].to_numpy(dtype=np.float64))
        fake.labels = {tuple(x): label for x, label in zip(positions, frame["label"])}
    return find_spots(frame.drop(columns="label"), THRESHOLD, query="cn tower")


# --- gate ---------------------------------------------------------------------

def test_too_few_photos_is_refused(fake_optics):
    frame = pd.DataFrame(make_group(0, config.MIN_PHOTOS_TO_CLUSTER - 1, 0, 0, 50, 10_000))
    with pytest.raises(NotEnoughPhotosError, match=r"Only 14 photos matched 'cn tower'.*15"):
        search(frame, fake_optics)


def test_no_popular_photo_is_refused(fake_optics):
    # Exactly at the threshold is not above it.
    frame = pd.DataFrame(make_group(0, 40, 0, 0, 50, int(THRESHOLD)))
    with pytest.raises(NotEnoughPhotosError, match=r"None of the 40 photos .* 500 views") as info:
        search(frame, fake_optics)
    assert info.value.n_photos == 40


def test_min_samples_and_metric(fake_optics):
    frame = pd.DataFrame(make_group(0, 4001, 0, 0, 50, 1000))
    search(frame, fake_optics)
    assert fake_optics.seen["min_samples"] == 21        # ceil(0.5% of 4001)
    assert fake_optics.seen["metric"] == "haversine"
    assert fake_optics.seen["cluster_method"] == "xi"
    assert fake_optics.seen["xi"] == config.OPTICS_XI
    assert_allclose(fake_optics.seen["X"][:, 0], np.radians(frame["latitude"]))
    assert_allclose(fake_optics.seen["X"][:, 1], np.radians(frame["longitude"]))
    frame = pd.DataFrame(make_group(0, 100, 0, 0, 50, 1000))
    assert search(frame, fake_optics).min_samples == config.MIN_SAMPLES_FLOOR


# --- trimming -----------------------------------------------------------------

def test_trim_cluster_drops_far_members():
    rows = make_group(0, 30, 0, 0, 40, 100, seed=3)
    dlat, dlon = metres_to_degrees(900, 0)
    lat = np.array([r["latitude"] for r in rows] + [LAT0 + dlat])
    lon = np.array([r["longitude"] for r in rows] + [LON0 + dlon])
    keep, spread = trim_cluster(lat, lon)
    mlat, mlon = np.median(lat), np.median(lon)
    dist = np.array([great_circle_m(mlat, mlon, a, b) for a, b in zip(lat, lon)])
    expected_spread = np.percentile(dist, 68)
    assert spread == pytest.approx(expected_spread, rel=1e-9)
    assert_array_equal(keep, dist <= config.TRIM_FACTOR * expected_spread)
    assert not keep[-1] and keep[:-1].all()


def test_every_photo_of_a_spot_counts_but_strays(fake_optics):
    # The spot's tail stays; a stray far beyond TRIM_FACTOR spreads becomes background.
    rows = make_group(0, 30, 0, 0, 40, 1000, seed=1)
    for name, east in (("tail", 110), ("far", 800)):
        dlat, dlon = metres_to_degrees(0, east)
        rows.append({**rows[0], "id": name, "latitude": LAT0 + dlat, "longitude": LON0 + dlon})
    frame = pd.DataFrame(rows)
    result = search(frame, fake_optics)
    (spot,) = result.spots
    assert "tail" in spot.photo_ids and "far" not in spot.photo_ids and spot.n_photos == 31
    assert result.photo_rank[-1] == -1 and (result.photo_rank[:-1] == 1).all()


# --- rejection ----------------------------------------------------------------

def test_spread_out_cluster_is_dropped(fake_optics):
    wide = make_group(0, 30, 0, 0, 9000, 1000, seed=2)       # a district, not a place
    tight = make_group(1, 30, 20_000, 0, 50, 1000, seed=4)
    result = search(pd.DataFrame(wide + tight), fake_optics)
    assert [h.n_photos for h in result.spots] == [30]
    assert result.spots[0].photo_ids[0].startswith("1")
    assert (result.photo_rank[:30] == -1).all()


def test_cluster_without_popular_photo_is_dropped(fake_optics):
    below = make_group(0, 20, 0, 0, 50, int(THRESHOLD) - 1, seed=5)
    at = make_group(1, 20, 3000, 0, 50, [int(THRESHOLD)] + [1] * 19, seed=6)
    popular = make_group(2, 20, -3000, 0, 50, 5000, seed=7)
    result = search(pd.DataFrame(below + at + popular), fake_optics)
    kept = sorted(h.photo_ids[0][0] for h in result.spots)
    # A best photo exactly at the percentile is not *below* it: kept.
    assert kept == ["1", "2"]


# --- statistics, score and rank ---------------------------------------------------

def test_statistics_score_and_rank(fake_optics):
    a = make_group(0, 20, 0, 0, 60, [100, 3000, 50, 700], owners=["u1", "u2", "u3"], seed=8)
    b = make_group(1, 40, 4000, 0, 60, [900, 1200], owners=["u4", "u5", "u6"], seed=9)
    noise = make_group(-1, 15, -9000, 0, 3000, 10, seed=10)
    frame = pd.DataFrame(a + b + noise)
    result = search(frame, fake_optics)

    expected = []
    for label in (0, 1):
        g = frame[frame["label"] == label]
        v = g["views"].to_numpy(float)
        expected.append({
            "score": v.mean() / len(g), "n_photos": len(g), "n_owners": g["owner"].nunique(),
            "mean": v.mean(), "median": np.median(v),
            "lat": (g["latitude"] * v).sum() / v.sum(), "lon": (g["longitude"] * v).sum() / v.sum(),
            "best": list(g.sort_values("views", ascending=False, kind="stable")["id"][:5]),
        })
    expected.sort(key=lambda e: -e["score"])
    assert [h.rank for h in result.spots] == [1, 2]
    for spot, exp in zip(result.spots, expected):
        assert spot.score == pytest.approx(exp["score"])
        assert spot.n_photos == exp["n_photos"] and spot.n_owners == exp["n_owners"]
        assert spot.mean_views == pytest.approx(exp["mean"])
        assert spot.median_views == pytest.approx(exp["median"])
        assert spot.latitude == pytest.approx(exp["lat"], abs=1e-9)
        assert spot.longitude == pytest.approx(exp["lon"], abs=1e-9)
        assert [p["id"] for p in spot.best_photos] == exp["best"]
    assert result.n_photos == len(frame)
    assert (result.photo_rank[-15:] == -1).all()
    # The plot follows OPTICS' ordering of the visits (a photographer's
    # photos within a few metres are one), in metres.
    seen = fake_optics.seen["X"]
    assert len(seen) < len(frame)            # three owners share group a's 60 m
    order = fake_optics.last.ordering_
    position = np.radians(frame[["latitude", "longitude"]].to_numpy(dtype=np.float64))
    row_at = {tuple(x): i for i, x in reversed(list(enumerate(position)))}
    assert_array_equal(result.reachability_rank,
                       result.photo_rank[[row_at[tuple(x)] for x in seen[order]]])
    reach = fake_optics.last.reachability_
    assert_allclose(result.reachability, reach[order] * EARTH_RADIUS_M)


def test_hours_months_and_settings(fake_optics):
    rows = make_group(0, 20, 0, 0, 50, 1000, seed=11)
    for i, r in enumerate(rows):
        r["hour"] = float(i % 3 + 18) if i < 18 else np.nan
        r["month"] = 7.0 if i < 10 else 12.0
        with_exif = i < 9
        r["Camera"] = ("Canon EOS 5D" if i < 6 else "Nikon D750") if with_exif else np.nan
        r["Lens"] = "EF24-70mm" if with_exif else np.nan
        r["FocalLength"] = [24.0, 35.0, 50.0][i % 3] if with_exif else np.nan
        r["FNumber"] = 8.0 if with_exif else np.nan
        r["ExposureTime"] = [1 / 250, 1 / 125, 2.0][i % 3] if with_exif else np.nan
        r["ISO"] = [100.0, 400.0, 1600.0][i % 3] if with_exif else np.nan
    frame = pd.DataFrame(rows)
    (spot,) = search(frame, fake_optics).spots
    assert spot.hours == [0] * 18 + [6, 6, 6] + [0] * 3
    assert spot.months == [0] * 6 + [10] + [0] * 4 + [10]
    s = spot.settings
    assert s["n_with_exif"] == 9 and s["Camera"] == "Canon EOS 5D" and s["Lens"] == "EF24-70mm"
    assert s["FocalLength"] == 35.0 and s["ISO"] == 400.0 and s["FNumber"] == 8.0
    assert s["ExposureTime"] == pytest.approx(1 / 125)
    assert dict(settings_lines(s)) == {
        "Camera": "Canon EOS 5D", "Lens": "EF24-70mm", "Focal length": "35 mm",
        "Exposure": "1/125 s", "Aperture": "f/8", "ISO": "ISO 400"}


def test_missing_optional_columns(fake_optics):
    frame = pd.DataFrame(make_group(0, 20, 0, 0, 50, 1000, seed=12))
    frame = frame.drop(columns=["ownername", "title"])
    (spot,) = search(frame, fake_optics).spots
    assert spot.hours == [0] * 24 and spot.months == [0] * 12
    assert spot.settings["n_with_exif"] == 0 and spot.settings["Camera"] is None
    assert spot.best_photos[0]["url"] is None and spot.best_photos[0]["title"] == ""


# --- real OPTICS end to end -----------------------------------------------------

def test_real_optics_finds_separated_spots():
    a = make_group(0, 60, 0, 0, 40, 2000, seed=13)
    b = make_group(1, 60, 0, 5000, 40, 800, seed=14)
    noise = make_group(-1, 25, -10_000, -10_000, 8000, 10, seed=15)
    frame = pd.DataFrame(a + b + noise)
    result = find_spots(frame.drop(columns="label"), THRESHOLD, query="x")
    by_id = frame.set_index("id")
    found = set()
    for spot in result.spots:
        labels = set(by_id.loc[spot.photo_ids, "label"])
        assert len(labels) == 1 and -1 not in labels       # never mixes spots or noise
        found |= labels
        views = by_id.loc[spot.photo_ids, "views"].to_numpy(float)
        assert spot.score == pytest.approx(views.mean() / len(views))
    assert found == {0, 1}
    scores = [h.score for h in result.spots]
    assert scores == sorted(scores, reverse=True)
    assert set(result.photo_rank[frame["label"].to_numpy() == -1]) == {-1}


def test_real_optics_small_search_forms_a_spot():
    # 20 photos, min_samples 15: at least half the search per neighbourhood.
    frame = pd.DataFrame(make_group(0, 20, 0, 0, 30, 1000, seed=16)
                         + make_group(-1, 2, 8000, 8000, 100, 10, seed=17))
    result = find_spots(frame.drop(columns="label"), THRESHOLD)
    assert len(result.spots) == 1
    assert set(result.spots[0].photo_ids) <= {f"0{i}" for i in range(20)}
    assert np.isfinite(result.reachability[1:]).all()


def test_the_score_is_mean_views_over_photos():
    assert spot_score([100.0, 300.0]) == 100.0
    assert spot_score([50.0] * 10) == 5.0


def test_used_columns_are_all_a_search_needs(demo_db):
    """Spots from only USED_COLUMNS equal those from every column."""
    from snapassist.schema import USED_COLUMNS

    full = demo_db.get_search_results("graffiti")
    subset = demo_db.get_search_results("graffiti", columns=list(USED_COLUMNS))
    assert len(subset.columns) < len(full.columns)
    a = find_spots(full, demo_db.views_percentile)
    b = find_spots(subset, demo_db.views_percentile)
    assert a.spots, "the demo's graffiti search should give spots"
    assert [h.to_dict() for h in a.spots] == [h.to_dict() for h in b.spots]
    np.testing.assert_array_equal(a.photo_rank, b.photo_rank)


# --- photos without view counts (YFCC100M has none) -------------------------------

def test_without_views_spots_are_ranked_by_photographers_and_say_nothing_of_views():
    from snapassist.spots import sort_answer

    # Two places, neither with a single view: the busier one first.
    rows = (make_group(0, 40, 0, 0, 40, 0, owners=[f"a{i}" for i in range(8)], seed=20)
            + make_group(1, 60, 3000, 0, 40, 0, owners=[f"b{i}" for i in range(25)], seed=21))
    frame = pd.DataFrame(rows).drop(columns="label")
    with pytest.raises(NotEnoughPhotosError, match="None of the 100 photos"):
        find_spots(frame, 0.0)
    answer = find_spots(frame, 0.0, views=False)
    assert not answer.has_views and answer.search_median_views is None
    assert [s.n_owners for s in answer.spots] == [25, 8]
    assert [s.score for s in answer.spots] == [25.0, 8.0]
    for spot in answer.spots:
        assert spot.mean_views is None and spot.median_views is None
        assert spot.light["admired"] == {}
        owners = [p["owner"] for p in spot.best_photos]
        assert len(owners) == len(set(owners)) == config.N_BEST_PHOTOS
    with pytest.raises(ValueError, match="sort=admired needs view counts"):
        sort_answer(answer, "admired")
    assert sort_answer(answer, "photographers").spots[0].n_owners == 25


def test_tables_know_whether_they_have_views(tmp_path):
    from snapassist.io import write_table
    from snapassist.search import FlickrPhotosDatabase

    rows = pd.DataFrame(make_group(0, 20, 0, 0, 40, 0, seed=22)).drop(columns="label")
    rows["tags"] = "x"
    assert not FlickrPhotosDatabase(rows, None).has_views          # every photo at 0
    rows.loc[3, "views"] = 5
    assert FlickrPhotosDatabase(rows, None).has_views
    # Recorded with the tables, as an import of a data set without views does.
    write_table(rows, tmp_path / config.MASTER_TABLE_PROCESSED, attrs={"views": False})
    assert not FlickrPhotosDatabase.from_folder(tmp_path).has_views
