# cython: language_level=3
"""Typed kernels of the OPTICS ordering (private).

Arrays in, caller-allocated arrays out, no defaults and no validation: the
Python module ``optics.py`` checks every input before calling in here.

Every distance below repeats, operation for operation, the arithmetic that
scikit-learn 1.9 uses on the same code path, because the results must be
identical to the bit:

* haversine ``rdist`` is ``s0*s0 + cos(lat1)*cos(lat2)*s1*s1`` (left to right)
  and the distance ``2*asin(sqrt(rdist))`` with the C library's ``asin``;
* kd-tree euclidean ``rdist`` is the plain sum of squared differences;
* ``pairwise_distances(metric='euclidean')`` is ``(-2*dot + xx) + yy`` with
  ``dot`` as OpenBLAS computes it (``fma(x0, y0, x1*y1)`` for a matrix-vector
  product, ``fma(x1, y1, x0*y0)`` for a single dot product);
* the brute-force pairwise reductions use ``(xx + (-2*dot)) + yy`` with
  ``fma(x1, y1, x0*y0)`` for both the norms and the dot products.

The spatial tree is built in Python (``_tree.py``); its boxes bound unit
vectors (haversine) or the points themselves (euclidean) and are only used
to skip work, with safety margins far above rounding error.
"""
from libc.math cimport sin, cos, asin, sqrt, rint, fma, INFINITY
from cpython.mem cimport PyMem_RawMalloc as malloc, PyMem_RawFree as free

ctypedef Py_ssize_t intp

# Incl kinds: who is inside max_eps of the processed point.
cdef enum:
    INCL_ALL = 0        # max_eps is infinite: everybody
    INCL_HAV = 1        # haversine rdist <= sin(max_eps/2)**2
    INCL_SUMSQ = 2      # kd-tree: sum of squares <= max_eps**2
    INCL_GEMM = 3       # brute euclidean: GEMM-form square <= max_eps**2


cdef inline double _around15(double x) noexcept nogil:
    # numpy.around(x, 15): multiply, round half to even, divide.
    return rint(x * 1e15) / 1e15


cdef inline double _hav_rdist(const double* a, double cos_a,
                              const double* b, double cos_b) noexcept nogil:
    cdef double s0 = sin(0.5 * (a[0] - b[0]))
    cdef double s1 = sin(0.5 * (a[1] - b[1]))
    return s0 * s0 + cos_a * cos_b * s1 * s1


cdef inline double _sumsq(const double* a, const double* b) noexcept nogil:
    cdef double t0 = a[0] - b[0]
    cdef double t1 = a[1] - b[1]
    cdef double d = 0.0
    d += t0 * t0
    d += t1 * t1
    return d


cdef inline double _gemm_sq(const double* a, const double* b) noexcept nogil:
    cdef double xx = fma(a[1], a[1], a[0] * a[0])
    cdef double yy = fma(b[1], b[1], b[0] * b[0])
    cdef double v = xx + (-2.0 * fma(a[1], b[1], a[0] * b[0])) + yy
    return v if v > 0.0 else 0.0


cdef inline double _pairwise_euclid(const double* a, const double* b,
                                    bint single) noexcept nogil:
    cdef double dot
    if single:
        dot = fma(a[1], b[1], a[0] * b[0])
    else:
        dot = fma(a[0], b[0], a[1] * b[1])
    cdef double xx = a[0] * a[0] + a[1] * a[1]
    cdef double yy = b[0] * b[0] + b[1] * b[1]
    cdef double v = -2.0 * dot + xx + yy
    if v < 0.0:
        v = 0.0
    return sqrt(v)


def rdist_to_dist_libm(const double[::1] rdist, double[::1] out):
    """Haversine ``2*asin(sqrt(r))`` with the C library (brute-force path)."""
    cdef intp i
    with nogil:
        for i in range(rdist.shape[0]):
            out[i] = 2.0 * asin(sqrt(rdist[i]))


