"""The YFCC100M's lines: its layouts, its URL-encoded fields, its photos as our raw rows.

The Yahoo Flickr Creative Commons 100 Million (Thomee et al., "YFCC100M: The
New Data in Multimedia Research", Communications of the ACM 59(2), 2016;
arXiv:1503.01817) describes about 99.2 million photos and 0.8 million videos
published on Flickr under Creative Commons licences, about 48 million of
them geotagged. It has no view counts. Each line is one photo or video,
its fields separated by tabs, every text field URL-encoded (``+`` a space,
``%2C`` a comma); tags are comma-separated.

Sources of the layout below: the paper (its list of metadata fields); the
dataset's README as summarised by the Multimedia Commons pages
(multimediacommons.wordpress.com, "YFCC100M Core Dataset"); the column table
of the LBSN tutorial "The YFCC100m dataset" (lbsn.vgiscience.org, after Deng
et al.), which numbers the 25 fields of the single-file release; the
published subsets' column names (the 15-million-photo subset used to train
CLIP: ``photoid, uid, unickname, datetaken, dateuploaded, capturedevice,
title, description, usertags, machinetags, longitude, latitude, accuracy,
pageurl, downloadurl, licensename, licenseurl, serverid, farmid, secret,
secretoriginal, ext, marker``) and public scripts that read the files
(their field indices for the tags, 10, and the marker, 24, of the 25-field
file). Image sizes: Flickr's URL suffixes (``../shared/FLICKR_API.md``).

The 23 fields, in order (:data:`FIELDS`): photo id, user NSID, user
nickname, date taken (``2012-02-16 09:56:37.0``, local time), date uploaded
(Unix seconds), capture device, title, description, user tags, machine
tags, longitude, latitude, accuracy (Flickr's 1-16), page URL, download URL
(the 500-pixel image), licence name, licence URL, server id, farm id,
secret, original secret, original extension, and the marker (0 a photo, 1 a
video). The files come in four layouts (:data:`LAYOUTS`), told apart by
their number of fields: the 23 alone (the 2014 release in ten files), with
a line number first (24), with the photo's hash after its id (24), or both
(25: ``yfcc100m_dataset``, the single-file release).
"""
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlsplit

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .importer import Format, clean_frame

#: The dataset's own fields, in the order of the 2014 release.
FIELDS = ("photo_id", "user_nsid", "user_nickname", "date_taken", "date_uploaded",
          "capture_device", "title", "description", "user_tags", "machine_tags",
          "longitude", "latitude", "accuracy", "page_url", "download_url", "license_name",
          "license_url", "server_id", "farm_id", "secret", "secret_original", "extension",
          "marker")


@dataclass(frozen=True)
class Layout:
    """One published layout of the lines: its name, what it is, and its fields in order."""

    name: str
    description: str
    fields: tuple

    @property
    def width(self):
        """The number of tab-separated fields of a line."""
        return len(self.fields)

    def index(self, name):
        return self.fields.index(name)


_AFTER_ID = FIELDS[1:]
LAYOUTS = {
    layout.name: layout for layout in (
        Layout("yfcc100m-23", "23 fields: the 2014 release, no line number, no photo hash",
               FIELDS),
        Layout("yfcc100m-24-line", "24 fields: a line number, then the 23",
               ("line_number",) + FIELDS),
        Layout("yfcc100m-24-hash", "24 fields: the photo id, its hash, then the other 22",
               ("photo_id", "photo_hash") + _AFTER_ID),
        Layout("yfcc100m-25", "25 fields: a line number, the photo id, its hash, then the "
                              "other 22 (the single-file yfcc100m_dataset)",
               ("line_number", "photo_id", "photo_hash") + _AFTER_ID),
    )
}

#: Where each of our raw columns comes from (``--column`` may change it).
#: ``url_m`` is the download URL (500 pixels), whose address gives the other
#: sizes; ``license`` is read from the licence's URL (or its name).
COLUMNS = {"id": "photo_id", "owner": "user_nsid", "ownername": "user_nickname",
           "title": "title", "datetaken": "date_taken", "dateupload": "date_uploaded",
           "tags": "user_tags", "machine_tags": "machine_tags", "longitude": "longitude",
           "latitude": "latitude", "accuracy": "accuracy", "license": "license_url",
           "server": "server_id", "secret": "secret", "url_m": "download_url"}

