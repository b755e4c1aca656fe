"""The OPTICS graph through scikit-learn's own searches and distance calls.

Used wherever scikit-learn's numbers come from a library call whose
floating-point result we cannot promise to reproduce on every CPU:

* ``'euclidean'`` and ``'minkowski'`` (p=2): reachability distances come
  from ``-2 * P @ Y.T + |P|^2 + |Y|^2``, whose dot products BLAS sums in an
  order that depends on the CPU's kernel, the shapes and the positions; the
  brute-force searches (``min_samples >= n // 2``) use BLAS as well.
* ``'haversine'`` in the two corners where scikit-learn's ball tree decides
  membership by whole nodes rather than point by point (``max_eps`` above
  pi, or pi with a pair whose computed haversine term exceeds 1).

So every number is obtained here from the same call, on the same arrays in
the same order, as in ``sklearn.cluster.compute_optics_graph``; only the
choice of the next point (a heap instead of an argmin over every
unprocessed point) and the bookkeeping differ.  Time is that of scikit-learn's
distance work, O(n^2) with ``max_eps=inf``; memory is O(n).
"""
import heapq
import math

import numpy as np
from scipy.spatial.distance import cdist

DECIMALS = np.finfo(np.float64).precision  # scikit-learn rounds to 15
LEAF_SIZE = 30  # scikit-learn's default, which its OPTICS passes on


def _nearest_neighbors(X, k, metric):
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=k, algorithm="auto", leaf_size=LEAF_SIZE,
                            metric=metric, p=2).fit(X)