cdef inline double _sqdist(const double* a, const double* b,
                           int dim) noexcept nogil:
    cdef double s = 0.0, t
    cdef int d
    for d in range(dim):
        t = a[d] - b[d]
        s += t * t
    return s


cdef inline double _box_gap_sq(const double* x, const double* lo,
                               const double* hi, int dim) noexcept nogil:
    cdef double s = 0.0, g
    cdef int d
    for d in range(dim):
        if x[d] < lo[d]:
            g = lo[d] - x[d]
        elif x[d] > hi[d]:
            g = x[d] - hi[d]
        else:
            g = 0.0
        s += g * g
    return s


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


cdef void _knn_node(intp node, const double* p, double cos_p, const double* u,
                    const double[:, ::1] pts, const double[::1] coslat,
                    const double[:, ::1] bc, const intp[::1] nstart,
                    const intp[::1] nend, const intp[::1] nleft,
                    const intp[::1] nright, const double[:, ::1] nlo,
                    const double[:, ::1] nhi, int dim, bint hav,
                    double* heap, intp k) noexcept nogil:
    cdef double lb, c, v, lb_l, lb_r
    cdef intp j, first, second
    if nleft[node] < 0:
        for j in range(nstart[node], nend[node]):
            if hav:
                v = _hav_rdist(p, cos_p, &pts[j, 0], coslat[j])
            else:
                v = _sumsq(p, &pts[j, 0])
            if v < heap[0]:
                _maxheap_replace(heap, k, v)
        return
    lb_l = _node_rdist_lb(u, &nlo[nleft[node], 0], &nhi[nleft[node], 0], dim, hav)
    lb_r = _node_rdist_lb(u, &nlo[nright[node], 0], &nhi[nright[node], 0], dim, hav)
    if lb_l <= lb_r:
        first, second = nleft[node], nright[node]
    else:
        first, second = nright[node], nleft[node]
        lb_l, lb_r = lb_r, lb_l
    if lb_l < heap[0]:
        _knn_node(first, p, cos_p, u, pts, coslat, bc, nstart, nend, nleft,
                  nright, nlo, nhi, dim, hav, heap, k)
    if lb_r < heap[0]:
        _knn_node(second, p, cos_p, u, pts, coslat, bc, nstart, nend, nleft,
                  nright, nlo, nhi, dim, hav, heap, k)


cdef inline double _node_rdist_lb(const double* u, const double* lo,
                                  const double* hi, int dim,
                                  bint hav) noexcept nogil:
    # A lower bound of the rdist from u's point to any point of the box.
    cdef double s = _box_gap_sq(u, lo, hi, dim), c
    if not hav:
        # Rounding is monotone, so the box bound never exceeds a point's sum.
        return s
    # Chord between unit vectors; rdist = (chord / 2)**2.  The margins cover
    # the rounding of the unit vectors and of the lat/lon formula.
    c = sqrt(s) - 4e-15
    if c <= 0.0:
        return 0.0
    return 0.25 * c * c * (1.0 - 1e-12)


def kth_rdist_tree(const double[:, ::1] pts, const double[::1] coslat,
                   const double[:, ::1] bc, const intp[::1] nstart,
                   const intp[::1] nend, const intp[::1] nleft,
                   const intp[::1] nright, const double[:, ::1] nlo,
                   const double[:, ::1] nhi, intp k, bint hav,
                   double[::1] out):
    """k-th smallest rdist from every point (itself included), tree order."""
    cdef intp n = pts.shape[0], i, j
    cdef int dim = bc.shape[1]
    cdef double* heap = <double*> malloc(k * sizeof(double))
    if heap == NULL:
        raise MemoryError()
    with nogil:
        for i in range(n):
            for j in range(k):
                heap[j] = INFINITY
            _knn_node(0, &pts[i, 0], coslat[i], &bc[i, 0], pts, coslat, bc,
                      nstart, nend, nleft, nright, nlo, nhi, dim, hav, heap, k)
            out[i] = heap[0]
    free(heap)


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
                    intp k, bint hav, double[::1] out):
    """k-th smallest brute-force reduced distance (scikit-learn's ArgKmin)."""
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
                if hav:
                    v = _hav_rdist(&pts[i, 0], coslat[i], &pts[j, 0], coslat[j])
                else:
                    v = _gemm_sq(&pts[i, 0], &pts[j, 0])
                if v < heap[0]:
                    _maxheap_replace(heap, k, v)
            out[i] = heap[0]
    free(heap)


