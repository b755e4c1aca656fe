"""Columns and dtypes of SnapAssist's four tables.

Raw tables are what the scrapers write: every Flickr field kept as the text
Flickr sent (Flickr sends numbers as strings or numbers at random, and an
HDF5 table needs one type per column), plus the parsed EXIF columns in the
popular table. Processed tables hold the same fields coerced to the dtypes
below, plus derived columns. The 2018 column names are kept so that its
tables still load.

Dtype kinds: ``"str"`` (pandas' default string dtype ``"str"``; object
columns of Python strings are accepted too), ``"int"`` (int64),
``"float"`` (float64, NaN when missing), ``"datetime"`` (datetime64[ns]).
"""
import numpy as np
import pandas as pd

from .errors import TableError

# Fields asked from flickr.photos.search, in the order we store them.
# (name, kind in processed tables, meaning)
_FLICKR_FIELDS = [
    ("id", "str", "Flickr photo id"),
    ("owner", "str", "owner's NSID"),
    ("ownername", "str", "owner's display name"),
    ("secret", "str", "secret used in image URLs"),
    ("server", "str", "image server used in image URLs"),
    ("title", "str", "photo title (user-written)"),
    ("datetaken", "datetime", "date taken, photographer's local time"),
    ("datetakengranularity", "int", "0 exact, 2 the day but no time (imported), 4 month, "
                                    "6 year, 8 circa"),
    ("datetakenunknown", "int", "1 when datetaken is really the upload time"),
    ("dateupload", "datetime", "upload time, UTC"),
    ("views", "int", "number of views"),
    ("tags", "str", "space-separated normalised Flickr tags"),
    ("machine_tags", "str", "space-separated machine tags"),
    ("latitude", "float", "degrees"),
    ("longitude", "float", "degrees"),
    ("accuracy", "int", "geotag accuracy 1-16 (16 = street level)"),
    ("context", "int", "0 undefined, 1 indoors, 2 outdoors"),
    ("place_id", "str", "Flickr place id"),
    ("woeid", "str", "Where-On-Earth id"),
    ("license", "int", "licence id 0-16"),
    ("url_q", "str", "150 px square thumbnail"),
    ("url_s", "str", "240 px image"),
    ("width_s", "float", "px"),
    ("height_s", "float", "px"),
    ("url_m", "str", "500 px image"),
    ("width_m", "float", "px"),
    ("height_m", "float", "px"),
    ("url_l", "str", "1024 px image"),
    ("width_l", "float", "px"),
    ("height_l", "float", "px"),
    ("url_o", "str", "original image"),
    ("width_o", "float", "px"),
    ("height_o", "float", "px"),
    ("o_width", "float", "original width, px"),
    ("o_height", "float", "original height, px"),
]

# Columns the processed master table adds.
_DERIVED_FIELDS = [
    ("title_cleaned", "str", "title transliterated to ASCII, punctuation as spaces"),
    ("hour", "float", "hour taken 0-23, NaN unless the date is exact"),
    ("month", "float", "month taken 1-12, NaN unless the day is known (granularity 0 or 2)"),
    ("sun_elevation", "float", "the sun's elevation when taken, degrees; NaN unless the "
                               "date is exact"),
    ("light", "str", "light when taken: night, blue, golden or day; '' unknown"),
]

# Columns scraper 2 adds from flickr.photos.getExif (already parsed).
_EXIF_FIELDS = [
    ("Camera", "str", "camera make and model"),
    ("Lens", "str", "lens model"),
    ("FocalLength", "float", "focal length, mm"),
    ("FocalLengthIn35mmFormat", "float", "35 mm equivalent focal length, mm"),
    ("FNumber", "float", "f-number"),
    ("ExposureTime", "float", "exposure time, seconds"),
    ("ISO", "float", "ISO speed"),
    ("exif_status", "str", "'ok', 'permission_denied' or 'not_found'"),
]

DTYPES = {"str": "str", "int": "int64", "float": "float64", "datetime": "datetime64[ns]"}

#: The Flickr search extras that fill the fields above.
FLICKR_EXTRAS = ("date_taken,date_upload,owner_name,views,tags,machine_tags,geo,"
                 "license,o_dims,url_q,url_s,url_m,url_l,url_o")

#: name -> kind, for each table.
RAW_MASTER = {name: "str" for name, _, _ in _FLICKR_FIELDS}
PROCESSED_MASTER = {name: kind for name, kind, _ in _FLICKR_FIELDS + _DERIVED_FIELDS}
EXIF = {name: kind for name, kind, _ in _EXIF_FIELDS}
RAW_POPULAR = {**RAW_MASTER, **EXIF}
PROCESSED_POPULAR = {**PROCESSED_MASTER, **EXIF}

