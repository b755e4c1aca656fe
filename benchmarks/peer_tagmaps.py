"""What the peer tool TagMaps finds for a tag, on the same photos as SnapAssist.

TagMaps (github.com/Sieboldianus/TagMaps; Dunkel 2015) clusters the posts
of each tag with HDBSCAN's single-linkage tree. It is never a dependency
of SnapAssist: on first use it is installed into its own venv
(``.cache/peer/tagmaps-venv``, ``TAGMAPS_PINS``) and run there by
``_tagmaps_runner.py`` in a subprocess that exchanges only JSON. Answers
are cached in ``.cache/peer/`` per (CSV sha1 and size, tags, cut).

What TagMaps 0.22.34 does with a tag (read from its source):

- Posts: one "user post location" (UPL) per user and exact ``lat:lng``.
  The Dresden sample is already TagMaps' "intermediate" CSV (one row per
  UPL, tags merged), which TagMaps reads unfiltered: ``n_photos`` counts
  rows, ``photo_guids`` are their ``guid``. It takes the posts whose tags
  (or body words) include the tag exactly.
- Tags: reading raw posts, TagMaps lower-cases tags, splits them on ``;``
  and drops one-character, all-digit and stoplisted ones (no stoplist ships
  with the pip package; none is used here). It keeps umlauts, joins and
  splits no words, and transliterates nothing. Flickr's tags join words.
  So a phrase becomes one tag (:func:`phrase_to_tag`): lower-cased, letters
  and digits kept (umlauts, ``ß``), spaces and punctuation dropped:
  ``"Blaues Wunder"`` -> ``blaueswunder``, ``"brücke"`` -> ``brücke``, but
  ``"bruecke"`` -> ``bruecke``, which no photo carries (the note then names
  ``brücke``). SnapAssist, unlike TagMaps, transliterates and matches plurals.
- Which tags: TagMaps' own run clusters its top list (the 1,000 tags of
  most users, less those of fewer than 5 users). Here each requested tag is
  clustered by name, in that list or not; ``toplist_rank`` says where it is.
- The cut (``cut_m``): HDBSCAN (``min_samples=1``) builds the plain
  single-linkage tree of the tag's posts on straight-line distance between
  (longitude, latitude) in radians, and TagMaps cuts it at the cluster
  distance: posts linked by a chain of hops each shorter than the cut form
  a cluster; a post with no such neighbour stays unclustered. Metres become
  radians at 111.325 km per degree, without cos(latitude): the cut reaches
  ``cut_m`` north-south but only ``0.63 * cut_m`` east-west at Dresden.
  ``None`` is TagMaps' default: 7 % of the shorter side of the box around
  all posts (1,290 m on the Dresden sample). ``250`` is ``tagmaps -a -d
  250`` (``--cluster_cut_distance``). ``"hdbscan"`` is HDBSCAN's own
  selection (``min_cluster_size``: 5 % of the tag's posts, at least 2), a
  code path of TagMaps (``autoselect_clusters``) that no option reaches.
- Order and centre: clusters by number of posts, largest first (``rank``;
  ties in HDBSCAN's label order). The centre is the centroid of the
  cluster's convex hull in the UTM zone TagMaps picks (EPSG:32633 here),
  back in WGS 84; ``n_users`` is TagMaps' count of distinct users.
- All else stays at TagMaps' defaults; emoji and overall location clusters
  and shapefiles are not made.

From Python: ``peer_clusters(csv_path, phrases, cut_m=None)``, or
``run_tagmaps`` (same arguments) for the notes and settings too. Exit
status 2 if TagMaps cannot be installed or run.
"""
import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).resolve().with_name("_tagmaps_runner.py")
CACHE_DIR = REPO / ".cache" / "peer"
DRESDEN_NAME = "flickr_dresden_cc-by-licenses.csv"
#: What was installed and seen working (Python 3.11, December 2025 registry).
TAGMAPS_PINS = (
    "tagmaps==0.22.34", "hdbscan==0.8.44", "scikit-learn==1.9.1", "numpy==2.4.6",
    "scipy==1.17.1", "pandas==3.1.1", "shapely==2.2.0", "pyproj==3.7.2", "fiona==1.10.1",
    "matplotlib==3.11.2", "seaborn==0.13.2", "emoji==2.16.0")
