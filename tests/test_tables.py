"""Tag search over the photo tables: matching rules, loading, errors."""
import logging

import numpy as np
import pandas as pd
import pytest

from snapassist import config
from snapassist.search import FlickrPhotosDatabase, normalize_text, parse_query
from snapassist.search._tagindex import TagIndex
from snapassist.errors import QueryError, TableError


def _photos(tag_lists, **extra):
    n = len(tag_lists)
    frame = pd.DataFrame({
        "id": [str(1000 + i) for i in range(n)],
        "owner": [f"{i}@N01" for i in range(n)],
        "views": np.arange(n) * 10,
        "tags": tag_lists,
        "latitude": np.linspace(43.6, 43.7, n),
        "longitude": np.linspace(-79.5, -79.3, n),
    })
    for name, values in extra.items():
        frame[name] = values
    return frame


@pytest.fixture
def db():
    tags = [
        "cntower toronto",          # 1000 joined form
        "cn tower skyline",         # 1001 both words
        "tower bridge london",      # 1002 one word only
        "café toronto",             # 1003 non-ASCII tag
        "cntowers",                 # 1004 the plural of the joined form
        "CN-Tower",                 # 1005 un-normalised old tag
        "",                         # 1006 no tags
        "graffitialley graffiti",   # 1007
        "cn",                       # 1008
        "cntowerpark the",          # 1009 longer tag: no substring match
        "churches city",            # 1010 plurals both ways
        "church cities",            # 1011
        "ripleysaquarium",          # 1012 a possessive, joined
    ]
    return FlickrPhotosDatabase(_photos(tags), None)


def _ids(frame):
    return sorted(frame["id"])


@pytest.mark.parametrize("phrase, expected", [
    ("CN Tower", ["1000", "1001", "1004", "1005"]),
    ("cntower", ["1000", "1004", "1005"]),
    ("  cn   TOWER  ", ["1000", "1001", "1004", "1005"]),
    ("C.N. Tower!", ["1000", "1001", "1004", "1005"]),
    ("tower cn", ["1001"]),          # joined "towercn" is no tag; words match 1001
    ("Café", ["1003"]),
    ("cafe", ["1003"]),
    ("CAFÉ toronto", ["1003"]),
    ("tower", ["1001", "1002"]),
    ("graffiti", ["1007"]),
    ("graffiti alley", ["1007"]),
    ("cn", ["1001", "1008"]),
    ("towe", []),                    # whole tags only, never substrings
    ("cntowerpar", []),
    ("nothing-tagged-so", []),
])
def test_matching_rules(db, phrase, expected):
    assert _ids(db.get_search_results(phrase)) == expected
    assert db.count_search_results(phrase) == len(expected)


@pytest.mark.parametrize("phrase, same_as", [
    ("the cn tower", "cn tower"),        # common words are ignored ...
    ("Graffiti in the Alley", "graffiti alley"),
    ("CN-Tower", "cn tower"),            # a hyphen or slash separates words
    ("cn/tower", "cn tower"),
    ("cn towers", "cn tower"),           # plurals find the singular's tags, and back
    ("cntowers", "cntower"),
    ("towers", "tower"),
    ("church", "churches"),
    ("city", "cities"),
    ("Ripley's Aquarium", "ripley aquarium"),
])
def test_phrasing_rules(db, phrase, same_as):
    assert _ids(db.get_search_results(phrase)) == _ids(db.get_search_results(same_as))
    assert db.count_search_results(phrase) > 0


def test_plural_forms_match_both_ways(db):
    assert _ids(db.get_search_results("churches")) == ["1010", "1011"]
    assert _ids(db.get_search_results("cities")) == ["1010", "1011"]
    assert _ids(db.get_search_results("cn towers")) == ["1000", "1001", "1004", "1005"]
    # Every word of a joined tag may be in either form.
    assert _ids(db.get_search_results("Ripley's Aquarium")) == ["1012"]
    assert _ids(db.get_search_results("ripleysaquariums")) == ["1012"]


def test_common_words_count_when_nothing_else_is_left(db):
    # ... but a phrase of common words alone is searched as typed.
    assert parse_query("the") == ["the"]
    assert parse_query("in the") == ["in", "the"]
    assert _ids(db.get_search_results("the")) == ["1009"]


def test_common_words_still_match_inside_joined_tags():
    db = FlickrPhotosDatabase(_photos(["artgalleryofontario", "art gallery ontario",
                                       "art gallery", "ontario"]), None)
    assert _ids(db.get_search_results("Art Gallery of Ontario")) == ["1000", "1001"]
    assert _ids(db.get_search_results("art gallery ontario")) == ["1001"]
    assert parse_query("The CN Towers") == ["the", "cn", "tower"]


