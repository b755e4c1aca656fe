"""Imports on a bad day: a full disk at every stage, two imports at once, the swap into place."""
import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_import import good_rows, write_csv
from test_world_import import MIN_PHOTOS, world_lines
from test_import_yfcc import write_yfcc

from snapassist import cli, config
from snapassist.errors import DiskFullError, FolderBusyError, ValidationError, WriteError
from snapassist.ingest import _safety, _staging, importer
from snapassist.ingest._safety import folder_lock, lock_path, replace_folder
from snapassist.ingest.importer import import_photos
from snapassist.search import SEARCH_FILE, FlickrPhotosDatabase
from snapassist.search._store import fingerprint_files, read_store

REPO = Path(__file__).resolve().parents[1]


def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def served(tmp_path):
    """A folder with 5 photos' tables and a file of the operator's; its files' bytes."""
    out = tmp_path / "out"
    import_photos(write_csv(tmp_path / "old.csv", good_rows(5)), out, "lbsn")
    (out / "notes.txt").write_text("mine")
    return out, _contents(out)


def _contents(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _leftovers(folder):
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))


def _half_pickle(frame, out, protocol=None):
    out.write(b"\x80\x05 half a chunk")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _Tables:
    """Ways to fill the disk at each stage of writing the tables."""

    @staticmethod
    def master(monkeypatch):
        monkeypatch.setattr(pd.HDFStore, "append", _full)

    @staticmethod
    def search_file(monkeypatch):
        monkeypatch.setattr("snapassist.search._build.write_store", _full)

    @staticmethod
    def atomic_rename(monkeypatch):
        monkeypatch.setattr("snapassist.io.os.replace", _full)

    @staticmethod
    def swap(monkeypatch):
        monkeypatch.setattr(_safety, "exchange", _full)


@pytest.mark.parametrize("stage, what", [
    ("chunk", r"the work file '[^']*/\.out\.import-\w+/staging/chunk000000\.pickle'"),
    ("master", r"the new tables in \.out\.import-\w+"),
    ("search_file", r"the new tables in \.out\.import-\w+"),
    ("atomic_rename", r"'[^']*/\.out\.import-\w+/tables/master_table_processed\.search'"),
    ("swap", "OUTFOLDER '[^']*/out'"),
])
def test_a_full_disk_at_any_stage_is_one_line_exit_2_and_the_old_tables_stay(
        served, tmp_path, capsys, monkeypatch, stage, what):
    out, before = served
    path = write_csv(tmp_path / "new.csv", good_rows(30))
    if stage == "chunk":
        monkeypatch.setattr(_staging.pickle, "dump", _half_pickle)
    else:
        getattr(_Tables, stage)(monkeypatch)
    status = cli.main(["import", "--format", "lbsn", str(path), str(out), "--overwrite", "-q"])
    err = capsys.readouterr().err
    assert status == 2
    assert re.fullmatch(f"snapassist import: error: No space left on device while writing "
                        f"{what}; about \\d+ MB are needed\n", err), err
    assert len(err.strip().splitlines()) == 1, err
    monkeypatch.undo()
    assert _contents(out) == before
    assert _leftovers(out) == []


def test_an_hdf5_error_with_the_disk_full_says_so(served, tmp_path, monkeypatch):
    import tables

    out, before = served

    def broken(*args, **kwargs):
        raise tables.HDF5ExtError("Problems appending the records.")

    monkeypatch.setattr(pd.HDFStore, "append", broken)
    path = write_csv(tmp_path / "new.csv", good_rows(30))
    with pytest.raises(WriteError, match=r"HDF5 error HDF5ExtError: Problems appending the "
                                         r"records\. while writing the new tables"):
        import_photos(path, out, "lbsn", overwrite=True)
    free = _safety.shutil.disk_usage

    def nearly_full(folder):
        return free(folder)._replace(free=1 << 20)

    monkeypatch.setattr(_safety.shutil, "disk_usage", nearly_full)
    with pytest.raises(DiskFullError, match=r"No space left on device while writing the new "
                                            r"tables in \.out\.import-\w+; about \d+ MB"):
        import_photos(path, out, "lbsn", overwrite=True, check_free_space=False)
    assert _contents(out) == before