# ------------------------------------------------------------ ordering loop
cdef inline bint _before(intp a, intp b, const double* reach,
                         const intp* orig) noexcept nogil:
    # Heap order: smaller reachability first, then smaller original index.
    return reach[a] < reach[b] or (reach[a] == reach[b] and orig[a] < orig[b])


cdef inline void _sift_up(intp* heap, intp* where, intp i, const double* reach,
                          const intp* orig) noexcept nogil:
    cdef intp item = heap[i], parent
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(item, heap[parent], reach, orig):
            break
        heap[i] = heap[parent]
        where[heap[i]] = i
        i = parent
    heap[i] = item
    where[item] = i


cdef inline intp _pop(intp* heap, intp* where, intp* size, const double* reach,
                      const intp* orig) noexcept nogil:
    cdef intp top = heap[0], last, i = 0, c
    size[0] -= 1
    where[top] = -1
    if size[0] == 0:
        return top
    last = heap[size[0]]
    while True:
        c = 2 * i + 1
        if c >= size[0]:
            break
        if c + 1 < size[0] and _before(heap[c + 1], heap[c], reach, orig):
            c += 1
        if not _before(heap[c], last, reach, orig):
            break
        heap[i] = heap[c]
        where[heap[i]] = i
        i = c
    heap[i] = last
    where[last] = i
    return top


cdef struct Ctx:
    intp n
    int dim
    int incl
    bint hav
    double max_eps
    double rr             # max_eps in the reduced form of the inclusion test
    double euclid_err     # absolute error scale of the dot-trick squares
    const double* pts
    const double* coslat
    const double* bc
    const double* core
    const intp* orig
    const intp* nstart
    const intp* nend
    const intp* nleft
    const intp* nright
    const intp* nparent
    const double* nlo
    const double* nhi
    intp* nunproc
    double* maxreach
    double* nthr2         # _skip_sq(maxreach) per node
    double* reach
    double* thr2          # squared box-space distance that cannot improve
    intp* pred
    char* done
    intp* heap
    intp* where
    intp heap_size
    intp* stack
    intp* stack2          # for _count_within, called mid-traversal
    intp total_unproc
    # Deferred far updates (max_eps = inf): processed points whose updates
    # beyond their own limit are still to be applied, and a small tree
    # over them built for each catch-up pass.
    intp* rank            # step at which a position was processed
    intp* s_pos
    intp s_count
    intp* st_idx
    intp* st_start
    intp* st_end
    intp* st_left
    intp* st_right
    double* st_lo
    double* st_hi
    double* st_mincore


cdef inline bint _included(Ctx* c, intp p, intp q) noexcept nogil:
    if c.incl == INCL_ALL:
        return True
    if c.incl == INCL_HAV:
        return _hav_rdist(&c.pts[2 * p], c.coslat[p], &c.pts[2 * q],
                          c.coslat[q]) <= c.rr
    if c.incl == INCL_SUMSQ:
        return _sumsq(&c.pts[2 * p], &c.pts[2 * q]) <= c.rr
    return _gemm_sq(&c.pts[2 * p], &c.pts[2 * q]) <= c.rr


