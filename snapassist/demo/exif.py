"""Cameras, lenses and exposures of the synthetic world's popular photos.

Each owner keeps one favourite camera (used when it existed in the photo's
year); lenses match the camera's mount; the exposure follows the light of the
shot's kind (sunny day, sunset, night on a tripod or hand-held, indoors).
"""
import numpy as np

from .places import DAY, INDOOR, NIGHT, SUNRISE, SUNSET

# (camera, year released, mount or None for a built-in lens, crop factor,
#  relative popularity, writes FocalLengthIn35mmFormat)
CAMERAS = (
    ("Canon EOS 20D", 2004, "EF-S", 1.6, 2, False),
    ("Nikon D200", 2005, "DX", 1.5, 2, True),
    ("Canon PowerShot SD1000", 2007, None, 6.0, 2, True),
    ("Canon EOS 5D Mark II", 2008, "EF", 1.0, 5, False),
    ("Canon EOS 5D Mark III", 2012, "EF", 1.0, 6, False),
    ("Canon EOS 5D Mark IV", 2016, "EF", 1.0, 5, False),
    ("Canon EOS 6D", 2012, "EF", 1.0, 4, False),
    ("Canon EOS 7D", 2009, "EF-S", 1.6, 4, False),
    ("Canon EOS REBEL T3i", 2011, "EF-S", 1.6, 6, False),
    ("Canon EOS R5", 2020, "RF", 1.0, 3, True),
    ("Nikon D90", 2008, "DX", 1.5, 4, True),
    ("Nikon D7000", 2010, "DX", 1.5, 5, True),
    ("Nikon D750", 2014, "FX", 1.0, 6, True),
    ("Nikon D810", 2014, "FX", 1.0, 3, True),
    ("Nikon Z 6", 2018, "Z", 1.0, 3, True),
    ("Sony ILCE-6000", 2014, "E", 1.5, 4, True),
    ("Sony ILCE-7RM2", 2015, "FE", 1.0, 3, True),
    ("Sony ILCE-7M3", 2018, "FE", 1.0, 5, True),
    ("Fujifilm X-T2", 2016, "X", 1.5, 3, True),
    ("Fujifilm X-T3", 2018, "X", 1.5, 4, True),
    ("Fujifilm X100F", 2017, None, 1.5, 2, True),
    ("Olympus E-M5MarkII", 2015, "MFT", 2.0, 2, True),
    ("Canon PowerShot S95", 2010, None, 4.7, 2, True),
    ("Apple iPhone 4", 2010, None, 7.6, 4, True),
    ("Apple iPhone 6", 2014, None, 7.0, 5, True),
    ("Apple iPhone X", 2017, None, 7.0, 4, True),
    ("Apple iPhone 12 Pro", 2020, None, 6.2, 4, True),
    ("Samsung SM-G950W", 2017, None, 6.2, 2, True),
    ("Google Pixel 3", 2018, None, 6.3, 2, True),
    ("DJI FC2103", 2018, None, 5.6, 1, True),
)

# Built-in lenses: camera -> (lens model, focal mm, max aperture); zoom compacts
# use their wide end.
FIXED_LENSES = {
    "Fujifilm X100F": ("", 23.0, 2.0),
    "Canon PowerShot S95": ("", 6.0, 2.0),
    "Canon PowerShot SD1000": ("", 5.8, 2.8),
    "Apple iPhone 4": ("", 3.85, 2.8),
    "Apple iPhone 6": ("iPhone 6 back camera 4.15mm f/2.2", 4.15, 2.2),
    "Apple iPhone X": ("iPhone X back dual camera 4mm f/1.8", 4.0, 1.8),
    "Apple iPhone 12 Pro": ("iPhone 12 Pro back triple camera 4.2mm f/1.6", 4.2, 1.6),
    "Samsung SM-G950W": ("", 4.2, 1.7),
    "Google Pixel 3": ("", 4.44, 1.8),
    "DJI FC2103": ("", 4.5, 2.8),
}

