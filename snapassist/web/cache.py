"""Answers of recent searches, kept per web process.

A repeated search then costs only its rendering. The cache is shared by
the threads of a worker (gunicorn's threaded workers), bounded both by the
number of answers and by their estimated size.

It forgets the least recently used answer first, among those asked only
once (a segmented LRU): an answer asked again moves to a protected part of
the cache (at most :data:`PROTECTED_SHARE` of its bounds), which loses an
answer only when the rest is empty or when it overflows (its least recent
answer then goes back among the others). A stream of searches each asked
once, as users exploring a city make, so never pushes out the subjects
everyone asks.
"""
import threading
from collections import OrderedDict

import numpy as np

#: Share of the bounds the answers asked more than once may fill.
PROTECTED_SHARE = 0.8


class AnswerCache:
    """A thread-safe least-recently-used map with a count and a byte bound.

    Parameters
    ----------
    max_entries : int
        At most this many answers are kept (0 disables the cache).
    max_bytes : int
        The answers' estimated sizes add up to at most this; an answer larger
        than the whole bound is never kept.
    """

    def __init__(self, max_entries, max_bytes):
        for name, value in (("max_entries", max_entries), ("max_bytes", max_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # key -> (answer, nbytes), oldest first: asked once, and asked again.
        self._probation = OrderedDict()
        self._protected = OrderedDict()
        self._protected_bytes = 0
        self._lock = threading.Lock()
        self._computing = {}            # key -> lock held while one thread computes it
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self):
        return len(self._probation) + len(self._protected)

    def _find(self, key):
        """The entry of ``key`` (caller holds the lock), promoted if asked again."""
        entry = self._protected.get(key)
        if entry is not None:
            self._protected.move_to_end(key)
            return entry
        entry = self._probation.pop(key, None)
        if entry is None:
            return None
        self._protected[key] = entry
        self._protected_bytes += entry[1]
        # The protected part overflowing: its least recent answer goes back.
        while (len(self._protected) > max(1, int(PROTECTED_SHARE * self.max_entries))
               or self._protected_bytes > PROTECTED_SHARE * self.max_bytes):
            old_key, old = self._protected.popitem(last=False)
            self._protected_bytes -= old[1]
            self._probation[old_key] = old
        return entry

    def get(self, key):
        """The answer stored under ``key``, or ``None``."""
        with self._lock:
            entry = self._find(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            return entry[0]

    def put(self, key, answer, nbytes):
        """Keep ``answer`` (estimated ``nbytes``), dropping the least recently used to fit."""
        if nbytes > self.max_bytes or self.max_entries == 0:
            return
        with self._lock:
            for part in (self._probation, self._protected):
                old = part.pop(key, None)
                if old is not None:
                    self.nbytes -= old[1]
                    if part is self._protected:
                        self._protected_bytes -= old[1]
            self._probation[key] = (answer, nbytes)
            self.nbytes += nbytes
            while len(self) > self.max_entries or self.nbytes > self.max_bytes:
                if self._probation:
                    _, (_, dropped) = self._probation.popitem(last=False)
                else:
                    _, (_, dropped) = self._protected.popitem(last=False)
                    self._protected_bytes -= dropped
                self.nbytes -= dropped

    def get_or_compute(self, key, compute, size_of):
        """The answer under ``key``, computing and keeping it if missing.

        Threads asking for the same missing key at once wait for the first
        one's answer instead of computing it again (a broad search costs up
        to a second of CPU). If ``compute`` raises, nothing is kept and the
        exception reaches its caller; a waiting thread then computes itself.
        """
        answer = self.get(key)
        if answer is not None:
            return answer
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        try:
            with key_lock:
                with self._lock:
                    entry = self._probation.get(key) or self._protected.get(key)
                if entry is not None:
                    return entry[0]             # computed while we waited
                answer = compute()
                self.put(key, answer, size_of(answer))
                return answer
        finally:
            with self._lock:
                if self._computing.get(key) is key_lock and not key_lock.locked():
                    del self._computing[key]

    def clear(self):
        """Forget every answer."""
        with self._lock:
            self._probation.clear()
            self._protected.clear()
            self.nbytes = self._protected_bytes = 0


def estimate_bytes(answer):
    """A rough size of an answer: its arrays plus a few KB per spot."""
    size = 1024
    for value in vars(answer).values():
        if isinstance(value, np.ndarray):
            size += value.nbytes
        elif isinstance(value, list):
            size += 4096 * len(value)
    for spot in getattr(answer, "spots", ()):
        size += 64 * len(spot.photo_ids)
    return size
