"""The YFCC100M format: its layouts, its encoded fields, its bad lines, its files read in parts."""
import bz2
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snapassist import cli, config
from snapassist.errors import ValidationError
from snapassist.ingest._source import compression_of, iter_part_lines, open_source
from snapassist.ingest.readers import Problems
from snapassist.ingest.world import import_yfcc
from snapassist.ingest.yfcc import (LAYOUTS, Reading, decode, decode_list, detect_layout,
                                    image_urls, license_id, parse_lines, photo_lines)
from snapassist.io import read_table_attrs

#: GeoNames' position of Dresden (the city's photos are around it).
DRESDEN = (51.05089, 13.73832)

# One line of the 2014 layout, as the dataset writes them (invented values):
# URL-encoded text, comma-separated tags, the 500-pixel image's address.
LINE_23 = "\t".join([
    "8112245178", "77053470@N05", "Zo%C3%AB+K.", "2012-10-13 17:42:03.0", "1350147723",
    "Canon+EOS+600D", "Caf%C3%A9+Noir%2C+Altmarkt", "Abends+am+Markt",
    "altmarkt,new+york,cn%2Ctower,Dresden", "uploaded%3Aby%3Dflickrmobile",
    "13.737262", "51.049707", "16",
    "http://www.flickr.com/photos/77053470@N05/8112245178/",
    "http://farm9.staticflickr.com/8466/8112245178_3f2a1b0c9d.jpg",
    "Attribution-NonCommercial-ShareAlike License",
    "http://creativecommons.org/licenses/by-nc-sa/2.0/", "8466", "9", "3f2a1b0c9d",
    "a1b2c3d4e5", "jpg", "0"])


def make_photos(n, centre=DRESDEN, start=0, spread_deg=0.01, seed=0):
    """``n`` photos around ``centre`` with our raw columns, ids from ``start``."""
    rng = np.random.default_rng(seed)
    number = np.arange(start, start + n)
    return pd.DataFrame({
        "id": [str(4_000_000_000 + i) for i in number],
        "owner": [f"{1000 + i % 7}@N0{i % 3}" for i in number],
        "ownername": ["Anna B." if i % 2 else "Jörg Ü." for i in number],
        "title": [f"Frauenkirche, evening {i}" for i in number],
        "datetaken": pd.Timestamp("2013-05-04 20:15:00") + pd.to_timedelta(number, unit="min"),
        "dateupload": pd.Timestamp("2013-05-06 08:00:00") + pd.to_timedelta(number, unit="s"),
        "tags": ["frauenkirche dresden night" for _ in number],
        "latitude": np.round(centre[0] + rng.uniform(-spread_deg, spread_deg, n), 6),
        "longitude": np.round(centre[1] + rng.uniform(-spread_deg, spread_deg, n), 6),
        "marker": np.zeros(n, dtype=int),
    })


