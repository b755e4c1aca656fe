"""Our glue around the peer tool TagMaps (``benchmarks/peer_tagmaps.py``).

Nothing here installs or runs TagMaps: the phrase-to-tag mapping, the
checks on the runner's JSON, the cache and the subprocess exchange are
tested with stand-ins (a fake runner function, a fake runner script).
"""
import csv
import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
_spec = importlib.util.spec_from_file_location("peer_tagmaps", BENCHMARKS / "peer_tagmaps.py")
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)

DRESDEN = peer.find_dresden_csv()


@pytest.mark.parametrize("phrase, tag", [
    ("frauenkirche", "frauenkirche"),
    ("Frauenkirche", "frauenkirche"),
    ("Blaues Wunder", "blaueswunder"),
    ("  blaues   wunder ", "blaueswunder"),
    ("brücke", "brücke"),
    ("BRÜCKE", "brücke"),
    ("bru\u0308cke", "brücke"),              # u + combining diaeresis, as some keyboards send
    ("Augustus-Brücke", "augustusbrücke"),
    ("St. Pauli", "stpauli"),
    ("Prager Straße", "pragerstraße"),
    ("bruecke", "bruecke"),                  # no transliteration: TagMaps has none
    ("route 66", "route66"),
])
def test_phrase_becomes_one_tagmaps_tag(phrase, tag):
    assert peer.phrase_to_tag(phrase) == (tag, None)


@pytest.mark.parametrize("phrase, why", [
    ("", "no letters or digits"),
    ("  -!? ", "no letters or digits"),
    ("x", "one-character and all-digit"),
    ("2019", "one-character and all-digit"),
    ("1 9", "one-character and all-digit"),
])
def test_phrase_tagmaps_cannot_represent_gets_a_note(phrase, why):
    tag, note = peer.phrase_to_tag(phrase)
    assert tag is None and why in note


def test_phrase_must_be_text():
    with pytest.raises(TypeError, match="a phrase must be text, got int"):
        peer.phrase_to_tag(250)


@pytest.mark.parametrize("value, expected", [
    (None, None), ("hdbscan", "hdbscan"), (250, 250.0), (12.5, 12.5), ("250", 250.0)])
def test_cut_accepted(value, expected):
    assert peer.parse_cut(value) == expected


@pytest.mark.parametrize("value", [0, -5, "abc", "nan", float("inf"), True, [250], "auto"])
def test_cut_rejected(value):
    with pytest.raises(ValueError, match="cut_m must be None, 'hdbscan' or a positive number"):
        peer.parse_cut(value)


# --- a fake runner: what _tagmaps_runner.py writes, for two tags ---------------------------

def _raw(tags, cut=250.0):
    entries = {}
    for tag in tags:
        if tag == "frauenkirche":
            entries[tag] = {"n_posts": 7, "n_users": 4, "n_unclustered": 1, "toplist_rank": 5,
                            "toplist_users": 197, "clusters": [
                                {"lat": 51.0545, "lng": 13.7385, "users": 3,
                                 "guids": ["a", "b", "c", "d"]},
                                {"lat": 51.0571, "lng": 13.7536, "users": 1, "guids": ["e", "f"]}]}
        elif tag == "brücke":
            entries[tag] = {"n_posts": 3, "n_users": 3, "n_unclustered": 1, "toplist_rank": None,
                            "toplist_users": None, "clusters": [
                                {"lat": 51.0527, "lng": 13.8089, "users": 2, "guids": ["g", "h"]}]}
        else:
            entries[tag] = {"n_posts": 0, "n_users": 0, "n_unclustered": 0, "toplist_rank": None,
                            "toplist_users": None, "clusters": [], "similar_tags": ["brücke"]}
    return {"tagmaps_version": "0.22.34", "hdbscan_version": "0.8.44", "cut": cut,
            "cut_m": 1290.0 if cut is None else cut, "default_cut_m": 1290.0,
            "n_posts": 17879, "n_users": 909, "n_toplist": 805, "crs_projected": "epsg:32633",
            "tags": entries, "seconds": 4.0}


