"""The YFCC100M import on Dask: the same tables with one or two workers, and resuming there."""
import hashlib
import json
import struct
import uuid
from pathlib import Path

import pandas as pd
import pytest
from test_world_import import MIN_PHOTOS, master, world_lines
from test_import_yfcc import write_yfcc

from snapassist import cli, config
from snapassist.ingest import _partition
from snapassist.ingest.world import import_yfcc
from snapassist.io import read_table_attrs
from snapassist.search import SEARCH_FILE
from snapassist.search._store import MAGIC

PART_BYTES = 4000
SLUGS = ("dresden-de", "toronto-ca")


@pytest.fixture(scope="module")
def yfcc_path(tmp_path_factory):
    return write_yfcc(tmp_path_factory.mktemp("yfcc") / "world.tsv.bz2", world_lines()[0])


def search_payload(folder):
    """The search file's recorded payload hash (its header's fingerprint names the table file)."""
    data = (Path(folder) / SEARCH_FILE).read_bytes()
    (start,) = struct.unpack("<Q", data[len(MAGIC):len(MAGIC) + 8])
    header = json.loads(data[len(MAGIC) + 8:start].rstrip(b"\0"))
    return header["payload_sha1"], hashlib.sha1(data[start:]).hexdigest()


def test_one_or_two_workers_write_the_same_tables(yfcc_path, cluster, tmp_path, capsys):
    alone = import_yfcc(yfcc_path, tmp_path / "alone", cities=True, min_photos=MIN_PHOTOS,
                        part_bytes=PART_BYTES)
    one = import_yfcc(yfcc_path, tmp_path / "one", cities=True, min_photos=MIN_PHOTOS,
                      part_bytes=PART_BYTES, workers=1)
    two = import_yfcc(yfcc_path, tmp_path / "two", cities=True, min_photos=MIN_PHOTOS,
                      part_bytes=PART_BYTES, scheduler=cluster)
    assert alone.parts > 10 and one.ok and two.ok
    assert len(one.worker_peak_bytes) == 1 and len(two.worker_peak_bytes) == 2
    for slug in SLUGS:
        table = master(tmp_path / "alone" / slug)
        for other in ("one", "two"):
            pd.testing.assert_frame_equal(master(tmp_path / other / slug), table)
            assert read_table_attrs(tmp_path / other / slug / config.MASTER_TABLE_PROCESSED) \
                == read_table_attrs(tmp_path / "alone" / slug / config.MASTER_TABLE_PROCESSED)
            assert search_payload(tmp_path / other / slug) == \
                search_payload(tmp_path / "alone" / slug)
    assert alone.cities == one.cities == two.cities
    assert dict(alone.problems.counts) == dict(two.problems.counts)
    assert dict(alone.problems.examples) == dict(two.problems.examples)


def fail_part_once(plan, part):
    """A part reader (run on the workers) that fails on part 2 the first time it is asked.

    Every call is recorded as a file beside the parts folder, whichever
    worker makes it.
    """
    calls = Path(plan.folder).parent / "calls"
    calls.mkdir(exist_ok=True)
    (calls / f"{part.index}-{uuid.uuid4().hex}").touch()
    marker = Path(plan.folder).parent / "failed-once"
    if part.index == 2 and not marker.exists():
        marker.touch()
        raise OSError("worker lost")
    return _partition.read_part(plan, part)


def calls(folder):
    return sorted(int(p.name.split("-")[0]) for p in (Path(folder) / "calls").iterdir())


def test_a_run_that_failed_on_the_cluster_redoes_only_the_failed_part(yfcc_path, cluster,
                                                                      tmp_path):
    out = tmp_path / "out"
    first = import_yfcc(yfcc_path, out, cities=True, min_photos=MIN_PHOTOS,
                        part_bytes=PART_BYTES, scheduler=cluster, read_fn=fail_part_once)
    assert first.failed == {"part00002": "OSError: worker lost"} and not out.exists()
    assert calls(tmp_path) == list(range(first.parts))
    for path in (tmp_path / "calls").iterdir():
        path.unlink()
    second = import_yfcc(yfcc_path, out, cities=True, min_photos=MIN_PHOTOS,
                         part_bytes=PART_BYTES, scheduler=cluster, read_fn=fail_part_once)
    assert second.ok and calls(tmp_path) == [2]
    whole = import_yfcc(yfcc_path, tmp_path / "whole", cities=True, min_photos=MIN_PHOTOS,
                        part_bytes=PART_BYTES)
    assert second.cities == whole.cities
    for slug in SLUGS:
        pd.testing.assert_frame_equal(master(out / slug), master(tmp_path / "whole" / slug))


def test_the_command_runs_on_a_scheduler(yfcc_path, cluster, tmp_path, capsys):
    status = cli.main(["import", "--format", "yfcc100m", str(yfcc_path), str(tmp_path / "out"),
                       "--cities", "--min-photos", str(MIN_PHOTOS), "--scheduler", cluster,
                       "-v"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "2 cities (dresden-de 88, toronto-ca 70)" in err
    assert err.count("peak memory of tcp://127.0.0.1:") == 2


def test_an_unreachable_scheduler_is_a_clear_error(yfcc_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(config, "PRECOMPUTE_CONNECT_TIMEOUT_S", 1)
    status = cli.main(["import", "--format", "yfcc100m", str(yfcc_path), str(tmp_path / "out"),
                       "--scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    assert "cannot reach the Dask scheduler 'tcp://127.0.0.1:9' within 1 s" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