# Interchangeable lenses: mount -> (lens model, shortest mm, longest mm, max aperture).
LENSES = {
    "EF": (("EF24-70mm f/2.8L II USM", 24, 70, 2.8), ("EF16-35mm f/4L IS USM", 16, 35, 4.0),
           ("EF70-200mm f/2.8L IS II USM", 70, 200, 2.8), ("EF50mm f/1.8 STM", 50, 50, 1.8),
           ("EF24-105mm f/4L IS USM", 24, 105, 4.0)),
    "EF-S": (("EF-S18-55mm f/3.5-5.6 IS II", 18, 55, 3.5), ("EF-S10-22mm f/3.5-4.5 USM", 10, 22, 3.5),
             ("EF-S55-250mm f/4-5.6 IS STM", 55, 250, 4.0), ("EF50mm f/1.8 STM", 50, 50, 1.8)),
    "RF": (("RF24-105mm F4 L IS USM", 24, 105, 4.0), ("RF15-35mm F2.8 L IS USM", 15, 35, 2.8)),
    "FX": (("AF-S NIKKOR 24-70mm f/2.8G ED", 24, 70, 2.8), ("AF-S NIKKOR 14-24mm f/2.8G ED", 14, 24, 2.8),
           ("AF-S NIKKOR 50mm f/1.8G", 50, 50, 1.8), ("AF-S NIKKOR 70-200mm f/2.8G ED VR II", 70, 200, 2.8)),
    "DX": (("AF-S DX NIKKOR 18-105mm f/3.5-5.6G ED VR", 18, 105, 3.5),
           ("AF-S DX NIKKOR 35mm f/1.8G", 35, 35, 1.8),
           ("AF-S DX NIKKOR 10-24mm f/3.5-4.5G ED", 10, 24, 3.5)),
    "Z": (("NIKKOR Z 24-70mm f/4 S", 24, 70, 4.0), ("NIKKOR Z 14-30mm f/4 S", 14, 30, 4.0)),
    "E": (("E PZ 16-50mm F3.5-5.6 OSS", 16, 50, 3.5), ("E 10-18mm F4 OSS", 10, 18, 4.0),
          ("Sigma 30mm F1.4 DC DN | C", 30, 30, 1.4)),
    "FE": (("FE 24-70mm F2.8 GM", 24, 70, 2.8), ("FE 16-35mm F4 ZA OSS", 16, 35, 4.0),
           ("FE 85mm F1.8", 85, 85, 1.8), ("FE 28-70mm F3.5-5.6 OSS", 28, 70, 3.5)),
    "X": (("XF16-55mmF2.8 R LM WR", 16, 55, 2.8), ("XF10-24mmF4 R OIS", 10, 24, 4.0),
          ("XF23mmF1.4 R", 23, 23, 1.4), ("XF18-55mmF2.8-4 R LM OIS", 18, 55, 2.8)),
    "MFT": (("OLYMPUS M.12-40mm F2.8", 12, 40, 2.8), ("OLYMPUS M.9-18mm F4.0-5.6", 9, 18, 4.0)),
}

F_STOPS = np.array([1.4, 1.6, 1.8, 2.0, 2.2, 2.8, 3.2, 3.5, 4.0, 4.5, 5.0, 5.6, 6.3, 7.1, 8.0,
                    9.0, 10.0, 11.0, 13.0, 14.0, 16.0, 18.0, 20.0, 22.0])