#: Lines read to tell the layout.
SNIFF_LINES = 1000
#: The Creative Commons licences of the dataset -> Flickr's licence ids.
LICENSES = {"by-nc-sa": 1, "by-nc": 2, "by-nc-nd": 3, "by": 4, "by-sa": 5, "by-nd": 6}
_LICENSE_NAMES = {"attribution-noncommercial-sharealike license": 1,
                  "attribution-noncommercial license": 2,
                  "attribution-noncommercial-noderivs license": 3, "attribution license": 4,
                  "attribution-sharealike license": 5, "attribution-noderivs license": 6}
_HASH = re.compile(r"^[0-9a-f]{20,40}$")
_DIGITS = re.compile(r"^\d+$")
# http://farm1.staticflickr.com/<server>/<id>_<secret>.jpg: the 500-pixel image.
_IMAGE_URL = re.compile(r"^https?://(?:[a-z0-9-]+\.)*staticflickr\.com/(\d+)/(\d+)_([0-9a-f]+)"
                        r"(?:_[a-z])?\.(?:jpg|png|gif)$")
_PAGE_PATH = re.compile(r"^/photos/([^/]+)/(\d+)/?$")
_IMAGE_HOST = "https://live.staticflickr.com"
#: Our image columns from the download URL: Flickr's size suffixes.
_SIZES = (("url_q", "_q"), ("url_s", "_m"), ("url_m", ""))
# Cleaned like the other formats, tags separated by commas.
_FORMAT = Format(columns={}, tag_separator=",")


@dataclass
class Reading:
    """How to read a file's lines: its layout, and our column -> its field's index."""

    layout: Layout
    positions: dict = field(default_factory=dict)

    @classmethod
    def of(cls, layout, columns=None):
        """The reading of ``layout`` with ``columns`` (our column -> field name or number).

        A field number counts from 1, as ``cut -f`` does.

        Raises
        ------
        ValidationError
            An override names a column the import does not fill from the
            YFCC100M, or a field that the layout does not have.
        """
        positions = {ours: layout.index(theirs) for ours, theirs in COLUMNS.items()}
        positions["marker"] = layout.index("marker")
        positions["page_url"] = layout.index("page_url")
        for ours, theirs in (columns or {}).items():
            if ours not in COLUMNS:
                known = ", ".join(sorted(COLUMNS))
                extra = " (the YFCC100M has no view counts)" if ours == "views" else ""
                raise ValidationError(f"--column {ours}={theirs}: the yfcc100m format fills "
                                      f"only {known}{extra}")
            positions[ours] = _field_position(layout, ours, theirs)
        return cls(layout, positions)


def _field_position(layout, ours, theirs):
    text = str(theirs).strip()
    if _DIGITS.match(text):
        number = int(text)
        if not 1 <= number <= layout.width:
            raise ValidationError(f"--column {ours}={theirs}: the {layout.name} layout has "
                                  f"fields 1 to {layout.width}")
        return number - 1
    if text not in layout.fields:
        raise ValidationError(f"--column {ours}={theirs}: not a field of the {layout.name} "
                              f"layout ({', '.join(layout.fields)}) nor a field number")
    return layout.index(text)


def detect_layout(lines, name="INPUT"):
    """The :class:`Layout` of a file from its first lines (text, without newlines).

    The commonest number of fields among ``lines`` decides (a damaged first
    line does not); 24 fields are a line number and the 23, or the 23 with
    the photo's hash after its id, told by the second field (a 32-digit hex
    hash, or the photo id's digits).

    Raises
    ------
    ValidationError
        No line, or lines whose commonest number of fields is not 23 to 25.
    """
    counts = Counter(line.count("\t") + 1 for line in lines if line.strip())
    if not counts:
        raise ValidationError(f"{name} holds no line to import")
    width, _ = max(counts.items(), key=lambda item: (item[1], -item[0]))
    if width not in (23, 24, 25):
        raise ValidationError(
            f"{name} does not look like the YFCC100M: its lines have {width} tab-separated "
            f"field(s) (the commonest count in its first {len(lines):,} lines), where the "
            "dataset's layouts have 23, 24 or 25")
    if width == 23:
        return LAYOUTS["yfcc100m-23"]
    if width == 25:
        return LAYOUTS["yfcc100m-25"]
    second = Counter(_HASH.match(line.split("\t")[1]) is not None
                     for line in lines if line.count("\t") == 23)
    return LAYOUTS["yfcc100m-24-hash" if second[True] > second[False] else "yfcc100m-24-line"]


