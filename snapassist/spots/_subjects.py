"""What people photograph at a spot: the tags over-represented there, counted by photographers.

A spot of a city's atlas holds photos of everything shot there. Its
subjects are the tags that more of its photographers use than the city's
photographers do on the whole (the *lift*), counted by photographers so that
one person's 200 tags of their cat make no subject. Tags that say nothing
about the place are left out: machine tags, numbers, tags under three
letters, the city's and the country's names, and cameras, lenses and phones.
A joined tag is shown as people type it ("cn tower" for ``cntower``) when
its photos also carry the separate words.
"""
import math
import re

import numpy as np
import pandas as pd

from .. import config
from ..words import normalize_text, singular

#: Fewest photographers at a spot using a tag for it to be a subject.
MIN_PHOTOGRAPHERS = 3
#: A subject's share of the spot's photographers is at least this many
#: times its share of the city's.
MIN_LIFT = 1.5
#: Subjects kept per spot.
N_SUBJECTS = 8
#: Camera makers, phones and photographic kit: tags about the camera, not the place.
CAMERA_WORDS = frozenset("""
canon nikon sony fujifilm fuji olympus panasonic lumix pentax leica samsung apple iphone
huawei xiaomi pixel gopro dji ricoh sigma tamron hasselblad minolta kodak zeiss voigtlander
dslr mirrorless slr camera lens tripod smartphone phone mobile android instagram
""".split())
_CAMERA_PATTERNS = re.compile(
    r"^(\d+(\.\d+)?mm|f\d+(\.\d+)?|iso\d+|eos\w*|iphone\w*|galaxy\w*|nex\d\w*|ilce\w*|"
    r"dsc\w*|dmc\w*|x\d{2,3}\w*|d\d{2,4}\w*|a\d{3,4}\w*|e?m\d\w*|rx\d+\w*)$")


def is_camera_tag(tag):
    """Whether a normalised tag names a camera, a phone, a lens or a setting."""
    return tag in CAMERA_WORDS or bool(_CAMERA_PATTERNS.match(tag))


