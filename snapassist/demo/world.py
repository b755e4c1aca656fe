"""Where, when and what: the scenes of the synthetic photos.

Photos are assigned to a source (a landmark's viewpoint, the trail to a far
viewpoint, or anywhere under a subject's tags); each source is then filled
in one vectorised step, so loops run over the ~140 sources and the tag
slots, never over photos. A few bulk uploads (``bulk``) then turn groups
of photos into one photographer's series. ``text`` writes their tags and
titles.
"""
from dataclasses import dataclass

import numpy as np

from .. import config
from ..geo import haversine_m
from . import places
from .bulk import choose_bulk_uploads, settle_bulk_uploads
from .places import DAY, NIGHT, SUNRISE, SUNSET
from .text import emit_tags, global_tag_lists

LANDMARK_SHARE = 0.72
#: Views of a photo taken on the way to a far viewpoint, as a viewpoint's ``views``.
TRAIL_VIEWS = 0.8
#: Metres a trail's photos stray from its line (standard deviation).
TRAIL_WIDTH_M = 35.0
_M_PER_DEG_LAT = 111_320.0
VIEWPOINT, TRAIL, ANYWHERE = range(3)


@dataclass(frozen=True)
class _Source:
    subject: object
    viewpoint: object       # where the photos are: a viewpoint, the end of a trail, or None
    place: int              # VIEWPOINT, TRAIL or ANYWHERE
    p: float                # probability of a photo (0: bulk uploads only)


def _sources():
    """Every source a photo can come from, the landmarks' viewpoints first."""
    viewpoints, themes, trails, elsewhere = [], [], [], []
    total = sum(s.weight for s in places.LANDMARKS)
    for subject in places.LANDMARKS:
        vtotal = sum(v.weight + v.trail for v in subject.viewpoints)
        share = LANDMARK_SHARE * subject.weight / total / vtotal
        for v in subject.viewpoints:
            viewpoints.append(_Source(subject, v, VIEWPOINT, share * v.weight))
            if v.trail:
                trails.append(_Source(subject, v, TRAIL, share * v.trail))
        # A landmark's tags far from it: only ever a bulk upload's.
        elsewhere.append(_Source(subject, None, ANYWHERE, 0.0))
    total = sum(s.weight for s in places.THEMES)
    for subject in places.THEMES:
        themes.append(_Source(subject, None, ANYWHERE, (1 - LANDMARK_SHARE) * subject.weight / total))
    return viewpoints + themes + trails + elsewhere


def source_list():
    """What each value of ``scene["source"]`` stands for.

    Returns
    -------
    list of tuple
        ``(subject, viewpoint)`` per source: the landmarks' viewpoints first,
        then the sources of no viewpoint (``viewpoint`` None): background
        themes, trails to far viewpoints, landmarks' tags anywhere.
    """
    return [(s.subject, s.viewpoint if s.place == VIEWPOINT else None) for s in _sources()]


def _on_land(rng, lat, lon):
    shore = np.interp(lon, places.SHORE_LON, places.SHORE_LAT)
    s, w, n, e = places.ISLANDS_BOX
    # The islands are parkland and water within their box: keep a quarter of it.
    islands = (lat >= s) & (lat <= n) & (lon >= w) & (lon <= e) & (rng.random(len(lat)) < 0.25)
    return (lat >= shore) | islands