cdef inline bint _node_maybe_included(Ctx* c, intp p, double gap_sq) noexcept nogil:
    cdef double ch
    if c.incl == INCL_ALL or c.incl == INCL_GEMM:
        return True
    if c.incl == INCL_SUMSQ:
        return gap_sq <= c.rr
    ch = sqrt(gap_sq) - 4e-15
    if ch <= 0.0:
        return True
    return 0.25 * ch * ch * (1.0 - 1e-12) <= c.rr


cdef inline double _skip_sq(Ctx* c, double r) noexcept nogil:
    # Squared box-space distance beyond which the computed distance exceeds
    # r by far more than rounding, so around(max(d, core)) >= r: no strict
    # improvement is possible.
    cdef double t = r * (1.0 + 1e-9) + 3e-15, ch
    if r == INFINITY:
        return INFINITY
    if r < 0.0:
        return -1.0
    if c.hav:
        if t >= 3.14159:
            return INFINITY
        # The chord 2*sin(t/2) never exceeds the angle t: using t itself
        # skips a little less but needs no sine.
        ch = t + 4e-15
        return ch * ch * (1.0 + 1e-12)
    return t * t + 64.0 * 2.3e-16 * 2.0 * c.euclid_err


cdef intp _count_within(Ctx* c, intp p, intp limit) noexcept nogil:
    # Unprocessed points within max_eps of p, counting stops at limit.
    cdef intp sp = 0, node, q, count = 0
    cdef double gap
    if c.incl == INCL_ALL:
        return c.total_unproc
    c.stack2[sp] = 0
    sp += 1
    while sp > 0:
        sp -= 1
        node = c.stack2[sp]
        if c.nunproc[node] == 0:
            continue
        gap = _box_gap_sq(&c.bc[c.dim * p], &c.nlo[c.dim * node],
                          &c.nhi[c.dim * node], c.dim)
        if not _node_maybe_included(c, p, gap):
            continue
        if c.nleft[node] >= 0:
            c.stack2[sp] = c.nleft[node]
            c.stack2[sp + 1] = c.nright[node]
            sp += 2
            continue
        for q in range(c.nstart[node], c.nend[node]):
            if not c.done[q] and _included(c, p, q):
                count += 1
                if count >= limit:
                    return count
    return count


cdef void _refresh_leaf(Ctx* c, intp leaf) noexcept nogil:
    # Exact largest reachability of the leaf's unprocessed points, then
    # tighten the ancestors' bounds while they change.
    cdef double m = -1.0, v
    cdef intp q, node, parent
    for q in range(c.nstart[leaf], c.nend[leaf]):
        if not c.done[q] and c.reach[q] > m:
            m = c.reach[q]
    c.maxreach[leaf] = m
    c.nthr2[leaf] = _skip_sq(c, m)
    node = leaf
    while c.nparent[node] >= 0:
        parent = c.nparent[node]
        v = c.maxreach[c.nleft[parent]]
        if c.maxreach[c.nright[parent]] > v:
            v = c.maxreach[c.nright[parent]]
        if v == c.maxreach[parent]:
            break
        c.maxreach[parent] = v
        c.nthr2[parent] = _skip_sq(c, v)
        node = parent


