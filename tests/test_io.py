"""The one table reader and the one atomic writer."""
import os

import pandas as pd
import pytest

from snapassist import config
from snapassist.errors import TableError
from snapassist.io import (read_table, read_table_attrs, write_atomically, write_table,
                           write_text_atomic)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "old")

    def half(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(TableError, match=r"cannot write .*a\.txt.*disk full"):
        write_atomically(target, half)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_tables_and_their_attributes_round_trip(tmp_path, fmt):
    frame = pd.DataFrame({"id": ["1", "2"], "views": [3, 4]})
    write_table(frame, tmp_path / "t.hdf5", attrs={"city": "Dresden"}, fmt=fmt)
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.hdf5"), frame)
    assert read_table_attrs(tmp_path / "t.hdf5") == {"city": "Dresden"}


def test_errors_name_the_file(tmp_path):
    with pytest.raises(TableError, match=r"the master table .*nope\.hdf5.* does not exist"):
        read_table(tmp_path / "nope.hdf5", "master table")
    broken = tmp_path / "broken.hdf5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(TableError, match=r"broken\.hdf5.* cannot be read as a pandas HDF5"):
        read_table(broken)
    # Attributes are a nicety: an unreadable file has none rather than an error.
    assert read_table_attrs(broken) == {} and read_table_attrs(tmp_path / "nope") == {}


def test_a_file_without_the_key_is_named_with_the_keys_it_has(tmp_path):
    pd.DataFrame({"a": [1]}).to_hdf(tmp_path / "k.hdf5", key="one", mode="w")
    pd.DataFrame({"a": [2]}).to_hdf(tmp_path / "k.hdf5", key="two", mode="a")
    with pytest.raises(TableError, match=rf"no key '{config.HDF_KEY}' \(keys found: /one, /two\)"):
        read_table(tmp_path / "k.hdf5")


def test_a_parts_folder_records_its_pieces_and_knows_its_job(tmp_path):
    from snapassist.io import PartsFolder

    parts = PartsFolder(tmp_path / "out.hdf5", {"job": 1})
    assert parts.read_manifest() is None
    parts.make()
    parts.record("a", {"rows": 3})
    again = PartsFolder(tmp_path / "out.hdf5", {"job": 1})
    state = again.read_manifest()
    assert again.matches(state) and state["done"] == {"a": {"rows": 3}}
    assert not PartsFolder(tmp_path / "out.hdf5", {"job": 2}).matches(state)
    parts.manifest.write_text("{broken")
    assert parts.read_manifest() is None
    parts.remove()
    assert not parts.dir.exists()


def test_every_file_written_gets_the_one_permission_rule(tmp_path):
    import stat

    from snapassist.io import file_mode

    old = os.umask(0o027)
    try:
        assert file_mode() == 0o640
        path = write_text_atomic(tmp_path / "a.txt", "x")
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.hdf5")
        assert stat.S_IMODE((tmp_path / "t.hdf5").stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert file_mode() == 0o666 & ~old
