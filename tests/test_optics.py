"""OPTICS against scikit-learn 1.9, bit for bit, plus validation and warnings."""
import warnings

import numpy as np
import pytest
from sklearn.cluster import OPTICS as SkOPTICS
from sklearn.cluster import compute_optics_graph as sk_compute_optics_graph

from snapassist.clustering import (
    OPTICS,
    AllOutliersWarning,
    cluster_optics_dbscan,
    cluster_optics_xi,
    compute_optics_graph,
)
from snapassist.demo.geotags import random_geotags
from snapassist.errors import ValidationError

EARTH_RADIUS_M = 6371008.8
TWO_KM = 2000.0 / EARTH_RADIUS_M


def geotags(n, seed, decimals=None, n_landmarks=8):
    """Toronto-like photo spots: tight clusters over a sparse background."""
    return random_geotags(n, seed, n_landmarks=n_landmarks, decimals=decimals)


def sk_graph(X, min_samples, max_eps, metric):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return sk_compute_optics_graph(
            X, min_samples=min_samples, max_eps=max_eps, metric=metric, p=2,
            metric_params=None, algorithm="auto", leaf_size=30, n_jobs=None)


def our_graph(X, min_samples, max_eps, metric):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AllOutliersWarning)
        return compute_optics_graph(X, min_samples=min_samples,
                                    max_eps=max_eps, metric=metric)


def assert_same_graph(X, min_samples, max_eps, metric):
    expected = sk_graph(X, min_samples, max_eps, metric)
    got = our_graph(X, min_samples, max_eps, metric)
    for name, want, have in zip(
            ("ordering", "core_distances", "reachability", "predecessor"),
            expected, got, strict=True):
        # array_equal on floats: same bits, same inf positions.
        assert np.array_equal(want, have), name


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("max_eps", [np.inf, TWO_KM])
@pytest.mark.parametrize("n,seed,decimals", [
    (300, 1, None), (800, 2, None), (600, 3, 3), (700, 4, 4),
])
def test_graph_matches_sklearn_on_geotags(n, seed, decimals, metric, max_eps):
    assert_same_graph(geotags(n, seed, decimals), 15, max_eps, metric)


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
def test_graph_matches_sklearn_on_3000_geotags(metric):
    assert_same_graph(geotags(3000, 11), 15, np.inf, metric)


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("max_eps", [np.inf, 0.3 / EARTH_RADIUS_M * 1000])
def test_heavy_duplicates(metric, max_eps):
    rng = np.random.default_rng(5)
    base = geotags(60, 5, decimals=3)
    X = base[rng.integers(0, 60, 400)]
    assert_same_graph(X, 10, max_eps, metric)


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("max_eps", [np.inf, TWO_KM])
def test_small_n_every_min_samples(metric, max_eps):
    # Covers scikit-learn's brute-force path (min_samples >= n // 2).
    for n in range(2, 21):
        X = geotags(n, 100 + n, decimals=4 if n % 3 == 0 else None)
        for k in sorted({2, n // 2, n // 2 + 1, n}):
            if 2 <= k <= n:
                assert_same_graph(X, k, max_eps, metric)


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.6])
def test_fractional_min_samples(metric, fraction):
    # 0.6 takes scikit-learn's brute-force path (BLAS for euclidean, over
    # more than one 256-row block).
    assert_same_graph(geotags(500, 9), fraction, np.inf, metric)


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("max_eps", [np.inf, TWO_KM])
def test_far_apart_components(metric, max_eps):
    # Toronto, Montreal and Vancouver: components thousands of km apart.
    rng = np.random.default_rng(8)
    cities = np.radians([[43.65, -79.38], [45.50, -73.57], [49.28, -123.12]])
    X = np.vstack([c + rng.normal(0, 2e-4, (80, 2)) for c in cities])
    assert_same_graph(X, 10, max_eps, metric)