cdef void _update_from(Ctx* c, intp p, double limit_sq) noexcept nogil:
    cdef intp sp = 0, node, q, n_within = -1
    cdef double core_p = c.core[p], gap, lb, d, d1, r, sq
    cdef bint changed
    c.stack[sp] = 0
    sp += 1
    while sp > 0:
        sp -= 1
        node = c.stack[sp]
        if c.nunproc[node] == 0:
            continue
        gap = _box_gap_sq(&c.bc[c.dim * p], &c.nlo[c.dim * node],
                          &c.nhi[c.dim * node], c.dim)
        if not _node_maybe_included(c, p, gap):
            continue
        # No point of the node can improve strictly: either p's core
        # distance or the distance to the box is already too large.
        if core_p >= c.maxreach[node] or gap * (1.0 - 1e-12) >= c.nthr2[node]:
            continue
        # Beyond p's limit the updates are deferred to a catch-up pass.
        if gap * (1.0 - 1e-12) >= limit_sq:
            continue
        if c.nleft[node] >= 0:
            c.stack[sp] = c.nleft[node]
            c.stack[sp + 1] = c.nright[node]
            sp += 2
            continue
        changed = False
        for q in range(c.nstart[node], c.nend[node]):
            if c.done[q]:
                continue
            # Cheap rejection in box coordinates before any trigonometry.
            sq = _sqdist(&c.bc[c.dim * p], &c.bc[c.dim * q], c.dim)
            if sq * (1.0 - 1e-12) >= c.thr2[q]:
                continue
            if not _included(c, p, q):
                continue
            if c.hav:
                d = 2.0 * asin(sqrt(_hav_rdist(&c.pts[2 * p], c.coslat[p],
                                               &c.pts[2 * q], c.coslat[q])))
            else:
                d = _pairwise_euclid(&c.pts[2 * p], &c.pts[2 * q], False)
                d1 = _pairwise_euclid(&c.pts[2 * p], &c.pts[2 * q], True)
                if d1 != d:
                    # OpenBLAS takes a dot product, not a matrix-vector
                    # product, when p has a single unprocessed neighbour.
                    if n_within < 0:
                        n_within = _count_within(c, p, 2)
                    if n_within == 1:
                        d = d1
            r = _around15(d if d > core_p else core_p)
            if r < c.reach[q]:
                c.reach[q] = r
                c.thr2[q] = _skip_sq(c, r)
                c.pred[q] = p
                changed = True
                if c.where[q] < 0:
                    c.heap[c.heap_size] = q
                    c.heap_size += 1
                    _sift_up(c.heap, c.where, c.heap_size - 1, c.reach, c.orig)
                else:
                    _sift_up(c.heap, c.where, c.where[q], c.reach, c.orig)
        if changed or c.maxreach[node] == INFINITY:
            _refresh_leaf(c, node)


cdef void _free_lazy(Ctx* c) noexcept nogil:
    free(c.rank); free(c.s_pos); free(c.st_idx); free(c.st_start)
    free(c.st_end); free(c.st_left); free(c.st_right); free(c.st_lo)
    free(c.st_hi); free(c.st_mincore)


cdef inline double _key(Ctx* c, intp i, int d) noexcept nogil:
    return c.bc[c.dim * c.st_idx[i] + d]


cdef void _select(Ctx* c, intp lo, intp hi, intp kth, int d) noexcept nogil:
    # Partial sort of st_idx[lo:hi] so that position kth holds its median.
    cdef intp i, j, t
    cdef double pivot
    hi -= 1
    while hi > lo:
        pivot = _key(c, (lo + hi) >> 1, d)
        i = lo
        j = hi
        while i <= j:
            while _key(c, i, d) < pivot:
                i += 1
            while _key(c, j, d) > pivot:
                j -= 1
            if i <= j:
                t = c.st_idx[i]; c.st_idx[i] = c.st_idx[j]; c.st_idx[j] = t
                i += 1
                j -= 1
        if kth <= j:
            hi = j
        elif kth >= i:
            lo = i
        else:
            return


