# cython: language_level=3
"""Typed kernels for OPTICS core distances (private).

The k-th smallest haversine reduced distance of every point, itself
included, as scikit-learn's ball tree and brute-force searches find it
(exact lat/lon ``rdist``), and the check that decides whether a radius of
pi takes every pair.  Arrays in, caller-allocated arrays out, no
validation; the loops run without the GIL.
"""
from libc.math cimport asin, cos, sqrt, INFINITY
from cpython.mem cimport PyMem_RawMalloc as malloc, PyMem_RawFree as free

from ._kernel_common cimport intp, _hav_rdist, _sqdist, _box_gap_sq


def rdist_to_dist_libm(const double[::1] rdist, double[::1] out):
    """Haversine ``2*asin(sqrt(r))`` with the C library (brute-force path)."""
    cdef intp i
    with nogil:
        for i in range(rdist.shape[0]):
            out[i] = 2.0 * asin(sqrt(rdist[i]))


def cos_libm(const double[::1] x, double[::1] out):
    """``cos`` from the C library, as scikit-learn's haversine calls it."""
    cdef intp i
    with nogil:
        for i in range(x.shape[0]):
            out[i] = cos(x[i])


# ---------------------------------------------------------------- kth rdist
cdef inline void _maxheap_replace(double* h, intp k, double v) noexcept nogil:
    # h[0] is the largest of k values; replace it by v and sift down.
    cdef intp i = 0, c
    cdef double t
    while True:
        c = 2 * i + 1
        if c >= k:
            break
        if c + 1 < k and h[c + 1] > h[c]:
            c += 1
        if h[c] <= v:
            break
        h[i] = h[c]
        i = c
    h[i] = v


cdef void _chord_knn(intp node, const double* u, const double[:, ::1] bc,
                     const intp[::1] nstart, const intp[::1] nend,
                     const intp[::1] nleft, const intp[::1] nright,
                     const double[:, ::1] nlo, const double[:, ::1] nhi,
                     double* heap, intp k) noexcept nogil:
    # k smallest squared chords (no trigonometry): heap[0] is the largest.
    cdef intp j, first, second
    cdef double v, g1, g2
    if nleft[node] < 0:
        for j in range(nstart[node], nend[node]):
            v = _sqdist(u, &bc[j, 0], 3)
            if v < heap[0]:
                _maxheap_replace(heap, k, v)
        return
    first = nleft[node]
    second = nright[node]
    g1 = _box_gap_sq(u, &nlo[first, 0], &nhi[first, 0], 3)
    g2 = _box_gap_sq(u, &nlo[second, 0], &nhi[second, 0], 3)
    if g2 < g1:
        first, second = second, first
        g1, g2 = g2, g1
    if g1 < heap[0]:
        _chord_knn(first, u, bc, nstart, nend, nleft, nright, nlo, nhi, heap, k)
    if g2 < heap[0]:
        _chord_knn(second, u, bc, nstart, nend, nleft, nright, nlo, nhi, heap, k)


cdef inline double _rd_hi(double chord) noexcept nogil:
    # Largest haversine rdist a computed chord can stand for.
    cdef double c = chord + 4e-15
    return 0.25 * c * c * (1.0 + 1e-12)


cdef inline double _rd_lo(double chord) noexcept nogil:
    cdef double c = chord - 4e-15
    if c <= 0.0:
        return 0.0
    return 0.25 * c * c * (1.0 - 1e-12)


cdef double _kth_smallest(double* a, intp m, intp kth) noexcept nogil:
    # Quickselect: the kth smallest (0-based) of a[0:m]; reorders a.
    cdef intp lo = 0, hi = m - 1, i, j
    cdef double pivot, t
    while hi > lo:
        pivot = a[(lo + hi) >> 1]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                t = a[i]; a[i] = a[j]; a[j] = t
                i += 1
                j -= 1
        if kth <= j:
            hi = j
        elif kth >= i:
            lo = i
        else:
            break
    return a[kth]


cdef intp _collect(const double* u, const double[:, ::1] bc,
                   const intp[::1] nstart, const intp[::1] nend,
                   const intp[::1] nleft, const intp[::1] nright,
                   const double[:, ::1] nlo, const double[:, ::1] nhi,
                   double radius2, double* sq, intp* idx,
                   intp* stack) noexcept nogil:
    # Every point within squared chord radius2 of u: squares and positions.
    cdef intp sp = 0, node, j, m = 0
    cdef double v
    stack[sp] = 0
    sp += 1
    while sp > 0:
        sp -= 1
        node = stack[sp]
        if _box_gap_sq(u, &nlo[node, 0], &nhi[node, 0], 3) > radius2:
            continue
        if nleft[node] >= 0:
            stack[sp] = nleft[node]
            stack[sp + 1] = nright[node]
            sp += 2
            continue
        for j in range(nstart[node], nend[node]):
            v = _sqdist(u, &bc[j, 0], 3)
            if v <= radius2:
                sq[m] = v
                idx[m] = j
                m += 1
    return m


