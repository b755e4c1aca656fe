"""Time SnapAssist's OPTICS against scikit-learn's on Toronto-like geotags.

Haversine at the app's configuration (``max_eps=pi``) beside ``inf`` and a
2 km radius, then euclidean on the same photos projected to metres (the
plane metrics go through scikit-learn's own calls, so this shows what they
cost). Both run on the same data in one process; the outputs are checked to
be identical (ordering, predecessors, labels, hierarchy, and reachability
and core distances to the bit). Peak memory of our run is measured with
tracemalloc (numpy and our kernel allocate through Python's raw allocator,
which tracemalloc sees).

Usage: ``python benchmarks/bench_optics.py [--quick] [--seed N]
[--compare-up-to N]``
"""
import argparse
import math
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapassist.clustering import OPTICS  # noqa: E402
from snapassist.demo.geotags import random_geotags  # noqa: E402

EARTH_RADIUS_M = 6371008.8
MAX_EPS = {"pi": math.pi, "inf": np.inf, "2 km": 2000.0 / EARTH_RADIUS_M}
PLANE_MAX_EPS = {"inf": np.inf, "2 km": 2000.0}


def geotags(n, seed):
    """Tight landmark clusters (30-300 m) over a sparse 25 km background."""
    return random_geotags(n, seed, n_landmarks=40, centre_sd_deg=(0.03, 0.05))


def app_min_samples(n):
    """The web app's rule: max(15, ceil(0.5% of n))."""
    return max(15, math.ceil(0.005 * n))


def metres(X):
    """Equirectangular projection of [lat, lon] radians to metres."""
    lat0 = float(np.mean(X[:, 0]))
    return np.column_stack((X[:, 0] * EARTH_RADIUS_M,
                            X[:, 1] * EARTH_RADIUS_M * math.cos(lat0)))


def _fit_ours(X, params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return OPTICS(**params).fit(X)


def run_ours(X, params):
    """Fit once for the time, once more under tracemalloc for peak memory."""
    start = time.perf_counter()
    model = _fit_ours(X, params)
    seconds = time.perf_counter() - start
    # tracemalloc slows every allocation down, so it gets its own run.
    tracemalloc.start()
    _fit_ours(X, params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return model, seconds, peak


def run_sklearn(X, params):
    from sklearn.cluster import OPTICS as SkOPTICS

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = SkOPTICS(**params).fit(X)
    return model, time.perf_counter() - start


def identical(a, b):
    names = ("ordering_", "predecessor_", "labels_", "cluster_hierarchy_",
             "reachability_", "core_distances_")
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in names)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes only (up to 5,000 points)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--compare-up-to", type=int, default=50000,
                        help="run scikit-learn only up to this many points "
                             "(it takes minutes from 20,000 on)")
    args = parser.parse_args(argv)
    compared = [1000, 5000] if args.quick else [1000, 5000, 20000, 50000]
    alone = [] if args.quick else [200000]
    plane_compared = [1000] if args.quick else [1000, 5000]
    plane_alone = [] if args.quick else [20000]

    print(f"{'metric':>9} {'n':>8} {'max_eps':>7} {'min_s':>5} "
          f"{'sklearn s':>10} {'ours s':>8} {'ratio':>7} {'peak MB':>8} "
          f"{'same':>5}")
    all_same = True
    runs = [("haversine", n, n in compared, label, max_eps)
            for n in compared + alone for label, max_eps in MAX_EPS.items()]
    runs += [("euclidean", n, n in plane_compared, label, max_eps)
             for n in plane_compared + plane_alone
             for label, max_eps in PLANE_MAX_EPS.items()]
    for metric, n, compare, label, max_eps in runs:
        compare = compare and n <= args.compare_up_to
        X = geotags(n, args.seed)
        if metric == "euclidean":
            X = metres(X)
        params = dict(min_samples=app_min_samples(n), max_eps=max_eps,
                      metric=metric, cluster_method="xi", xi=0.05)
        ours, t_ours, peak = run_ours(X, params)
        if compare:
            theirs, t_sk = run_sklearn(X, params)
            same = identical(ours, theirs)
            all_same &= same
            cells = f"{t_sk:10.2f} {t_ours:8.3f} {t_sk / t_ours:6.0f}x"
            flag = "yes" if same else "NO"
        else:
            cells = f"{'-':>10} {t_ours:8.3f} {'-':>7}"
            flag = "-"
        print(f"{metric:>9} {n:8d} {label:>7} {params['min_samples']:5d} "
              f"{cells} {peak / 1e6:8.1f} {flag:>5}", flush=True)
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
