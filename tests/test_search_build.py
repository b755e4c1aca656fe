"""The search file built chunk by chunk equals the one built from the whole table."""
import numpy as np
import pandas as pd
import pytest

from snapassist.search import _build as searchbuild
from snapassist.search._build import SearchFileBuilder
from snapassist.search._store import PackedText, StreamedArray, read_store, unpack_column, write_store
from snapassist.search._tagindex import TagIndex

N = 3000


def _table(n=N, seed=0):
    """Photos with every kind of column: unique ids, repeated owners, missing and
    non-ASCII titles, numbers with NaN, datetimes, light names, machine tags."""
    rng = np.random.default_rng(seed)
    words = np.array(["tower", "Towers", "café", "park", "geo:lat=1", "sunset", "!!", "x"])
    tags = [" ".join(rng.choice(words, rng.integers(0, 4), replace=False)) for _ in range(n)]
    titles = np.array([f"Nº {i} — view" if i % 3 else f"plain {i}" for i in range(n)],
                      dtype=object)
    titles[rng.random(n) < 0.1] = np.nan
    hour = rng.integers(0, 24, n).astype(float)
    hour[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({
        "id": pd.array([f"{i:012d}" for i in range(n)], dtype="str"),
        "owner": pd.array([f"{i % 40}@N00" for i in range(n)], dtype="str"),
        "ownername": pd.array([f"Zoë {i}" for i in range(n)], dtype="str"),
        "title": pd.array(titles, dtype="str"),
        "tags": pd.array(tags, dtype="str"),
        "views": rng.integers(0, 10_000, n),
        "hour": hour,
        "datetaken": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
        "light": pd.array(rng.choice(["", "day", "golden", "blue", "night"], n), dtype="str"),
    })


COLUMNS = ["id", "owner", "ownername", "title", "views", "hour", "datetaken", "light", "tags"]


def _build(tmp_path, frame, sizes, name):
    work = tmp_path / f"work-{name}"
    work.mkdir()
    builder = SearchFileBuilder(work, COLUMNS)
    start = 0
    for size in sizes:
        builder.add(frame.iloc[start:start + size].reset_index(drop=True))
        start += size
    assert start == len(frame)
    path = builder.write(tmp_path / f"{name}.search", {"fingerprint": "f", "has_exif": False,
                                                     "columns": COLUMNS})
    assert not list(work.iterdir()), "the work files are removed"
    return path


def _values(arrays, meta, name):
    column = unpack_column(arrays, name, meta["stored"][name])
    rows = np.arange(meta["n_rows"])
    return column[rows] if isinstance(column, np.ndarray) else column.take(rows)


def test_chunks_give_the_same_file_as_the_whole_table(tmp_path):
    frame = _table()
    whole = _build(tmp_path, frame, [N], "whole")
    chunked = _build(tmp_path, frame, [1, 999, 0, 1200, 800], "chunked")
    assert whole.read_bytes() == chunked.read_bytes()
    # Every text layout is taken: fixed width, codes, and packed values.
    arrays, _ = read_store(whole, "f")
    assert {"col:id:fixed", "col:owner:codes", "col:title:codes",
            "col:ownername:buffer"} <= set(arrays) and "col:ownername:codes" not in arrays


def test_every_column_and_the_index_read_back_as_written(tmp_path, monkeypatch):
    # Small windows: the index is assembled in several passes.
    monkeypatch.setattr(searchbuild, "INDEX_WINDOW", 1000)
    frame = _table()
    arrays, meta = read_store(_build(tmp_path, frame, [700] * 4 + [200], "f"), "f")
    assert meta["n_rows"] == N and set(meta["stored"]) == set(COLUMNS)
    for name in COLUMNS:
        got = pd.Series(_values(arrays, meta, name))
        pd.testing.assert_series_equal(got, frame[name].reset_index(drop=True),
                                       check_dtype=False, check_names=False)
    expected = TagIndex(frame["tags"]).to_arrays()
    tags = PackedText.from_arrays(arrays, "index:tags:")
    assert list(tags.take(np.arange(len(tags)))) == list(expected["tags"])
    for part in ("offsets", "rows", "machine"):
        np.testing.assert_array_equal(arrays[f"index:{part}"], expected[part])
    assert arrays["index:machine"].sum() == 1           # geo:lat=1


def test_text_with_too_many_distinct_values_is_stored_value_by_value(tmp_path, monkeypatch):
    """Past the cap a repetitive column (here with missing values) keeps no codes in
    memory; its values still read back the same, missing ones included."""
    monkeypatch.setattr(searchbuild, "_DISTINCT_FLOOR", 10)
    monkeypatch.setattr(searchbuild, "DISTINCT_CAP", 50)
    frame = _table()
    frame["owner"] = pd.array([f"{i % 500}" if i % 7 else np.nan for i in range(N)],
                              dtype="str")
    arrays, meta = read_store(_build(tmp_path, frame, [600] * 5, "f"), "f")
    assert len(arrays["col:owner:offsets"]) - 1 == N - len(range(0, N, 7))
    for name in ("owner", "title", "id"):
        pd.testing.assert_series_equal(pd.Series(_values(arrays, meta, name)), frame[name],
                                       check_dtype=False, check_names=False)


def test_a_column_that_cannot_be_stored_is_left_out(tmp_path, caplog):
    frame = _table()
    frame.loc[2000, "title"] = "bad\0title"
    arrays, meta = read_store(_build(tmp_path, frame, [1500, 1500], "f"), "f")
    assert "title" not in meta["stored"] and not any(k.startswith("col:title") for k in arrays)
    assert "'title' is not stored" in caplog.text


def test_streamed_pieces_must_add_up(tmp_path):
    short = StreamedArray(np.int64, 5, lambda: iter([np.arange(3)]))
    with pytest.raises(ValueError, match="not 40"):
        write_store(tmp_path / "f", {"a": short}, {"fingerprint": "f"})
    assert not (tmp_path / "f").exists() and not list(tmp_path.iterdir())
