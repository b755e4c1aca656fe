"""Timing helpers shared by the benchmark scripts."""
import time


def run_times(fn, repeat):
    """Seconds taken by each of ``repeat`` calls of ``fn()``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times