class FakeRunner:
    """Answers like the TagMaps runner and remembers each request."""

    def __init__(self, answer=_raw):
        self.answer = answer
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        return self.answer(request["tags"], request["cut"])


def _never(request):
    raise AssertionError(f"the cache should have answered {request}")


@pytest.fixture
def photos(tmp_path):
    path = tmp_path / "photos.csv"
    path.write_text("origin_id,lat,lng,guid,user_guid,hashtags\n2,51.05,13.74,a,u,frauenkirche\n",
                    encoding="utf-8")
    return path


def test_clusters_per_phrase_in_tagmaps_order(photos, tmp_path):
    runner = FakeRunner()
    got = peer.peer_clusters(photos, ["Frauenkirche", "Brücke", "x"], 250,
                             cache_dir=tmp_path / "cache", runner=runner)
    assert list(got) == ["Frauenkirche", "Brücke", "x"]
    first, second = got["Frauenkirche"]
    assert first == {"rank": 1, "latitude": 51.0545, "longitude": 13.7385, "n_photos": 4,
                     "n_users": 3, "photo_guids": ["a", "b", "c", "d"]}
    assert (second["rank"], second["n_photos"], second["n_users"]) == (2, 2, 1)
    assert [c["photo_guids"] for c in got["Brücke"]] == [["g", "h"]]
    assert got["x"] == []
    assert runner.requests == [{"csv_path": str(photos.resolve()),
                                "tags": ["brücke", "frauenkirche"], "cut": 250.0}]


def test_notes_say_why_a_phrase_has_no_clusters(photos, tmp_path):
    answer = peer.run_tagmaps(photos, ["bruecke", "brücke", "?", "frauenkirche"], None,
                              cache_dir=tmp_path, runner=FakeRunner())
    infos = answer["phrases"]
    assert infos["bruecke"]["tag"] == "bruecke"
    assert "no photo carries the tag 'bruecke'" in infos["bruecke"]["note"]
    assert "brücke" in infos["bruecke"]["note"]
    assert "outside TagMaps' top list (805 tags)" in infos["brücke"]["note"]
    assert infos["?"] == {"tag": None, "note": "'?' has no letters or digits: TagMaps has no tag for it"}
    assert infos["frauenkirche"]["note"] is None
    assert infos["frauenkirche"]["toplist_rank"] == 5
    assert answer["settings"]["cut"] is None and answer["settings"]["cut_m"] == 1290.0
    table = peer.format_table(answer)
    assert "'frauenkirche' -> tag 'frauenkirche': 7 photos, 4 users; 2 clusters" in table
    assert "TagMaps' default" in table and "note: no photo carries the tag 'bruecke'" in table


def test_answer_is_cached_per_file_tags_and_cut(photos, tmp_path):
    runner = FakeRunner()
    first = peer.run_tagmaps(photos, ["frauenkirche", "brücke"], 250, cache_dir=tmp_path,
                             runner=runner)
    # Same tags in another order and spelling, same cut: from the cache.
    again = peer.run_tagmaps(photos, ["Brücke", "Frauenkirche"], "250", cache_dir=tmp_path,
                             runner=_never)
    assert again["cached"] and not first["cached"]
    assert again["clusters"]["Brücke"] == first["clusters"]["brücke"]
    peer.run_tagmaps(photos, ["frauenkirche", "brücke"], None, cache_dir=tmp_path, runner=runner)
    peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path, runner=runner)
    peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path, runner=runner,
                     refresh=True)
    with photos.open("a", encoding="utf-8") as f:
        f.write("2,51.06,13.75,b,u,frauenkirche\n")
    peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path, runner=runner)
    assert [(r["tags"], r["cut"]) for r in runner.requests] == [
        (["brücke", "frauenkirche"], 250.0), (["brücke", "frauenkirche"], None),
        (["frauenkirche"], 250.0), (["frauenkirche"], 250.0), (["frauenkirche"], 250.0)]


def test_damaged_cache_file_is_replaced(photos, tmp_path):
    runner = FakeRunner()
    peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path, runner=runner)
    [cached] = tmp_path.glob("tagmaps-*.json")
    cached.write_text("{not json", encoding="utf-8")
    answer = peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path, runner=runner)
    assert len(runner.requests) == 2 and not answer["cached"]
    assert json.loads(cached.read_text(encoding="utf-8"))["tags"]["frauenkirche"]