SHUTTER_SPEEDS = np.array([1 / 8000, 1 / 4000, 1 / 3200, 1 / 2500, 1 / 2000, 1 / 1600, 1 / 1250,
                           1 / 1000, 1 / 800, 1 / 640, 1 / 500, 1 / 400, 1 / 320, 1 / 250, 1 / 200,
                           1 / 160, 1 / 125, 1 / 100, 1 / 80, 1 / 60, 1 / 50, 1 / 40, 1 / 30, 1 / 25,
                           1 / 20, 1 / 15, 1 / 13, 1 / 10, 1 / 8, 1 / 6, 1 / 5, 1 / 4, 0.3, 0.4, 0.5,
                           0.6, 0.8, 1.0, 1.3, 1.6, 2.0, 2.5, 3.2, 4.0, 5.0, 6.0, 8.0, 10.0, 13.0,
                           15.0, 20.0, 25.0, 30.0])
ISO_STOPS = np.array([50, 64, 80, 100, 125, 160, 200, 250, 320, 400, 500, 640, 800, 1000, 1250,
                      1600, 2000, 2500, 3200, 4000, 5000, 6400, 8000, 10000, 12800], dtype=float)

# Light of each kind as (mean, sd) of EV at ISO 100.
_EV = {DAY: (14.0, 1.2), SUNSET: (11.0, 1.0), SUNRISE: (11.0, 1.0), NIGHT: (5.0, 1.0),
       INDOOR: (7.0, 1.0)}
PERMISSION_DENIED_SHARE = 0.12


def _nearest(stops, values):
    """Snap each value to the nearest of ``stops`` in log space."""
    logs = np.log(stops)
    pos = np.clip(np.searchsorted(logs, np.log(values)), 1, len(stops) - 1)
    lower = np.log(values) - logs[pos - 1] < logs[pos] - np.log(values)
    return stops[np.where(lower, pos - 1, pos)]


def pick_owner_cameras(rng, n_owners):
    """Each owner's favourite camera, as an index into :data:`CAMERAS`."""
    weights = np.array([c[4] for c in CAMERAS], dtype=float)
    return rng.choice(len(CAMERAS), size=n_owners, p=weights / weights.sum())


