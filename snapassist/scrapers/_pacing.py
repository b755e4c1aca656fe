"""Even spacing of API calls, so a key never exceeds its hourly budget."""
import time

from ..errors import ValidationError


class Pacer:
    """Spaces calls evenly at ``3600 / calls_per_hour`` seconds.

    Calls are never allowed to catch up after a slow stretch (no bursts), so
    any one-second span holds at most ``calls_per_hour / 3600 + 1`` calls.

    Parameters
    ----------
    calls_per_hour : float
        Budget of calls per hour, > 0.
    clock, sleep : callable
        Monotonic clock and sleep function (replaceable in tests).
    """

    def __init__(self, calls_per_hour, clock=time.monotonic, sleep=time.sleep):
        if not calls_per_hour or calls_per_hour <= 0:
            raise ValidationError(
                f"calls_per_hour must be a number > 0, got {calls_per_hour!r}")
        self.interval = 3600.0 / float(calls_per_hour)
        self._clock = clock
        self._sleep = sleep
        self._next = None

    def wait(self):
        """Block until the next call is allowed, and book its slot."""
        now = self._clock()
        if self._next is not None and now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval
