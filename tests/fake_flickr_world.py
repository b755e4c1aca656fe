"""The photo world behind the fake Flickr server, and what a correct scraper must get from it.

A generated table of photos (positions, dates, tags, views, camera settings)
plus the helpers that say, independently of the code under test, which photo
ids a scrape of an area and period must return and what EXIF a parser must
read. Kept apart from the server (``fake_flickr.py``) so each stays small.
"""
import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

CAP = 4000
EPOCH = datetime(1970, 1, 1)
CENTER = (43.68641, -79.489219)
KM_PER_DEG = 111.19492664455873
EARTH_KM = 6371.0088

_TAGS = np.array(["cntower", "toronto", "skyline", "graffiti", "sunset", "lake",
                  "streetart", "snow", "night", "architecture", "uploaded:by=instagram",
                  "kensingtonmarket", "distillerydistrict", "cityhall", "bridge"])
_TITLES = np.array(["CN Tower at night \U0001F303", "Caf\u00e9 <b>bold</b> & co", "",
                    "Toronto's \"best\" view", "Nathan Phillips Square \u2014 winter",
                    "IMG_0042", "Graffiti Alley!!!", "\u6771\u4eac? no, Toronto"])
# (make, model, camera label Flickr shows) - the label is what a parser must
# rebuild from Make + Model when "camera" is empty.
_CAMERAS = [("Canon", "Canon EOS 5D Mark III", "Canon EOS 5D Mark III"),
            ("NIKON", "D750", "NIKON D750"),
            ("Apple", "iPhone 12", "Apple iPhone 12")]
_LENSES = ["EF24-70mm f/2.8L II USM", "AF-S NIKKOR 50mm f/1.8G", "iPhone back camera"]
# (value, raw strings Flickr may send for it)
_EXPOSURES = [(1 / 50, ["1/50"]), (1 / 2.5, ["1/2.5"]), (0.5, ["0.5", "1/2"]),
              (10.0, ["10/1", "10"]), (2.0, ["2"]), (1 / 250, ["1/250", "0.004"])]
_FNUMBERS = [(1.8, ["1.8", "18/10"]), (7.1, ["7.1", "71/10"]), (11.0, ["11.0", "11"])]
_FOCALS = [(70.0, ["70.0 mm", "70 mm"]), (35.0, ["35.0 mm"]), (4.2, ["4.2 mm"])]
_ISOS = [100.0, 250.0, 3200.0]