def kth_rdist_haversine(const double[:, ::1] pts, const double[::1] coslat,
                        const double[:, ::1] bc, const intp[::1] nstart,
                        const intp[::1] nend, const intp[::1] nleft,
                        const intp[::1] nright, const double[:, ::1] nlo,
                        const double[:, ::1] nhi, intp k, double[::1] out):
    """k-th smallest haversine rdist of every point (itself included).

    The neighbours are found by chord length on unit vectors; the exact
    lat/lon formula is then evaluated only for the points whose chord
    cannot tell on which side of the k-th they fall.
    """
    cdef intp n = pts.shape[0], i, j, t, sp, node, m, n_low, n_ball
    cdef double ck, ck2 = INFINITY, v_lo, hi_c, hi_c2, c, radius2
    cdef double* heap = <double*> malloc(k * sizeof(double))
    cdef double* band = <double*> malloc(n * sizeof(double))
    cdef double* ball = <double*> malloc(n * sizeof(double))
    cdef double* scratch = <double*> malloc(n * sizeof(double))
    cdef intp* ball_idx = <intp*> malloc(n * sizeof(intp))
    cdef intp* stack = <intp*> malloc((2 * nstart.shape[0] + 2) * sizeof(intp))
    if (heap == NULL or band == NULL or stack == NULL or ball == NULL
            or scratch == NULL or ball_idx == NULL):
        free(heap); free(band); free(stack); free(ball); free(scratch)
        free(ball_idx)
        raise MemoryError()
    with nogil:
        for i in range(n):
            n_ball = 0
            if i > 0 and ck2 != INFINITY:
                # The previous point's k neighbours lie within its k-th
                # chord plus the step between the two points: collect that
                # ball instead of running a heap search.
                c = sqrt(ck2) + sqrt(_sqdist(&bc[i, 0], &bc[i - 1, 0], 3)) + 1e-14
                radius2 = c * c * (1.0 + 1e-12)
                n_ball = _collect(&bc[i, 0], bc, nstart, nend, nleft, nright, nlo, nhi,
                                  radius2, ball, ball_idx, stack)
            if n_ball >= k:
                for t in range(n_ball):
                    scratch[t] = ball[t]
                ck2 = _kth_smallest(scratch, n_ball, k - 1)
            else:
                for j in range(k):
                    heap[j] = INFINITY
                _chord_knn(0, &bc[i, 0], bc, nstart, nend, nleft, nright, nlo,
                           nhi, heap, k)
                ck2 = heap[0]
                n_ball = 0
            ck = sqrt(ck2)
            # The k-th rdist lies in [_rd_lo(ck), _rd_hi(ck)]; points whose
            # chord is beyond hi_c are above it, those with _rd_hi below
            # v_lo are below it.
            v_lo = _rd_lo(ck)
            hi_c = 2.0 * sqrt(_rd_hi(ck) / (1.0 - 1e-12)) + 4e-15
            hi_c2 = hi_c * hi_c * (1.0 + 1e-12)
            if n_ball == 0 or hi_c2 > radius2:
                n_ball = _collect(&bc[i, 0], bc, nstart, nend, nleft, nright, nlo, nhi,
                                  hi_c2, ball, ball_idx, stack)
            m = 0
            n_low = 0
            for t in range(n_ball):
                c = ball[t]
                if c > hi_c2:
                    continue
                c = sqrt(c)
                if _rd_hi(c) < v_lo:
                    n_low += 1
                else:
                    j = ball_idx[t]
                    band[m] = _hav_rdist(&pts[i, 0], coslat[i], &pts[j, 0],
                                         coslat[j])
                    m += 1
            out[i] = _kth_smallest(band, m, k - 1 - n_low)
    free(heap); free(band); free(stack); free(ball); free(scratch)
    free(ball_idx)


def kth_rdist_brute(const double[:, ::1] pts, const double[::1] coslat,
                    intp k, double[::1] out):
    """k-th smallest brute-force haversine rdist (scikit-learn's ArgKmin)."""
    cdef intp n = pts.shape[0], i, j
    cdef double v
    cdef double* heap = <double*> malloc(k * sizeof(double))
    if heap == NULL:
        raise MemoryError()
    with nogil:
        for i in range(n):
            for j in range(k):
                heap[j] = INFINITY
            for j in range(n):
                v = _hav_rdist(&pts[i, 0], coslat[i], &pts[j, 0], coslat[j])
                if v < heap[0]:
                    _maxheap_replace(heap, k, v)
            out[i] = heap[0]
    free(heap)


def any_rdist_above(const double[:, ::1] pts, const double[::1] coslat,
                    const double[:, ::1] bc, const intp[::1] nstart,
                    const intp[::1] nend, const intp[::1] nleft,
                    const intp[::1] nright, const double[:, ::1] nlo,
                    const double[:, ::1] nhi, double limit):
    """Whether some pair's haversine rdist, as computed, exceeds ``limit``.

    Meant for a limit of 1 (a radius of pi): only nearly antipodal points
    can exceed it, so each point looks only around its own antipode.  The
    rdist is ``1 - (c/2)**2`` for the chord ``c`` from one point to the
    other's antipode, and its rounding error is below 1e-15, so every pair
    over the limit lies within chord ``2*sqrt(1 - limit) + 1e-6`` of it.
    """
    cdef intp n = pts.shape[0], i, t, m
    cdef double anti[3]
    cdef double c = 2.0 * sqrt(1.0 - limit) + 1e-6
    cdef bint found = False
    cdef double* sq = <double*> malloc(n * sizeof(double))
    cdef intp* idx = <intp*> malloc(n * sizeof(intp))
    cdef intp* stack = <intp*> malloc((2 * nstart.shape[0] + 2) * sizeof(intp))
    if sq == NULL or idx == NULL or stack == NULL:
        free(sq); free(idx); free(stack)
        raise MemoryError()
    with nogil:
        for i in range(n):
            anti[0] = -bc[i, 0]
            anti[1] = -bc[i, 1]
            anti[2] = -bc[i, 2]
            m = _collect(anti, bc, nstart, nend, nleft, nright, nlo, nhi,
                         c * c, sq, idx, stack)
            for t in range(m):
                if _hav_rdist(&pts[i, 0], coslat[i], &pts[idx[t], 0],
                              coslat[idx[t]]) > limit:
                    found = True
                    break
            if found:
                break
    free(sq); free(idx); free(stack)
    return found
