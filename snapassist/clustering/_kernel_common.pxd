"""Distance arithmetic shared by the OPTICS kernels (private).

``_around15`` and ``_hav_rdist`` repeat, operation for operation, what
scikit-learn 1.9 does (numpy.around; the haversine ``rdist`` of its
DistanceMetric); the box gaps only bound distances, to skip work.
"""
from libc.math cimport sin, rint

ctypedef Py_ssize_t intp


cdef inline double _around15(double x) noexcept nogil:
    # numpy.around(x, 15): multiply, round half to even, divide.
    return rint(x * 1e15) / 1e15


cdef inline double _hav_rdist(const double* a, double cos_a,
                              const double* b, double cos_b) noexcept nogil:
    cdef double s0 = sin(0.5 * (a[0] - b[0]))
    cdef double s1 = sin(0.5 * (a[1] - b[1]))
    return s0 * s0 + cos_a * cos_b * s1 * s1


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