RUN_TIMEOUT_S = 600
INSTALL_TIMEOUT_S = 900
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


class PeerToolError(RuntimeError):
    """TagMaps could not be installed or run, or gave an answer we cannot read."""


def _log(message):
    print(f"peer_tagmaps: {message}", file=sys.stderr, flush=True)


def phrase_to_tag(phrase):
    """The TagMaps tag a typed phrase stands for, or None, and why not.

    Returns ``(tag, note)``: ``("blaueswunder", None)`` for ``"Blaues
    Wunder"``; ``(None, note)`` for a phrase TagMaps cannot represent
    (nothing left, or a one-character or all-digit tag, which TagMaps drops).
    """
    if not isinstance(phrase, str):
        raise TypeError(f"a phrase must be text, got {type(phrase).__name__}: {phrase!r}")
    tag = _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFC", phrase).lower())
    if not tag:
        return None, f"{phrase!r} has no letters or digits: TagMaps has no tag for it"
    if len(tag) == 1 or tag.isdigit():
        return None, (f"{phrase!r} is tag {tag!r}: TagMaps drops one-character and "
                      f"all-digit tags when it reads posts")
    return tag, None


def parse_cut(cut_m):
    """``cut_m`` checked: None, ``"hdbscan"`` or a positive number of metres (float)."""
    if cut_m is None or cut_m == "hdbscan":
        return cut_m
    value = cut_m
    if isinstance(value, str):  # from the command line
        try:
            value = float(value)
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"cut_m must be None, 'hdbscan' or a positive number of metres, "
                         f"got {cut_m!r}")
    return float(value)


def _phrase_list(phrases):
    if isinstance(phrases, str):
        raise TypeError(f"phrases must be a list of phrases, not one string: {phrases!r}")
    phrases = list(dict.fromkeys(phrases))
    if not phrases:
        raise ValueError("phrases is empty: name at least one thing to photograph")
    return phrases


def file_sha1(path):
    """(sha1 hex digest, size in bytes) of the file at ``path``."""
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), Path(path).stat().st_size


def cache_path(cache_dir, csv_sha1, csv_size, tags, cut):
    """The cache file of the runner's answer; a new pin or runner gets a new one."""
    key = json.dumps({"csv": [csv_sha1, csv_size], "tags": sorted(set(tags)), "cut": cut,
                      "pins": TAGMAPS_PINS, "runner": file_sha1(RUNNER)[0]}, sort_keys=True)
    return Path(cache_dir) / f"tagmaps-{hashlib.sha1(key.encode()).hexdigest()[:20]}.json"


def _require(condition, what):
    if not condition:
        raise PeerToolError(f"TagMaps' answer cannot be read: {what}")


def check_runner_output(raw, tags):
    """Raise PeerToolError unless ``raw`` is a whole runner answer for ``tags``."""
    _require(isinstance(raw, dict), f"expected a JSON object, got {type(raw).__name__}")
    for key in ("tagmaps_version", "cut_m", "default_cut_m", "n_posts", "n_toplist", "tags"):
        _require(key in raw, f"no {key!r}")
    _require(isinstance(raw["tags"], dict), "'tags' is not an object")
    for tag in tags:
        entry = raw["tags"].get(tag)
        _require(isinstance(entry, dict), f"no entry for tag {tag!r}")
        _require(isinstance(entry.get("clusters"), list), f"tag {tag!r} has no cluster list")
        for i, c in enumerate(entry["clusters"]):
            where = f"tag {tag!r} cluster {i}"
            _require(isinstance(c, dict) and {"lat", "lng", "users", "guids"} <= set(c),
                     f"{where} lacks lat, lng, users or guids")
            _require(all(isinstance(c[k], (int, float)) for k in ("lat", "lng"))
                     and abs(c["lat"]) <= 90 and abs(c["lng"]) <= 180,
                     f"{where} has no valid centre: {c['lat']!r}, {c['lng']!r}")
            _require(isinstance(c["guids"], list) and c["guids"]
                     and all(isinstance(g, str) for g in c["guids"]),
                     f"{where} has no list of member guids")
            _require(isinstance(c["users"], int) and 1 <= c["users"] <= len(c["guids"]),
                     f"{where} has {c['users']!r} users for {len(c['guids'])} photos")


