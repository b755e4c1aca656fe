"""Answers of recent searches, kept per web process.

A repeated search then costs only its rendering. The cache is shared by
the threads of a worker (gunicorn's threaded workers), bounded both by the
number of answers and by their estimated size, and forgets the least
recently used answer first.
"""
import threading
from collections import OrderedDict

import numpy as np



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
        self._entries = OrderedDict()   # key -> (answer, nbytes)
        self._lock = threading.Lock()
        self._computing = {}            # key -> lock held while one thread computes it
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        """The answer stored under ``key``, or ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key, answer, nbytes):
        """Keep ``answer`` (estimated ``nbytes``), dropping the oldest to fit."""
        if nbytes > self.max_bytes or self.max_entries == 0:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            self._entries[key] = (answer, nbytes)
            self.nbytes += nbytes
            while len(self._entries) > self.max_entries or self.nbytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
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
                    entry = self._entries.get(key)
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
            self._entries.clear()
            self.nbytes = 0


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