def spot_subjects(tags, owners, spot_of, n_spots, leave_out=(), limit=N_SUBJECTS,
                  min_photographers=MIN_PHOTOGRAPHERS, min_lift=MIN_LIFT):
    """The subjects of each spot.

    Parameters
    ----------
    tags : sequence of str
        Each photo's normalised tags, separated by spaces (the tables'
        ``tags`` column).
    owners : sequence
        Each photo's photographer.
    spot_of : array of int
        Each photo's spot, ``1..n_spots`` (``-1`` for photos in no spot).
    n_spots : int
    leave_out : iterable of str
        Names that are never subjects (the city's, the country's).

    Returns
    -------
    list of list of dict
        Per spot (rank order), up to ``limit`` subjects, most telling first:
        ``{"tag", "label", "n_photographers", "share", "lift"}``: the
        normalised tag (singular), how it is typed (``label``, a search
        phrase), how many of the spot's photographers used it and what share
        of them, and how many times the city's share that is.
    """
    spot_of = np.asarray(spot_of, dtype=np.int64)
    owner = pd.factorize(pd.Series(owners, dtype=object))[0]
    words = pd.DataFrame({"photo": np.arange(len(spot_of)), "owner": owner, "spot": spot_of,
                          "tag": pd.Series(tags, dtype=object).fillna("").str.split()})
    words = words.explode("tag").dropna(subset=["tag"])
    skip = {singular(normalize_text(name).replace(" ", "")) for name in leave_out if name}
    folded = {tag: _subject_form(tag, skip) for tag in words["tag"].unique()}
    frame = words.assign(raw=words["tag"], tag=words["tag"].map(folded)).dropna(subset=["tag"])
    out = [[] for _ in range(n_spots)]
    if frame.empty or n_spots == 0:
        return out
    # City-wide: how many photographers use each tag, out of how many.
    city_owners = frame.groupby("tag")["owner"].nunique()
    n_city = max(int(len(np.unique(owner))), 1)
    in_spots = frame[frame["spot"] > 0]
    placed = spot_of > 0
    n_spot = pd.Series(owner[placed]).groupby(spot_of[placed]).nunique()
    counts = in_spots.groupby(["spot", "tag"])["owner"].nunique().rename("n").reset_index()
    counts = counts[counts["n"] >= min_photographers]
    if counts.empty:
        return out
    share = counts["n"].to_numpy() / n_spot.reindex(counts["spot"]).to_numpy()
    city_share = city_owners.reindex(counts["tag"]).to_numpy() / n_city
    counts["share"] = share
    counts["lift"] = share / city_share
    counts = counts[counts["lift"] >= min_lift]
    # Most telling: many of the spot's photographers, and most of the tag's:
    # a landmark's name is used near it, a country's everywhere tourists go.
    counts["score"] = counts["n"] ** 2 / city_owners.reindex(counts["tag"]).to_numpy()
    counts = counts.sort_values(["spot", "score", "tag"], ascending=[True, False, True])
    # Each subject as it is most often written (plural or not), then typed.
    written = (frame[frame["tag"].isin(set(counts["tag"]))].groupby(["tag", "raw"])["owner"]
               .nunique().reset_index().sort_values(["tag", "owner", "raw"],
                                                    ascending=[True, False, True])
               .drop_duplicates("tag").set_index("tag")["raw"])
    labels = _labels(words, written)
    for spot, group in counts.groupby("spot", sort=True):
        chosen, taken = [], set()
        for tag, n, share, lift in group[["tag", "n", "share", "lift"]].itertuples(index=False):
            label = labels[tag]
            # "aga" and "khan" say nothing that "aga khan museum" did not.
            if tag in taken or label in taken:
                continue
            taken.update({tag, label, *(singular(word) for word in label.split())})
            chosen.append({"tag": tag, "label": label, "n_photographers": int(n),
                           "share": float(share), "lift": float(lift)})
            if len(chosen) == limit:
                break
        out[int(spot) - 1] = chosen
    return out


def _subject_form(tag, skip):
    """The tag as a subject (its singular), or ``None`` when it cannot be one."""
    if (len(tag) < 3 or tag.isdigit() or not tag.isalnum() or is_camera_tag(tag)
            or tag in config.STOPWORDS):
        return None
    tag = singular(tag)
    return None if tag in skip else tag


def _labels(words, written):
    """How people type each subject: the words of its tag when its photos carry them too.

    ``written`` maps each subject to its commonest written form. A joined
    tag (``cntower``) whose photos also carry tags that spell it (``cn``,
    ``tower``) is shown as those words; the split carried by the most of
    its photos wins, and it must be carried by at least a tenth. ``words``
    holds every tag of every photo (``photo``, ``tag``), short ones included.
    """
    vocabulary = set(words["tag"].unique())
    by_photo = words.groupby("photo")["tag"].agg(frozenset)
    photos_of = words.groupby("tag")["photo"].agg(list)
    labels = {}
    for tag, raw in written.items():
        best, best_n = None, 0
        photos = by_photo.reindex(photos_of.get(raw, [])).dropna()
        for pieces in _splits(raw, vocabulary):
            n = int(sum(all(piece in held for piece in pieces) for held in photos))
            if n > best_n:
                best, best_n = pieces, n
        labels[tag] = (" ".join(best) if best is not None
                       and best_n >= max(1, math.ceil(0.1 * len(photos))) else raw)
    return labels


def _splits(tag, vocabulary, max_words=3):
    """Ways of cutting ``tag`` into 2 to ``max_words`` pieces that are all in ``vocabulary``."""
    found = []

    def cut(rest, pieces):
        if pieces and rest in vocabulary:
            found.append(pieces + [rest])
        if len(pieces) + 2 > max_words:
            return
        for i in range(2, len(rest) - 1):
            if rest[:i] in vocabulary:
                cut(rest[i:], pieces + [rest[:i]])

    cut(tag, [])
    return [words for words in found if len(words) >= 2]
