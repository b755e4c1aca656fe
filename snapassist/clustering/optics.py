"""OPTICS clustering, identical to scikit-learn 1.9's and much faster.

The public API mirrors :class:`sklearn.cluster.OPTICS` and its functions
``compute_optics_graph``, ``cluster_optics_xi`` and ``cluster_optics_dbscan``
for the metrics ``'haversine'`` (``X`` = ``[lat, lon]`` in radians),
``'minkowski'`` with ``p=2`` (the default, as in scikit-learn) and
``'euclidean'``, on two columns. The API and validation are Python (checks
in ``_checks.py``, extraction in ``_extract.py``).  Haversine runs in
compiled kernels that release the GIL: the nearest-neighbour searches
(``_optics_knn.pyx``) and the ordering loop (``_optics_inner.pyx``).  The
plane metrics take their numbers from scikit-learn's, SciPy's and numpy's
own calls (``_exact.py``), because BLAS sums their dot products in an order
that depends on the CPU.

Not supported: other metrics, ``p`` other than 2, more than two columns,
``algorithm``/``leaf_size``/``metric_params``/``memory``/``n_jobs``.
"""
import math
import warnings

import numpy as np

from ..errors import ValidationError
from . import _exact, _extract, _optics_inner, _optics_knn
from ._checks import (CLUSTER_METHODS, check_1d, check_max_eps, check_metric,
                      check_ordering, check_size, check_X, check_xi, is_int,
                      is_real)
from ._tree import build_tree, unit_vectors

# When every pair is within max_eps (inf, or pi on the sphere) a processed
# point updates at once only the points within this multiple of its core
# distance; the rest waits for a catch-up pass.
LAZY_FACTOR = 3.0


class AllOutliersWarning(UserWarning):
    """Every reachability is inf: ``max_eps`` is too small for the data."""


# ------------------------------------------------------------ the graph
def _rdist_radius(max_eps):
    """scikit-learn's haversine radius in reduced form, sin(max_eps/2)**2."""
    if max_eps == np.inf:
        return math.nan  # sin(inf) is nan: its brute-force search finds nobody
    half = math.sin(0.5 * max_eps)
    return half * half


def _core_distances(pts, coslat, tree, min_samples, brute):
    """Haversine distance to the min_samples-th neighbour (self included)."""
    n = pts.shape[0]
    if brute:
        # scikit-learn's brute-force ArgKmin converts with the C library.
        kth = np.empty(n)
        _optics_knn.kth_rdist_brute(pts, coslat, min_samples, kth)
        core = np.empty(n)
        _optics_knn.rdist_to_dist_libm(kth, core)
        return core
    kth_t = np.empty(n)
    _optics_knn.kth_rdist_haversine(
        np.ascontiguousarray(pts[tree.perm]), coslat[tree.perm],
        tree.box_coords, tree.start, tree.end, tree.left, tree.right,
        tree.lo, tree.hi, min_samples, kth_t)
    kth = np.empty(n)
    kth[tree.perm] = kth_t
    # The ball tree converts its reduced distances with numpy, whose arcsin
    # may differ from the C library's in the last bit.
    return 2 * np.arcsin(np.sqrt(kth))


def _haversine_graph(X, k, max_eps, brute):
    n = X.shape[0]
    coslat = np.empty(n)
    _optics_knn.cos_libm(np.ascontiguousarray(X[:, 0]), coslat)
    tree = build_tree(unit_vectors(X[:, 0], X[:, 1]))
    rr = _rdist_radius(max_eps)
    if math.isnan(rr):
        everyone = not brute
    else:
        # A radius of pi leaves out only the pairs whose rdist rounds above
        # 1, and only nearly antipodal pairs can.
        everyone = rr == 1.0 and not _optics_knn.any_rdist_above(
            np.ascontiguousarray(X[tree.perm]), coslat[tree.perm],
            tree.box_coords, tree.start, tree.end, tree.left, tree.right,
            tree.lo, tree.hi, 1.0)
        if not brute and not everyone and (rr == 1.0 or max_eps > math.pi):
            # scikit-learn's ball tree takes whole nodes by an angle bound
            # but tests leaf points against sin(max_eps/2)**2, which is
            # 1 at pi and shrinks past it: only its own search agrees.
            return _exact.exact_graph(X, k, max_eps, "haversine", brute)
    core = _core_distances(X, coslat, tree, k, brute)
    core[core > max_eps] = np.inf
    core = np.around(core, 15)
    reach = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.intp)
    if math.isnan(rr) and brute:
        # scikit-learn's brute-force radius search turns an infinite radius
        # into nan and finds no neighbours at all.
        return np.arange(n), core, reach, pred
    # With every pair within max_eps, the loop defers far updates.
    incl, rr = (0, np.inf) if everyone else (1, rr)
    ordering = _order(X, coslat, tree, core, incl, rr, reach, pred)
    return ordering, core, reach, pred


