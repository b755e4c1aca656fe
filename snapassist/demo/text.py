"""The tags and titles of the synthetic photos, from their scenes (``world``).

Tags are added as Flickr keeps them: normalised, each once per photo.
Everything is vectorised over photos; loops run over tag lists.
"""
import numpy as np

from . import places, words
from .bulk import follow_first, members


def _add(tags, mask, text):
    """Append ``text`` to the tag strings where ``mask`` holds."""
    idx = np.flatnonzero(mask)
    tags[idx] = tags[idx] + text


def emit_tags(tags, present, text, mask):
    """Add each word of ``text`` where ``mask`` holds and the photo lacks it.

    ``present`` maps tag -> mask of photos that already have it, and is updated.
    """
    for word in text.split():
        seen = present.get(word)
        new = mask if seen is None else mask & ~seen
        present[word] = new if seen is None else seen | new
        _add(tags, new, word + " ")


def global_tag_lists():
    """The (tags, p) lists added to any photo whatever its subject."""
    return (words.COTAGS, *words.KIND_TAGS.values(), words.CHERRY_TAGS,
            words.WINTER_TAGS, words.LONG_EXPOSURE_TAGS)


def draw_tags(rng, scene, taken):
    """Flickr-style normalised tags: subject, co-tags, kind, noise, a little unicode."""
    n = len(taken)
    tags = scene["subj_tags"].copy()
    present = scene["has"]
    for tag, p in words.COTAGS:
        emit_tags(tags, present, tag, rng.random(n) < p)
    for kind, tag_list in words.KIND_TAGS.items():
        for tag, p in tag_list:
            emit_tags(tags, present, tag, (scene["kind"] == kind) & (rng.random(n) < p))
    for mask, tag_list in ((scene["cherry"], words.CHERRY_TAGS), (scene["winter"], words.WINTER_TAGS),
                           (scene["tripod"], words.LONG_EXPOSURE_TAGS)):
        for tag, p in tag_list:
            emit_tags(tags, present, tag, mask & (rng.random(n) < p))
    # Landmark photos name their place already; background ones sometimes name the district.
    district = np.array([d[0] + " " for d in places.DISTRICTS], dtype=object)[scene["district"]]
    on = np.flatnonzero(~scene["landmark"] & (rng.random(n) < 0.25))
    tags[on] = tags[on] + district[on]
    # Distinct noise tags: an arithmetic walk with a step coprime to the vocabulary size.
    vocab = np.array([t + " " for t in words.NOISE_TAGS], dtype=object)
    v = len(vocab)
    steps = np.array([s for s in range(1, v) if np.gcd(s, v) == 1])
    count = rng.choice(7, size=n, p=[.25, .2, .15, .12, .1, .1, .08])
    start = rng.integers(0, v, n)
    step = steps[rng.integers(0, len(steps), n)]
    for j in range(6):
        on = np.flatnonzero(count > j)
        tags[on] = tags[on] + vocab[(start[on] + j * step[on]) % v]
    odd = np.flatnonzero(rng.random(n) < 0.03)
    tags[odd] = tags[odd] + np.array(words.NON_ASCII_TAGS, dtype=object)[
        rng.integers(0, len(words.NON_ASCII_TAGS), len(odd))] + " "
    on = np.flatnonzero(rng.random(n) < 0.06)
    tags[on] = tags[on] + scene["year"][on].astype(str).astype(object) + " "
    # A bulk upload's photos were all tagged at once.
    tags = follow_first(tags, scene["bulk"])
    # Every tag was added with a trailing space; the noise, unicode, district and
    # year vocabularies are disjoint from the rest, so no tag repeats.
    return np.array([t[:-1] for t in tags], dtype=object)


def _file_names(prefix, number, taken):
    """Camera file names: ``prefix`` and a 4-digit number, or the moment taken for phones."""
    number = np.char.zfill((number % 10000).astype(str), 4).astype(object)
    stamp = np.char.replace(np.char.replace(np.char.replace(
        np.datetime_as_string(taken, unit="s"), "-", ""), ":", ""), "T", "_").astype(object)
    return np.where(prefix == "IMG_20", "IMG_" + stamp, prefix + number)


def _title_bulk_uploads(rng, titles, taken, bulk):
    """A bulk upload keeps one title, or its camera's file names in the order taken."""
    sizes = bulk["sizes"]
    rows, first = members(bulk)
    same = follow_first(titles, bulk)[rows]
    files = rng.random(len(sizes)) < 0.6
    prefix = np.array(words.FILENAME_PREFIXES, dtype=object)[
        rng.integers(0, len(words.FILENAME_PREFIXES), len(sizes))]
    shot = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    number = np.repeat(rng.integers(0, 10000, len(sizes)), sizes) + shot
    named = _file_names(np.repeat(prefix, sizes), number, taken[rows]) if len(rows) else same
    titles[rows] = np.where(np.repeat(files, sizes), named, same)


def draw_titles(rng, scene, taken):
    """User-written titles: subject names, camera file names, empty, generic and tricky ones."""
    n = len(taken)
    titles = scene["subj_title"].copy()
    u = rng.random(n)
    cut = np.where(scene["landmark"], 0.6, 0.2)
    filename = (u >= cut) & (u < cut + 0.18)
    empty = (u >= cut + 0.18) & (u < cut + 0.24)
    tricky = (u >= cut + 0.24) & (u < cut + 0.28)
    generic = u >= cut + 0.28

    idx = np.flatnonzero(filename)
    if len(idx):
        prefix = np.array(words.FILENAME_PREFIXES, dtype=object)[
            rng.integers(0, len(words.FILENAME_PREFIXES), len(idx))]
        titles[idx] = _file_names(prefix, rng.integers(0, 10000, len(idx)), taken[idx])
    titles[empty] = ""
    idx = np.flatnonzero(generic)
    titles[idx] = np.array(words.GENERIC_TITLES, dtype=object)[
        rng.integers(0, len(words.GENERIC_TITLES), len(idx))]
    idx = np.flatnonzero(tricky)
    wrap = rng.integers(0, 6, len(idx))
    name = scene["subj_name"][idx]
    fixed = np.array(words.TRICKY_TITLES, dtype=object)[rng.integers(0, len(words.TRICKY_TITLES), len(idx))]
    titles[idx] = np.choose(wrap, ["<b>" + name + "</b>", '"' + name + '"', name + " 🌆",
                                   "🇨🇦 " + name + " 🇨🇦", name + " <3", fixed])
    _title_bulk_uploads(rng, titles, taken, scene["bulk"])
    # A few titles try to inject markup into any page that shows them unescaped.
    titles[rng.choice(n, size=max(1, n // 2000), replace=False)] = words.SCRIPT_TITLE
    return titles
