"""Which OPTICS clusters are photo spots: the largest that is still one place.

OPTICS' xi extraction finds clusters nested in one another: a neighbourhood,
the square in it, the crowd at the square's sign. Its ``labels_`` give each
photo its *smallest* cluster, so a busy place falls apart into its densest
crumbs. A photographer means the place: here a spot is the largest cluster
of the hierarchy whose spread is still that of one place to stand, and every
photo of it counts. A spot must also stand out from what surrounds it and
have been shot by several photographers, so that neither a clump of a
scatter nor one person's series of a backyard passes for a place.

Real photos hide places from that rule in three ways, each handled here:

- **cut-off ends**: a cluster's ends are tightened to its core, and a
  famous view across a river, reached last from the crowd at the landmark,
  sits in the part cut off. What tightening cuts off is searched again;
- **gentle edges**: xi needs steep edges, so a place whose photos thin out
  gently (a bridge shot from both banks) may get no cluster of its own.
  Where xi offers nothing narrow enough, the reachability plot is cut at
  levels below (DBSCAN's clusters at shrinking distances);
- **places within a place**: a cluster narrow enough for one place may
  still hold two, when a big crowd sets its spread and a smaller place
  stands beside it. When two places found inside it stand far enough
  apart, they are the spots.
"""
import numpy as np

from ..geo import haversine_m


def distances_from_middle(lat, lon):
    """Each photo's great-circle distance from the median position, metres."""
    return haversine_m(np.median(lat), np.median(lon), lat, lon)


def spread_m(lat, lon, percentile):
    """The ``percentile``-th percentile of distances from the median position, metres."""
    return float(np.percentile(distances_from_middle(lat, lon), percentile))


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


def level_runs(plot, start, end, min_size, step):
    """The places inside ``[start, end]`` one reachability level down.

    Cutting the plot at a distance ``eps`` gives DBSCAN's clusters at that
    distance: runs of the ordering whose inner reachabilities are all at
    most ``eps``. Here ``eps`` is the range's highest inner reachability
    divided by ``step``, so every call splits off at least that farthest
    point, and a chain of calls descends geometrically: a few dozen levels
    span metres to kilometres.

    Returns
    -------
    list of (int, int)
        ``[start, end]`` of each run of at least ``min_size`` photos.
    """
    inner = plot[start + 1:end + 1]
    if len(inner) == 0:
        return []
    level = float(inner.max()) / step
    # A photo reached farther than the level starts a new run.
    breaks = np.flatnonzero(inner > level) + start + 1
    bounds = np.concatenate([[start], breaks, [end + 1]])
    return [(int(a), int(b) - 1) for a, b in zip(bounds[:-1], bounds[1:]) if b - a >= min_size]


class _Tree:
    """The xi hierarchy as ranges of the ordering, and the levels below it."""

    def __init__(self, clusters, min_size, step):
        self.clusters = np.asarray(clusters, dtype=np.int64).reshape(-1, 2)
        self.min_size, self.step = min_size, step
        parent = cluster_tree(self.clusters)
        self.children = [[] for _ in range(len(self.clusters))]
        for c, p in enumerate(parent):
            if p >= 0:
                self.children[p].append(c)
        self.roots = [self.node(c) for c in range(len(self.clusters)) if parent[c] < 0]

    def node(self, c):
        """Cluster ``c`` as ``(start, end, children)``."""
        start, end = self.clusters[c]
        return int(start), int(end), self.children[c]

    def within(self, kids, start, end):
        """The largest of ``kids`` (or of their descendants) lying wholly in ``[start, end]``."""
        out = []
        for k in kids:
            a, b = self.clusters[k]
            if start <= a and b <= end:
                out.append(self.node(k))
            elif a <= end and start <= b:
                out.extend(self.within(self.children[k], start, end))
        return out

    def levels(self, plot, start, end):
        """``[start, end]``'s runs one reachability level down, as nodes (:func:`level_runs`)."""
        return [(a, b, []) for a, b in level_runs(plot, start, end, self.min_size, self.step)]

    def outside(self, start, end, kids, kept_start, kept_end):
        """Where to look again once ``[kept_start, kept_end]`` of a node is a spot.

        Tightening may have cut off places at the node's ends (a famous view
        across the river, reached last from the crowd at the landmark): the
        node's descendants there, or for a leaf, the cut-off ends themselves.
        """
        if kids:
            return (self.within(kids, start, kept_start - 1)
                    + self.within(kids, kept_end + 1, end))
        return [(a, b, []) for a, b in ((start, kept_start - 1), (kept_end + 1, end))
                if b - a + 1 >= self.min_size]