def to_mysql(seconds):
    """Naive epoch seconds -> ``"YYYY-MM-DD HH:MM:SS"``."""
    return (EPOCH + timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%S")


def from_mysql(text):
    """``"YYYY-MM-DD[ HH:MM:SS]"`` -> naive epoch seconds."""
    text = text.strip()
    fmt = "%Y-%m-%d %H:%M:%S" if " " in text else "%Y-%m-%d"
    return int((datetime.strptime(text, fmt) - EPOCH).total_seconds())


def make_world(day_counts, seed=0, center=CENTER, radius_km=25.0,
               outside_fraction=0.15, untagged_fraction=0.02, bursts=()):
    """Generate a world of photos as a DataFrame sorted by (datetaken, id).

    Parameters
    ----------
    day_counts : dict
        ``"YYYY-MM-DD" -> number of photos taken that day``.
    outside_fraction : float
        Share of photos placed in the circle's bounding box but outside it.
    untagged_fraction : float
        Share of photos matched by place but without a real geotag (they are
        reported with latitude, longitude and accuracy 0).
    bursts : iterable of (str, int)
        ``("YYYY-MM-DD HH:MM:SS", n)``: n extra photos all taken that second.
    """
    rng = np.random.default_rng(seed)
    times = []
    for day, n in day_counts.items():
        start = from_mysql(day)
        # Busy afternoons, quiet nights, and a few dense minutes.
        hours = rng.choice(24, size=n, p=_diurnal())
        secs = start + hours * 3600 + rng.integers(0, 3600, size=n)
        dense = rng.random(n) < 0.1
        secs[dense] = start + 15 * 3600 + rng.integers(0, 60, size=dense.sum())
        times.append(secs)
    for when, n in bursts:
        times.append(np.full(n, from_mysql(when)))
    taken = np.concatenate(times) if times else np.zeros(0, dtype=np.int64)
    n = len(taken)
    ids = rng.permutation(n) + 10_000_000_000
    lat0, lon0 = center
    dlat = radius_km / KM_PER_DEG
    dlon = dlat / math.cos(math.radians(lat0))
    # Inside the circle: uniform by area; outside: uniform in the bounding box.
    r = radius_km * np.sqrt(rng.random(n)) * 0.999
    theta = rng.random(n) * 2 * np.pi
    lat = lat0 + r * np.cos(theta) / KM_PER_DEG
    lon = lon0 + r * np.sin(theta) / (KM_PER_DEG * math.cos(math.radians(lat0)))
    out = rng.random(n) < outside_fraction
    corner = rng.integers(0, 4, size=out.sum())
    # Corners of the box lie outside the circle.
    lat[out] = lat0 + np.where(corner % 2, 1, -1) * dlat * rng.uniform(0.8, 1.0, out.sum())
    lon[out] = lon0 + np.where(corner // 2, 1, -1) * dlon * rng.uniform(0.8, 1.0, out.sum())
    untagged = rng.random(n) < untagged_fraction
    gran = rng.choice([0, 4, 6, 8], size=n, p=[0.9, 0.05, 0.03, 0.02])
    world = pd.DataFrame({
        "id": ids.astype(str),
        "owner": [f"{k}@N0{k % 9}" for k in rng.integers(1_000_000, 9_000_000, n)],
        "ownername": rng.choice(["Ana", "Bj\u00f6rk", "", "\U0001F4F7 guy"], size=n),
        "secret": [f"{k:010x}" for k in rng.integers(0, 2**40, n)],
        "server": rng.integers(1000, 9999, n).astype(str),
        "title": rng.choice(_TITLES, size=n),
        "datetaken_s": taken.astype(np.int64),
        "datetakengranularity": gran,
        "datetakenunknown": (rng.random(n) < 0.03).astype(int),
        "dateupload": taken + rng.integers(3600, 30 * 86400, n) + 5 * 3600,
        "views": np.floor(rng.lognormal(3.0, 1.5, n)).astype(np.int64),
        "tags": [" ".join(rng.choice(_TAGS, size=k, replace=False))
                 for k in rng.integers(0, 4, n)],
        "lat": lat, "lon": lon, "untagged": untagged,
        "accuracy": rng.choice([11, 14, 15, 16], size=n),
        "license": rng.integers(0, 17, n),
        "exif_code": np.where(rng.random(n) < 0.05, 2, np.where(rng.random(n) < 0.02, 1, 0)),
        "cam": rng.integers(0, len(_CAMERAS), n),
        "exposure": rng.integers(0, len(_EXPOSURES), n),
        "fnumber": rng.integers(0, len(_FNUMBERS), n),
        "focal": rng.integers(0, len(_FOCALS), n),
        "iso": rng.integers(0, len(_ISOS), n),
    })
    world = world.sort_values(["datetaken_s", "id"], kind="stable").reset_index(drop=True)
    return world


def _diurnal():
    w = np.array([1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 9, 10, 10, 10, 11, 12, 13, 12, 10,
                  8, 6, 4, 2], dtype=float)
    return w / w.sum()


def expected_exif(world, idx):
    """The parsed EXIF a correct parser must get for world row ``idx``."""
    row = world.iloc[idx]
    make, model, label = _CAMERAS[row["cam"]]
    return {"Camera": label, "Lens": _LENSES[row["cam"]],
            "ExposureTime": _EXPOSURES[row["exposure"]][0],
            "FNumber": _FNUMBERS[row["fnumber"]][0],
            "FocalLength": _FOCALS[row["focal"]][0], "ISO": _ISOS[row["iso"]]}


def in_circle(lat, lon, center, radius_km):
    """Haversine: which points lie within ``radius_km`` of ``center``."""
    p1, p2 = np.radians(lat), math.radians(center[0])
    dp = p1 - p2
    dl = np.radians(lon) - math.radians(center[1])
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))) <= radius_km


def expected_ids(world, start, end, center=CENTER, radius_km=25.0, tagged=None):
    """Ids of world photos taken in [start, end) days and inside the circle.

    ``tagged``: True for photos with a real geotag only, False for the others.
    """
    taken = world["datetaken_s"].to_numpy()
    mask = (taken >= from_mysql(start)) & (taken < from_mysql(end))
    mask &= in_circle(world["lat"].to_numpy(), world["lon"].to_numpy(), center, radius_km)
    if tagged is not None:
        mask &= world["untagged"].to_numpy() != tagged
    return set(world["id"][mask])
