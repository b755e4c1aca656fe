"""Which OPTICS clusters are photo spots: the largest that is still one place.

OPTICS' xi extraction finds clusters nested in one another: a neighbourhood,
the square in it, the crowd at the square's sign. Its ``labels_`` give each
photo its *smallest* cluster, so a busy place falls apart into its densest
crumbs. A photographer means the place: here a spot is the largest cluster
of the hierarchy whose spread is still that of one place to stand, and every
photo of it counts. Only a cluster wider than that is opened up into its
children. A spot must also have been shot by several photographers, so that
one person's series of a backyard never passes for a place.
"""
import numpy as np

from .geo import haversine_m


def spread_m(lat, lon, percentile):
    """The ``percentile``-th percentile of distances from the median position, metres."""
    dist = haversine_m(np.median(lat), np.median(lon), lat, lon)
    return float(np.percentile(dist, percentile))


def cluster_tree(clusters):
    """Parent of each cluster of an xi hierarchy, -1 for the outermost ones.

    Parameters
    ----------
    clusters : ndarray of shape (n_clusters, 2)
        ``[start, end]`` positions in the OPTICS ordering (inclusive), as in
        ``OPTICS.cluster_hierarchy_``.

    Returns
    -------
    parent : ndarray of int
        Index of the smallest cluster that holds each one. Clusters that
        overlap without one holding the other are treated as unrelated.
    """
    clusters = np.asarray(clusters, dtype=np.int64).reshape(-1, 2)
    parent = np.full(len(clusters), -1, dtype=np.int64)
    # Outer clusters first: by start, then the longer one first.
    order = np.lexsort((-clusters[:, 1], clusters[:, 0]))
    stack = []
    for c in order:
        start, end = clusters[c]
        while stack and clusters[stack[-1], 1] < start:
            stack.pop()
        while stack and clusters[stack[-1], 1] < end:
            stack.pop()          # overlaps without holding it
        if stack:
            parent[c] = stack[-1]
        stack.append(c)
    return parent


def tighten(plot, start, end, factor):
    """Shrink ``[start, end]`` to the points as dense as the cluster's core.

    Xi can let a cluster run on over the up-slope of the plot after it (or
    the down-slope before it): photos that lead away from the place, each
    farther than the last. The core's density is the 25th percentile of the
    reachability inside; end points reached more than ``factor`` times
    farther are cut off.

    Returns
    -------
    start, end : int
    core : float
        The core's reachability.
    """
    core = float(np.percentile(plot[start + 1:end + 1], 25)) if end > start else float(plot[end])
    limit = factor * core
    while end > start and plot[end] > limit:
        end -= 1
    while start < end and plot[start + 1] > limit:
        start += 1
    return start, end, core


def choose_spots(lat, lon, owner, reachability, ordering, clusters, max_spread_m,
                 min_owners, percentile, tail_factor, min_contrast):
    """The clusters a photographer means by a spot.

    Parameters
    ----------
    lat, lon : ndarray
        Photo positions in degrees.
    owner : ndarray
        Photographer of each photo (any hashable codes).
    reachability, ordering : ndarray
        ``OPTICS.reachability_`` (by photo) and ``OPTICS.ordering_``.
    clusters : ndarray of shape (n_clusters, 2)
        ``OPTICS.cluster_hierarchy_``.
    max_spread_m : float
        Widest spread (``percentile``-th percentile distance from the median
        position) of one place to stand.
    min_owners : int
        Fewest distinct photographers of a spot.
    percentile : float
        Percentile of the spread.
    tail_factor : float
        See :func:`tighten`.
    min_contrast : float
        How many times farther than its core's reachability a spot must be
        from the rest: a place stands out, a random clump of a scatter does not.

    Returns
    -------
    list of (ndarray, float)
        Each spot's photo indices (into ``lat``, sorted) and its spread in
        metres, in the hierarchy's order; disjoint.
    """
    clusters = np.asarray(clusters, dtype=np.int64).reshape(-1, 2)
    ordering = np.asarray(ordering)
    plot = np.append(np.asarray(reachability, dtype=np.float64)[ordering], np.inf)
    parent = cluster_tree(clusters)
    children = [[] for _ in range(len(clusters))]
    for c, p in enumerate(parent):
        if p >= 0:
            children[p].append(c)
    chosen = []
    todo = [c for c in range(len(clusters)) if parent[c] < 0]
    while todo:
        c = todo.pop()
        start, end, core = tighten(plot, *clusters[c], tail_factor)
        members = np.sort(ordering[start:end + 1])
        spread = spread_m(lat[members], lon[members], percentile)
        if spread > max_spread_m:
            todo.extend(children[c])
        elif (min(plot[start], plot[end + 1]) >= min_contrast * core
              and len(np.unique(owner[members])) >= min_owners):
            chosen.append((c, members, spread))
    chosen.sort(key=lambda item: item[0])
    return [(members, spread) for _, members, spread in chosen]