def _chunk_rows(k, n):
    # scikit-learn asks for core distances in chunks that fit its working
    # memory; the brute-force search's BLAS tiles follow those chunks.
    from sklearn import get_config

    rows = int(get_config()["working_memory"] * 2 ** 20 // (16 * k))
    return max(1, min(rows, n))


def core_distances(X, nbrs, k):
    """Distance to the k-th neighbour (self included), as scikit-learn finds it."""
    n = X.shape[0]
    core = np.empty(n)
    step = _chunk_rows(k, n)
    for start in range(0, n, step):
        sl = slice(start, min(start + step, n))
        core[sl] = nbrs.kneighbors(X[sl], k)[0][:, -1]
    return core


def _euclidean(P, Y):
    # scikit-learn's float64 euclidean_distances(P, Y), call for call.
    xx = np.einsum("ij,ij->i", P, P)[:, None]
    yy = np.einsum("ij,ij->i", Y, Y)[None, :]
    d = -2 * (P @ Y.T)
    d += xx
    d += yy
    np.maximum(d, 0, out=d)
    return np.sqrt(d, out=d)


def _haversine(P, Y):
    from sklearn.metrics.pairwise import haversine_distances

    return haversine_distances(P, Y)


def _minkowski(P, Y):
    # pairwise_distances hands 'minkowski' to SciPy.
    return cdist(P, Y, metric="minkowski", p=2)


DISTANCES = {"euclidean": _euclidean, "minkowski": _minkowski,
             "haversine": _haversine}


def _radius_search(X, nbrs, max_eps, metric, brute):
    """A function: point index -> its neighbours within max_eps, in
    scikit-learn's order."""
    if brute and max_eps == np.inf and metric != "haversine":
        # An infinite radius (squared, for its GEMM form) takes everyone,
        # in index order.
        everyone = np.arange(X.shape[0])
        return lambda i: everyone
    if brute:
        return lambda i: nbrs.radius_neighbors(
            X[i:i + 1], radius=max_eps, return_distance=False)[0]
    from sklearn.neighbors import BallTree, KDTree

    if metric == "haversine":
        tree = BallTree(X, LEAF_SIZE, metric="haversine")
    else:
        tree = KDTree(X, LEAF_SIZE, metric="euclidean")
    if max_eps == np.inf and metric != "haversine":
        # An infinite radius takes the root node whole: every point, in
        # the tree's index order.
        everyone = np.asarray(tree.get_arrays()[1])
        return lambda i: everyone
    return lambda i: tree.query_radius(X[i:i + 1], max_eps,
                                       return_distance=False)[0]


def _candidate_search(X, max_eps, brute, sq_norms):
    """A function: point index -> a superset of its neighbours (plane only).

    scikit-learn's trees test the exact sum of squares against max_eps**2;
    its brute-force search tests the GEMM form, off by at most ``_slack``.
    """
    if max_eps == np.inf:
        return None  # everyone
    from scipy.spatial import cKDTree

    widest = 2.0 * float(sq_norms.max())
    r2 = max_eps * max_eps + (_slack(widest) if brute else 0.0)
    radius = math.sqrt(r2) * (1.0 + 1e-12) + 1e-300
    tree = cKDTree(X)
    return lambda i: np.asarray(tree.query_ball_point(X[i], radius),
                                dtype=np.intp)


def _slack(sq_norm_sum):
    # Bound on the error of a squared distance in the GEMM form
    # |x|^2 - 2 x.y + |y|^2: a few roundings of terms up to |x|^2 + |y|^2,
    # whatever order and fused operations the BLAS uses (4x margin).
    return 1e-14 * sq_norm_sum + 1e-300


def _could_improve(X, sq_norms, point, cand, core_p, reach):
    """Whether some of ``cand`` might get a smaller reachability from point.

    Our own sum of squares, lowered by the slack of scikit-learn's form and
    by numpy.around's half unit, so that False is certain.
    """
    diff = X[cand] - X[point]
    d2 = np.einsum("ij,ij->i", diff, diff) * (1.0 - 1e-15)
    d2 -= _slack(sq_norms[cand] + sq_norms[point])
    low = np.sqrt(np.maximum(d2, 0.0))
    np.maximum(low, core_p, out=low)
    low -= 1e-15 * (1.0 + low)
    return bool(np.any(low < reach[cand]))


def exact_graph(X, k, max_eps, metric, brute):
    """``(ordering, core, reach, pred)`` exactly as scikit-learn computes them.

    ``X`` is C-contiguous float64, ``k`` the absolute ``min_samples`` and
    ``brute`` whether scikit-learn searches by brute force (``k >= n // 2``
    on two columns).
    """
    n = X.shape[0]
    nbrs = _nearest_neighbors(X, k, metric)
    core = core_distances(X, nbrs, k)
    core[core > max_eps] = np.inf
    np.around(core, DECIMALS, out=core)
    neighbours = _radius_search(X, nbrs, max_eps, metric, brute)
    distances = DISTANCES[metric]
    # A cheap look first: steps that can improve nobody skip the exact calls.
    plane = metric != "haversine"
    sq_norms = np.einsum("ij,ij->i", X, X)
    candidates = _candidate_search(X, max_eps, brute, sq_norms) if plane else None
    live = np.arange(n)

    reach = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.intp)
    processed = np.zeros(n, dtype=bool)
    ordering = np.empty(n, dtype=np.intp)
    heap = []  # (reachability, index): smallest first, ties to the lower index
    next_free = 0
    for step in range(n):
        while heap and (processed[heap[0][1]] or heap[0][0] != reach[heap[0][1]]):
            heapq.heappop(heap)  # stale entry
        if heap:
            point = heapq.heappop(heap)[1]
        else:
            # Every unprocessed reachability is inf: the smallest index.
            while processed[next_free]:
                next_free += 1
            point = next_free
        processed[point] = True
        ordering[step] = point
        if core[point] == np.inf:
            continue
        if plane:
            if candidates is None:
                live = live[~processed[live]]
                cand = live
            else:
                cand = candidates(point)
                cand = cand[~processed[cand]]
            if not _could_improve(X, sq_norms, point, cand, core[point], reach):
                continue
        found = neighbours(point)
        unproc = found[~processed[found]]
        if not unproc.size:
            continue
        dists = distances(X[point:point + 1], X[unproc]).ravel()
        rdists = np.maximum(dists, core[point])
        np.around(rdists, DECIMALS, out=rdists)
        better = rdists < reach[unproc]
        targets = unproc[better]
        values = rdists[better]
        reach[targets] = values
        pred[targets] = point
        for value, target in zip(values.tolist(), targets.tolist()):
            heapq.heappush(heap, (value, target))
        if len(heap) > 4 * n:
            # Stale entries pile up (a point improves many times): keep
            # memory linear by rebuilding from the live ones.
            live_ids = np.flatnonzero(~processed & (reach < np.inf))
            heap = list(zip(reach[live_ids].tolist(), live_ids.tolist()))
            heapq.heapify(heap)
    return ordering, core, reach, pred