cdef intp _s_build(Ctx* c, intp s, intp e, intp* n_nodes) noexcept nogil:
    cdef intp node = n_nodes[0], i, mid
    cdef int d, best = 0
    cdef double v, width = -1.0
    n_nodes[0] += 1
    c.st_start[node] = s
    c.st_end[node] = e
    c.st_mincore[node] = INFINITY
    for d in range(c.dim):
        c.st_lo[c.dim * node + d] = INFINITY
        c.st_hi[c.dim * node + d] = -INFINITY
    for i in range(s, e):
        if c.core[c.st_idx[i]] < c.st_mincore[node]:
            c.st_mincore[node] = c.core[c.st_idx[i]]
        for d in range(c.dim):
            v = _key(c, i, d)
            if v < c.st_lo[c.dim * node + d]:
                c.st_lo[c.dim * node + d] = v
            if v > c.st_hi[c.dim * node + d]:
                c.st_hi[c.dim * node + d] = v
    c.st_left[node] = -1
    c.st_right[node] = -1
    if e - s <= 8:
        return node
    for d in range(c.dim):
        v = c.st_hi[c.dim * node + d] - c.st_lo[c.dim * node + d]
        if v > width:
            width = v
            best = d
    mid = (s + e) >> 1
    _select(c, s, e, mid, best)
    c.st_left[node] = _s_build(c, s, mid, n_nodes)
    c.st_right[node] = _s_build(c, mid, e, n_nodes)
    return node


cdef bint _apply_pair(Ctx* c, intp p, intp q) noexcept nogil:
    # p's contribution to q, in any order: strict improvement as usual, and
    # on a tie the earlier-processed point becomes the predecessor, which is
    # what scikit-learn's in-order strict updates would have kept.
    cdef double d, r
    cdef double core_p = c.core[p]
    if c.hav:
        d = 2.0 * asin(sqrt(_hav_rdist(&c.pts[2 * p], c.coslat[p],
                                       &c.pts[2 * q], c.coslat[q])))
    else:
        d = _pairwise_euclid(&c.pts[2 * p], &c.pts[2 * q],
                             c.n - c.rank[p] - 1 == 1)
    r = _around15(d if d > core_p else core_p)
    if r < c.reach[q]:
        c.reach[q] = r
        c.thr2[q] = _skip_sq(c, r)
        c.pred[q] = p
        if c.where[q] < 0:
            c.heap[c.heap_size] = q
            c.heap_size += 1
            _sift_up(c.heap, c.where, c.heap_size - 1, c.reach, c.orig)
        else:
            _sift_up(c.heap, c.where, c.where[q], c.reach, c.orig)
        return True
    if r == c.reach[q] and c.rank[p] < c.rank[c.pred[q]]:
        c.pred[q] = p
    return False


cdef bint _s_query(Ctx* c, intp m, intp q) noexcept nogil:
    cdef bint changed = False
    cdef intp i, first, second
    cdef double g1, g2
    if c.st_left[m] < 0:
        for i in range(c.st_start[m], c.st_end[m]):
            if c.core[c.st_idx[i]] > c.reach[q]:
                continue
            if _sqdist(&c.bc[c.dim * c.st_idx[i]], &c.bc[c.dim * q],
                       c.dim) * (1.0 - 1e-12) >= c.thr2[q]:
                continue
            if _apply_pair(c, c.st_idx[i], q):
                changed = True
        return changed
    first = c.st_left[m]
    second = c.st_right[m]
    g1 = _box_gap_sq(&c.bc[c.dim * q], &c.st_lo[c.dim * first],
                     &c.st_hi[c.dim * first], c.dim)
    g2 = _box_gap_sq(&c.bc[c.dim * q], &c.st_lo[c.dim * second],
                     &c.st_hi[c.dim * second], c.dim)
    if g2 < g1:
        first, second = second, first
        g1, g2 = g2, g1
    # Nearest half first, so that the far half is usually pruned.
    if c.st_mincore[first] <= c.reach[q] and g1 * (1.0 - 1e-12) < c.thr2[q]:
        if _s_query(c, first, q):
            changed = True
    if c.st_mincore[second] <= c.reach[q] and g2 * (1.0 - 1e-12) < c.thr2[q]:
        if _s_query(c, second, q):
            changed = True
    return changed


