"""Scraper 2: EXIF camera settings of the most viewed photos.

Takes the photos of a raw master table whose views are strictly above the
75th percentile, splits them into divisions, and calls
``flickr.photos.getExif`` once per photo. Each finished division is
checkpointed at once (see :mod:`._checkpoint`); a rerun skips finished
divisions. "Photo not found" (code 1) and "permission denied" (code 2) are
final answers for one photo: recorded in ``exif_status``, never retried.
"""
import hashlib
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import FlickrFinalError, TableError, ValidationError
from ..schema import EXIF, RAW_POPULAR
from ..io import read_table, read_table_attrs
from ._checkpoint import Checkpoint
from ._exif_parse import parse_exif

log = logging.getLogger(__name__)

_STATUS_BY_CODE = {1: "not_found", 2: "permission_denied"}


def select_popular(master, percentile=config.EXIF_PERCENTILE):
    """Rows of ``master`` whose views are strictly above ``percentile``.

    Views arrive as text; unreadable views count as 0. Duplicate ids are
    dropped (first kept).
    """
    if "id" not in master.columns or "views" not in master.columns:
        raise TableError("the master table needs the columns 'id' and 'views', has "
                         f"{', '.join(map(str, master.columns))}")
    master = master.drop_duplicates("id", keep="first")
    views = pd.to_numeric(master["views"], errors="coerce").fillna(0).to_numpy()
    if len(views) == 0:
        return master.iloc[:0]
    threshold = np.percentile(views, percentile)
    return master[views > threshold].reset_index(drop=True)


def fetch_exif(client, photo_id, secret=None):
    """EXIF columns for one photo, with ``exif_status`` set.

    Codes 1 and 2 give ``'not_found'`` / ``'permission_denied'`` and empty
    values; every other error propagates.
    """
    try:
        photo = client.get_exif(photo_id, secret=secret or None)
    except FlickrFinalError as exc:
        status = _STATUS_BY_CODE.get(exc.code)
        if status is None:
            raise
        row = {name: ("" if kind == "str" else math.nan) for name, kind in EXIF.items()}
        row["exif_status"] = status
        return row
    row = parse_exif(photo)
    row["exif_status"] = "ok"
    return row


def _exif_frame(rows, ids):
    frame = pd.DataFrame(rows, columns=list(EXIF))
    frame.insert(0, "id", list(ids))
    for name, kind in EXIF.items():
        frame[name] = frame[name].astype(object if kind == "str" else "float64")
    frame["id"] = frame["id"].astype(object)
    return frame


def scrape_exif(client, master_path, divisions, out_path, progress=None):
    """Fetch EXIF for the popular photos of ``master_path`` into ``out_path``.

    Parameters
    ----------
    client : FlickrClient
    master_path, out_path : pathlib.Path
    divisions : int
        Number of chunks (>= 1); each is saved as soon as it is finished.
    progress : callable, optional
        ``progress(division, n_photos)`` after each division.

    Returns
    -------
    pandas.DataFrame
        The raw popular table: master columns + EXIF columns, joined on id.
    """
    if isinstance(divisions, bool) or not isinstance(divisions, (int, np.integer)) \
            or divisions < 1:
        raise ValidationError(f"DIVISIONS must be an integer >= 1, got {divisions!r}")
    master = read_table(master_path, "raw master table")
    popular = select_popular(master)
    ids = popular["id"].astype(str).tolist()
    digest = hashlib.sha1("\n".join(ids).encode()).hexdigest()
    signature = {"scraper": "exif", "master": str(Path(master_path).resolve()),
                 "divisions": int(divisions), "photos": digest}
    checkpoint = Checkpoint(out_path, signature)
    done = checkpoint.open()
    secrets = (popular["secret"].astype(str).tolist() if "secret" in popular.columns
               else [None] * len(ids))
    bounds = np.linspace(0, len(ids), int(divisions) + 1).round().astype(int)
    units = [f"division-{d:05d}" for d in range(int(divisions))]
    log.info("%d popular photos (views above the %dth percentile) in %d divisions",
             len(ids), config.EXIF_PERCENTILE, divisions)
    for d, unit in enumerate(units):
        lo, hi = bounds[d], bounds[d + 1]
        if unit in done:
            if progress:
                progress(unit, None)
            continue
        rows = [fetch_exif(client, ids[i], secrets[i]) for i in range(lo, hi)]
        frame = _exif_frame(rows, ids[lo:hi])
        checkpoint.save(unit, frame)
        log.info("%s: %d photos, %d with EXIF", unit, len(frame),
                 int((frame["exif_status"] == "ok").sum()))
        if progress:
            progress(unit, len(frame))
    exif = checkpoint.load(units)
    if exif is None:
        exif = _exif_frame([], [])
    base = popular.drop(columns=[c for c in EXIF if c in popular.columns])
    table = base.merge(exif, on="id", how="left", validate="one_to_one")
    order = [c for c in RAW_POPULAR if c in table.columns]
    table = table[order + [c for c in table.columns if c not in order]]
    checkpoint.finish(table, attrs=read_table_attrs(master_path))
    log.info("wrote %d popular photos to %s", len(table), out_path)
    return table
