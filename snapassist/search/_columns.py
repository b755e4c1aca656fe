"""The columns of a photo table made usable: dtypes, required columns, EXIF joined on id."""
import logging

import numpy as np
import pandas as pd

from .. import schema

log = logging.getLogger(__name__)


def normalize_columns(frame, columns, source):
    """Give the required and known columns usable dtypes, cheaply.

    Old tables may store ids as integers or views as floats; pandas 3 may
    read strings back as its ``str`` dtype. Columns already right are left
    alone, so loading a table we wrote costs nothing here.
    """
    schema.check_required(frame, source)
    frame = frame.reset_index(drop=True)
    for name, kind in columns.items():
        if name not in frame.columns:
            continue
        col = frame[name]
        if kind == "str":
            if not schema.is_text_dtype(col.dtype) or (
                    name in schema.REQUIRED_COLUMNS and col.isna().any()):
                frame[name] = schema.coerce_column(col, "str", name)[0]
        elif str(col.dtype) != schema.DTYPES[kind]:
            frame[name] = schema.coerce_column(col, kind, name)[0]
    bad = frame["latitude"].isna() | frame["longitude"].isna()
    if bad.any():
        log.warning("%s: ignoring %d photo(s) without a position", source, int(bad.sum()))
        frame = frame[~bad].reset_index(drop=True)
    return frame


def join_exif(master, exif=None):
    """``master`` with every EXIF column (``schema.EXIF``) joined on ``id``, in place.

    ``exif``: the camera settings indexed by id; without it (or for a photo
    it lacks) the values are missing.
    """
    # One lookup of the ids for every EXIF column (reindexing each column
    # looked them all up again: seconds at a million photos).
    where = exif.index.get_indexer(master["id"]) if exif is not None else None
    for name, kind in schema.EXIF.items():
        if exif is not None and name in exif.columns:
            master[name] = _take_or_nan(exif[name], where)
        else:
            master[name] = pd.Series(np.nan, index=master.index,
                                     dtype="str" if kind == "str" else "float64")
    return master


def _take_or_nan(column, where):
    """``column`` at positions ``where``, NaN where ``where`` is -1 (as reindex gives)."""
    if not len(column):
        return column.reindex(range(len(where))).to_numpy()
    found = where >= 0
    return column.take(np.where(found, where, 0)).where(found).to_numpy()


def normalize_columns_exif(popular, cols):
    popular = popular.reset_index(drop=True)
    popular["id"] = schema.coerce_column(popular["id"], "str", "id")[0]
    for name in cols:
        kind = schema.EXIF[name]
        if kind == "str" and not schema.is_text_dtype(popular[name].dtype):
            popular[name] = popular[name].astype("str")
        elif kind != "str" and str(popular[name].dtype) != schema.DTYPES[kind]:
            popular[name] = schema.coerce_column(popular[name], kind, name)[0]
    return popular
