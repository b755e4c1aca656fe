"""A static binary space-partitioning tree for the OPTICS kernel (private).

The tree only decides which work can be skipped; it never changes a
distance.  Boxes are axis-aligned bounds of the points' "box coordinates":
3-D unit vectors for haversine (chord length grows with great-circle
distance) and the points themselves for euclidean.
"""
from dataclasses import dataclass

import numpy as np

LEAF_SIZE = 16


@dataclass
class Tree:
    """Node arrays of a tree over ``n`` points, in tree order.

    ``perm[pos]`` is the original index of the point at tree position
    ``pos``; node ``i`` holds positions ``start[i]:end[i]``; ``left`` and
    ``right`` are -1 for leaves; ``lo``/``hi`` bound the box coordinates;
    ``box_coords`` holds those coordinates in tree order.
    """

    perm: np.ndarray
    start: np.ndarray
    end: np.ndarray
    left: np.ndarray
    right: np.ndarray
    parent: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    leaf_of: np.ndarray
    box_coords: np.ndarray = None


def unit_vectors(lat, lon):
    """Points on the unit sphere for latitudes and longitudes in radians."""
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def build_tree(coords, leaf_size=LEAF_SIZE):
    """Split ``coords`` (n, dim) at the median of the widest side, recursively."""
    n = coords.shape[0]
    perm = np.arange(n, dtype=np.intp)
    start, end, left, right, parent, lo, hi = [], [], [], [], [], [], []
    pending = [(0, n, -1, False)]
    while pending:
        s, e, par, is_right = pending.pop()
        node = len(start)
        block = coords[perm[s:e]]
        start.append(s)
        end.append(e)
        left.append(-1)
        right.append(-1)
        parent.append(par)
        lo.append(block.min(axis=0))
        hi.append(block.max(axis=0))
        if par >= 0:
            (right if is_right else left)[par] = node
        if e - s <= leaf_size:
            continue
        dim = int(np.argmax(hi[-1] - lo[-1]))
        mid = (s + e) // 2
        order = np.argpartition(block[:, dim], mid - s)
        perm[s:e] = perm[s:e][order]
        pending.append((mid, e, node, True))
        pending.append((s, mid, node, False))
    as_intp = lambda v: np.asarray(v, dtype=np.intp)  # noqa: E731
    start, end, left = as_intp(start), as_intp(end), as_intp(left)
    leaf_of = np.empty(n, dtype=np.intp)
    for node in np.flatnonzero(left < 0):
        leaf_of[start[node]:end[node]] = node
    return Tree(perm=perm, start=start, end=end, left=left,
                right=as_intp(right), parent=as_intp(parent),
                lo=np.ascontiguousarray(lo, dtype=np.float64),
                hi=np.ascontiguousarray(hi, dtype=np.float64), leaf_of=leaf_of,
                box_coords=np.ascontiguousarray(coords[perm], dtype=np.float64))