def decode(text):
    """One URL-encoded field as text: ``"Caf%C3%A9+Noir"`` -> ``"Café Noir"``."""
    if "%" not in text:
        return text.replace("+", " ")
    return unquote_plus(text, errors="replace")


def decode_list(text, separator=","):
    """Comma-separated URL-encoded values -> ``separator``-separated text.

    Each value is decoded after the split: a ``%2C`` inside a tag is part of
    the tag, not a separator (it becomes a space).
    """
    if not text:
        return ""
    if "%" not in text:
        return text.replace("+", " ") if separator == "," else separator.join(
            t.replace("+", " ") for t in text.split(","))
    return separator.join(unquote_plus(t, errors="replace").replace(",", " ")
                          for t in text.split(","))


def license_id(url, name=""):
    """Flickr's licence id (text) from the licence's URL or name; ``""`` if unknown."""
    parts = [p for p in urlsplit(url).path.split("/") if p] if url else []
    if len(parts) >= 2 and parts[0] == "licenses" and parts[1] in LICENSES:
        return str(LICENSES[parts[1]])
    return str(_LICENSE_NAMES.get(decode(name).strip().lower(), ""))


def image_urls(url):
    """``{url_q, url_s, url_m}`` of a photo from its download URL (``""`` when not Flickr's).

    The download URL is the 500-pixel image (``/<server>/<id>_<secret>.jpg``
    on a ``staticflickr.com`` farm); the square thumbnail and the 240-pixel
    image are the same address with Flickr's suffixes ``_q`` and ``_m``, on
    the current image host.
    """
    found = _IMAGE_URL.match(url)
    if found is None:
        return {name: "" for name, _ in _SIZES}
    server, pid, secret = found.groups()
    base = f"{_IMAGE_HOST}/{server}/{pid}_{secret}"
    return {name: f"{base}{suffix}.jpg" for name, suffix in _SIZES}


def _image_columns(urls):
    """:func:`image_urls` of many download URLs, as one list per column."""
    out = {name: [] for name, _ in _SIZES}
    for url in urls:
        found = _IMAGE_URL.match(url)
        base = f"{_IMAGE_HOST}/{found[1]}/{found[2]}_{found[3]}" if found else None
        for name, suffix in _SIZES:
            out[name].append(f"{base}{suffix}.jpg" if base else "")
    return out


def owner_of_page(url):
    """The owner's NSID in a photo page's URL (``/photos/<owner>/<id>/``), else ``""``."""
    try:
        found = _PAGE_PATH.match(urlsplit(url).path)
    except ValueError:
        return ""
    return unquote_plus(found.group(1)) if found else ""


