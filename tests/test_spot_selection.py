"""Which clusters become spots, on hand-made photos whose right answer is known.

The first tests check the rule itself on a hand-written hierarchy; the last
ones run the real OPTICS through ``find_spots``.
"""
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from snapassist.spots._selection import choose_spots, cluster_tree, level_runs
from snapassist.clustering import OPTICS
from snapassist.geo import EARTH_RADIUS_M
from snapassist.spots import find_spots

LAT0, LON0 = 43.6426, -79.3871
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180
THRESHOLD = 500.0
RULE = {"max_spread_m": 200.0, "min_owners": 3, "percentile": 68, "tail_factor": 10.0,
        "min_contrast": 1.3}


def disc(rng, n, east_m, north_m, radius_m):
    """``n`` positions (degrees) uniform over a disc around an offset from LAT0/LON0."""
    r = radius_m * np.sqrt(rng.random(n))
    t = rng.random(n) * 2 * np.pi
    lat = LAT0 + (north_m + r * np.sin(t)) / M_PER_DEG
    lon = LON0 + (east_m + r * np.cos(t)) / (M_PER_DEG * math.cos(math.radians(LAT0)))
    return lat, lon


def photos(groups, seed=0):
    """A search result from ``(name, n, east_m, north_m, radius_m, owners)`` groups."""
    rng = np.random.default_rng(seed)
    frames = []
    for name, n, east, north, radius, owners in groups:
        lat, lon = disc(rng, n, east, north, radius)
        frames.append(pd.DataFrame({
            "id": [f"{name}-{i}" for i in range(n)],
            "owner": [f"{name}-owner{i % owners}" for i in range(n)],
            "views": rng.integers(100, 5000, n), "latitude": lat, "longitude": lon,
            "group": name}))
    return pd.DataFrame(pd.concat(frames, ignore_index=True))


def spots_of(frame):
    result = find_spots(frame.drop(columns="group"), THRESHOLD, query="test")
    return [set(h.photo_ids) for h in result.spots]


def ids(frame, *names):
    return set(frame.loc[frame["group"].isin(names), "id"])


# --- the rule on a hand-written hierarchy ---------------------------------------

def test_cluster_tree_parents():
    # 0 holds 1 and 2; 1 holds 3; 4 stands alone; 5 overlaps 4 without holding it.
    clusters = np.array([[0, 99], [0, 49], [50, 99], [10, 20], [100, 149], [120, 170]])
    assert_array_equal(cluster_tree(clusters), [-1, 0, 0, 1, -1, -1])
    assert_array_equal(cluster_tree(np.empty((0, 2))), [])


def test_largest_cluster_within_the_spread_is_chosen():
    rng = np.random.default_rng(1)
    # Ordering positions 0-99: place A (60 m disc); 100-199: place B, 400 m east.
    lat_a, lon_a = disc(rng, 100, 0, 0, 60)
    lat_b, lon_b = disc(rng, 100, 400, 0, 60)
    lat, lon = np.concatenate([lat_a, lat_b]), np.concatenate([lon_a, lon_b])
    owner = np.arange(200) % 10
    ordering = np.arange(200)
    # Both places, each place, and dense crumbs inside each.
    clusters = np.array([[0, 199], [0, 99], [100, 199], [5, 25], [40, 60], [150, 170]])
    # Photos 1 m apart within a place, the places 400 m apart (in radians).
    reach = np.full(200, 1 / EARTH_RADIUS_M)
    reach[0], reach[100] = np.inf, 400 / EARTH_RADIUS_M
    chosen = choose_spots(lat, lon, owner, reach, ordering, clusters, **RULE)
    assert [sorted(m.tolist()) for m, _ in chosen] == [list(range(100)), list(range(100, 200))]
    for members, spread in chosen:
        assert 0 < spread < 60


def test_too_few_photographers_is_no_spot():
    rng = np.random.default_rng(2)
    lat, lon = disc(rng, 50, 0, 0, 40)
    clusters = np.array([[0, 49]])
    reach = np.append(np.inf, np.full(49, 1e-6))
    for owners, expected in ((2, 0), (3, 1)):
        owner = np.arange(50) % owners
        assert len(choose_spots(lat, lon, owner, reach, np.arange(50), clusters, **RULE)) == expected


def test_a_wide_cluster_without_children_is_no_spot():
    rng = np.random.default_rng(3)
    lat, lon = disc(rng, 80, 0, 0, 2000)
    reach = np.append(np.inf, np.full(79, 1e-6))
    assert choose_spots(lat, lon, np.arange(80), reach, np.arange(80), np.array([[0, 79]]),
                        **RULE) == []


