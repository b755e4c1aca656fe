"""The demo tables the web app serves by default, built once into the cache folder."""
import fcntl
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .. import __version__, config
from ..errors import ConfigError
from .generator import build_demo_tables

log = logging.getLogger(__name__)


def ensure_demo_tables(cache_dir, n_photos=config.DEMO_N_PHOTOS, seed=config.DEMO_SEED):
    """Build the demo tables into ``cache_dir`` once and return their folder.

    Safe when several processes (gunicorn workers) call it at once: one builds
    under an exclusive lock into a temporary folder renamed into place; the
    others wait on the lock and then find the finished folder.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / f"demo-v{__version__}-n{n_photos}-s{seed}"
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
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


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