def _background_positions(rng, m):
    """Positions of background photos: dense downtown, sparse in the suburbs, on land."""
    lat = np.empty(m)
    lon = np.empty(m)
    todo = np.arange(m)
    clat, clon, radius = config.SCRAPE_CENTER_LAT, config.SCRAPE_CENTER_LON, config.SCRAPE_RADIUS_KM * 1000
    m_per_deg_lon = _M_PER_DEG_LAT * np.cos(np.radians(clat))
    dlat = np.array([d[1] for d in places.DISTRICTS])
    dlon = np.array([d[2] for d in places.DISTRICTS])
    for _ in range(100):
        k = len(todo)
        if not k:
            break
        comp = rng.choice(3, size=k, p=[0.5, 0.3, 0.2])
        district = rng.integers(0, len(dlat), k)
        mu_lat = np.where(comp == 0, places.DOWNTOWN[0], np.where(comp == 1, dlat[district], clat))
        mu_lon = np.where(comp == 0, places.DOWNTOWN[1], np.where(comp == 1, dlon[district], clon))
        # Component 2 is uniform over the whole circle.
        r = np.where(comp == 2, radius * np.sqrt(rng.random(k)), np.abs(rng.normal(0, 2500, k)))
        theta = rng.uniform(0, 2 * np.pi, k)
        la = mu_lat + r * np.sin(theta) / _M_PER_DEG_LAT
        lo = mu_lon + r * np.cos(theta) / m_per_deg_lon
        ok = _on_land(rng, la, lo) & (haversine_m(clat, clon, la, lo) < 0.995 * radius)
        lat[todo[ok]], lon[todo[ok]] = la[ok], lo[ok]
        todo = todo[~ok]
    lat[todo], lon[todo] = places.DOWNTOWN
    return lat, lon


def _pick(rng, options, m, first=0.7):
    """One of ``options`` per photo, the first with probability ``first``."""
    options = np.array(options, dtype=object)
    if len(options) == 1:
        return np.repeat(options, m)
    rest = (1 - first) / (len(options) - 1)
    return options[rng.choice(len(options), size=m, p=[first] + [rest] * (len(options) - 1))]


def _days_in_month(month_start):
    return ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(int)


def _trail_positions(rng, m, points):
    """``m`` positions along the polyline ``points`` ((lat, lon) pairs), thinning out.

    People photograph the subject most near it: the density falls linearly
    to a third of its start at the far end. The first and last 5% of the way
    are left to the viewpoints themselves.
    """
    lat, lon = np.array(points, dtype=float).T
    scale = np.cos(np.radians(lat.mean()))
    leg = np.hypot(np.diff(lat), np.diff(lon) * scale) * _M_PER_DEG_LAT
    at = np.concatenate(([0.0], np.cumsum(leg))) / leg.sum()
    # The inverse of the CDF 1.5 t - t^2 / 2 of the density 1.5 - t on [0, 1].
    t = 0.05 + 0.9 * (1.5 - np.sqrt(2.25 - 2 * rng.random(m)))
    side = rng.normal(0, TRAIL_WIDTH_M, (2, m)) / _M_PER_DEG_LAT
    return np.interp(t, at, lat) + side[0], np.interp(t, at, lon) + side[1] / scale