def test_a_clump_that_does_not_stand_out_is_no_spot():
    rng = np.random.default_rng(4)
    lat, lon = disc(rng, 40, 0, 0, 30)
    # Inside, photos 10 m apart; the next photo only 12 m farther: no contrast.
    reach = np.append(np.full(40, 10.0), 12.0) / EARTH_RADIUS_M
    reach[0] = 12.0 / EARTH_RADIUS_M
    args = (lat, lon, np.arange(40), reach[:40], np.arange(40), np.array([[0, 39]]))
    assert choose_spots(*args, **RULE) == []
    assert len(choose_spots(*args, **{**RULE, "min_contrast": 1.1})) == 1


def test_a_trail_leading_away_is_cut_off():
    rng = np.random.default_rng(5)
    lat, lon = disc(rng, 50, 0, 0, 30)
    # The last five photos lead away, each farther than the last.
    reach = np.append(np.inf, np.full(49, 2.0))
    reach[45:] = [50.0, 80.0, 120.0, 200.0, 400.0]
    (members, _), = choose_spots(lat, lon, np.arange(50), reach, np.arange(50),
                                 np.array([[0, 49]]), **RULE)
    assert_array_equal(members, np.arange(45))


# --- the real OPTICS ------------------------------------------------------------

def test_two_places_with_nested_crumbs_are_two_whole_spots():
    # Each place: photos over a 60 m disc, with denser crumbs inside it.
    frame = photos([
        ("a", 150, 0, 0, 60, 40), ("a-crumb1", 30, 20, 10, 4, 10), ("a-crumb2", 30, -25, -5, 4, 10),
        ("b", 100, 400, 0, 60, 40), ("b-crumb", 30, 410, 15, 4, 10),
        ("noise", 40, 0, 0, 8000, 40)], seed=4)
    found = spots_of(frame)
    assert len(found) == 2
    assert sorted(found, key=len) == [ids(frame, "b", "b-crumb"),
                                      ids(frame, "a", "a-crumb1", "a-crumb2")]


def test_one_photographers_series_is_no_spot():
    frame = photos([("series", 60, 0, 0, 30, 1), ("noise", 60, 0, 0, 8000, 60)], seed=5)
    assert spots_of(frame) == []


def test_a_two_km_scatter_is_no_spot():
    frame = photos([("scatter", 300, 0, 0, 1000, 300)], seed=6)
    assert spots_of(frame) == []


@pytest.mark.parametrize("owners", [3, 20])
def test_enough_photographers_make_a_spot(owners):
    frame = photos([("place", 60, 0, 0, 30, owners), ("noise", 60, 0, 0, 8000, 60)], seed=7)
    assert spots_of(frame) == [ids(frame, "place")]


# --- places the hierarchy hides ---------------------------------------------------

def test_level_runs_cut_the_plot_below_its_highest_reachability():
    # Inner reachabilities of positions 1..9 (position 0's is what came before).
    plot = np.array([np.inf, 1, 1, 9, 1, 1, 1, 5, 1, 1, np.inf])
    # Level 9 / 1.25 = 7.2: only position 3 starts a new run.
    assert level_runs(plot, 0, 9, 2, 1.25) == [(0, 2), (3, 9)]
    # Level 5 / 1.25 = 4 inside [3, 9]: position 7 too; shorter runs are dropped.
    assert level_runs(plot, 3, 9, 3, 1.25) == [(3, 6), (7, 9)]
    assert level_runs(plot, 3, 9, 4, 1.25) == [(3, 6)]
    assert level_runs(plot, 4, 4, 1, 1.25) == []


def test_what_tightening_cuts_off_can_be_a_spot_of_its_own():
    rng = np.random.default_rng(8)
    # Ordering 0-99: a busy place, photos 2 m apart; 100-104: a trail leading
    # away; 105-124: 20 photos by 14 photographers 1 km away, 40 m apart,
    # reached last. xi gave one cluster, and tightening it to its core cuts
    # off both the trail and the view.
    lat_a, lon_a = disc(rng, 100, 0, 0, 60)
    lat_t, lon_t = disc(rng, 5, 500, 0, 300)
    lat_b, lon_b = disc(rng, 20, 1000, 0, 40)
    lat = np.concatenate([lat_a, lat_t, lat_b])
    lon = np.concatenate([lon_a, lon_t, lon_b])
    owner = np.concatenate([np.arange(100) % 30, [50, 51, 52, 53, 54], 60 + np.arange(20) % 14])
    reach = np.full(125, 2.0)
    reach[0] = np.inf
    reach[100:105] = [150.0, 500.0, 600.0, 700.0, 800.0]
    reach[105:] = 40.0
    reach[105] = 900.0
    chosen = choose_spots(lat, lon, owner, reach / EARTH_RADIUS_M, np.arange(125),
                          np.array([[0, 124]]), **RULE, min_size=15)
    assert [m.tolist() for m, _ in chosen] == [list(range(100)), list(range(105, 125))]


