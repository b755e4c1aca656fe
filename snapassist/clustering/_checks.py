"""Argument checks for the OPTICS API (private).

Every failure raises :class:`~snapassist.errors.ValidationError` with a
message naming the argument, the rule and the value received.
"""
import math
import numbers

import numpy as np

from ..errors import ValidationError

METRICS = ("minkowski", "euclidean", "haversine")
CLUSTER_METHODS = ("xi", "dbscan")


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_X(X, metric):
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"X must be a numeric array: {exc}") from exc
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(
            f"X must have shape (n_samples, 2) for metric {metric!r}, "
            f"got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise ValidationError(
            f"X must hold at least 2 samples, got {arr.shape[0]}")
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise ValidationError(
            f"X must hold only finite values, got {arr[row].tolist()} "
            f"in row {row}")
    if metric == "haversine":
        lat = arr[:, 0]
        wrong = np.abs(lat) > np.pi / 2
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise ValidationError(
                "X[:, 0] must be latitudes in radians within [-pi/2, pi/2] "
                f"for metric 'haversine', got {lat[row]!r} in row {row}")
    return np.ascontiguousarray(arr)


def check_metric(metric, p=2):
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValidationError(
            f"metric must be one of {METRICS}, got {metric!r}")
    # scikit-learn ignores p for every metric but Minkowski's.
    if metric == "minkowski" and (not is_real(p) or p != 2):
        raise ValidationError(
            "p must be 2 for metric 'minkowski' (the only power supported), "
            f"got {p!r}")
    return metric


def check_size(value, name, n_samples, allow_none=False):
    """An int >= 2 or a fraction in (0, 1]; returns the absolute count."""
    if value is None and allow_none:
        return None
    if is_int(value):
        if value < 2:
            raise ValidationError(
                f"{name} must be an int >= 2 or a float in (0, 1], got {value!r}")
        if value > n_samples:
            raise ValidationError(
                f"{name} must be no greater than the number of samples "
                f"({n_samples}), got {value}")
        return int(value)
    if is_real(value) and 0 < value <= 1:
        return max(2, int(value * n_samples))
    raise ValidationError(
        f"{name} must be an int >= 2 or a float in (0, 1], got {value!r}")


def check_max_eps(max_eps):
    if not is_real(max_eps) or math.isnan(max_eps) or max_eps < 0:
        raise ValidationError(f"max_eps must be a number >= 0, got {max_eps!r}")
    return float(max_eps)


def check_xi(xi):
    if not is_real(xi) or not 0 < xi < 1:
        raise ValidationError(f"xi must be a number in (0, 1), got {xi!r}")
    return float(xi)


def check_1d(value, name, n, dtype):
    arr = np.asarray(value)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise ValidationError(
            f"{name} must be a 1-D array of length {n}, got shape {arr.shape}")
    return arr.astype(dtype, copy=False)


def check_ordering(ordering, n):
    order = check_1d(ordering, "ordering", n, np.intp)
    if not np.array_equal(np.sort(order), np.arange(n)):
        raise ValidationError(
            f"ordering must be a permutation of 0..{n - 1}")
    return order