def _drop_tag(raw):
    del raw["tags"]["frauenkirche"]


def _too_many_users(raw):
    raw["tags"]["frauenkirche"]["clusters"][1]["users"] = 3


def _bad_latitude(raw):
    raw["tags"]["frauenkirche"]["clusters"][0]["lat"] = 91.0


def _no_guids(raw):
    raw["tags"]["frauenkirche"]["clusters"][0]["guids"] = []


def _no_version(raw):
    del raw["tagmaps_version"]


@pytest.mark.parametrize("damage, message", [
    (_drop_tag, "no entry for tag 'frauenkirche'"),
    (_too_many_users, "tag .frauenkirche. cluster 1 has 3 users for 2 photos"),
    (_bad_latitude, "tag .frauenkirche. cluster 0 has no valid centre: 91.0"),
    (_no_guids, "tag .frauenkirche. cluster 0 has no list of member guids"),
    (_no_version, "no 'tagmaps_version'"),
])
def test_unreadable_runner_answer_is_an_error_and_not_cached(photos, tmp_path, damage, message):
    def answer(tags, cut):
        raw = _raw(tags, cut)
        damage(raw)
        return raw

    with pytest.raises(peer.PeerToolError, match=f"TagMaps' answer cannot be read: {message}"):
        peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path,
                         runner=FakeRunner(answer))
    assert not list(tmp_path.glob("tagmaps-*"))


def test_runner_answer_that_is_not_an_object_is_an_error(photos, tmp_path):
    with pytest.raises(peer.PeerToolError, match="expected a JSON object, got list"):
        peer.run_tagmaps(photos, ["frauenkirche"], 250, cache_dir=tmp_path,
                         runner=lambda request: [])


def test_bad_arguments(photos, tmp_path):
    with pytest.raises(TypeError, match="phrases must be a list of phrases, not one string"):
        peer.peer_clusters(photos, "frauenkirche", cache_dir=tmp_path, runner=_never)
    with pytest.raises(ValueError, match="phrases is empty"):
        peer.peer_clusters(photos, [], cache_dir=tmp_path, runner=_never)
    with pytest.raises(FileNotFoundError, match="the photos file .*missing.csv does not exist"):
        peer.peer_clusters(tmp_path / "missing.csv", ["zwinger"], cache_dir=tmp_path,
                           runner=_never)
    with pytest.raises(ValueError, match="cut_m must be"):
        peer.peer_clusters(photos, ["zwinger"], -1, cache_dir=tmp_path, runner=_never)


def test_only_unrepresentable_phrases_need_no_run(photos, tmp_path):
    got = peer.peer_clusters(photos, ["x", "42"], cache_dir=tmp_path,
                             runner=lambda request: _raw(request["tags"]))
    assert got == {"x": [], "42": []}


# --- the subprocess exchange, with a fake runner script ------------------------------------

