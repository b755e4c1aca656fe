"""Cluster extraction from an OPTICS reachability plot (private).

Both methods follow scikit-learn 1.9's rules exactly, so that labels and the
cluster hierarchy match its ``OPTICS`` for the same ordering.
"""
import numpy as np


def extract_dbscan(reachability, core_distances, ordering, eps):
    """DBSCAN-like labels for a fixed ``eps`` (inputs already validated)."""
    n = len(core_distances)
    labels = np.zeros(n, dtype=int)
    far = reachability > eps
    core_near = core_distances <= eps
    # A new cluster starts at each point, in OPTICS order, that is not
    # reachable within eps but is itself a core point within eps.
    starts = far[ordering] & core_near[ordering]
    labels[ordering] = np.cumsum(starts) - 1
    labels[far & ~core_near] = -1
    return labels


def _region_end(steep, other_way, first, min_samples):
    """Last index of the steep region that begins at ``first``.

    The region grows over steep points and over at most ``min_samples``
    consecutive points that are neither steep nor going the other way.
    """
    n = len(steep)
    last = first
    flat_run = 0
    i = first
    while i < n:
        if steep[i]:
            flat_run = 0
            last = i
        elif other_way[i]:
            break
        else:
            flat_run += 1
            if flat_run > min_samples:
                break
        i += 1
    return last


def _keep_steep_downs(downs, mib, keep_ratio, plot):
    """Drop steep-down areas too low for ``mib``; raise the others' mib."""
    if np.isinf(mib):
        return []
    kept = [area for area in downs if mib <= plot[area[0]] * keep_ratio]
    for area in kept:
        area[2] = max(area[2], mib)
    return kept


def _fix_by_predecessor(plot, pred_plot, position, start, end):
    """Shrink ``[start, end]`` until its end's predecessor lies inside it."""
    while start < end:
        if plot[start] > plot[end]:
            return start, end
        p = pred_plot[end]
        if p >= 0 and start <= position[p] < end:
            return start, end
        end -= 1
    return None, None


def xi_clusters(plot, pred_plot, ordering, xi, min_samples, min_cluster_size,
                predecessor_correction):
    """Clusters ``[start, end]`` (inclusive, in plot positions), smaller first."""
    n = len(plot)
    plot = np.append(plot, np.inf)
    keep_ratio = 1 - xi
    position = np.empty(n, dtype=np.intp)
    position[ordering] = np.arange(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = plot[:-1] / plot[1:]
    steep_up = ratio <= keep_ratio
    steep_down = ratio >= 1 / keep_ratio
    going_down = ratio > 1
    going_up = ratio < 1

    downs = []          # steep-down areas as [start, end, mib]
    clusters = []
    resume = 0
    mib = 0.0
    for i in np.flatnonzero(steep_up | steep_down):
        if i < resume:
            continue
        mib = max(mib, np.max(plot[resume:i + 1]))
        downs = _keep_steep_downs(downs, mib, keep_ratio, plot)
        if steep_down[i]:
            end = _region_end(steep_down, going_up, i, min_samples)
            downs.append([i, end, 0.0])
            resume = end + 1
            mib = plot[resume]
            continue
        up_end = _region_end(steep_up, going_down, i, min_samples)
        resume = up_end + 1
        mib = plot[resume]
        found = []
        for d_start, d_end, d_mib in downs:
            c_start, c_end = d_start, up_end
            after = plot[c_end + 1]
            if after * keep_ratio < d_mib:
                continue
            d_top = plot[d_start]
            if d_top * keep_ratio >= after:
                while plot[c_start + 1] > after and c_start < d_end:
                    c_start += 1
            elif after * keep_ratio >= d_top:
                while plot[c_end - 1] > d_top and c_end > i:
                    c_end -= 1
            if predecessor_correction:
                c_start, c_end = _fix_by_predecessor(plot, pred_plot, position,
                                                     c_start, c_end)
            if c_start is None:
                continue
            if c_end - c_start + 1 < min_cluster_size:
                continue
            if c_start > d_end or c_end < i:
                continue
            found.append((c_start, c_end))
        clusters.extend(reversed(found))
    return np.array(clusters)


def xi_labels(ordering, clusters):
    """Labels from clusters: a cluster is labelled unless it holds a labelled one."""
    labels = np.full(len(ordering), -1, dtype=int)
    next_label = 0
    for start, end in clusters:
        if np.all(labels[start:end + 1] == -1):
            labels[start:end + 1] = next_label
            next_label += 1
    out = np.empty_like(labels)
    out[ordering] = labels
    return out