@pytest.mark.parametrize("metric", ["haversine", "euclidean"])
@pytest.mark.parametrize("cluster_method", ["xi", "dbscan"])
@pytest.mark.parametrize("max_eps", [np.inf, TWO_KM])
def test_estimator_matches_sklearn(metric, cluster_method, max_eps):
    X = geotags(500, 12)
    params = dict(min_samples=12, max_eps=max_eps, metric=metric,
                  cluster_method=cluster_method)
    if cluster_method == "dbscan":
        params["eps"] = 0.5 * TWO_KM
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = SkOPTICS(**params).fit(X)
    got = OPTICS(**params).fit(X)
    for name in ("ordering_", "core_distances_", "reachability_",
                 "predecessor_", "labels_"):
        assert np.array_equal(getattr(want, name), getattr(got, name)), name
    if cluster_method == "xi":
        assert np.array_equal(want.cluster_hierarchy_, got.cluster_hierarchy_)
    assert np.array_equal(got.fit_predict(X), want.labels_)


@pytest.mark.parametrize("xi,min_cluster_size,correction", [
    (0.05, None, True), (0.1, 0.05, False), (0.02, 20, True),
])
def test_xi_options_match_sklearn(xi, min_cluster_size, correction):
    X = geotags(500, 13, decimals=4)
    params = dict(min_samples=10, metric="haversine", xi=xi,
                  min_cluster_size=min_cluster_size,
                  predecessor_correction=correction)
    want = SkOPTICS(**params).fit(X)
    got = OPTICS(**params).fit(X)
    assert np.array_equal(want.labels_, got.labels_)
    assert np.array_equal(want.cluster_hierarchy_, got.cluster_hierarchy_)


def test_hand_checkable_graph():
    # Two groups; distances are easy to check on paper.
    X = np.array([[1, 2], [2, 5], [3, 6], [8, 7], [8, 8], [7, 3]], dtype=float)
    ordering, core, reach, pred = compute_optics_graph(
        X, min_samples=2, metric="euclidean")
    assert ordering.tolist() == [0, 1, 2, 5, 3, 4]
    assert np.allclose(core, [np.sqrt(10), np.sqrt(2), np.sqrt(2), 1, 1,
                              np.sqrt(17)])
    assert np.allclose(reach, [np.inf, np.sqrt(10), np.sqrt(2), np.sqrt(17), 1, 5])
    assert pred.tolist() == [-1, 0, 1, 5, 3, 2]
    labels = OPTICS(min_samples=2).fit(X).labels_
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_default_metric_is_sklearns_minkowski():
    X = np.random.default_rng(21).normal(0, 1, (400, 2))
    want = SkOPTICS().fit(X)
    got = OPTICS().fit(X)
    assert got.metric == want.metric == "minkowski"
    for name in ("ordering_", "core_distances_", "reachability_",
                 "predecessor_", "labels_", "cluster_hierarchy_"):
        assert np.array_equal(getattr(want, name), getattr(got, name)), name


def test_dbscan_extraction_by_hand():
    reach = np.array([np.inf, 1.0, 1.0, 9.0, 1.0, 9.0])
    core = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 9.0])
    labels = cluster_optics_dbscan(reachability=reach, core_distances=core,
                                   ordering=np.arange(6), eps=2.0)
    assert labels.tolist() == [0, 0, 0, 1, 1, -1]


def test_haversine_distances_are_great_circle_angles():
    # Two points one degree of latitude apart on a meridian.
    X = np.radians([[43.0, -79.0], [44.0, -79.0]])
    _, core, reach, _ = compute_optics_graph(X, min_samples=2, max_eps=1.0,
                                             metric="haversine")
    assert np.allclose(core, np.radians(1.0))
    assert np.isinf(reach[0]) and np.isclose(reach[1], np.radians(1.0))


def test_all_inf_warning_matches_sklearn():
    X = geotags(300, 14)
    with pytest.warns(UserWarning, match="reachability"):
        sk_compute_optics_graph(X, min_samples=5, max_eps=1e-12,
                                metric="haversine", p=2, metric_params=None,
                                algorithm="auto", leaf_size=30, n_jobs=None)
    with pytest.warns(AllOutliersWarning, match="max_eps"):
        _, core, reach, _ = compute_optics_graph(
            X, min_samples=5, max_eps=1e-12, metric="haversine")
    assert np.isinf(reach).all()


