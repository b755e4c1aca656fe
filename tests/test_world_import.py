"""A YFCC100M file split by city: the folders, their records, --city, --bbox, resuming."""
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_import_yfcc import DRESDEN, make_photos, write_yfcc

from snapassist import cli, config
from snapassist.errors import ValidationError
from snapassist.geo import Area
from snapassist.ingest import _partition
from snapassist.ingest.world import import_yfcc
from snapassist.ingest.yfcc import LAYOUTS, photo_lines
from snapassist.io import read_table_attrs
from snapassist.search import FlickrPhotosDatabase
from snapassist.web.cities import city_folders, is_cities_folder

TORONTO = (43.70011, -79.4163)
PARIS = (48.85341, 2.3488)
#: Enough photos for a city in these tests.
MIN_PHOTOS = 60


def world_lines():
    """Dresden 88 photos and 2 videos, Toronto 70, Paris 30 (too few), 10 at sea."""
    frames = [make_photos(90, DRESDEN, 0, seed=1), make_photos(70, TORONTO, 1000, seed=2),
              make_photos(30, PARIS, 2000, seed=3), make_photos(10, (40.0, -40.0), 3000, seed=4)]
    frames[0].loc[[5, 50], "marker"] = 1
    photos = pd.concat(frames, ignore_index=True)
    photos = photos.sample(frac=1.0, random_state=5).reset_index(drop=True)   # mixed
    return photo_lines(photos, LAYOUTS["yfcc100m-25"]), photos


@pytest.fixture(scope="module")
def yfcc_file(tmp_path_factory):
    lines, photos = world_lines()
    return write_yfcc(tmp_path_factory.mktemp("yfcc") / "world.tsv", lines), photos