def write_yfcc(path, lines):
    """``lines`` (str) as a YFCC file: plain, or bzip2 / gzip by the name's suffix."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path = Path(path)
    if path.suffix == ".bz2":
        data = bz2.compress(data)
    elif path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def read_master(folder):
    return pd.read_hdf(Path(folder) / config.MASTER_TABLE_PROCESSED, "table")


@pytest.mark.parametrize("suffix", ["tsv", "tsv.bz2"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_is_told_by_its_number_of_fields_and_named(tmp_path, layout, suffix):
    photos = make_photos(30)
    path = write_yfcc(tmp_path / f"in.{suffix}", photo_lines(photos, LAYOUTS[layout]))
    said = []
    result = import_yfcc(path, tmp_path / "out", notify=said.append)
    assert result.layout.name == layout
    assert any(message.startswith(f"layout {layout}:") for message in said)
    master = read_master(tmp_path / "out")
    assert list(master["id"]) == list(photos["id"])
    np.testing.assert_allclose(master["latitude"], photos["latitude"])
    assert (master["tags"] == "frauenkirche dresden night").all()


def test_fields_are_url_decoded_and_images_come_from_the_download_url(tmp_path):
    path = write_yfcc(tmp_path / "one.tsv", [LINE_23])
    import_yfcc(path, tmp_path / "out")
    photo = read_master(tmp_path / "out").iloc[0]
    assert photo["id"] == "8112245178" and photo["owner"] == "77053470@N05"
    assert photo["ownername"] == "Zoë K."
    assert photo["title"] == "Café Noir, Altmarkt"
    # Split on commas, then decoded: "cn%2Ctower" is one tag.
    assert photo["tags"] == "altmarkt newyork cntower dresden"
    assert photo["machine_tags"] == "uploaded:by=flickrmobile"
    assert photo["datetaken"] == pd.Timestamp("2012-10-13 17:42:03")
    assert photo["dateupload"] == pd.Timestamp(1350147723, unit="s")
    assert (photo["latitude"], photo["longitude"]) == (51.049707, 13.737262)
    assert photo["accuracy"] == 16 and photo["license"] == 1
    base = "https://live.staticflickr.com/8466/8112245178_3f2a1b0c9d"
    assert (photo["url_q"], photo["url_s"], photo["url_m"]) == (
        base + "_q.jpg", base + "_m.jpg", base + ".jpg")
    assert photo["views"] == 0 and photo["hour"] == 17


def test_the_tables_record_that_they_have_no_view_counts(tmp_path):
    path = write_yfcc(tmp_path / "one.tsv", [LINE_23])
    result = import_yfcc(path, tmp_path / "out")
    attrs = read_table_attrs(tmp_path / "out" / config.MASTER_TABLE_PROCESSED)
    assert attrs["views"] is False
    assert attrs["source"] == {"format": "yfcc100m", "file": "one.tsv", "layout": "yfcc100m-23"}
    assert attrs["timezone"] == "Europe/Berlin"
    assert result.rows_kept == 1
    assert "no view counts" in (tmp_path / "out" / "SOURCE.txt").read_text()


def test_videos_and_damaged_lines_are_counted_by_kind_with_their_line_numbers(tmp_path):
    photos = make_photos(20)
    photos.loc[[3, 7], "marker"] = 1                         # lines 4 and 8: videos
    lines = photo_lines(photos, LAYOUTS["yfcc100m-23"])
    fields = LINE_23.split("\t")
    lines[10] = "\t".join(fields[:12])                       # line 11: cut short
    lines[11] = "\t".join(fields[:-1] + ["7"])               # line 12: no such marker
    lines[12] = "\t".join(fields[:10] + ["", ""] + fields[12:])   # line 13: no position
    lines[13] = "\t".join(fields[:10] + ["13.7", "95.0"] + fields[12:])   # 14: out of range
    lines[14] = lines[15]                                    # line 15: line 16's id again
    lines[16] = ""                                           # line 17: blank, not counted
    path = tmp_path / "in.tsv"
    write_yfcc(path, lines)
    data = path.read_bytes().replace(b"evening+18\t", b"evening+\xff18\t")
    path.write_bytes(data)                                   # line 19: not UTF-8
    result = import_yfcc(path, tmp_path / "out")
    assert dict(result.problems.counts) == {
        "video": 2, "broken_line": 2, "missing_coordinates": 1,
        "coordinates_out_of_range": 1, "duplicate_id": 1, "not_utf8": 1}
    examples = result.problems.examples
    assert examples["video"] == [4, 8] and examples["broken_line"] == [11, 12]
    assert examples["missing_coordinates"] == [13] and examples["duplicate_id"] == [16]
    assert examples["not_utf8"] == [19]
    assert result.rows_read == 20 and result.rows_kept == 20 - 2 - 2 - 1 - 1 - 1 - 1
    assert "\ufffd" in read_master(tmp_path / "out")["title"].str.cat()


@pytest.mark.parametrize("text, expected", [
    ("Caf%C3%A9+Noir", "Café Noir"), ("plain+words", "plain words"), ("100%25", "100%"),
    ("", ""), ("a%2Cb", "a,b"), ("broken%E9", "broken\ufffd")])
def test_decode(text, expected):
    assert decode(text) == expected


def test_decode_list_splits_before_decoding():
    assert decode_list("new+york,cn%2Ctower,caf%C3%A9") == "new york,cn tower,café"
    assert decode_list("a%3Ab,c+d", " ") == "a:b c d"
    assert decode_list("") == ""


@pytest.mark.parametrize("url, expected", [
    ("http://farm1.staticflickr.com/59/159974628_7b9dd1d7e5.jpg",
     "https://live.staticflickr.com/59/159974628_7b9dd1d7e5"),
    ("https://live.staticflickr.com/7205/6985418911_ab12cd34ef.jpg",
     "https://live.staticflickr.com/7205/6985418911_ab12cd34ef"),
    ("http://example.com/59/159974628_7b9dd1d7e5.jpg", None),
    ("http://farm1.staticflickr.com/59/not-a-photo.jpg", None), ("", None)])
def test_image_urls_use_flickrs_size_suffixes(url, expected):
    urls = image_urls(url)
    if expected is None:
        assert urls == {"url_q": "", "url_s": "", "url_m": ""}
    else:
        assert urls == {"url_q": expected + "_q.jpg", "url_s": expected + "_m.jpg",
                        "url_m": expected + ".jpg"}


@pytest.mark.parametrize("url, name, expected", [
    ("http://creativecommons.org/licenses/by/2.0/", "", "4"),
    ("http://creativecommons.org/licenses/by-nc-nd/2.0/", "", "3"),
    ("", "Attribution-ShareAlike+License", "5"), ("http://example.com/x", "", "")])
def test_license_id(url, name, expected):
    assert license_id(url, name) == expected


def test_detect_layout_tells_the_two_layouts_of_24_fields_apart():
    photos = make_photos(5)
    for name in ("yfcc100m-24-line", "yfcc100m-24-hash"):
        assert detect_layout(photo_lines(photos, LAYOUTS[name])).name == name


def test_detect_layout_is_not_misled_by_a_damaged_first_line():
    lines = ["damaged\tfirst\tline"] + photo_lines(make_photos(5), LAYOUTS["yfcc100m-25"])
    assert detect_layout(lines).name == "yfcc100m-25"


@pytest.mark.parametrize("lines, match", [
    (["a,b,c", "d,e,f"], r"INPUT 'x.csv' does not look like the YFCC100M: its lines have 1 "),
    (["\t".join("x" * 26)], r"have 26 tab-separated field\(s\)"),
    ([], "INPUT 'x.csv' holds no line to import")])
def test_detect_layout_refuses_other_files(lines, match):
    with pytest.raises(ValidationError, match=match):
        detect_layout(lines, name="INPUT 'x.csv'")


def test_column_override_reads_a_field_by_number_or_name(tmp_path):
    photos = make_photos(10)
    # A file whose longitude and latitude fields were written the other way round.
    swapped = photos.rename(columns={"latitude": "longitude", "longitude": "latitude"})
    path = write_yfcc(tmp_path / "in.tsv", photo_lines(swapped, LAYOUTS["yfcc100m-23"]))
    import_yfcc(path, tmp_path / "out", columns={"latitude": "11", "longitude": "latitude"})
    np.testing.assert_allclose(read_master(tmp_path / "out")["latitude"], photos["latitude"])


@pytest.mark.parametrize("columns, match", [
    ({"views": "3"}, r"--column views=3: the yfcc100m format fills only .*no view counts"),
    ({"latitude": "26"}, r"--column latitude=26: the yfcc100m-25 layout has fields 1 to 25"),
    ({"latitude": "lat"}, r"--column latitude=lat: not a field of the yfcc100m-25 layout")])
def test_column_override_errors(columns, match):
    with pytest.raises(ValidationError, match=match):
        Reading.of(LAYOUTS["yfcc100m-25"], columns)


def test_parse_lines_keeps_the_line_numbers_it_is_given():
    problems = Problems()
    lines = photo_lines(make_photos(3), LAYOUTS["yfcc100m-23"]) + ["x\ty"]
    frame = parse_lines(lines, 101, Reading.of(LAYOUTS["yfcc100m-23"]), problems)
    assert list(frame["_row"]) == [101, 102, 103]
    assert problems.examples["broken_line"] == [104]


TEXT = ("first line\n\nthird: é ü 東京\r\nfourth\tline\n" + "x" * 40 + "\nlast, no newline")


@pytest.mark.parametrize("suffix", ["txt", "txt.bz2"])
@pytest.mark.parametrize("part_bytes", [1, 2, 3, 5, 8, 13, 21, 200])
def test_parts_read_every_line_once_whatever_the_cuts(tmp_path, suffix, part_bytes):
    path = tmp_path / f"text.{suffix}"
    data = TEXT.encode("utf-8")
    path.write_bytes(bz2.compress(data) if suffix.endswith("bz2") else data)
    source = open_source(path)
    assert source.size == len(data)
    seen = []
    for start in range(0, len(data), part_bytes):
        for _, lines in iter_part_lines(source, start, min(start + part_bytes, len(data)), 2):
            seen.extend(lines)
    assert seen == TEXT.replace("\r\n", "\n").split("\n")


def test_a_part_numbers_its_lines_from_its_first(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1, 26)))
    source = open_source(path)
    start = len("".join(f"line {i}\n" for i in range(1, 6)))       # line 6 starts here
    chunks = list(iter_part_lines(source, start, source.size, 10))
    assert [(n, lines[0]) for n, lines in chunks] == [(1, "line 6"), (11, "line 16")]


def test_compression_is_told_by_the_first_bytes(tmp_path):
    for name, data in (("a.txt", b"x\ty\n"), ("b.weird", bz2.compress(b"x\n")),
                       ("c.bin", gzip.compress(b"x\n"))):
        (tmp_path / name).write_bytes(data)
    assert [compression_of(tmp_path / n) for n in ("a.txt", "b.weird", "c.bin")] == [
        "plain", "bz2", "gzip"]
    with pytest.raises(ValidationError, match=r"INPUT '.*nope.tsv' does not exist"):
        compression_of(tmp_path / "nope.tsv")


def test_a_gzipped_file_is_read_as_one_part(tmp_path):
    photos = make_photos(25)
    path = write_yfcc(tmp_path / "in.tsv.gz", photo_lines(photos, LAYOUTS["yfcc100m-24-line"]))
    result = import_yfcc(path, tmp_path / "out", part_bytes=100)
    assert result.parts == 1 and result.rows_kept == 25


def test_bzip2_that_is_not_bzip2_is_a_clear_error(tmp_path):
    path = tmp_path / "in.tsv.bz2"
    path.write_bytes(bz2.compress(("\n".join(photo_lines(make_photos(5),
                                                         LAYOUTS["yfcc100m-23"])) + "\n")
                                  .encode())[:-40])
    with pytest.raises(ValidationError, match=r"INPUT '.*in.tsv.bz2' is not readable bzip2"):
        import_yfcc(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_names_the_layout_and_counts(tmp_path, capsys):
    photos = make_photos(12)
    photos.loc[0, "marker"] = 1
    path = write_yfcc(tmp_path / "in.tsv.bz2", photo_lines(photos, LAYOUTS["yfcc100m-25"]))
    status = cli.main(["import", "--format", "yfcc100m", str(path), str(tmp_path / "out"), "-v"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "layout yfcc100m-25: 25 fields" in err
    assert "11 photos of 12 lines imported" in err and "video: 1 (rows 1)" in err
    assert not (tmp_path / "out.parts").exists()


@pytest.mark.parametrize("args, match", [
    (["--format", "yfcc100m", "{missing}", "{out}"], "INPUT '.*missing.tsv' does not exist"),
    (["--format", "yfcc100m", "{csv}", "{out}"], "INPUT '.*in.csv' does not look like the "
                                                 "YFCC100M"),
    (["--format", "yfcc100m", "{tsv}", "{out}", "--column", "views=2"], "no view counts"),
    (["--format", "yfcc100m", "{tsv}", "{out}", "--city", "Nowhere Atall"],
     "no city of at least 15,000 people has that name"),
    (["--format", "lbsn", "{csv}", "{out}", "--cities"], "--cities: for --format yfcc100m only"),
    (["--format", "yfcc100m", "{tsv}", "{out}", "--min-photos", "5"],
     "--min-photos: with --cities only"),
    (["--format", "yfcc100m", "{tsv}", "{out}", "--workers", "0"], "must be at least 1")])
def test_bad_input_exits_2_naming_what_is_wrong_and_writes_nothing(tmp_path, capsys, args, match):
    paths = {"missing": tmp_path / "missing.tsv", "csv": tmp_path / "in.csv",
             "tsv": write_yfcc(tmp_path / "in.tsv", [LINE_23]), "out": tmp_path / "out"}
    paths["csv"].write_text("id,lat,lng\n1,2,3\n")
    argv = ["import"] + [a.format(**paths) for a in args]
    try:
        status = cli.main(argv)
    except SystemExit as exc:          # argparse's own errors
        status = exc.code
    assert status == 2
    import re

    assert re.search(match, capsys.readouterr().err)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.parts").exists()


def test_help_explains_the_format_the_cities_and_the_cluster(capsys):
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in ("yfcc100m-23", "yfcc100m-24-line", "yfcc100m-24-hash", "yfcc100m-25",
                  "--cities", "--min-photos", "--workers", "--scheduler", "no view counts",
                  "sqrt(population", "dresden-de", "OUTFOLDER.parts", "redoes only"):
        assert words in text, words
