"""The Dask client of the batch work: the precompute and the import's tasks.

Made on first use, either on a new LocalCluster of this machine's processes
or on an existing scheduler's cluster, and closed by whoever made it.
"""
from . import config
from .errors import ConfigError


class DaskClient:
    """A Dask client, made on first use: a new LocalCluster of ``workers`` or ``scheduler``'s.

    A LocalCluster runs one thread per process: OPTICS and the import's
    parsing hold the GIL, and each worker's memory then holds one task's data
    at a time. Its dashboard takes any free port (with the default, Dask
    still takes 8787 and warns when another run holds it).

    Raises
    ------
    ConfigError
        From :meth:`get`, if the scheduler cannot be reached within
        ``connect_timeout_s`` seconds.
    """

    def __init__(self, workers=None, scheduler=None, connect_timeout_s=None):
        self.workers, self.scheduler = workers, scheduler
        self.timeout = (config.PRECOMPUTE_CONNECT_TIMEOUT_S if connect_timeout_s is None
                        else connect_timeout_s)
        self.cluster = self.client = None

    def get(self):
        """The client (connecting, or starting the cluster, the first time)."""
        if self.client is not None:
            return self.client
        from dask.distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                self.client = Client(self.scheduler, timeout=f"{self.timeout}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ConfigError(f"cannot reach the Dask scheduler {self.scheduler!r} within "
                                  f"{self.timeout} s: {exc}") from exc
            return self.client
        self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                    processes=True, host="127.0.0.1", dashboard_address=":0")
        self.client = Client(self.cluster)
        return self.client

    def close(self):
        """Close the client, and the cluster if it was started here."""
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None