def choose_spots(lat, lon, owner, reachability, ordering, clusters, max_spread_m,
                 min_owners, percentile, tail_factor, min_contrast, min_size=None,
                 level_step=1.25, min_separation_m=None):
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
    min_size : int, optional
        Fewest photos of a place found below xi's leaves (default: the
        smallest xi cluster given, or 2).
    level_step : float
        Ratio between the reachability levels tried below xi's leaves
        (:func:`level_runs`).
    min_separation_m : float, optional
        A cluster narrow enough to be one place is still two (or more) when
        it holds places of its own whose centres lie at least this far
        apart: a famous view 300 m from the crowd at a landmark would else
        vanish into the landmark's spot. ``None``: never split.

    Returns
    -------
    list of (ndarray, float)
        Each spot's photo indices (into ``lat``, sorted) and its spread in
        metres, in the ordering's order; disjoint.
    """
    ordering = np.asarray(ordering)
    plot = np.append(np.asarray(reachability, dtype=np.float64)[ordering], np.inf)
    clusters = np.asarray(clusters, dtype=np.int64).reshape(-1, 2)
    if min_size is None:
        min_size = int((clusters[:, 1] - clusters[:, 0]).min() + 1) if len(clusters) else 2
    tree = _Tree(clusters, max(2, int(min_size)), level_step)

    def select_all(nodes, depth):
        """The spots within ``nodes``: ``[(start, end, members, spread, lat, lon)]``."""
        out = []
        todo = list(nodes)
        while todo:
            start, end, kids = todo.pop()
            s, e, core = tighten(plot, start, end, tail_factor)
            members = np.sort(ordering[s:e + 1])
            spread = spread_m(lat[members], lon[members], percentile)
            if spread > max_spread_m:
                # Too wide for one place: xi's children, else (or when none
                # of them holds a place) the reachability levels below,
                # where a place whose edges rise too gently for xi still
                # shows (a bridge shot from both banks, a square thronged
                # all over).
                if not kids:
                    todo.extend(tree.levels(plot, start, end))
                elif depth >= _MAX_DEPTH:
                    todo.extend(tree.node(k) for k in kids)
                else:
                    found = select_all([tree.node(k) for k in kids], depth + 1)
                    out.extend(found)
                    # Where no spot was found, the levels below may still
                    # hold one: a place whose edge xi drew too wide.
                    for a, b in _uncovered(start, end, found, tree.min_size):
                        out.extend(select_all([(a, b, [])], depth + 1)
                                   or select_all(tree.levels(plot, a, b), depth + 1))
                continue
            if (min(plot[s], plot[e + 1]) < min_contrast * core
                    or len(np.unique(owner[members])) < min_owners):
                continue
            todo.extend(tree.outside(start, end, kids, s, e))
            inner = _places_within(select_all, tree, plot, kids, s, e, depth,
                                   min_separation_m)
            if inner:
                out.extend(inner)
            else:
                out.append((s, e, members, spread,
                            float(np.median(lat[members])), float(np.median(lon[members]))))
        return out

    chosen = select_all(tree.roots, 0)
    chosen.sort(key=lambda item: item[0])
    return [(members, spread) for _, _, members, spread, _, _ in chosen]


#: Deepest nesting of places searched within a place; deeper, a place stays whole.
_MAX_DEPTH = 100


def _places_within(select_all, tree, plot, kids, start, end, depth, min_separation_m):
    """The separate places ``[start, end]`` holds, or ``[]`` when it is one place.

    A place holds separate places when two spots found inside it (among
    xi's clusters there, else at the reachability levels below) stand at
    least ``min_separation_m`` apart.
    """
    if min_separation_m is None or depth >= _MAX_DEPTH:
        return []
    inside = tree.within(kids, start, end)
    for nodes in ((inside, tree.levels(plot, start, end)) if inside
                  else (tree.levels(plot, start, end),)):
        spots = select_all(nodes, depth + 1)
        if _separated(spots, min_separation_m):
            return spots
    return []


def _uncovered(start, end, spots, min_size):
    """The runs of ``[start, end]`` outside every spot's ``[s, e]``, of ``min_size`` or more."""
    out, at = [], start
    for s, e, *_ in sorted(spots, key=lambda spot: spot[0]):
        if s - at >= min_size:
            out.append((at, s - 1))
        at = max(at, e + 1)
    if end + 1 - at >= min_size:
        out.append((at, end))
    return out


def _separated(spots, min_distance_m):
    """Whether two of ``spots`` (``(..., lat, lon)``) lie at least ``min_distance_m`` apart."""
    if len(spots) < 2:
        return False
    lat = np.array([spot[-2] for spot in spots])
    lon = np.array([spot[-1] for spot in spots])
    dist = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return bool(dist.max() >= min_distance_m)


def densest_photo(lat, lon, k):
    """The photo whose ``k``-th nearest other photo is nearest: where photos are densest."""
    from sklearn.neighbors import BallTree

    k = min(int(k), len(lat) - 1)
    if k < 1:
        return 0
    points = np.radians(np.column_stack([lat, lon]))
    dist, _ = BallTree(points, metric="haversine").query(points, k=k + 1)
    return int(np.argmin(dist[:, -1]))


def explain_no_spot(lat, lon, owner, densest, radius_m, min_owners, one_share,
                    min_photos, n_dropped_for_views=0):
    """Why a search with photos has no spot, and where its photos are densest.

    Parameters
    ----------
    lat, lon : ndarray
        The search's photo positions (degrees).
    owner : ndarray
        Photographer codes.
    densest : int
        The densest photo (the smallest core distance).
    radius_m : float
        The densest place is the photos within this of the densest photo.
    min_owners : int
        Fewest photographers of a spot.
    one_share : float
        Above this share of a place's photos, one photographer made it.
    min_photos : int
        Fewest photos of a spot.
    n_dropped_for_views : int
        Places found but dropped for having no photo among the most viewed.

    Returns
    -------
    dict
        ``{"reason", "message", "densest"}``: ``reason`` is one of
        ``"not_admired"``, ``"one_photographer"``, ``"few_photographers"``,
        ``"scattered"``; ``message`` says it in plain words; ``densest`` is
        ``{"latitude", "longitude", "radius_m", "n_photos", "n_owners",
        "top_owner_share"}`` of the densest place (not a spot).
    """
    near = haversine_m(lat[densest], lon[densest], lat, lon) <= radius_m
    owners, counts = np.unique(owner[near], return_counts=True)
    n_near, n = int(near.sum()), len(lat)
    top_share = float(counts.max() / n_near)
    densest = {"latitude": float(np.median(lat[near])), "longitude": float(np.median(lon[near])),
               "radius_m": float(radius_m), "n_photos": n_near, "n_owners": len(owners),
               "top_owner_share": top_share}
    where = (f"{n_near} of its {n} photos {'lies' if n_near == 1 else 'lie'} within "
             f"{radius_m:.0f} m of its densest point")
    if n_dropped_for_views:
        reason = "not_admired"
        message = (f"Its photos gather at {n_dropped_for_views} "
                   f"place{'s' if n_dropped_for_views != 1 else ''}, but none of them "
                   f"holds a photo among the city's most viewed, so no place stands out.")
    elif n_near < min_photos:
        reason = "scattered"
        message = (f"The photos are scattered: only {where}, and a spot needs at least "
                   f"{min_photos}.")
    elif top_share > one_share:
        reason = "one_photographer"
        message = (f"One photographer's series: {where}, and {top_share:.0%} of those are "
                   f"by one person. One person's series is no spot.")
    elif len(owners) < min_owners:
        reason = "few_photographers"
        message = (f"Too few photographers: {where}, taken by only {len(owners)} "
                   f"photographer{'s' if len(owners) != 1 else ''}; a spot needs at least "
                   f"{min_owners}.")
    else:
        reason = "scattered"
        message = (f"The photos are scattered: {where}, but they thin out gradually, and "
                   f"no group of them stands out from the rest as one place to stand.")
    return {"reason": reason, "message": message, "densest": densest}