cdef void _catch_up(Ctx* c) noexcept nogil:
    # Apply every deferred contribution of the points in s_pos to every
    # unprocessed point, pruning with the main tree's reachability bounds.
    cdef intp n_nodes = 0, i, sp = 0, node, q
    cdef double gap, mincore
    cdef bint changed
    for i in range(c.s_count):
        c.st_idx[i] = c.s_pos[i]
    _s_build(c, 0, c.s_count, &n_nodes)
    mincore = c.st_mincore[0]
    c.stack[sp] = 0
    sp += 1
    while sp > 0:
        sp -= 1
        node = c.stack[sp]
        if c.nunproc[node] == 0 or mincore > c.maxreach[node]:
            continue
        gap = _box_box_gap_sq(&c.nlo[c.dim * node], &c.nhi[c.dim * node],
                              &c.st_lo[0], &c.st_hi[0], c.dim)
        if gap * (1.0 - 1e-12) >= c.nthr2[node]:
            continue
        if c.nleft[node] >= 0:
            c.stack[sp] = c.nleft[node]
            c.stack[sp + 1] = c.nright[node]
            sp += 2
            continue
        changed = False
        for q in range(c.nstart[node], c.nend[node]):
            if c.done[q]:
                continue
            if _s_query(c, 0, q):
                changed = True
        if changed or c.maxreach[node] == INFINITY:
            _refresh_leaf(c, node)


cdef inline double _box_box_gap_sq(const double* alo, const double* ahi,
                                   const double* blo, const double* bhi,
                                   int dim) noexcept nogil:
    cdef double s = 0.0, g
    cdef int d
    for d in range(dim):
        if ahi[d] < blo[d]:
            g = blo[d] - ahi[d]
        elif bhi[d] < alo[d]:
            g = alo[d] - bhi[d]
        else:
            g = 0.0
        s += g * g
    return s