def _run_step(command, what, timeout, env=None, cwd=None):
    try:
        done = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise PeerToolError(f"could not {what}: no answer within {timeout} s") from None
    except OSError as error:
        raise PeerToolError(f"could not {what}: {error}") from None
    if done.returncode:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-25:])
        raise PeerToolError(f"could not {what} (exit status {done.returncode}):\n{tail}")
    return done


def ensure_tagmaps_venv(venv_dir=CACHE_DIR / "tagmaps-venv", timeout=INSTALL_TIMEOUT_S,
                        log=_log):
    """The Python of TagMaps' own virtual environment, created on first use.

    The venv counts as ready only once a marker holding ``TAGMAPS_PINS`` is
    written after a successful install, so an interrupted or outdated one
    is rebuilt. Raises PeerToolError, with pip's last lines, if that fails.
    """
    venv_dir = Path(venv_dir)
    python = venv_dir / "bin" / "python"
    marker = venv_dir / "snapassist-pins.txt"
    wanted = "\n".join(TAGMAPS_PINS) + "\n"
    if python.exists() and marker.exists() and marker.read_text(encoding="utf-8") == wanted:
        return python
    log(f"creating TagMaps' own virtual environment in {venv_dir}")
    _run_step([sys.executable, "-m", "venv", "--clear", venv_dir],
              "create a virtual environment for TagMaps", timeout)
    log(f"installing {TAGMAPS_PINS[0]} and its dependencies there "
        f"(once; about half a minute from a package cache)")
    start = time.perf_counter()
    _run_step([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
               *TAGMAPS_PINS], f"install {' '.join(TAGMAPS_PINS)}", timeout)
    _run_step([python, "-c", "import hdbscan, tagmaps"], "import tagmaps after installing it",
              timeout)
    marker.write_text(wanted, encoding="utf-8")
    log(f"TagMaps installed in {time.perf_counter() - start:.0f} s")
    return python