def compute_optics_graph(X, *, min_samples, max_eps=np.inf, metric="minkowski",
                         p=2):
    """Compute the OPTICS reachability graph.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        ``[lat, lon]`` in radians for ``metric='haversine'``, any plane
        coordinates otherwise. Finite values only.
    min_samples : int >= 2 or float in (0, 1]
        Neighbourhood size (the point itself included) that makes a core
        point; a float is a fraction of ``n_samples`` (at least 2).
    max_eps : float >= 0, default=np.inf
        Largest distance at which two points are neighbours (radians for
        haversine).
    metric : {'minkowski', 'euclidean', 'haversine'}, default='minkowski'
    p : 2, default=2
        Power of the Minkowski metric; only 2 (euclidean) is supported.

    Returns
    -------
    ordering_ : ndarray of shape (n_samples,)
        Sample indices in cluster order.
    core_distances_ : ndarray of shape (n_samples,)
        Distance at which each sample becomes core; inf if never.
    reachability_ : ndarray of shape (n_samples,)
        Reachability distance of each sample (inf for seeds).
    predecessor_ : ndarray of shape (n_samples,)
        The sample each one was reached from; -1 for seeds.

    Warns
    -----
    AllOutliersWarning
        When every reachability is inf.
    """
    metric = check_metric(metric, p)
    X = check_X(X, metric)
    n = X.shape[0]
    if not (is_int(min_samples) or is_real(min_samples)):
        raise ValidationError(
            f"min_samples must be an int >= 2 or a float in (0, 1], "
            f"got {min_samples!r}")
    k = check_size(min_samples, "min_samples", n)
    max_eps = check_max_eps(max_eps)
    # scikit-learn's neighbours search goes brute force from this size on.
    brute = k >= n // 2
    if metric == "haversine":
        graph = _haversine_graph(X, k, max_eps, brute)
    else:
        # BLAS sums the dot products: see _exact.py.
        graph = _exact.exact_graph(X, k, max_eps, metric, brute)
    if np.all(np.isinf(graph[2])):
        warnings.warn(
            "All reachability values are inf: every point is an outlier; "
            f"max_eps={max_eps!r} is too small for this data",
            AllOutliersWarning, stacklevel=2)
    return graph


def _order(X, coslat, tree, core, incl, rr, reach, pred):
    n = X.shape[0]
    perm = tree.perm
    posof = np.empty(n, dtype=np.intp)
    posof[perm] = np.arange(n)
    ordering = np.empty(n, dtype=np.intp)
    reach_t = np.full(n, np.inf)
    pred_t = np.full(n, -1, dtype=np.intp)
    _optics_inner.optics_order(
        np.ascontiguousarray(X[perm]), coslat[perm], tree.box_coords,
        core[perm], perm, posof, tree.start, tree.end, tree.left, tree.right,
        tree.parent, tree.lo, tree.hi, tree.leaf_of, incl, rr,
        LAZY_FACTOR if incl == 0 else 0.0, ordering, reach_t, pred_t)
    reach[perm] = reach_t
    pred[perm] = np.where(pred_t >= 0, perm[pred_t], -1)
    return ordering


# ------------------------------------------------------------ extraction
def cluster_optics_dbscan(*, reachability, core_distances, ordering, eps):
    """Label clusters as DBSCAN would for a fixed ``eps``.

    Parameters
    ----------
    reachability, core_distances, ordering : ndarray of shape (n_samples,)
        ``reachability_``, ``core_distances_`` and ``ordering_`` from OPTICS.
    eps : float >= 0
        The DBSCAN radius; should not exceed the ``max_eps`` used.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        Cluster labels, -1 for noise.
    """
    reachability = check_1d(reachability, "reachability", None, np.float64)
    n = reachability.shape[0]
    core_distances = check_1d(core_distances, "core_distances", n, np.float64)
    ordering = check_ordering(ordering, n)
    if not is_real(eps) or math.isnan(eps) or eps < 0:
        raise ValidationError(f"eps must be a number >= 0, got {eps!r}")
    return _extract.extract_dbscan(reachability, core_distances, ordering, eps)


def cluster_optics_xi(*, reachability, predecessor, ordering, min_samples,
                      min_cluster_size=None, xi=0.05, predecessor_correction=True):
    """Extract clusters with the Xi-steep method.

    Parameters
    ----------
    reachability, predecessor, ordering : ndarray of shape (n_samples,)
        ``reachability_``, ``predecessor_`` and ``ordering_`` from OPTICS.
    min_samples : int >= 2 or float in (0, 1]
        As given to OPTICS; also the longest run of non-steep points inside
        a steep area.
    min_cluster_size : int >= 2 or float in (0, 1], default=None
        Smallest cluster kept; ``None`` means ``min_samples``.
    xi : float in (0, 1), default=0.05
        Minimum relative steepness of a cluster boundary.
    predecessor_correction : bool, default=True
        Shrink clusters whose end was reached from outside them.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        Labels of the leaf-most clusters, -1 outside every cluster.
    clusters : ndarray of shape (n_clusters, 2)
        ``[start, end]`` positions in the ordering (inclusive), nested
        clusters before the clusters that hold them.
    """
    reachability = check_1d(reachability, "reachability", None, np.float64)
    n = reachability.shape[0]
    predecessor = check_1d(predecessor, "predecessor", n, np.intp)
    ordering = check_ordering(ordering, n)
    if not (is_int(min_samples) or is_real(min_samples)):
        raise ValidationError(
            f"min_samples must be an int >= 2 or a float in (0, 1], "
            f"got {min_samples!r}")
    k = check_size(min_samples, "min_samples", n)
    size = check_size(min_cluster_size, "min_cluster_size", n, allow_none=True)
    size = k if size is None else size
    xi = check_xi(xi)
    clusters = _extract.xi_clusters(
        reachability[ordering], predecessor[ordering], ordering, xi, k, size,
        bool(predecessor_correction))
    return _extract.xi_labels(ordering, clusters), clusters