def optics_order(const double[:, ::1] pts, const double[::1] coslat,
                 const double[:, ::1] bc, const double[::1] core,
                 const intp[::1] orig, const intp[::1] posof,
                 const intp[::1] nstart, const intp[::1] nend,
                 const intp[::1] nleft, const intp[::1] nright,
                 const intp[::1] nparent, const double[:, ::1] nlo,
                 const double[:, ::1] nhi, const intp[::1] leaf_of,
                 bint hav, int incl, double rr, double euclid_err,
                 double lazy_factor,
                 intp[::1] ordering, double[::1] reach, intp[::1] pred):
    """The OPTICS ordering loop.

    All per-point inputs are in tree order; ``orig`` maps tree positions to
    original indices and ``posof`` back.  Outputs: ``ordering`` (original
    indices), ``reach`` and ``pred`` in tree order (``pred`` holds tree
    positions, -1 for none); ``reach`` must come filled with inf and
    ``pred`` with -1.
    """
    cdef Ctx c
    cdef intp n = pts.shape[0], n_nodes = nstart.shape[0], step, p, node
    cdef intp next_free = 0
    cdef double limit = 0.0, limit_sq, accept = INFINITY
    c.n = n
    c.dim = bc.shape[1]
    c.incl = incl
    c.hav = hav
    c.rr = rr
    c.euclid_err = euclid_err
    c.pts = &pts[0, 0]
    c.coslat = &coslat[0]
    c.bc = &bc[0, 0]
    c.core = &core[0]
    c.orig = &orig[0]
    c.nstart = &nstart[0]
    c.nend = &nend[0]
    c.nleft = &nleft[0]
    c.nright = &nright[0]
    c.nparent = &nparent[0]
    c.nlo = &nlo[0, 0]
    c.nhi = &nhi[0, 0]
    c.reach = &reach[0]
    c.pred = &pred[0]
    c.heap_size = 0
    c.total_unproc = n
    c.nunproc = <intp*> malloc(n_nodes * sizeof(intp))
    c.maxreach = <double*> malloc(n_nodes * sizeof(double))
    c.nthr2 = <double*> malloc(n_nodes * sizeof(double))
    c.done = <char*> malloc(n * sizeof(char))
    c.heap = <intp*> malloc(n * sizeof(intp))
    c.where = <intp*> malloc(n * sizeof(intp))
    c.thr2 = <double*> malloc(n * sizeof(double))
    c.rank = <intp*> malloc(n * sizeof(intp))
    c.s_pos = <intp*> malloc(n * sizeof(intp))
    c.st_idx = <intp*> malloc(n * sizeof(intp))
    c.st_start = <intp*> malloc(2 * n * sizeof(intp))
    c.st_end = <intp*> malloc(2 * n * sizeof(intp))
    c.st_left = <intp*> malloc(2 * n * sizeof(intp))
    c.st_right = <intp*> malloc(2 * n * sizeof(intp))
    c.st_lo = <double*> malloc(2 * n * c.dim * sizeof(double))
    c.st_hi = <double*> malloc(2 * n * c.dim * sizeof(double))
    c.st_mincore = <double*> malloc(2 * n * sizeof(double))
    c.s_count = 0
    c.stack = <intp*> malloc((2 * n_nodes + 2) * sizeof(intp))
    c.stack2 = <intp*> malloc((2 * n_nodes + 2) * sizeof(intp))
    if (c.nunproc == NULL or c.maxreach == NULL or c.done == NULL
            or c.heap == NULL or c.where == NULL or c.stack == NULL
            or c.stack2 == NULL or c.thr2 == NULL or c.nthr2 == NULL
            or c.rank == NULL or c.s_pos == NULL or c.st_idx == NULL
            or c.st_start == NULL or c.st_end == NULL or c.st_left == NULL
            or c.st_right == NULL or c.st_lo == NULL or c.st_hi == NULL
            or c.st_mincore == NULL):
        free(c.nunproc); free(c.maxreach); free(c.done)
        free(c.heap); free(c.where); free(c.stack); free(c.stack2)
        free(c.thr2); free(c.nthr2)
        _free_lazy(&c)
        raise MemoryError()
    with nogil:
        for node in range(n_nodes):
            c.nunproc[node] = nend[node] - nstart[node]
            c.maxreach[node] = INFINITY
            c.nthr2[node] = INFINITY
        for p in range(n):
            c.done[p] = 0
            c.where[p] = -1
            c.thr2[p] = INFINITY
        for step in range(n):
            if c.s_count > 0 and (c.heap_size == 0
                                  or c.reach[c.heap[0]] > accept):
                # The smallest tracked reachability may be beaten by a
                # deferred update: apply them all first.
                _catch_up(&c)
                c.s_count = 0
                accept = INFINITY
            if c.heap_size > 0:
                p = _pop(c.heap, c.where, &c.heap_size, c.reach, c.orig)
            else:
                # Every unprocessed reachability is inf: smallest index.
                while c.done[posof[next_free]]:
                    next_free += 1
                p = posof[next_free]
            c.done[p] = 1
            c.total_unproc -= 1
            ordering[step] = orig[p]
            node = leaf_of[p]
            while node >= 0:
                c.nunproc[node] -= 1
                node = nparent[node]
            c.rank[p] = step
            if core[p] == INFINITY:
                continue
            if lazy_factor > 0.0:
                limit = lazy_factor * core[p]
                limit_sq = _skip_sq(&c, limit)
            else:
                limit_sq = INFINITY
            _update_from(&c, p, limit_sq)
            if limit_sq != INFINITY:
                c.s_pos[c.s_count] = p
                c.s_count += 1
                if limit < accept:
                    accept = limit
    free(c.nunproc); free(c.maxreach); free(c.done)
    free(c.heap); free(c.where); free(c.stack); free(c.stack2)
    free(c.thr2); free(c.nthr2)
    _free_lazy(&c)


def cos_libm(const double[::1] x, double[::1] out):
    """``cos`` from the C library, as scikit-learn's haversine calls it."""
    cdef intp i
    with nogil:
        for i in range(x.shape[0]):
            out[i] = cos(x[i])
