"""A photo as SnapAssist shows it: a small JSON-ready summary with safe URLs.

User-written fields pass through as text (the pages escape them); image and
page URLs are kept only when they point at Flickr, so a table cannot make a
page load anything from elsewhere.
"""
from urllib.parse import quote, urlsplit

import numpy as np
import pandas as pd

from ..schema import EXIF_NUMERIC, EXIF_TEXT

#: Hosts whose images we are willing to show; anything else is dropped.
FLICKR_HOSTS = ("flickr.com", "staticflickr.com")


def photo_summary(row):
    """One photo as a small JSON-ready dict with safe URLs and its settings."""
    owner, pid = text_of(row.get("owner")), text_of(row.get("id"))
    url = _first_flickr_url(row, ("url_m", "url_s", "url_l", "url_q"))
    thumb = _first_flickr_url(row, ("url_q", "url_s", "url_m"))
    summary = {
        "id": pid, "owner": owner, "ownername": text_of(row.get("ownername")),
        "title": text_of(row.get("title")), "views": int(row.get("views", 0) or 0),
        "url": url, "thumb_url": thumb or url,
        "page_url": (f"https://www.flickr.com/photos/{quote(owner, safe='@')}/"
                     f"{quote(pid, safe='')}/") if owner and pid else None,
    }
    for name in EXIF_TEXT:
        summary[name] = text_of(row.get(name)) or None
    for name in EXIF_NUMERIC:
        value = pd.to_numeric(row.get(name), errors="coerce")
        summary[name] = float(value) if np.isfinite(value) else None
    return summary


def text_of(value):
    """A cell as stripped text; ``""`` for missing values of any kind."""
    if isinstance(value, str):
        return value.strip()
    if value is None or pd.isna(value):
        return ""
    return str(value)


def safe_flickr_url(url):
    """``url`` if it is an http(s) URL on a Flickr host, else ``None``."""
    url = text_of(url)
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if not any(host == h or host.endswith("." + h) for h in FLICKR_HOSTS):
        return None
    return url


def _first_flickr_url(row, columns):
    for name in columns:
        url = safe_flickr_url(row.get(name))
        if url:
            return url
    return None