@pytest.fixture(scope="module")
def imported(yfcc_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("world") / "cities"
    result = import_yfcc(yfcc_file[0], out, cities=True, min_photos=MIN_PHOTOS, part_bytes=4000)
    return out, result


def master(folder):
    return pd.read_hdf(Path(folder) / config.MASTER_TABLE_PROCESSED, "table")


def test_every_city_with_enough_photos_gets_a_folder_the_app_serves(imported, yfcc_file):
    out, result = imported
    photos = yfcc_file[1]
    assert result.parts > 10 and result.ok
    assert [slug for slug, _, _ in result.cities] == ["dresden-de", "toronto-ca"]
    assert [slug for slug, _ in city_folders(out)] == ["dresden-de", "toronto-ca"]
    assert is_cities_folder(out) and not Path(str(out) + ".parts").exists()
    for slug, centre in (("dresden-de", DRESDEN), ("toronto-ca", TORONTO)):
        table = master(out / slug)
        expected = photos[(np.abs(photos["latitude"] - centre[0]) < 0.1) & (photos["marker"] == 0)]
        assert list(table["id"]) == list(expected["id"])          # the file's order
    assert result.small_cities == 1
    counts = result.problems.counts
    assert counts["in_small_city"] == 30 and counts["outside_cities"] == 10
    assert counts["video"] == 2


def test_a_citys_record_names_it_and_says_there_are_no_views(imported):
    out, _ = imported
    attrs = read_table_attrs(out / "dresden-de" / config.MASTER_TABLE_PROCESSED)
    assert (attrs["city"], attrs["country"], attrs["country_name"]) == (
        "Dresden", "DE", "Germany")
    assert attrs["timezone"] == "Europe/Berlin" and attrs["slug"] == "dresden-de"
    assert attrs["views"] is False and attrs["source"]["format"] == "yfcc100m"
    west, south, east, north = attrs["area"]["bbox"]
    assert south < DRESDEN[0] < north and west < DRESDEN[1] < east
    toronto = read_table_attrs(out / "toronto-ca" / config.MASTER_TABLE_PROCESSED)
    assert toronto["timezone"] == "America/Toronto"


def test_a_citys_tables_are_searched_as_any(imported):
    out, _ = imported
    db = FlickrPhotosDatabase.from_folder(out / "dresden-de")
    assert db.count_search_results("frauenkirche") == len(master(out / "dresden-de"))


def test_the_tables_do_not_depend_on_how_the_file_is_cut(imported, yfcc_file, tmp_path):
    out, _ = imported
    import_yfcc(yfcc_file[0], tmp_path / "whole", cities=True, min_photos=MIN_PHOTOS,
                part_bytes=10**9)
    for slug in ("dresden-de", "toronto-ca"):
        pd.testing.assert_frame_equal(master(out / slug), master(tmp_path / "whole" / slug))


def test_one_city_by_name_goes_into_outfolder_itself(yfcc_file, tmp_path):
    said = []
    result = import_yfcc(yfcc_file[0], tmp_path / "out", city="Toronto", notify=said.append)
    assert any("city Toronto, CA (toronto-ca)" in s for s in said)
    assert result.cities == [("toronto-ca", "Toronto", 70)]
    attrs = read_table_attrs(tmp_path / "out" / config.MASTER_TABLE_PROCESSED)
    assert attrs["city"] == "Toronto" and attrs["timezone"] == "America/Toronto"
    assert result.problems.counts["outside_city"] == 88 + 30 + 10


def test_one_city_with_cities_gets_its_sub_folder_whatever_min_photos(yfcc_file, tmp_path):
    result = import_yfcc(yfcc_file[0], tmp_path / "out", city="Paris", cities=True,
                         min_photos=MIN_PHOTOS)
    assert [slug for slug, _ in city_folders(tmp_path / "out")] == ["paris-fr"]
    assert result.rows_kept == 30


def test_a_box_keeps_its_photos_in_one_folder(yfcc_file, tmp_path):
    box = Area.box(PARIS[1] - 0.05, PARIS[0] - 0.05, PARIS[1] + 0.05, PARIS[0] + 0.05)
    result = import_yfcc(yfcc_file[0], tmp_path / "out", area=box)
    assert result.rows_kept == 30 and result.problems.counts["outside_area"] == 168
    attrs = read_table_attrs(tmp_path / "out" / config.MASTER_TABLE_PROCESSED)
    assert attrs["city"] is None and attrs["timezone"] == "Europe/Paris"
    assert attrs["views"] is False


def test_no_city_with_enough_photos_is_a_clear_error(yfcc_file, tmp_path):
    with pytest.raises(ValidationError, match=r"no city of INPUT '.*world.tsv' has --min-photos "
                                              r"1,000 photos \(the most: Dresden, DE, 88\)"):
        import_yfcc(yfcc_file[0], tmp_path / "out", cities=True, min_photos=1000)
    assert not (tmp_path / "out").exists()
    # The parts read are kept: a lower --min-photos reads nothing again.
    result = import_yfcc(yfcc_file[0], tmp_path / "out", cities=True, min_photos=80)
    assert result.parts_reused == result.parts == 1
    assert [slug for slug, _, _ in result.cities] == ["dresden-de"]


def test_repeated_ids_across_parts_are_dropped_and_counted(tmp_path):
    photos = make_photos(120, seed=9)
    lines = photo_lines(photos, LAYOUTS["yfcc100m-23"])
    lines[100] = lines[2]                     # line 101 repeats line 3, many parts later
    path = write_yfcc(tmp_path / "in.tsv", lines)
    result = import_yfcc(path, tmp_path / "out", cities=True, min_photos=10, part_bytes=2000)
    assert result.parts > 5
    assert result.problems.counts["duplicate_id"] == 1
    assert result.problems.examples["duplicate_id"] == [101]
    assert master(tmp_path / "out" / "dresden-de")["id"].is_unique


class FailsOnce:
    """A part reader that fails on part ``index`` the first time, and counts every call."""

    def __init__(self, index):
        self.index, self.calls = index, []

    def __call__(self, plan, part):
        self.calls.append(part.index)
        if part.index == self.index and self.calls.count(part.index) == 1:
            raise OSError("simulated crash")
        return _partition.read_part(plan, part)


def test_a_failed_run_run_again_redoes_only_what_failed(yfcc_file, imported, tmp_path, capsys):
    reader = FailsOnce(3)
    out = tmp_path / "out"
    first = import_yfcc(yfcc_file[0], out, cities=True, min_photos=MIN_PHOTOS, part_bytes=4000,
                        read_fn=reader)
    assert first.failed == {"part00003": "OSError: simulated crash"}
    assert not out.exists()                                  # nothing half-written
    manifest = json.loads((tmp_path / "out.parts" / "manifest.json").read_text())
    done = sorted(key for key in manifest["done"] if key.startswith("part"))
    assert len(done) == first.parts - 1 and "part00003" not in done
    n_calls = len(reader.calls)

    second = import_yfcc(yfcc_file[0], out, cities=True, min_photos=MIN_PHOTOS,
                         part_bytes=4000, read_fn=reader)
    assert second.ok and reader.calls[n_calls:] == [3]
    assert second.parts_reused == second.parts - 1
    for slug in ("dresden-de", "toronto-ca"):
        pd.testing.assert_frame_equal(master(out / slug), master(imported[0] / slug))
    assert dict(second.problems.counts) == dict(imported[1].problems.counts)


def test_the_command_reports_a_failed_part_with_status_1(yfcc_file, tmp_path, capsys,
                                                         monkeypatch):
    monkeypatch.setattr("snapassist.ingest.world.read_part", FailsOnce(0))
    status = cli.main(["import", "--format", "yfcc100m", str(yfcc_file[0]),
                       str(tmp_path / "out"), "--cities", "--min-photos", str(MIN_PHOTOS)])
    err = capsys.readouterr().err
    assert status == 1
    assert "part00000 failed: OSError: simulated crash" in err
    assert "run the same command again to redo only them" in err
    status = cli.main(["import", "--format", "yfcc100m", str(yfcc_file[0]),
                       str(tmp_path / "out"), "--cities", "--min-photos", str(MIN_PHOTOS)])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "0 of 1 parts were read by an earlier run" not in err
    assert "2 cities (dresden-de 88, toronto-ca 70)" in err


def test_work_of_an_import_with_other_arguments_is_not_reused(yfcc_file, tmp_path):
    first = import_yfcc(yfcc_file[0], tmp_path / "out", city="Toronto", part_bytes=4000,
                        read_fn=FailsOnce(3))
    assert first.failed and first.parts > 3
    said = []
    result = import_yfcc(yfcc_file[0], tmp_path / "out", city="Dresden", part_bytes=4000,
                         notify=said.append)
    assert any("the work of an import of other arguments" in s for s in said)
    assert result.parts_reused == 0 and result.rows_kept == 88


def test_outfolder_holding_cities_needs_overwrite(imported, yfcc_file, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(imported[0], out)
    with pytest.raises(ValidationError, match=r"already holds the tables of 2 cities "
                                              r"\(dresden-de, toronto-ca\); pass --overwrite"):
        import_yfcc(yfcc_file[0], out, cities=True, min_photos=MIN_PHOTOS)
    (out / "paris-fr").mkdir()
    (out / "paris-fr" / "notes.txt").write_text("mine")
    result = import_yfcc(yfcc_file[0], out, cities=True, min_photos=20, overwrite=True)
    assert [slug for slug, _, _ in result.cities] == ["dresden-de", "toronto-ca", "paris-fr"]
    assert (out / "paris-fr" / config.MASTER_TABLE_PROCESSED).is_file()
    assert not (out / "paris-fr" / "notes.txt").exists()     # the folder was replaced
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_folder_of_cities_cannot_hold_tables_of_its_own(yfcc_file, tmp_path):
    import_yfcc(yfcc_file[0], tmp_path / "out", city="Dresden")
    with pytest.raises(ValidationError, match="holds tables of its own; a folder of cities"):
        import_yfcc(yfcc_file[0], tmp_path / "out", cities=True, overwrite=True)


@pytest.mark.parametrize("kwargs, match", [
    ({"min_photos": 0}, "min_photos must be a whole number >= 1, got 0"),
    ({"workers": 0}, "workers must be a whole number >= 1, got 0"),
    ({"part_bytes": 1.5}, "part_bytes must be a whole number >= 1, got 1.5")])
def test_bad_arguments(yfcc_file, tmp_path, kwargs, match):
    with pytest.raises(ValidationError, match=match):
        import_yfcc(yfcc_file[0], tmp_path / "out", **kwargs)
