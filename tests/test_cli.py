"""The one ``snapassist`` command and the thin wrappers that keep the 2018 command lines."""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from snapassist import cli, config

REPO = Path(__file__).resolve().parents[1]


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for words, help_text, _ in cli.COMMANDS:
        assert words[0] in out
    assert "scrape general|exif" in out


@pytest.mark.parametrize("words", [w for w, _, _ in cli.COMMANDS])
def test_each_command_has_its_own_help(words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*words, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: snapassist {' '.join(words)}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["nope"], "invalid choice: 'nope'"),
    (["scrape"], "the following arguments are required: WHAT"),
    (["scrape", "everything"], "invalid choice: 'everything'"),
])
def test_a_wrong_or_missing_command_is_named(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_writes_tables_that_say_they_are_demo(tmp_path, capsys):
    folder = tmp_path / "new" / "demo"
    assert cli.main(["demo", str(folder), "--photos", "1,500", "--seed", "3"]) == 0
    assert "1,500 demo photos written to" in capsys.readouterr().err
    assert (folder / config.DEMO_MARKER).is_file()
    master = pd.read_hdf(folder / config.MASTER_TABLE_PROCESSED, "table")
    assert len(master) == 1500


@pytest.mark.parametrize("argv, message", [
    (["--photos", "0"], "n_photos"),
    (["--photos", "many"], "expected a whole number, got 'many'"),
    (["--seed", "-1"], "seed"),
])
def test_demo_refuses_bad_numbers(tmp_path, argv, message, capsys):
    try:
        status = cli.main(["demo", str(tmp_path / "d"), *argv])
    except SystemExit as exc:      # argparse's own refusals
        status = exc.code
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "d" / config.MASTER_TABLE_PROCESSED).exists()


def test_preprocess_and_scrape_run_their_own_parsers(tmp_path, capsys):
    assert cli.main(["preprocess", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["scrape", "general", "2018-02-30", "2018-03-01", str(tmp_path / "m")])
    assert exit_info.value.code == 2
    assert "snapassist scrape general: error:" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "snapassist", "serve", "--help"],
    [sys.executable, "run_webapp.py", "--help"],
    [sys.executable, "run_scraper_1_general.py", "--help"],
    [sys.executable, "run_scraper_2_exif.py", "--help"],
])
def test_the_entry_points_start(command):
    out = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: ")