def call_runner(request, python, script=RUNNER, timeout=RUN_TIMEOUT_S, mpl_dir=None):
    """Run ``script`` under ``python`` on ``request``; the JSON it writes, as a dict.

    Raises PeerToolError if the run fails, times out or writes no valid JSON.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"  # TagMaps imports pyplot; there is no display
    with tempfile.TemporaryDirectory(prefix="peer-tagmaps-") as tmp:
        env["MPLCONFIGDIR"] = str(mpl_dir or Path(tmp) / "mpl")
        request_path, result_path = Path(tmp) / "request.json", Path(tmp) / "result.json"
        request_path.write_text(json.dumps(request), encoding="utf-8")
        _run_step([python, script, request_path, result_path], "run TagMaps", timeout,
                  env=env, cwd=tmp)
        if not result_path.exists():
            raise PeerToolError(f"TagMaps' runner ended without writing {result_path.name}")
        try:
            return json.loads(result_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise PeerToolError(f"TagMaps' runner wrote invalid JSON: {error}") from None


def _venv_runner(cache_dir, timeout):
    def run(request):
        python = ensure_tagmaps_venv(Path(cache_dir) / "tagmaps-venv")
        start = time.perf_counter()  # the run alone, not a first install
        raw = call_runner(request, python, timeout=timeout,
                          mpl_dir=Path(cache_dir) / "mplconfig")
        if isinstance(raw, dict):
            raw["seconds"] = time.perf_counter() - start
        return raw
    return run


def _phrase_info(phrase, tag, note, entry, raw):
    info = {"tag": tag, "note": note}
    if entry is None:
        return info
    info.update({k: entry.get(k) for k in ("n_posts", "n_users", "n_unclustered",
                                           "toplist_rank", "toplist_users")})
    if not entry["n_posts"]:
        similar = entry.get("similar_tags") or []
        hint = f"; the same word with other accents or umlauts: {', '.join(similar)}" if similar else ""
        info["note"] = f"no photo carries the tag {tag!r}{hint}"
    elif entry["n_posts"] < 2:
        info["note"] = "only one photo carries it: TagMaps clusters two or more"
    elif entry.get("toplist_rank") is None:
        info["note"] = (f"outside TagMaps' top list ({raw['n_toplist']} tags): its own run "
                        f"would skip it; clustered here by name")
    return info


def run_tagmaps(csv_path, phrases, cut_m=None, *, cache_dir=CACHE_DIR,
                timeout=RUN_TIMEOUT_S, refresh=False, runner=None):
    """TagMaps' answer for each phrase, with its settings and notes.

    Parameters
    ----------
    csv_path : path
        An LBSN CSV in TagMaps' intermediate form (the Dresden sample).
    phrases : list of str
        What a photographer types; each becomes one tag (:func:`phrase_to_tag`).
    cut_m : None, float or "hdbscan"
        The cut in metres (module docstring); None: TagMaps' default distance.
    cache_dir, refresh : path, bool
        Where TagMaps' venv and the answers are kept; rerun even if cached.
    runner : callable, optional
        ``runner(request) -> raw answer``; the default runs TagMaps in its venv.

    Returns
    -------
    dict
        ``clusters`` (as :func:`peer_clusters`), ``phrases`` (phrase -> tag,
        note, photos and users carrying it, its rank in TagMaps' top list),
        ``settings`` (TagMaps' version, cut used, default cut, posts read),
        ``seconds`` (of the TagMaps run, even when cached) and ``cached``.

    Raises
    ------
    PeerToolError
        If TagMaps cannot be installed or run, or its answer cannot be read.
    """
    cut = parse_cut(cut_m)
    phrases = _phrase_list(phrases)
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"the photos file {csv_path} does not exist")
    mapped = {p: phrase_to_tag(p) for p in phrases}
    tags = sorted({tag for tag, _ in mapped.values() if tag})
    csv_sha1, csv_size = file_sha1(csv_path)
    cached_at = cache_path(cache_dir, csv_sha1, csv_size, tags, cut)
    raw, cached = None, False
    if cached_at.exists() and not refresh:
        try:
            raw = json.loads(cached_at.read_text(encoding="utf-8"))
            check_runner_output(raw, tags)
            cached = True
        except (json.JSONDecodeError, PeerToolError):
            raw = None  # a damaged cache file is replaced below
    if raw is None:
        request = {"csv_path": str(csv_path.resolve()), "tags": tags, "cut": cut}
        start = time.perf_counter()
        raw = (runner or _venv_runner(cache_dir, timeout))(request)
        check_runner_output(raw, tags)
        raw.setdefault("seconds", time.perf_counter() - start)
        cached_at.parent.mkdir(parents=True, exist_ok=True)
        partial = cached_at.with_name(cached_at.name + ".part")
        partial.write_text(json.dumps(raw), encoding="utf-8")
        os.replace(partial, cached_at)
    clusters, infos = {}, {}
    for phrase, (tag, note) in mapped.items():
        entry = raw["tags"][tag] if tag else None
        infos[phrase] = _phrase_info(phrase, tag, note, entry, raw)
        clusters[phrase] = [
            {"rank": rank, "latitude": c["lat"], "longitude": c["lng"],
             "n_photos": len(c["guids"]), "n_users": c["users"], "photo_guids": c["guids"]}
            for rank, c in enumerate(entry["clusters"] if entry else [], start=1)]
    settings = {k: raw.get(k) for k in ("tagmaps_version", "hdbscan_version", "cut_m",
                                        "default_cut_m", "n_posts", "n_users", "n_toplist",
                                        "crs_projected", "load_seconds", "cluster_seconds")}
    settings["cut"] = cut
    return {"csv": str(csv_path), "csv_sha1": csv_sha1, "settings": settings,
            "phrases": infos, "clusters": clusters, "seconds": raw.get("seconds"),
            "cached": cached}


def peer_clusters(csv_path, phrases, cut_m=None, **options):
    """TagMaps' location clusters of each phrase's photos, in TagMaps' order.

    Returns ``{phrase: [cluster, ...]}``; each cluster is a dict with
    ``rank`` (1 = most posts), ``latitude``, ``longitude`` (the centroid of
    its convex hull), ``n_photos``, ``n_users`` and ``photo_guids``. A
    phrase TagMaps cannot represent, or whose tag no photo carries, gets
    ``[]``; :func:`run_tagmaps` (same arguments) also gives the reason, and
    the module docstring says what TagMaps does and what ``cut_m`` means.
    """
    return run_tagmaps(csv_path, phrases, cut_m, **options)["clusters"]


def find_dresden_csv():
    """The Dresden sample: ``shared/data/dresden/`` beside the checkout or above it."""
    for folder in REPO.parents:
        candidate = folder / "shared" / "data" / "dresden" / DRESDEN_NAME
        if candidate.is_file():
            return candidate
    return REPO.parent / "shared" / "data" / "dresden" / DRESDEN_NAME


def format_table(answer, top=10):
    """The answer of :func:`run_tagmaps` as text: one block per phrase."""
    s = answer["settings"]
    cut = ("HDBSCAN's own selection" if s["cut"] == "hdbscan" else
           f"cut {s['cut_m']:.0f} m" + (" (TagMaps' default)" if s["cut"] is None else ""))
    seconds = answer["seconds"]
    lines = [f"TagMaps {s['tagmaps_version']} on {s['n_posts']} posts, {cut}; "
             f"run {'-' if seconds is None else f'{seconds:.1f}'} s"
             f"{' (cached)' if answer['cached'] else ''}"]
    for phrase, clusters in answer["clusters"].items():
        info = answer["phrases"][phrase]
        head = f"\n{phrase!r} -> tag {info['tag']!r}"
        if info.get("n_posts"):
            rank = info["toplist_rank"]
            head += (f": {info['n_posts']} photos, {info['n_users']} users; "
                     f"{len(clusters)} cluster{'' if len(clusters) == 1 else 's'}, "
                     f"{info['n_unclustered']} photos unclustered; "
                     f"TagMaps rank {rank if rank else '-'} of {s['n_toplist']}")
        lines.append(head)
        if info["note"]:
            lines.append(f"  note: {info['note']}")
        if clusters:
            lines.append(f"  {'rank':>4} {'latitude':>9} {'longitude':>9} {'photos':>6} "
                         f"{'users':>5}")
        for c in clusters[:top]:
            lines.append(f"  {c['rank']:>4} {c['latitude']:>9.5f} {c['longitude']:>9.5f} "
                         f"{c['n_photos']:>6} {c['n_users']:>5}")
        if len(clusters) > top:
            lines.append(f"  ... {len(clusters) - top} more")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="e.g. python benchmarks/peer_tagmaps.py --cut 250 frauenkirche brücke")
    parser.add_argument("phrases", nargs="+", metavar="PHRASE",
                        help="what a photographer types, e.g. frauenkirche 'blaues wunder'")
    parser.add_argument("--cut", default=None, metavar="METRES",
                        help="TagMaps' cluster cut distance in metres (its -d option); "
                        "'hdbscan' for HDBSCAN's own selection; default: TagMaps' own "
                        "distance, 7%% of the shorter side of the photos' box")
    parser.add_argument("--csv", type=Path, default=None,
                        help=f"the LBSN CSV to read (default: the Dresden sample, "
                        f"shared/data/dresden/{DRESDEN_NAME})")
    parser.add_argument("--top", type=int, default=10,
                        help="clusters shown per phrase (default 10)")
    parser.add_argument("--json", type=Path, help="also write the whole answer to this file")
    parser.add_argument("--refresh", action="store_true",
                        help="run TagMaps even if its answer is cached")
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT_S,
                        help=f"seconds one TagMaps run may take (default {RUN_TIMEOUT_S})")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR,
                        help="where TagMaps' venv and its answers are kept (default .cache/peer)")
    args = parser.parse_args(argv)
    try:
        answer = run_tagmaps(args.csv or find_dresden_csv(), args.phrases, args.cut,
                             cache_dir=args.cache_dir, timeout=args.timeout,
                             refresh=args.refresh)
    except PeerToolError as error:
        print(f"peer_tagmaps: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, FileNotFoundError) as error:
        parser.error(str(error))
    print(format_table(answer, args.top))
    if args.json:
        args.json.write_text(json.dumps(answer, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