def _fill_source(rng, scene, idx, source):
    """Kinds, dates, subject tags and titles of the photos ``idx`` of one source."""
    m = len(idx)
    subject, viewpoint = source.subject, source.viewpoint
    kind = rng.choice(5, size=m, p=np.array(subject.kinds) / sum(subject.kinds))
    if source.place == VIEWPOINT:
        sd = viewpoint.spread_m * np.where(rng.random(m) < 0.15, 3.0, 1.0)
        scene["lat"][idx] = viewpoint.lat + rng.normal(0, 1, m) * sd / _M_PER_DEG_LAT
        scene["lon"][idx] = viewpoint.lon + rng.normal(0, 1, m) * sd / (
            _M_PER_DEG_LAT * np.cos(np.radians(viewpoint.lat)))
        scene["views_mult"][idx] = viewpoint.views
    elif source.place == TRAIL:
        main = subject.viewpoints[0]
        points = [(main.lat, main.lon), *viewpoint.via, (viewpoint.lat, viewpoint.lon)]
        scene["lat"][idx], scene["lon"][idx] = _trail_positions(rng, m, points)
        scene["views_mult"][idx] = TRAIL_VIEWS
    months = np.array(subject.months or range(1, 13))
    mw = np.array([places.MONTH_WEIGHTS[i - 1] for i in months], dtype=float)
    month = rng.choice(months, size=m, p=mw / mw.sum())
    start = ((scene["year"][idx] - 1970) * 12 + month - 1).astype("datetime64[M]")
    day = start.astype("datetime64[D]") + np.floor(rng.random(m) * _days_in_month(start)).astype(int)
    year_start = (scene["year"][idx] - 1970).astype("datetime64[Y]")
    cherry = rng.random(m) < subject.cherry
    winter = rng.random(m) < subject.winter
    # Cherry trees bloom from late April to mid May; winter lights run Nov-Jan.
    bloom = np.clip(np.round(rng.normal(0, 6, m)), -10, 22).astype(int)
    day = np.where(cherry, year_start.astype("datetime64[D]") + (31 + 28 + 31 + 21) + bloom, day)
    day = np.where(winter, year_start.astype("datetime64[D]") + 334 + rng.integers(-15, 46, m), day)
    kind = np.where(cherry, np.where(rng.random(m) < 0.8, DAY, SUNSET), kind)
    kind = np.where(winter, NIGHT, kind)
    if subject.window is not None:
        first_day, n_days, share = subject.window
        event = rng.random(m) < share
        day = np.where(event, first_day.start(scene["year"][idx]) + rng.integers(0, n_days, m), day)
    scene["day"][idx] = day
    scene["kind"][idx] = kind
    scene["cherry"][idx] = cherry
    scene["winter"][idx] = winter
    scene["subj_name"][idx] = subject.name

    # Tags: each added once per photo, as Flickr keeps them.
    tags = np.full(m, "", dtype=object)
    present = {}
    joined = _pick(rng, subject.joined, m)
    words_on = (rng.random(m) < 0.45) & bool(subject.words)
    joined_on = (rng.random(m) < 0.85) | ~words_on
    for option in subject.joined:
        emit_tags(tags, present, option, joined_on & (joined == option))
    emit_tags(tags, present, subject.words, words_on)
    for tag, p in subject.extra:
        emit_tags(tags, present, tag, rng.random(m) < p)
    if source.place == VIEWPOINT:
        for tag in viewpoint.tags.split():
            emit_tags(tags, present, tag, rng.random(m) < 0.6)
    scene["subj_tags"][idx] = tags
    for tag in present.keys() & scene["has"].keys():
        scene["has"][tag][idx] = present[tag]

    pool = [subject.name, subject.name, subject.name + ", Toronto", subject.name.lower(), *subject.titles]
    if source.place == VIEWPOINT and len(subject.viewpoints) > 1:
        pool.append(f"{subject.name} from {viewpoint.label}")
    titles = np.array(pool, dtype=object)[rng.integers(0, len(pool), m)]
    special = rng.random(m) < 0.5
    for mask, text in ((kind == SUNSET, f"{subject.name} at sunset"),
                       (kind == SUNRISE, f"Sunrise at {subject.name}"),
                       (kind == NIGHT, f"{subject.name} at night"),
                       (cherry, f"Cherry blossoms in {subject.name}"),
                       (winter, f"Winter lights at {subject.name}")):
        titles[special & mask] = text
    scene["subj_title"][idx] = titles


def _nearest_district(lat, lon):
    district = np.zeros(len(lat), dtype=np.intp)
    best = np.full(len(lat), np.inf)
    coslat = np.cos(np.radians(config.SCRAPE_CENTER_LAT))
    for i, (_, dlat, dlon, _, _) in enumerate(places.DISTRICTS):
        d2 = (lat - dlat) ** 2 + ((lon - dlon) * coslat) ** 2
        district[d2 < best] = i
        best = np.minimum(best, d2)
    return district