def test_a_chunk_the_disk_kept_less_of_stops_the_import(tmp_path, monkeypatch):
    stat = os.fstat

    def short(fd):
        real = stat(fd)
        return os.stat_result((*real[:6], real.st_size - 1, *real[7:]))

    monkeypatch.setattr(_staging.os, "fstat", short)
    frame = pd.DataFrame({"id": ["1", "2"]})
    with pytest.raises(WriteError, match=r"of [\d,]+ bytes written while writing the work "
                                         r"file '[^']*/chunk\.pickle'"):
        _staging.write_work_file(tmp_path / "chunk.pickle", frame)
    assert not (tmp_path / "chunk.pickle").exists()


_LIMITED = """
import resource, signal, sys
from snapassist.ingest import importer
real = importer.import_photos
# Chunks of 100 photos: smaller than the tables, so that each stage's files can be cut.
importer.import_photos = lambda *args, **kwargs: real(*args, **kwargs, chunk_rows=100)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
from snapassist.cli import main
sys.exit(main({argv!r}))
"""


def test_real_writes_cut_short_at_each_stage_end_the_same_way(served, tmp_path):
    """A file size limit cuts real writes short (EFBIG) in HDF5 and in Python alike."""
    out, before = served
    path = write_csv(tmp_path / "new.csv", good_rows(3000))
    argv = ["import", "--format", "lbsn", str(path), str(out), "--overwrite", "-q"]
    named = []
    for limit in (20_000, 60_000, 300_000):
        run = subprocess.run([sys.executable, "-c", _LIMITED.format(limit=limit, argv=argv)],
                             capture_output=True, text=True, cwd=REPO)
        assert run.returncode == 2, run.stderr
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
        found = re.search(r"while writing (.*); about \d+ MB are needed$", run.stderr)
        assert found, run.stderr
        named.append(found.group(1))
        assert _contents(out) == before and _leftovers(out) == []
    assert re.search(r"/staging/chunk\d+\.pickle'$", named[0]), named
    assert re.match(r"the new tables in \.out\.import-\w+$", named[1]), named
    assert re.search(r"/tables/master_table_processed\.search'$", named[2]), named