def test_a_wide_leaf_holding_two_places_gives_both():
    rng = np.random.default_rng(9)
    # Two dense places 600 m apart that xi left in one cluster without children.
    lat_a, lon_a = disc(rng, 60, 0, 0, 40)
    lat_b, lon_b = disc(rng, 60, 600, 0, 40)
    lat, lon = np.concatenate([lat_a, lat_b]), np.concatenate([lon_a, lon_b])
    reach = np.full(120, 3.0)
    reach[0], reach[60] = np.inf, 600.0
    chosen = choose_spots(lat, lon, np.arange(120) % 12, reach / EARTH_RADIUS_M,
                          np.arange(120), np.array([[0, 119]]), **RULE, min_size=15)
    assert [m.tolist() for m, _ in chosen] == [list(range(60)), list(range(60, 120))]


def test_a_place_holding_two_separate_places_is_split_unless_told_not_to():
    rng = np.random.default_rng(10)
    # A crowd of 300 and, 180 m away, 30 photos of a view: narrow enough
    # together (the crowd sets the spread), yet two places to stand.
    lat_a, lon_a = disc(rng, 300, 0, 0, 40)
    lat_b, lon_b = disc(rng, 30, 180, 0, 20)
    lat, lon = np.concatenate([lat_a, lat_b]), np.concatenate([lon_a, lon_b])
    reach = np.full(330, 2.0)
    reach[0], reach[300] = np.inf, 120.0
    args = (lat, lon, np.arange(330) % 20, reach / EARTH_RADIUS_M, np.arange(330),
            np.array([[0, 329]]))
    whole = choose_spots(*args, **RULE, min_size=15)
    assert [m.tolist() for m, _ in whole] == [list(range(330))]
    split = choose_spots(*args, **RULE, min_size=15, min_separation_m=150.0)
    assert [m.tolist() for m, _ in split] == [list(range(300)), list(range(300, 330))]
    # 100 m apart is still one place at a separation of 150 m.
    lat_c, lon_c = disc(rng, 30, 100, 0, 20)
    near = choose_spots(np.concatenate([lat_a, lat_c]), np.concatenate([lon_a, lon_c]),
                        *args[2:], **RULE, min_size=15, min_separation_m=150.0)
    assert [m.tolist() for m, _ in near] == [list(range(330))]


def test_a_rare_view_at_the_end_of_a_landmarks_ordering_is_its_own_spot():
    # A landmark's crowd, a sparse trail of people walking across the river,
    # and 20 photos by 14 photographers of the famous view 1 km away.
    frame = photos([("crowd", 400, 0, 0, 60, 120), ("trail", 12, 500, 0, 450, 12),
                    ("view", 20, 1000, 0, 40, 14)], seed=11)
    result = find_spots(frame.drop(columns="group"), THRESHOLD, query="test")
    view = frame.index[frame["group"] == "view"].to_numpy()
    optics = OPTICS(min_samples=result.min_samples, max_eps=math.pi, metric="haversine",
                    xi=0.01).fit(np.radians(frame[["latitude", "longitude"]].to_numpy()))
    # The view comes last in the ordering, after the crowd and the trail.
    assert set(optics.ordering_[-20:].tolist()) == set(view.tolist())
    found = [set(h.photo_ids) for h in result.spots]
    assert len(found) == 2
    # One spot is the view (a trail photo or two may join it), one the crowd.
    at_view, = [spot for spot in found if ids(frame, "view") <= spot]
    assert not at_view & ids(frame, "crowd") and len(at_view - ids(frame, "view")) <= 2
    at_crowd, = [spot for spot in found if spot is not at_view]
    assert at_crowd <= ids(frame, "crowd") and len(at_crowd) > 300


# --- a search without a spot says why ---------------------------------------------