def draw_scenes(rng, n):
    """Per photo: position, kind of shot, local time taken, subject tags and title.

    Also ``scene["bulk"]``: the bulk uploads (see ``bulk.choose_bulk_uploads``).
    """
    sources = _sources()
    p = np.array([s.p for s in sources])
    source = rng.choice(len(sources), size=n, p=p / p.sum())
    yw = np.array(places.YEAR_WEIGHTS, dtype=float)
    scene = {
        "year": rng.choice(np.array(places.YEARS), size=n, p=yw / yw.sum()),
        "lat": np.empty(n), "lon": np.empty(n), "views_mult": np.full(n, 0.7),
        "kind": np.zeros(n, dtype=np.int64), "day": np.empty(n, dtype="datetime64[D]"),
        "cherry": np.zeros(n, dtype=bool), "winter": np.zeros(n, dtype=bool),
        "subj_name": np.empty(n, dtype=object), "subj_tags": np.empty(n, dtype=object),
        "subj_title": np.empty(n, dtype=object),
        # For tags that subjects and global lists share: which photos have them.
        "has": {word: np.zeros(n, dtype=bool) for tag_list in global_tag_lists()
                for tag, _ in tag_list for word in tag.split()},
    }
    scene["bulk"] = bulk = choose_bulk_uploads(rng, n, _bulk_sites(sources, p))
    source[bulk["rows"]] = np.repeat(bulk["source"], bulk["sizes"])
    scene["source"] = source
    place = np.array([s.place for s in sources])[source]
    scene["landmark"] = np.array([bool(s.subject.viewpoints) for s in sources])[source]
    anywhere = np.flatnonzero(place == ANYWHERE)
    scene["lat"][anywhere], scene["lon"][anywhere] = _background_positions(rng, len(anywhere))
    order = np.argsort(source, kind="stable")
    bounds = np.searchsorted(source[order], np.arange(len(sources) + 1))
    for s, src in enumerate(sources):
        idx = order[bounds[s]:bounds[s + 1]]
        if len(idx):
            _fill_source(rng, scene, idx, src)

    kind, day = scene["kind"], scene["day"]
    month = day.astype("datetime64[M]").astype(int) % 12
    sunset = np.array(places.SUNSET_HOUR)[month]
    sunrise = np.array(places.SUNRISE_HOUR)[month]
    hour = np.select(
        [kind == DAY, kind == SUNSET, kind == SUNRISE, kind == NIGHT],
        [np.clip(rng.normal(13, 2.8, n), 7.5, sunset - 0.7),
         sunset + rng.normal(-0.2, 0.35, n),
         sunrise + rng.normal(0.15, 0.35, n),
         sunset + 0.7 + np.minimum(rng.exponential(1.8, n), 8.0)],
        np.clip(rng.normal(14, 3, n), 9, 22))
    seconds = np.floor(hour * 3600).astype("int64")
    scene["taken"] = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    scene["tripod"] = (kind == NIGHT) & (rng.random(n) < 0.5)
    settle_bulk_uploads(rng, scene, bulk)
    # Nothing is taken after the scrape ended: move such photos a year back.
    taken = scene["taken"]
    taken[taken > places.LAST_TAKEN] -= np.timedelta64(365, "D")
    scene["district"] = _nearest_district(scene["lat"], scene["lon"])
    scene["year"] = taken.astype("datetime64[Y]").astype(int) + 1970
    return scene


def _bulk_sites(sources, p):
    """Candidate sources of bulk uploads, with their probabilities, per kind of site.

    Landmark viewpoints (far ones excepted: their few photos are by many
    people), landmarks' tags anywhere, background themes.
    """
    landmark_p = {}
    for s, q in zip(sources, p):
        if s.place == VIEWPOINT:
            landmark_p[s.subject.key] = landmark_p.get(s.subject.key, 0.0) + q
    sites = ([i for i, s in enumerate(sources) if s.place == VIEWPOINT and not s.viewpoint.trail],
             [i for i, s in enumerate(sources) if s.place == ANYWHERE and s.subject.viewpoints],
             [i for i, s in enumerate(sources) if s.place == ANYWHERE and not s.subject.viewpoints])
    weights = (p[sites[0]], np.array([landmark_p[sources[i].subject.key] for i in sites[1]]),
               p[sites[2]])
    return [(np.array(i), w) for i, w in zip(sites, weights)]