def test_haversine_brute_force_quirk_warns():
    # min_samples >= n // 2 with infinite max_eps: no neighbours at all.
    X = geotags(10, 15)
    with pytest.warns(AllOutliersWarning):
        ordering, _, reach, pred = compute_optics_graph(
            X, min_samples=5, metric="haversine")
    assert ordering.tolist() == list(range(10))
    assert np.isinf(reach).all() and (pred == -1).all()


GOOD_X = np.radians([[43.65, -79.38], [43.66, -79.39], [43.67, -79.40]])


@pytest.mark.parametrize("X,metric,match", [
    (np.array([[0.1, np.nan], [0.2, 0.3]]), "haversine", "finite"),
    (np.array([[0.1, np.inf], [0.2, 0.3]]), "euclidean", "finite"),
    (np.zeros((4, 3)), "euclidean", r"shape \(n_samples, 2\)"),
    (np.zeros(4), "haversine", r"shape \(n_samples, 2\)"),
    (np.array([[2.0, 0.1], [0.1, 0.1]]), "haversine", r"\[-pi/2, pi/2\]"),
    (np.array([[0.1, 0.1]]), "haversine", "at least 2"),
    (np.array([["a", "b"], ["c", "d"]]), "euclidean", "numeric"),
])
def test_bad_X(X, metric, match):
    with pytest.raises(ValidationError, match=match):
        compute_optics_graph(X, min_samples=2, metric=metric)


@pytest.mark.parametrize("kwargs,match", [
    (dict(min_samples=4), r"min_samples must be no greater.*\(3\).*4"),
    (dict(min_samples=1), "min_samples must be an int >= 2"),
    (dict(min_samples=1.5), "min_samples .* got 1.5"),
    (dict(min_samples="5"), "min_samples"),
    (dict(max_eps=-1.0), "max_eps must be a number >= 0, got -1.0"),
    (dict(max_eps=float("nan")), "max_eps"),
    (dict(metric="manhattan"), "metric must be one of .* 'manhattan'"),
    (dict(metric="minkowski", p=1), "p must be 2 for metric 'minkowski'.*got 1"),
    (dict(metric="minkowski", p="2"), "p must be 2 .*got '2'"),
    (dict(cluster_method="kmeans"), "cluster_method must be one of .*'kmeans'"),
    (dict(xi=0.0), r"xi must be a number in \(0, 1\), got 0.0"),
    (dict(xi=1.0), r"xi must be a number in \(0, 1\)"),
    (dict(cluster_method="dbscan", max_eps=0.1, eps=0.2),
     r"eps must not exceed max_eps \(0.1\), got 0.2"),
    (dict(cluster_method="dbscan", eps=-0.2), "eps must be a number >= 0"),
    (dict(min_cluster_size=10), "min_cluster_size must be no greater"),
    (dict(min_cluster_size=0), "min_cluster_size must be an int >= 2"),
])
def test_bad_parameters(kwargs, match):
    params = dict(min_samples=2, metric="haversine")
    params.update(kwargs)
    with pytest.raises(ValidationError, match=match):
        OPTICS(**params).fit(GOOD_X)


def test_validation_error_is_value_error():
    with pytest.raises(ValueError):
        OPTICS(min_samples=99).fit(GOOD_X)


def test_extraction_inputs_are_checked():
    reach = np.array([np.inf, 1.0, 2.0])
    with pytest.raises(ValidationError, match="permutation"):
        cluster_optics_xi(reachability=reach, predecessor=np.array([-1, 0, 1]),
                          ordering=np.array([0, 0, 1]), min_samples=2)
    with pytest.raises(ValidationError, match=r"core_distances must be a 1-D array of length 3"):
        cluster_optics_dbscan(reachability=reach, core_distances=np.ones(2),
                              ordering=np.arange(3), eps=1.0)