@pytest.mark.parametrize("word, expected", [
    ("towers", "tower"), ("tower", "tower"), ("cities", "city"), ("churches", "church"),
    ("boxes", "box"), ("glasses", "glass"), ("houses", "house"), ("glass", "glass"),
    ("campus", "campus"), ("paris", "paris"), ("bus", "bus"), ("gas", "gas"),
    ("news", "news"), ("lens", "lens"), ("lenses", "lens"), ("people", "person"),
    ("ties", "tie"), ("cats", "cat"),
])
def test_singular(word, expected):
    from snapassist.search._tagindex import singular, word_forms

    assert singular(word) == expected
    assert word in word_forms(word) and expected in word_forms(word)


@pytest.mark.parametrize("phrase, message", [
    ("", "is empty"),
    ("   ", "is empty"),
    ("?!... ---", "no letters or digits"),
    ("🎉🎉", "no letters or digits"),
    ("x" * (config.MAX_QUERY_CHARS + 1), "characters long"),
    (" ".join(["a"] * (config.MAX_QUERY_TERMS + 1)), "words"),
    (None, "must be text"),
    (42, "must be text"),
])
def test_bad_phrases_raise_clear_errors(db, phrase, message):
    with pytest.raises(QueryError, match=message):
        db.get_search_results(phrase)


def test_query_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_query("")


def test_normalize_text_transliterates_and_drops_punctuation():
    assert normalize_text("Crème Brûlée, s'il vous plaît!") == "creme brulee sil vous plait"
    assert parse_query("Québec  City") == ["quebec", "city"]


def test_results_keep_master_order_and_columns(db):
    result = db.get_search_results("toronto")
    assert list(result["id"]) == ["1000", "1003"]
    for column in ["id", "owner", "views", "tags", "latitude", "longitude", "Camera", "ISO"]:
        assert column in result.columns


def test_exif_is_joined_on_id_not_position():
    master = _photos(["a", "a", "a"])
    # The popular table lists photos in another order, with an extra unknown id.
    popular = pd.DataFrame({"id": ["1002", "9999", "1000"],
                            "Camera": ["Nikon D750", "Ghost", "Canon EOS R5"],
                            "ISO": [800.0, 1.0, 100.0],
                            "ExposureTime": [1 / 250, 1.0, 2.0]})
    result = FlickrPhotosDatabase(master, popular).get_search_results("a")
    assert list(result["id"]) == ["1000", "1001", "1002"]
    assert result["Camera"].iloc[0] == "Canon EOS R5"
    assert pd.isna(result["Camera"].iloc[1])
    assert result["Camera"].iloc[2] == "Nikon D750"
    np.testing.assert_array_equal(result["ISO"].to_numpy(), [100.0, np.nan, 800.0])
    np.testing.assert_allclose(result["ExposureTime"].to_numpy(), [2.0, np.nan, 1 / 250])


def test_missing_popular_table_logs_warning_and_gives_nan_settings(tmp_path, caplog):
    _photos(["x", "x y"]).to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="table")
    with caplog.at_level(logging.WARNING, logger="snapassist.search"):
        db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert "no popular" in caplog.text
    assert not db.has_exif
    result = db.get_search_results("x")
    assert len(result) == 2
    assert result["Camera"].isna().all() and result["FNumber"].isna().all()


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_loads_old_style_tables(tmp_path, fmt):
    """A 2018-style table: integer ids, float views, extra unknown columns."""
    old = pd.DataFrame({
        "id": [26701234567, 26701234568, 26701234569],
        "owner": ["1@N01", "2@N01", "3@N01"],
        "title": ["a", "b", "c"],
        "views": [10.0, 20.0, 30.0],
        "tags": ["cntower night", "cntower", "beach"],
        "latitude": [43.6426, 43.6427, 43.66],
        "longitude": [-79.3871, -79.3872, -79.30],
        "url_s": ["u1", "u2", "u3"],
        "some_2018_column": [1, 2, 3],
    })
    old.to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="table", format=fmt)
    popular = old.iloc[[1]].assign(FNumber=[8.0], Camera=["Canon EOS 5D"])
    popular.to_hdf(tmp_path / config.POPULAR_TABLE_PROCESSED, key="table", format=fmt)
    db = FlickrPhotosDatabase.from_folder(tmp_path)
    result = db.get_search_results("cntower")
    assert list(result["id"]) == ["26701234567", "26701234568"]
    assert result["views"].dtype == np.int64
    assert list(result["FNumber"].isna()) == [True, False]
    assert result["Camera"].iloc[1] == "Canon EOS 5D"
    assert db.views_percentile == pytest.approx(np.percentile([10, 20, 30], 75))


def test_missing_required_column_names_file_and_column(tmp_path):
    path = tmp_path / config.MASTER_TABLE_PROCESSED
    _photos(["a"]).drop(columns=["views"]).to_hdf(path, key="table")
    with pytest.raises(TableError, match=r"master_table_processed\.hdf5.*views"):
        FlickrPhotosDatabase.from_folder(tmp_path)