#: What a processed table must have to be searched; everything else is optional.
REQUIRED_COLUMNS = ("id", "owner", "views", "tags", "latitude", "longitude")
#: The camera settings a photo may carry (from the popular table's EXIF).
EXIF_NUMERIC = ("FocalLength", "FocalLengthIn35mmFormat", "FNumber", "ExposureTime", "ISO")
EXIF_TEXT = ("Camera", "Lens")
#: Text columns a photo's summary (as a page or the API shows it) reads.
SUMMARY_TEXT = ("id", "owner", "ownername", "title", "url_q", "url_s", "url_m", "url_l")
#: Every column finding a search's spots reads: a search need copy no others.
USED_COLUMNS = tuple(dict.fromkeys(
    ("views", "latitude", "longitude", "hour", "month", "datetaken", "light")
    + SUMMARY_TEXT + EXIF_TEXT + EXIF_NUMERIC))


def used_columns(columns):
    """The columns of ``columns`` (a table's) that finding spots reads, in ``USED_COLUMNS`` order.

    Old tables may lack some optional ones; those are left out.
    """
    columns = set(columns)
    return [name for name in USED_COLUMNS if name in columns]

#: One-line meaning of every column, for documentation and the web app.
DESCRIPTIONS = {name: doc for name, _, doc in _FLICKR_FIELDS + _DERIVED_FIELDS + _EXIF_FIELDS}

# Fill values for int columns with missing entries.
_INT_FILL = {"datetakengranularity": 0, "datetakenunknown": 0, "views": 0,
             "accuracy": 0, "context": 0, "license": 0}


def empty_frame(columns):
    """An empty DataFrame with the given ``name -> kind`` columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=DTYPES[kind]) for name, kind in columns.items()})


def coerce_column(values, kind, name=""):
    """Coerce one column to ``kind``; return ``(series, bad_mask)``.

    ``bad_mask`` marks entries that were present but could not be parsed;
    missing entries (None, NaN, "") are not bad. Strings stay Python strings
    (``""`` for missing); numbers and dates become NaN/NaT where bad, ints are
    filled with 0 (or the column's documented default).
    """
    s = pd.Series(values, copy=False)
    if kind == "str":
        if isinstance(s.dtype, pd.StringDtype):
            out = s.fillna("")
        else:
            # Ids stored as numbers by old tables must not become "123.0".
            out = s.astype(object).where(s.notna(), "").map(_to_text)
        return out.astype("str"), np.zeros(len(s), dtype=bool)
    present = s.notna() & (s.astype(str).str.strip() != "")
    if kind in ("int", "float"):
        num = pd.to_numeric(s, errors="coerce")
        bad = (present & num.isna()).to_numpy()
        if kind == "int":
            num = num.fillna(_INT_FILL.get(name, 0)).round().astype("int64")
        else:
            num = num.astype("float64")
        return num, bad
    if kind == "datetime":
        if pd.api.types.is_datetime64_any_dtype(s):
            out = s.astype("datetime64[ns]")
        elif name == "dateupload" or pd.api.types.is_numeric_dtype(s):
            secs = pd.to_numeric(s, errors="coerce")
            out = pd.to_datetime(secs, unit="s", errors="coerce").astype("datetime64[ns]")
            # Upload times may also arrive as date strings in old tables.
            text = s.where(secs.isna() & present)
            if text.notna().any():
                out = out.fillna(pd.to_datetime(text, errors="coerce", format="mixed"))
        else:
            out = pd.to_datetime(s.where(present), errors="coerce", format="mixed")
            out = out.astype("datetime64[ns]")
        bad = (present & out.isna()).to_numpy()
        return out, bad
    raise ValueError(f"unknown column kind {kind!r} for column {name!r}")


def is_text_dtype(dtype):
    """Whether ``dtype`` holds text: pandas' string dtypes or plain object."""
    return dtype == object or isinstance(dtype, pd.StringDtype)


def _to_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def coerce_frame(df, columns, add_missing=True):
    """Coerce every known column of ``df`` to its kind in ``columns``.

    Returns ``(frame, bad_rows)`` where ``bad_rows`` is a boolean array of
    rows that held at least one unparseable value. Unknown columns are kept
    as they are; missing known columns are added empty when ``add_missing``.
    """
    out = {}
    bad = np.zeros(len(df), dtype=bool)
    for name in df.columns:
        if name in columns:
            out[name], col_bad = coerce_column(df[name].reset_index(drop=True),
                                               columns[name], name)
            bad |= col_bad
        else:
            out[name] = df[name].reset_index(drop=True)
    frame = pd.DataFrame(out)
    if add_missing:
        for name, kind in columns.items():
            if name not in frame.columns:
                frame[name] = empty_frame({name: kind})[name].reindex(range(len(frame)))
                if kind == "str":
                    frame[name] = pd.Series([""] * len(frame), dtype="str")
                elif kind == "int":
                    frame[name] = np.full(len(frame), _INT_FILL.get(name, 0), dtype="int64")
    frame.index = df.index
    return frame, bad


def check_required(df, path="<table>"):
    """Raise :class:`TableError` naming ``path`` if a required column is missing."""
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise TableError(
            f"{path} lacks the required column(s) {', '.join(missing)}; "
            f"a photo table needs {', '.join(REQUIRED_COLUMNS)}",
            path=path,
        )