def parse_lines(lines, first_number, reading, problems):
    """Lines of a YFCC100M file -> the cleaned raw rows of its photos.

    Parameters
    ----------
    lines : list of str
        Decoded lines without their newline; ``first_number`` is the first
        one's line number, for the examples of bad lines.
    reading : Reading
    problems : snapassist.ingest.readers.Problems
        Counts ``broken_line`` (not the layout's number of fields, or a
        marker that is neither 0 nor 1), ``not_utf8``, ``video`` (skipped),
        and the bad rows of every format (see
        :func:`snapassist.ingest.importer.clean_frame`).

    Returns
    -------
    pandas.DataFrame
        Text columns of :data:`snapassist.schema.RAW_MASTER`, ``views`` 0
        (the dataset has none), and ``_row``, the line number.
    """
    width = reading.layout.width
    rows, numbers, broken, utf8 = [], [], [], []
    for offset, line in enumerate(lines):
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != width:
            broken.append(first_number + offset)
            continue
        rows.append(fields)
        numbers.append(first_number + offset)
        if "\ufffd" in line:
            utf8.append(first_number + offset)
    problems.add("broken_line", broken)
    problems.add("not_utf8", utf8)
    columns = list(zip(*rows)) if rows else [()] * width
    numbers = np.asarray(numbers, dtype=np.int64)
    at = reading.positions
    marker = np.asarray(columns[at["marker"]], dtype=object)
    video = marker == "1"
    bad = ~video & (marker != "0")
    problems.add("video", numbers[video])
    problems.add("broken_line", numbers[bad])
    keep = ~(video | bad)

    def column(name):
        return np.asarray(columns[at[name]], dtype=object)[keep]

    frame = {name: column(name) for name in ("id", "datetaken", "dateupload", "longitude",
                                             "latitude", "accuracy", "server", "secret")}
    frame["owner"] = column("owner")
    if not all(frame["owner"]):
        pages = column("page_url")
        frame["owner"] = np.array([o or owner_of_page(p) for o, p in zip(frame["owner"], pages)],
                                  dtype=object)
    frame["ownername"] = [decode(t) for t in column("ownername")]
    frame["title"] = [decode(t) for t in column("title")]
    frame["tags"] = [decode_list(t) for t in column("tags")]
    frame["machine_tags"] = [decode_list(t, " ") for t in column("machine_tags")]
    frame["license"] = [license_id(t) for t in column("license")]
    frame.update(_image_columns(column("url_m")))
    frame["datetaken"] = [t[:-2] if t.endswith(".0") else t for t in frame["datetaken"]]
    frame["views"] = np.full(int(keep.sum()), "0", dtype=object)
    table = pd.DataFrame({name: pd.Series(values, dtype=object)
                          for name, values in frame.items()})
    return clean_frame(table, numbers[keep], _FORMAT, problems)


def photo_lines(photos, layout, start_line=0):
    """The inverse of :func:`parse_lines`: photos as lines of ``layout`` (for test files).

    ``photos`` has our raw columns (``id``, ``owner``, ``title``,
    ``datetaken``, ``tags`` space-separated, ``latitude``...), and may have
    ``marker`` (1 for a video). Text is URL-encoded as the dataset does;
    line numbers count from ``start_line``. Returns a list of str without
    newlines.
    """
    import hashlib
    from urllib.parse import quote_plus

    n = len(photos)

    def text(name, default=""):
        if name not in photos:
            return [default] * n
        return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                for v in photos[name]]

    taken = (pd.to_datetime(photos["datetaken"]).dt.strftime("%Y-%m-%d %H:%M:%S.0")
             .fillna("").tolist() if "datetaken" in photos else [""] * n)
    upload = (pd.to_datetime(photos["dateupload"]).astype("int64") // 10**9).astype(str).tolist()\
        if "dateupload" in photos else [""] * n
    ids, owners = text("id"), text("owner")
    servers, secrets = text("server", "1"), text("secret", "0123456789")
    values = {
        "photo_id": ids, "user_nsid": owners,
        "user_nickname": [quote_plus(t) for t in text("ownername")],
        "date_taken": taken, "date_uploaded": upload, "capture_device": [""] * n,
        "title": [quote_plus(t) for t in text("title")], "description": [""] * n,
        "user_tags": [",".join(quote_plus(w) for w in t.split()) for t in text("tags")],
        "machine_tags": [",".join(quote_plus(w) for w in t.split())
                         for t in text("machine_tags")],
        "longitude": text("longitude"), "latitude": text("latitude"),
        "accuracy": text("accuracy", "16"),
        "page_url": [f"http://www.flickr.com/photos/{o}/{i}/" for o, i in zip(owners, ids)],
        "download_url": [f"http://farm1.staticflickr.com/{s}/{i}_{c}.jpg"
                         for s, i, c in zip(servers, ids, secrets)],
        "license_name": ["Attribution License"] * n,
        "license_url": ["http://creativecommons.org/licenses/by/2.0/"] * n,
        "server_id": servers, "farm_id": ["1"] * n, "secret": secrets,
        "secret_original": secrets, "extension": ["jpg"] * n,
        "marker": text("marker", "0"),
        "line_number": [str(start_line + i) for i in range(n)],
        "photo_hash": [hashlib.md5(i.encode()).hexdigest() for i in ids],
    }
    return ["\t".join(row) for row in zip(*(values[name] for name in layout.fields))]