def test_missing_master_table_names_the_file(tmp_path):
    with pytest.raises(TableError, match=r"master_table_processed\.hdf5.*does not exist"):
        FlickrPhotosDatabase.from_folder(tmp_path)


def test_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(TableError, match="nowhere"):
        FlickrPhotosDatabase.from_folder(tmp_path / "nowhere")


def test_corrupt_table_file_names_the_file(tmp_path):
    path = tmp_path / config.MASTER_TABLE_PROCESSED
    path.write_bytes(b"this is not an HDF5 file at all" * 10)
    with pytest.raises(TableError, match=r"master_table_processed\.hdf5.*cannot be read"):
        FlickrPhotosDatabase.from_folder(tmp_path)
    assert path.read_bytes().startswith(b"this is not")  # nothing was overwritten


def test_corrupt_popular_table_names_that_file(tmp_path):
    _photos(["a"]).to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="table")
    (tmp_path / config.POPULAR_TABLE_PROCESSED).write_bytes(b"\x89HDF junk")
    with pytest.raises(TableError, match=r"popular_table_processed\.hdf5"):
        FlickrPhotosDatabase.from_folder(tmp_path)


def test_table_with_another_single_key_loads(tmp_path):
    _photos(["a"]).to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="photos")
    assert FlickrPhotosDatabase.from_folder(tmp_path).n_photos == 1


def test_rows_without_position_and_duplicate_ids_are_ignored(caplog):
    frame = _photos(["a", "a", "a"])
    frame.loc[1, "latitude"] = np.nan
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with caplog.at_level(logging.WARNING, logger="snapassist.search"):
        db = FlickrPhotosDatabase(frame, None)
    assert _ids(db.get_search_results("a")) == ["1000", "1002"]
    assert "without a position" in caplog.text and "duplicated" in caplog.text


def test_demo_marker_sets_is_demo(tmp_path):
    _photos(["a"]).to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="table")
    assert not FlickrPhotosDatabase.from_folder(tmp_path).is_demo
    (tmp_path / config.DEMO_MARKER).write_text("synthetic")
    assert FlickrPhotosDatabase.from_folder(tmp_path).is_demo


def test_index_matches_a_brute_force_oracle():
    """On random tag sets, the index answers exactly what a full scan does."""
    rng = np.random.default_rng(3)
    vocab = ["cn", "tower", "cntower", "sunset", "lake", "café", "cafe", "park", "x1"]
    tags = [" ".join(rng.choice(vocab, size=rng.integers(0, 5))) for _ in range(500)]
    index = TagIndex(pd.Series(tags))
    norm = [{normalize_text(t) for t in row.split()} for row in tags]
    for phrase in ["cn tower", "sunset", "cafe", "lake park", "tower cn park", "x1"]:
        terms = parse_query(phrase)
        expected = [i for i, row in enumerate(norm)
                    if all(t in row for t in terms) or "".join(terms) in row]
        np.testing.assert_array_equal(index.match(terms), expected)


def test_demo_search_finds_cn_tower(demo_db):
    result = demo_db.get_search_results("CN Tower")
    assert len(result) > 50
    assert demo_db.is_demo
    # Every hit carries the tag in one of its two accepted forms.
    ok = [("cntower" in t.split()) or ({"cn", "tower"} <= set(t.split()))
          for t in result["tags"]]
    assert all(ok)


def test_columns_subset(db):
    result = db.get_search_results("cn tower", columns=["id", "views"])
    assert list(result.columns) == ["id", "views"]
    assert _ids(result) == ["1000", "1001", "1004", "1005"]
    with pytest.raises(KeyError, match="no column.*nope"):
        db.get_search_results("cn tower", columns=["id", "nope"])


@pytest.mark.parametrize("small, large, expected", [
    ([1, 5, 9], [0, 1, 2, 9, 10], [1, 9]),
    ([11, 12], [0, 1, 2], []),
    ([1, 2], [], []),
    ([], [1, 2], []),
])
def test_sorted_intersection(small, large, expected):
    from snapassist.search._tagindex import _intersect_sorted

    got = _intersect_sorted(np.array(small, dtype=np.int64), np.array(large, dtype=np.int64))
    np.testing.assert_array_equal(got, expected)


def test_sorted_union_matches_numpy():
    from snapassist.search._tagindex import _union_sorted

    rng = np.random.default_rng(5)
    for _ in range(20):
        a = np.unique(rng.integers(0, 200, rng.integers(0, 60)))
        b = np.unique(rng.integers(0, 200, rng.integers(0, 60)))
        np.testing.assert_array_equal(_union_sorted(a, b), np.union1d(a, b))
