"""Run TagMaps on one CSV and write its tag clusters as JSON.

This script runs *inside TagMaps' own virtual environment* (see
``peer_tagmaps.py``, which creates it and calls this script); our own
package is not importable there, and this file is never imported by our
code. Usage::

    python _tagmaps_runner.py REQUEST.json RESULT.json

REQUEST holds ``{"csv_path": str, "tags": [str, ...], "cut": null | float |
"hdbscan"}``; RESULT receives the clusters of each tag (see ``_run``) and
the settings TagMaps ran with. Only JSON crosses the boundary.

TagMaps is driven through its library API, not its command line: the
command line would cluster all of its top tags and write shapefiles, while
we need the members of each cluster, for a few tags we name.
"""
import contextlib
import json
import os
import sys
import tempfile
import time
import unicodedata
from importlib import metadata
from pathlib import Path


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _spellings(text):
    """``text`` without accents, and with German umlauts spelled out.

    Two tags sharing one of these are the same word spelled two ways: the
    hint given for a tag that no post carries.
    """
    bare = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return {bare, unicodedata.normalize("NFC", text).translate(_GERMAN)}


def _posts_with(posts, tag):
    """The posts TagMaps selects for ``tag``: the tag among their tags or body words."""
    return [p for p in posts if tag in (p.hashtags or ()) or tag in (p.post_body or ())]


def _tag_result(tagmaps_clusterer, posts, toplist, vocabulary, tag):
    """Clusters of one tag, in TagMaps' order, and what TagMaps thought of the tag."""
    # TagMaps' public call: clusters the tag's posts (at the clusterer's cut,
    # or by HDBSCAN's own selection) and gives each cluster's centre and users.
    points, users = tagmaps_clusterer.get_cluster_centroid_data(tag, single_clusters=False)
    members = tagmaps_clusterer.clustered_items_dict.get(tag, [])
    if len(points) != len(members):
        raise RuntimeError(f"TagMaps gave {len(points)} centres for {len(members)} clusters "
                           f"of tag {tag!r}")
    selected = _posts_with(posts, tag)
    clusters = [{"lng": float(point[0]), "lat": float(point[1]), "users": int(n_users),
                 "guids": [str(guid) for guid in guids]}
                for point, n_users, guids in zip(points, users, members)]
    rank, toplist_users = toplist.get(tag, (None, None))
    result = {
        "n_posts": len(selected),
        "n_users": len({p.user_guid for p in selected}),
        "n_unclustered": len(selected) - sum(len(c["guids"]) for c in clusters),
        "toplist_rank": rank,
        "toplist_users": toplist_users,
        "clusters": clusters,
    }
    if not selected:
        forms = _spellings(tag)
        result["similar_tags"] = sorted(t for t in vocabulary
                                        if t != tag and forms & _spellings(t))
    return result


def _run(request):
    # Imported here so that a broken install is reported as this script's error.
    from tagmaps import TAGS, TagMaps
    from tagmaps import __version__ as tagmaps_version

    cut = request["cut"]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as output:
        tagmaps = TagMaps(tag_cluster=True, emoji_cluster=False, location_cluster=False,
                          output_folder=Path(output))
        # The LBSN sample is TagMaps' "intermediate" (cleaned) format: one row
        # per user and location; TagMaps' own command line reads it this way.
        tagmaps.load_intermediate(input_path=Path(request["csv_path"]).resolve())
        tagmaps.prepare_data()
        tagmaps.init_cluster()
        clusterer = tagmaps.clusterer[TAGS]
        default_cut_m = float(clusterer.cluster_distance)
        if cut == "hdbscan":
            clusterer.autoselect_clusters = True
        elif cut is not None:
            tagmaps.set_cluster_distance(float(cut))
        posts = tagmaps.cleaned_post_list
        toplist = {item.name: (rank, int(item.ucount))
                   for rank, item in enumerate(clusterer.top_list, start=1)}
        vocabulary = {t for p in posts for t in (p.hashtags or ())}
        load_seconds = time.perf_counter() - start
        tags = {tag: _tag_result(clusterer, posts, toplist, vocabulary, tag)
                for tag in request["tags"]}
        bounds = tagmaps.lbsn_data.bounds
        return {
            "tagmaps_version": tagmaps_version,
            "hdbscan_version": metadata.version("hdbscan"),
            "python_version": sys.version.split()[0],
            "cut": cut,
            "cut_m": (None if cut == "hdbscan" else float(cut) if cut is not None
                      else default_cut_m),
            "default_cut_m": default_cut_m,
            "n_posts": len(posts),
            "n_users": len({p.user_guid for p in posts}),
            "n_toplist": len(clusterer.top_list),
            "bounds": [float(bounds.lim_lat_min), float(bounds.lim_lng_min),
                       float(bounds.lim_lat_max), float(bounds.lim_lng_max)],
            "crs_projected": str(clusterer.crs_proj),
            "load_seconds": load_seconds,
            "cluster_seconds": time.perf_counter() - start - load_seconds,
            "tags": tags,
        }


def main(argv):
    if len(argv) != 2:
        print("usage: python _tagmaps_runner.py REQUEST.json RESULT.json", file=sys.stderr)
        return 2
    request_path, result_path = (Path(a) for a in argv)
    request = json.loads(request_path.read_text(encoding="utf-8"))
    # TagMaps prints its progress on stdout; send it to stderr with its log.
    with contextlib.redirect_stdout(sys.stderr):
        result = _run(request)
    partial = result_path.with_name(result_path.name + ".part")
    partial.write_text(json.dumps(result), encoding="utf-8")
    os.replace(partial, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