@pytest.mark.parametrize("groups, reason", [
    # One person's 60 photos in one place, and a city-wide scatter.
    ([("series", 60, 0, 0, 30, 1), ("noise", 60, 0, 0, 8000, 60)], "one_photographer"),
    # Two people's 60 photos, half each: no one made it, yet too few made it.
    ([("pair", 60, 0, 0, 30, 2), ("noise", 60, 0, 0, 8000, 60)], "few_photographers"),
    # 300 photos by 300 people over 2 km: the densest 250 m holds some, no place.
    ([("scatter", 300, 0, 0, 1000, 300)], "scattered"),
])
def test_a_search_without_a_spot_says_why(groups, reason):
    frame = photos(groups, seed=12)
    result = find_spots(frame.drop(columns="group"), THRESHOLD, query="test")
    assert result.spots == [] and result.no_spot["reason"] == reason
    densest = result.no_spot["densest"]
    if reason != "scattered":
        # The densest place is the series' (or the pair's): marked, not a spot.
        name = groups[0][0]
        centre = frame.loc[frame["group"] == name, ["latitude", "longitude"]].median()
        assert abs(densest["latitude"] - centre["latitude"]) * M_PER_DEG < 30
        assert densest["n_owners"] == groups[0][5]
    assert 0 < densest["n_photos"] <= len(frame)
    assert result.no_spot["message"]


def test_places_without_an_admired_photo_say_so():
    frame = photos([("place", 60, 0, 0, 30, 20), ("noise", 60, 0, 0, 8000, 60)], seed=13)
    frame.loc[frame["group"] == "place", "views"] = 10     # none above the threshold
    result = find_spots(frame.drop(columns="group"), THRESHOLD, query="test")
    assert result.spots == [] and result.no_spot["reason"] == "not_admired"
    assert "none of them holds a photo among the city's most viewed" in result.no_spot["message"]


def test_a_search_with_spots_has_no_explanation():
    frame = photos([("place", 60, 0, 0, 30, 20), ("noise", 60, 0, 0, 8000, 60)], seed=7)
    assert find_spots(frame.drop(columns="group"), THRESHOLD).no_spot is None


def test_a_place_xi_left_uncovered_beside_its_child_is_found():
    rng = np.random.default_rng(14)
    # Place A (ordering 0-59) has its own xi cluster; place B (60-119), 600 m
    # away, has none, and together they are too wide for one place.
    lat_a, lon_a = disc(rng, 60, 0, 0, 40)
    lat_b, lon_b = disc(rng, 60, 600, 0, 40)
    lat, lon = np.concatenate([lat_a, lat_b]), np.concatenate([lon_a, lon_b])
    reach = np.full(120, 3.0)
    reach[0], reach[60] = np.inf, 600.0
    chosen = choose_spots(lat, lon, np.arange(120) % 12, reach / EARTH_RADIUS_M,
                          np.arange(120), np.array([[0, 119], [0, 59]]), **RULE, min_size=15)
    assert [m.tolist() for m, _ in chosen] == [list(range(60)), list(range(60, 120))]


# --- visits: the density of photographers, not of photos --------------------------

def test_visits_group_one_photographers_photos_within_a_few_metres():
    from snapassist.spots._find import _visits

    # Photos 0, 1 and 3: one owner within a metre; 2: another owner there;
    # 4: the first owner again, 100 m north.
    north = np.array([0.0, 0.5, 0.2, 0.8, 100.0])
    lat, lon = LAT0 + north / M_PER_DEG, np.full(5, LON0 + 0.3 / M_PER_DEG)
    visit, first = _visits(lat, lon, np.array([7, 7, 3, 7, 7]), 20.0)
    assert_array_equal(first, [0, 2, 4])
    assert_array_equal(visit, [0, 0, 1, 0, 2])
    visit, first = _visits(np.zeros(0), np.zeros(0), np.zeros(0, dtype=int), 20.0)
    assert len(visit) == len(first) == 0


def test_one_photographers_burst_is_no_crowd():
    # 150 photos by one person within 3 m and two passers-by: no spot there;
    # a real place of 25 photographers 2 km away is one.
    frame = photos([("burst", 150, 0, 0, 3, 1), ("passers", 6, 0, 0, 20, 2),
                    ("place", 50, 2000, 0, 40, 25), ("noise", 60, 0, 0, 8000, 60)], seed=15)
    found = spots_of(frame)
    assert found == [ids(frame, "place")]


def test_a_burst_at_a_real_place_counts_in_its_spot():
    # The same burst where 30 photographers stand: one spot, holding it all.
    frame = photos([("burst", 150, 0, 0, 3, 1), ("place", 60, 0, 0, 40, 30),
                    ("noise", 60, 0, 0, 8000, 60)], seed=16)
    spot, = spots_of(frame)
    assert ids(frame, "burst", "place") <= spot