def _script(tmp_path, body):
    path = tmp_path / "fake_runner.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_call_runner_exchanges_json_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    script = _script(tmp_path, """
        import json, os, sys
        request = json.load(open(sys.argv[1], encoding="utf-8"))
        print("TagMaps chatter on stdout")
        answer = {"echo": request, "backend": os.environ.get("MPLBACKEND"),
                  "pythonpath": os.environ.get("PYTHONPATH")}
        open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(answer))
    """)
    request = {"csv_path": "/data/photos.csv", "tags": ["brücke"], "cut": 250.0}
    got = peer.call_runner(request, sys.executable, script=script, timeout=60)
    assert got == {"echo": request, "backend": "Agg", "pythonpath": None}


@pytest.mark.parametrize("body, message", [
    ("import sys\nsys.stderr.write('ModuleNotFoundError: hdbscan\\n')\nsys.exit(3)",
     r"could not run TagMaps \(exit status 3\):\nModuleNotFoundError: hdbscan"),
    ("pass", "ended without writing result.json"),
    ("import sys\nopen(sys.argv[2], 'w').write('{half')", "wrote invalid JSON"),
])
def test_call_runner_failures_are_clear(tmp_path, body, message):
    script = _script(tmp_path, body)
    with pytest.raises(peer.PeerToolError, match=message):
        peer.call_runner({"tags": []}, sys.executable, script=script, timeout=60)


def test_call_runner_stops_at_its_timeout(tmp_path):
    script = _script(tmp_path, "import time\ntime.sleep(60)")
    with pytest.raises(peer.PeerToolError, match="could not run TagMaps: no answer within 0.5 s"):
        peer.call_runner({"tags": []}, sys.executable, script=script, timeout=0.5)


# --- the venv and the command line, without installing anything ----------------------------

def test_ready_venv_is_used_as_it_is(tmp_path, monkeypatch):
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("", encoding="utf-8")
    (tmp_path / "venv" / "snapassist-pins.txt").write_text(
        "\n".join(peer.TAGMAPS_PINS) + "\n", encoding="utf-8")
    monkeypatch.setattr(peer, "_run_step", _never)
    assert peer.ensure_tagmaps_venv(tmp_path / "venv", log=print) == python


def test_failed_install_is_reported_and_leaves_no_marker(tmp_path, monkeypatch, capsys):
    steps = []

    def fake_step(command, what, timeout, env=None, cwd=None):
        steps.append(what)
        if what.startswith("install"):
            raise peer.PeerToolError(f"could not {what} (exit status 1):\nNo matching distribution")

    monkeypatch.setattr(peer, "_run_step", fake_step)
    with pytest.raises(peer.PeerToolError, match="could not install tagmaps==0.22.34"):
        peer.ensure_tagmaps_venv(tmp_path / "venv")
    assert steps[0] == "create a virtual environment for TagMaps" and len(steps) == 2
    assert not (tmp_path / "venv" / "snapassist-pins.txt").exists()
    assert "installing tagmaps==0.22.34" in capsys.readouterr().err


def test_command_line_exits_2_when_tagmaps_cannot_run(photos, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise peer.PeerToolError("could not install tagmaps==0.22.34 (exit status 1)")

    monkeypatch.setattr(peer, "run_tagmaps", fail)
    assert peer.main(["--csv", str(photos), "--cut", "250", "brücke"]) == 2
    assert "peer_tagmaps: could not install tagmaps" in capsys.readouterr().err


def test_command_line_prints_the_table(photos, tmp_path, monkeypatch, capsys):
    real, runner = peer.run_tagmaps, FakeRunner()
    monkeypatch.setattr(peer, "run_tagmaps", lambda *a, **k: real(*a, **k, runner=runner))
    assert peer.main(["--csv", str(photos), "--cut", "250", "--cache-dir", str(tmp_path),
                      "frauenkirche", "brücke"]) == 0
    assert list(tmp_path.glob("tagmaps-*.json")) and len(runner.requests) == 1
    out = capsys.readouterr().out
    assert "TagMaps 0.22.34 on 17879 posts, cut 250 m" in out
    assert "     1  51.05450  13.73850      4     3" in out


def test_command_line_rejects_a_bad_cut(photos, capsys):
    with pytest.raises(SystemExit) as stop:
        peer.main(["--csv", str(photos), "--cut", "wide", "brücke"])
    assert stop.value.code == 2
    assert "cut_m must be None, 'hdbscan' or a positive number of metres, got 'wide'" in \
        capsys.readouterr().err


@pytest.mark.skipif(not DRESDEN.is_file(), reason="the Dresden sample is not on this machine")
def test_phrases_map_to_tags_the_dresden_photos_carry():
    """An extra check on real photos: our tag spelling is the file's."""
    with DRESDEN.open(encoding="utf-8", newline="") as f:
        vocabulary = {t for row in csv.DictReader(f) for t in row["hashtags"].split(";")}
    for phrase in ("Frauenkirche", "Brücke", "bridge", "Zwinger", "Semperoper", "Elbe",
                   "Blaues Wunder", "sunset", "night"):
        tag, note = peer.phrase_to_tag(phrase)
        assert tag in vocabulary and note is None