# ------------------------------------------------------------- estimator
class OPTICS:
    """OPTICS clustering with scikit-learn's interface and results.

    Parameters
    ----------
    min_samples : int >= 2 or float in (0, 1], default=5
        Neighbourhood size (the point itself included) for a core point; a
        float is a fraction of the number of samples (at least 2).
    max_eps : float >= 0, default=np.inf
        Largest neighbourhood radius (radians for haversine).
    metric : {'minkowski', 'euclidean', 'haversine'}, default='minkowski'
        ``'haversine'`` expects ``[lat, lon]`` in radians.
    p : 2, default=2
        Power of the Minkowski metric; only 2 is supported.
    cluster_method : {'xi', 'dbscan'}, default='xi'
    eps : float, default=None
        Radius for ``cluster_method='dbscan'``; ``None`` means ``max_eps``.
    xi : float in (0, 1), default=0.05
        Steepness for ``cluster_method='xi'``.
    predecessor_correction : bool, default=True
        Predecessor correction of Xi clusters.
    min_cluster_size : int >= 2 or float in (0, 1], default=None
        Smallest Xi cluster; ``None`` means ``min_samples``.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster labels, -1 for noise.
    reachability_ : ndarray of shape (n_samples,)
        Reachability distances, indexed by sample.
    ordering_ : ndarray of shape (n_samples,)
        Samples in cluster order.
    core_distances_ : ndarray of shape (n_samples,)
        Core distances, inf for points that are never core.
    predecessor_ : ndarray of shape (n_samples,)
        Where each sample was reached from, -1 for seeds.
    cluster_hierarchy_ : ndarray of shape (n_clusters, 2)
        Xi clusters as ``[start, end]`` in the ordering (xi only).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 2], [2, 5], [3, 6], [8, 7], [8, 8], [7, 3]])
    >>> OPTICS(min_samples=2).fit(X).labels_
    array([0, 0, 0, 1, 1, 1])
    """

    def __init__(self, *, min_samples=5, max_eps=np.inf, metric="minkowski",
                 p=2, cluster_method="xi", eps=None, xi=0.05,
                 predecessor_correction=True, min_cluster_size=None):
        self.min_samples = min_samples
        self.max_eps = max_eps
        self.metric = metric
        self.p = p
        self.cluster_method = cluster_method
        self.eps = eps
        self.xi = xi
        self.predecessor_correction = predecessor_correction
        self.min_cluster_size = min_cluster_size

    def fit(self, X, y=None):
        """Order the samples of ``X`` and extract clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
        y : ignored

        Returns
        -------
        self : OPTICS
        """
        if self.cluster_method not in CLUSTER_METHODS:
            raise ValidationError(
                f"cluster_method must be one of {CLUSTER_METHODS}, "
                f"got {self.cluster_method!r}")
        metric = check_metric(self.metric, self.p)
        X = check_X(X, metric)
        max_eps = check_max_eps(self.max_eps)
        if self.cluster_method == "xi":
            check_xi(self.xi)
            # Checked before the (possibly long) ordering, not after it.
            check_size(self.min_cluster_size, "min_cluster_size", X.shape[0],
                        allow_none=True)
        else:
            eps = max_eps if self.eps is None else self.eps
            if not is_real(eps) or math.isnan(eps) or eps < 0:
                raise ValidationError(f"eps must be a number >= 0, got {eps!r}")
            if eps > max_eps:
                raise ValidationError(
                    f"eps must not exceed max_eps ({max_eps!r}), got {eps!r}")
        (self.ordering_, self.core_distances_, self.reachability_,
         self.predecessor_) = compute_optics_graph(
            X, min_samples=self.min_samples, max_eps=max_eps, metric=metric,
            p=self.p)
        if self.cluster_method == "xi":
            self.labels_, self.cluster_hierarchy_ = cluster_optics_xi(
                reachability=self.reachability_, predecessor=self.predecessor_,
                ordering=self.ordering_, min_samples=self.min_samples,
                min_cluster_size=self.min_cluster_size, xi=self.xi,
                predecessor_correction=self.predecessor_correction)
        else:
            self.labels_ = cluster_optics_dbscan(
                reachability=self.reachability_,
                core_distances=self.core_distances_,
                ordering=self.ordering_, eps=eps)
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``."""
        return self.fit(X).labels_
