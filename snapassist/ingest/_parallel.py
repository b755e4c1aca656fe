"""Where the world import's tasks run: in this process, or on a Dask cluster.

The only module of :mod:`snapassist.ingest` that imports dask (and it does
so only when a cluster is asked for). Both runners run the same task
functions on the same arguments and hand each result to the caller as it
comes; a task that fails is reported by name and the others go on, so a
rerun has only the failed ones left to do. A full disk
(:class:`~snapassist.errors.DiskFullError`) stops them all instead.
"""
import logging
import re
import uuid

from ..dask_client import DaskClient
from ..errors import DiskFullError

log = logging.getLogger(__name__)


def own_peak_bytes():
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` where there is no /proc).

    ``ru_maxrss`` alone would not do in a forked process: Linux counts in it
    the parent's size at the fork.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            found = re.search(r"VmHWM:\s+(\d+) kB", status.read())
        if found:
            return int(found.group(1)) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class LocalRunner:
    """The tasks one after another in this process (the default: no cluster)."""

    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def run(self, fn, shared, jobs, on_done, name=str):
        """Call ``fn(shared, job)`` for each job, then ``on_done(job, result)``.

        Returns ``{name(job): "ExceptionType: message"}`` of the jobs that failed.
        """
        failed = {}
        for job in jobs:
            try:
                result = fn(shared, job)
            except DiskFullError:
                raise           # every other task would fail alike: stop at once
            except Exception as exc:  # noqa: BLE001 - one task must not stop the others
                failed[name(job)] = f"{type(exc).__name__}: {exc}"
                log.error("%s failed: %s", name(job), failed[name(job)])
                continue
            on_done(job, result)
        return failed

    def peak_memory(self):
        """``{worker: peak resident bytes}``: here, this process."""
        return {"local": own_peak_bytes()}


class DaskRunner:
    """The tasks on a Dask cluster: a new LocalCluster of ``workers`` processes, or ``scheduler``'s.

    Raises
    ------
    ConfigError
        The scheduler cannot be reached (on first use).
    """

    def __init__(self, workers=None, scheduler=None, connect_timeout_s=10):
        self._dask = DaskClient(workers, scheduler, connect_timeout_s)

    @property
    def workers(self):
        """The number of workers the cluster has now."""
        return max(1, len(self._client().scheduler_info().get("workers", {})))

    def __enter__(self):
        self._client()
        return self

    def __exit__(self, *exc):
        self._dask.close()

    def _client(self):
        return self._dask.get()

    def run(self, fn, shared, jobs, on_done, name=str):
        """As :meth:`LocalRunner.run`, the jobs spread over the workers.

        ``shared`` (the same for every job, possibly large: a bzip2 block
        index) is sent to each worker once. Results come back in the order
        the tasks end; only they, never the data, reach this process.
        """
        from dask.distributed import as_completed

        client = self._client()
        jobs = list(jobs)
        if not jobs:
            return {}
        common = client.scatter(shared, broadcast=True, hash=False)
        run_id = uuid.uuid4().hex[:8]
        futures = []
        for order, job in enumerate(jobs):
            # Earlier jobs first (they are given largest first, or in file order).
            futures.append(client.submit(
                fn, common, job, pure=False, priority=-order,
                key=f"{getattr(fn, '__name__', 'task')}-{name(job)}-{run_id}"))
        job_of = {future.key: job for future, job in zip(futures, jobs)}
        failed = {}
        for future in as_completed(futures):
            job = job_of.pop(future.key)
            if future.status == "error":
                exc = future.exception()
                if isinstance(exc, DiskFullError):
                    raise exc   # every other task would fail alike
                failed[name(job)] = f"{type(exc).__name__}: {exc}"
                log.error("%s failed: %s", name(job), failed[name(job)])
            else:
                on_done(job, future.result())
            future.release()
        return failed

    def peak_memory(self):
        """``{worker address: peak resident bytes}`` of every worker."""
        return self._client().run(own_peak_bytes)
