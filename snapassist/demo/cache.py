"""The demo tables the web app serves by default, built once into the cache folder."""
import fcntl
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .. import __version__, config
from ..errors import ConfigError
from .generator import DATA_VERSION, build_demo_tables

log = logging.getLogger(__name__)


def ensure_demo_tables(cache_dir, n_photos=config.DEMO_N_PHOTOS, seed=config.DEMO_SEED):
    """Build the demo tables into ``cache_dir`` once and return their folder.

    Safe when several processes (gunicorn workers) call it at once: one builds
    under an exclusive lock into a temporary folder renamed into place; the
    others wait on the lock and then find the finished folder.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / f"demo-v{__version__}-d{DATA_VERSION}-n{n_photos}-s{seed}"
    if config.has_tables(target):
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the cache folder {str(cache_dir)!r}: {exc}") from exc
    with open(cache_dir / ".demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if config.has_tables(target):
                return target
            log.info("building the demo tables (%d photos) in %s", n_photos, target)
            tmp = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=cache_dir))
            try:
                build_demo_tables(tmp, n_photos=n_photos, seed=seed)
                precompute_demo(tmp)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def precompute_demo(folder):
    """Store the answers of the demo's subjects too broad to search live.

    So the first searches people try ("toronto") get spots at once. Done on a
    one-process Dask cluster; when that cannot run, the demo still works,
    with those subjects answered by the live budget's suggestions.
    """
    from ..precompute import precompute_folder

    try:
        report = precompute_folder(folder, workers=1)
    except Exception as exc:  # noqa: BLE001 - the demo must start whatever Dask does
        log.warning("could not precompute the demo's broad subjects (%s: %s); they will "
                    "be answered with narrower suggestions", type(exc).__name__, exc)
        return None
    if report.failed:
        log.warning("could not precompute %s", ", ".join(sorted(report.failed)))
    log.info("precomputed %d broad demo subjects", len(report.subjects))
    return report


def resolve_tables(environ=None, cwd=None):
    """Which tables to serve: ``(folder, is_demo)``.

    ``FLICKR_TABLES_FOLDER`` wins; else the current folder if it holds tables
    (see :func:`snapassist.config.find_tables_folder`); else the demo tables,
    built once into the cache folder.
    """
    folder = config.find_tables_folder(environ, cwd)
    if folder is not None:
        return folder, False
    return ensure_demo_tables(config.get_cache_dir(environ)), True