def test_the_import_says_the_space_it_needs_and_refuses_without_it(served, tmp_path, capsys,
                                                                   monkeypatch):
    out, before = served
    path = write_csv(tmp_path / "new.csv", good_rows(300))
    free = _safety.shutil.disk_usage
    monkeypatch.setattr(_safety.shutil, "disk_usage", lambda f: free(f)._replace(free=0))
    # As if each byte of input needed 1 KB: more than the margin kept for small files.
    monkeypatch.setattr(_safety, "WORK_PER_INPUT_BYTE", 1000.0)
    needed = _safety.megabytes(path.stat().st_size * 1000)
    argv = ["import", "--format", "lbsn", str(path), str(out), "--overwrite"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert f"this import needs about {needed:,} MB of free space beside OUTFOLDER" in err
    assert (f"the import needs about {needed:,} MB and 1 MB are free (pass --ignore-space"
            in err)
    assert _contents(out) == before
    assert cli.main(argv + ["--ignore-space", "-q"]) == 0
    assert FlickrPhotosDatabase.from_folder(out).n_photos == 300


def test_the_estimate_reads_a_gzip_files_text_size(tmp_path):
    import gzip

    text = "guid,lat\n" + "x,1\n" * 100_000
    plain, packed = tmp_path / "in.csv", tmp_path / "in.csv.gz"
    plain.write_text(text)
    with gzip.open(packed, "wt") as handle:
        handle.write(text)
    assert _safety.input_text_bytes(plain) == _safety.input_text_bytes(packed) == len(text)
    assert _safety.estimate_space(plain)[0] == int(len(text) * _safety.WORK_PER_INPUT_BYTE)


def test_an_import_into_a_locked_folder_is_refused_at_once(served, tmp_path):
    out, before = served
    path = write_csv(tmp_path / "new.csv", good_rows(30))
    command = [sys.executable, "-m", "snapassist", "import", "--format", "lbsn", str(path),
               str(out), "--overwrite", "-q"]
    with folder_lock(out):
        run = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        assert lock_path(out).is_file()
    assert run.returncode == 2
    assert (f"another import (process {os.getpid()}) holds OUTFOLDER {str(out)!r}"
            in run.stderr)
    assert _contents(out) == before
    assert not lock_path(out).exists()
    with folder_lock(out), pytest.raises(FolderBusyError, match="another import"):
        import_photos(path, out, "lbsn", overwrite=True)


def test_two_imports_started_together_one_wins_and_nothing_is_lost(served, tmp_path):
    out, _ = served
    inputs = [write_csv(tmp_path / f"new{n}.csv", good_rows(n)) for n in (20_000, 20_001)]
    children = [subprocess.Popen([sys.executable, "-m", "snapassist", "import", "--format",
                                  "lbsn", str(path), str(out), "--overwrite", "-q"],
                                 stderr=subprocess.PIPE, text=True, cwd=REPO)
                for path in inputs]
    ended = [(child.wait(), child.stderr.read()) for child in children]
    for child in children:
        child.stderr.close()
    assert any(status == 0 for status, _ in ended), ended
    for status, err in ended:
        assert status == 0 or (status == 2 and f"holds OUTFOLDER {str(out)!r}" in err), err
    database = FlickrPhotosDatabase.from_folder(out)
    assert database.n_photos in (20_000, 20_001)
    # The search file is the master table's own, not the other import's.
    read_store(out / SEARCH_FILE, fingerprint_files([out / config.MASTER_TABLE_PROCESSED,
                                                     None]))
    assert (out / "notes.txt").read_text() == "mine"
    assert _leftovers(out) == []


def test_tables_that_appear_during_the_import_are_not_replaced(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tables = importer.write_tables

    def copied_in_meanwhile(*args, **kwargs):
        out.mkdir()
        (out / config.MASTER_TABLE_PROCESSED).write_bytes(b"someone's tables")
        return write_tables(*args, **kwargs)

    monkeypatch.setattr(importer, "write_tables", copied_in_meanwhile)
    with pytest.raises(ValidationError, match="already holds tables"):
        import_photos(write_csv(tmp_path / "in.csv", good_rows(5)), out, "lbsn")
    assert (out / config.MASTER_TABLE_PROCESSED).read_bytes() == b"someone's tables"


@pytest.mark.parametrize("can_exchange", [True, False])
def test_the_new_set_takes_the_old_ones_place_whole(tmp_path, monkeypatch, can_exchange):
    if not can_exchange:
        monkeypatch.setattr(_safety, "exchange", lambda a, b: False)
    target, new = tmp_path / "out", tmp_path / ".out.new"
    target.mkdir()
    new.mkdir()
    (target / "table").write_text("old")
    (target / "notes").write_text("mine")
    (target / "answers").mkdir()
    (target / "answers" / "a").write_text("kept")
    (new / "table").write_text("new")
    held = open(target / "table")          # a reader of the old set keeps reading it
    replace_folder(new, target, keep_from_old=lambda name: name != "table")
    assert held.read() == "old"
    held.close()
    assert (target / "table").read_text() == "new"
    assert (target / "notes").read_text() == "mine"
    assert (target / "answers" / "a").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_swap_is_one_step_on_linux(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not _safety.exchange(a, b):
        pytest.skip("this system cannot exchange two paths in one step")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_a_full_disk_in_a_world_import_is_exit_2_and_keeps_the_cities(tmp_path, capsys,
                                                                      monkeypatch):
    lines, _ = world_lines()
    path = write_yfcc(tmp_path / "world.tsv", lines)
    out = tmp_path / "cities"
    argv = ["import", "--format", "yfcc100m", str(path), str(out), "--cities",
            "--min-photos", str(MIN_PHOTOS), "-q"]
    assert cli.main(argv) == 0
    before = {city.name: _contents(city) for city in out.iterdir()}
    monkeypatch.setattr(_staging.pickle, "dump", _half_pickle)
    assert cli.main(argv + ["--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device while writing the work file" in err
    assert "MB are needed" in err and "Traceback" not in err
    assert {city.name: _contents(city) for city in out.iterdir()} == before
    monkeypatch.undo()
    assert cli.main(argv + ["--overwrite"]) == 0
    assert {city.name: _contents(city) for city in out.iterdir()}.keys() == before.keys()
    assert not lock_path(out).exists()
