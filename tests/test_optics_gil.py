"""The compiled OPTICS kernels release the GIL while they work.

Each kernel writes its output array from the first element to the last.  A
second Python thread that sees the array part-written has run while the
kernel was working, which a kernel holding the GIL makes impossible (that
thread only runs before the kernel starts or after it returns).  No timing
threshold is involved: the check waits for the fit to end, and the fit is
long enough (ten thousand points) for the watcher to be scheduled within
it; a kernel that keeps the GIL fails every attempt.
"""
import threading
import time

import numpy as np
import pytest

from snapassist.clustering import OPTICS, _optics_inner, _optics_knn

from test_optics import geotags

# kernel module, function name, position of the output written in order
KERNELS = [
    (_optics_inner, "optics_order", -3),   # ordering
    (_optics_knn, "kth_rdist_haversine", -1),  # k-th rdist of every point
]


def watch_one_fit(module, name, out_pos, monkeypatch, X):
    """Fit in a thread; return how often the main thread counted while the
    kernel's output was part-written."""
    real = getattr(module, name)
    shared = {}
    started = threading.Event()

    def spy(*args):
        out = args[out_pos]
        out[:] = -1  # never a valid index or distance
        shared["out"] = out
        started.set()
        return real(*args)

    monkeypatch.setattr(module, name, spy)
    fit = threading.Thread(
        target=lambda: OPTICS(min_samples=15, max_eps=np.pi,
                              metric="haversine").fit(X))
    fit.start()
    counted_during = 0
    while fit.is_alive():
        if started.is_set():
            out = shared["out"]
            if out[0] != -1 and out[-1] == -1:
                counted_during += 1
        # Pacing only (no threshold): leaves the GIL to the fit's Python
        # parts between looks.
        time.sleep(0.001)
    fit.join()
    assert started.is_set(), f"{name} was not called"
    return counted_during


@pytest.mark.parametrize("module,name,out_pos", KERNELS)
def test_kernel_lets_other_threads_run(module, name, out_pos, monkeypatch):
    X = geotags(10000, 60)
    # A busy machine may keep the watcher off the CPU for one whole fit;
    # not for three.  A kernel that keeps the GIL gives 0 every time.
    for _ in range(3):
        if watch_one_fit(module, name, out_pos, monkeypatch, X) > 0:
            return
    pytest.fail(f"no Python thread ran while {name} worked: is it nogil?")