def generate_exif(rng, owner_camera, year, kind, tripod):
    """EXIF columns for photos of the given owners' cameras, years and shot kinds.

    Returns a dict of column name -> array (object strings, float64 numbers),
    with ``exif_status`` 'permission_denied' (no settings) for a share.
    """
    n = len(year)
    release = np.array([c[1] for c in CAMERAS])
    cam = owner_camera.copy()
    # A camera cannot take photos before it was sold: fall back to one that was,
    # and let a share of shots be casual phone snaps.
    weights = np.array([c[4] for c in CAMERAS], dtype=float)
    phone = np.array([c[0].startswith(("Apple", "Samsung", "Google")) for c in CAMERAS])
    casual = rng.random(n) < 0.2
    # Long exposures on a tripod need a camera with a manual shutter.
    manual_shutter = np.array([c[3] < 4 for c in CAMERAS])
    for y in np.unique(year):
        ok = release <= y
        redo = (year == y) & ((release[cam] > y) | casual)
        w = np.where(ok, weights, 0.0) * np.where(phone, 3.0, 1.0)
        cam[redo] = rng.choice(len(CAMERAS), size=int(redo.sum()), p=w / w.sum())
        redo = (year == y) & tripod & ~manual_shutter[cam]
        w = np.where(ok & manual_shutter, weights, 0.0)
        cam[redo] = rng.choice(len(CAMERAS), size=int(redo.sum()), p=w / w.sum())

    lens = np.full(n, "", dtype=object)
    focal = np.empty(n)
    aperture = np.empty(n)
    crop = np.array([c[3] for c in CAMERAS])[cam]
    for ci, (name, _, mount, _, _, _) in enumerate(CAMERAS):
        sel = np.flatnonzero(cam == ci)
        if not len(sel):
            continue
        if mount is None:
            lname, flen, amax = FIXED_LENSES[name]
            lens[sel], focal[sel], aperture[sel] = lname, flen, amax
            continue
        table = LENSES[mount]
        pick = rng.integers(0, len(table), len(sel))
        names = np.array([t[0] for t in table], dtype=object)
        fmin, fmax = (np.array([t[i] for t in table], dtype=float)[pick] for i in (1, 2))
        # Zooms spend much of their life at either end.
        u = rng.random(len(sel))
        u = np.where(u < 0.2, 0.0, np.where(u > 0.8, 1.0, (u - 0.2) / 0.6))
        lens[sel] = names[pick]
        focal[sel] = np.round(np.exp(np.log(fmin) + u * (np.log(fmax) - np.log(fmin))))
        aperture[sel] = np.array([t[3] for t in table])[pick]
    focal35 = np.round(focal * crop)

    fixed_aperture = np.array([c[2] is None for c in CAMERAS])[cam]
    ev_mean = np.array([_EV[k][0] for k in range(5)])[kind]
    ev_sd = np.array([_EV[k][1] for k in range(5)])[kind]
    ev = rng.normal(ev_mean, ev_sd)
    # Tripod night shots stop down for long exposures; day shots sit mid-range.
    wanted = np.where(tripod, rng.choice([8.0, 11.0, 16.0], n),
                      np.where(kind == DAY, rng.choice([4.0, 5.6, 8.0, 8.0, 11.0], n),
                               rng.choice([2.8, 4.0, 5.6], n)))
    fnum = np.where(fixed_aperture, aperture, _nearest(F_STOPS, np.maximum(wanted, aperture)))
    base_iso = np.where(tripod, 100.0, rng.choice([100.0, 100.0, 200.0], n))
    t = fnum ** 2 / 2.0 ** ev * 100.0 / base_iso
    # Hand-held shots keep the shutter at 1/30 s or faster by raising ISO.
    handheld_slow = ~tripod & (t > 1 / 30)
    iso = np.where(handheld_slow, np.clip(base_iso * t * 30, 100, 12800), base_iso)
    t = np.where(handheld_slow, 1 / 30 * np.clip(t * 30 * base_iso / iso, 1, 4), t)
    t = np.where(tripod, np.clip(t, 2.0, 30.0), t)
    bulb = tripod & (rng.random(n) < 0.04)
    t = np.where(bulb, rng.choice([60.0, 120.0, 240.0], n), t)
    phone_like = fixed_aperture & (crop > 4)
    t = np.where(bulb, t, np.where(phone_like, 1.0 / np.round(1.0 / np.clip(t, 1 / 8000, 1 / 4)),
                                   _nearest(SHUTTER_SPEEDS, np.clip(t, 1 / 8000, 30.0))))
    iso = np.where(phone_like, np.round(np.clip(iso, 25, 3200)), _nearest(ISO_STOPS, iso))

    camera = np.array([c[0] for c in CAMERAS], dtype=object)[cam]
    writes35 = np.array([c[5] for c in CAMERAS])[cam]
    focal35 = np.where(writes35 | (rng.random(n) < 0.1), focal35, np.nan)
    manual = ~fixed_aperture & (rng.random(n) < 0.03)   # adapted manual lenses report nothing
    lens[manual] = ""
    fnum = np.where(manual, np.nan, fnum)
    lens[rng.random(n) < 0.08] = ""
    iso = np.where(rng.random(n) < 0.02, np.nan, iso)
    t = np.where(rng.random(n) < 0.02, np.nan, t)

    denied = rng.random(n) < PERMISSION_DENIED_SHARE
    status = np.where(denied, "permission_denied", "ok").astype(object)
    camera[denied] = ""
    lens[denied] = ""
    nan_if = lambda a: np.where(denied, np.nan, a).astype("float64")  # noqa: E731
    return {"Camera": camera, "Lens": lens, "FocalLength": nan_if(focal),
            "FocalLengthIn35mmFormat": nan_if(focal35), "FNumber": nan_if(fnum),
            "ExposureTime": nan_if(t), "ISO": nan_if(iso), "exif_status": status}

