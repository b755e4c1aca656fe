# cython: language_level=3
"""Typed kernel of the OPTICS ordering loop (private).

Arrays in, caller-allocated arrays out, no defaults and no validation: the
Python module ``optics.py`` checks every input before calling in here.

Haversine only (the other metrics go through scikit-learn's own calls, see
``_exact.py``).  Every distance repeats, operation for operation, what
scikit-learn 1.9 computes, because the results must be identical to the bit:
``rdist`` is ``s0*s0 + cos(lat1)*cos(lat2)*s1*s1`` (left to right) and the
distance ``2*asin(sqrt(rdist))`` with the C library's ``asin``.

The spatial tree is built in Python (``_tree.py``); its boxes bound unit
vectors and are only used to skip work, with safety margins far above
rounding error.  The loop runs without the GIL.
"""
from libc.math cimport asin, sqrt, INFINITY
from cpython.mem cimport PyMem_RawMalloc as malloc, PyMem_RawFree as free

from ._kernel_common cimport (intp, _around15, _hav_rdist, _sqdist,
                              _box_gap_sq, _box_box_gap_sq)

cdef enum:
    INCL_ALL = 0        # every pair is within max_eps (inf, or pi)
    INCL_HAV = 1        # haversine rdist <= sin(max_eps/2)**2


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
    double rr             # max_eps in the reduced form of the inclusion test
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
    return _hav_rdist(&c.pts[2 * p], c.coslat[p], &c.pts[2 * q],
                      c.coslat[q]) <= c.rr


cdef inline bint _node_maybe_included(Ctx* c, intp p, double gap_sq) noexcept nogil:
    cdef double ch
    if c.incl == INCL_ALL:
        return True
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
    if t >= 3.14159:
        return INFINITY
    # The chord 2*sin(t/2) never exceeds the angle t: using t itself skips
    # a little less but needs no sine.
    ch = t + 4e-15
    return ch * ch * (1.0 + 1e-12)


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
    cdef intp sp = 0, node, q
    cdef double core_p = c.core[p], gap, d, r, sq
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
            d = 2.0 * asin(sqrt(_hav_rdist(&c.pts[2 * p], c.coslat[p],
                                           &c.pts[2 * q], c.coslat[q])))
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
    d = 2.0 * asin(sqrt(_hav_rdist(&c.pts[2 * p], c.coslat[p],
                                   &c.pts[2 * q], c.coslat[q])))
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


def optics_order(const double[:, ::1] pts, const double[::1] coslat,
                 const double[:, ::1] bc, const double[::1] core,
                 const intp[::1] orig, const intp[::1] posof,
                 const intp[::1] nstart, const intp[::1] nend,
                 const intp[::1] nleft, const intp[::1] nright,
                 const intp[::1] nparent, const double[:, ::1] nlo,
                 const double[:, ::1] nhi, const intp[::1] leaf_of,
                 int incl, double rr, double lazy_factor,
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
    c.rr = rr
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
    if (c.nunproc == NULL or c.maxreach == NULL or c.done == NULL
            or c.heap == NULL or c.where == NULL or c.stack == NULL
            or c.thr2 == NULL or c.nthr2 == NULL
            or c.rank == NULL or c.s_pos == NULL or c.st_idx == NULL
            or c.st_start == NULL or c.st_end == NULL or c.st_left == NULL
            or c.st_right == NULL or c.st_lo == NULL or c.st_hi == NULL
            or c.st_mincore == NULL):
        free(c.nunproc); free(c.maxreach); free(c.done)
        free(c.heap); free(c.where); free(c.stack)
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
    free(c.heap); free(c.where); free(c.stack)
    free(c.thr2); free(c.nthr2)
    _free_lazy(&c)
