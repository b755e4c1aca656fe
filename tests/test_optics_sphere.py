"""Haversine OPTICS against scikit-learn 1.9 where the sphere is awkward:
the app's max_eps=pi, the poles, the antimeridian, antipodes, and radii
beyond pi."""
import math
import warnings

import numpy as np
import pytest
from sklearn.cluster import OPTICS as SkOPTICS

from snapassist.clustering import OPTICS

from test_optics import assert_same_graph, geotags


def app_min_samples(n):
    """The spots' rule: max(15, ceil(0.5% of the photos))."""
    return max(15, math.ceil(0.005 * n))


def degrees(lat_lon):
    return np.radians(np.asarray(lat_lon, dtype=float))


@pytest.mark.parametrize("n", [
    15, 16, 29, 30, 31, 45, 100, 400,
    pytest.param(1000, marks=pytest.mark.slow),
    pytest.param(2000, marks=pytest.mark.slow),
])
def test_app_configuration(n):
    # Up to 31 photos, min_samples >= n // 2: scikit-learn's brute force,
    # which at max_eps=inf would find no neighbours but at pi finds all.
    X = geotags(n, 200 + n, decimals=4 if n % 2 else None)
    params = dict(min_samples=app_min_samples(n), max_eps=math.pi,
                  metric="haversine", xi=0.05)
    want = SkOPTICS(**params).fit(X)
    got = OPTICS(**params).fit(X)
    for name in ("ordering_", "predecessor_", "labels_", "cluster_hierarchy_",
                 "reachability_", "core_distances_"):
        assert np.array_equal(getattr(want, name), getattr(got, name)), name
    if n <= 31:
        assert np.isfinite(got.reachability_).any()


def near_pole(n, seed, lat_sign=1.0, duplicates=0):
    rng = np.random.default_rng(seed)
    lat = 90.0 - np.abs(rng.normal(0, 0.01, n))
    lon = rng.uniform(-180, 180, n)
    # The pole itself under many longitudes: one place, many spellings.
    lat[:duplicates] = 90.0
    return degrees(np.column_stack((lat_sign * lat, lon)))


@pytest.mark.parametrize("max_eps", [np.inf, math.pi, 0.001])
def test_north_pole_with_duplicates(max_eps):
    X = near_pole(300, 50, duplicates=40)
    assert_same_graph(X, 15, max_eps, "haversine")


@pytest.mark.parametrize("max_eps", [np.inf, math.pi, 0.001])
def test_both_poles(max_eps):
    # Every north-south pair is antipodal, or nearly, yet every haversine
    # term stays <= 1 here: pi keeps the infinite-radius loop.
    X = np.vstack((near_pole(150, 51, duplicates=20),
                   near_pole(150, 52, lat_sign=-1.0, duplicates=20)))
    assert_same_graph(X, 15, max_eps, "haversine")


@pytest.mark.parametrize("max_eps", [np.inf, math.pi, 1e-4])
def test_antimeridian(max_eps):
    # A cluster straddling longitude 180: -179.99 and 179.99 are neighbours.
    rng = np.random.default_rng(53)
    lon = rng.normal(180.0, 0.01, 400)
    lon = np.where(lon > 180.0, lon - 360.0, lon)
    lat = rng.normal(-17.0, 0.01, 400)
    assert_same_graph(degrees(np.column_stack((lat, lon))), 12, max_eps,
                      "haversine")


def antipodal_pairs(n_pairs, seed):
    rng = np.random.default_rng(seed)
    lat = rng.uniform(-80, 80, n_pairs)
    lon = rng.uniform(-180, 0, n_pairs)
    spots = np.column_stack((lat, lon))
    anti = np.column_stack((-lat, lon + 180.0))
    return degrees(np.vstack((spots, anti)))


@pytest.mark.parametrize("max_eps", [math.pi, np.inf])
@pytest.mark.parametrize("min_samples", [2, 5, 100])
def test_antipodes(max_eps, min_samples):
    # Some antipodal haversine terms round above 1 here; at max_eps=pi
    # those pairs are not neighbours for scikit-learn's leaf tests, which
    # sends the ball-tree case to scikit-learn's own search
    # (min_samples=100 of 200 points is its brute-force path).
    assert_same_graph(antipodal_pairs(100, 54), min_samples, max_eps,
                      "haversine")


@pytest.mark.parametrize("max_eps", [3.5, 2 * math.pi, 10.0])
def test_radius_beyond_pi(max_eps):
    # scikit-learn's ball tree then admits whole nodes by angle but leaf
    # points by sin(max_eps/2)**2, which shrinks past pi.
    rng = np.random.default_rng(55)
    X = degrees(np.column_stack((rng.uniform(-90, 90, 150),
                                 rng.uniform(-180, 180, 150))))
    assert_same_graph(X, 10, max_eps, "haversine")
    assert_same_graph(X, 80, max_eps, "haversine")  # brute force


def test_whole_world_at_pi():
    rng = np.random.default_rng(56)
    z = rng.uniform(-1, 1, 600)  # uniform on the sphere
    X = np.column_stack((np.arcsin(z), rng.uniform(-np.pi, np.pi, 600)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_same_graph(X, 8, math.pi, "haversine")
