"""The one ``snapassist`` command: every tool of the project as a subcommand.

::

    snapassist serve                 the web app (Flask's server; gunicorn in production)
    snapassist demo FOLDER           build the synthetic demo tables into FOLDER
    snapassist scrape general ...    scraper 1: every geotagged photo of an area and period
    snapassist scrape exif ...       scraper 2: EXIF of the most viewed photos
    snapassist preprocess [FOLDER]   raw scraped tables -> the tables the web app reads
    snapassist import ...            photos of an existing data set -> tables to serve
    snapassist precompute FOLDER     store the answers of the common subjects (on Dask)

Each subcommand has its own ``--help``. The subcommands' arguments are parsed
by the parser of the module that does the work, so ``run_webapp.py``,
``run_scraper_1_general.py``, ``run_scraper_2_exif.py`` and
``snapassist-preprocess`` (thin wrappers kept for the 2018 command lines) and
``snapassist ...`` accept exactly the same things.
"""
import argparse
import sys

from .app import demo, serve
from .batch import precompute
from .data import import_, preprocess
from .options import EXIT_INPUT


def _scrape_general(argv, prog):
    from .scrape import main_general

    return main_general(argv, prog=prog)


def _scrape_exif(argv, prog):
    from .scrape import main_exif

    return main_exif(argv, prog=prog)


#: (words, one-line help, runner(argv, prog) -> exit status)
COMMANDS = (
    (("serve",), "serve the web app on the configured or demo tables",
     serve),
    (("demo",), "build the synthetic demo tables into a folder",
     demo),
    (("scrape", "general"), "scraper 1: every geotagged Flickr photo of an area and period",
     _scrape_general),
    (("scrape", "exif"), "scraper 2: EXIF camera settings of the most viewed photos",
     _scrape_exif),
    (("preprocess",), "turn raw scraped tables into the tables the web app reads",
     preprocess),
    (("import",), "import photos from an existing data set (LBSN, Flickr CSV/JSON, any CSV)",
     import_),
    (("precompute",), "store the answers of every common subject, computed on Dask",
     precompute),
)


def build_parser():
    """The top-level parser, for ``--help`` and for naming a wrong or missing command.

    Dispatch itself is by the leading words (see :func:`main`): argparse
    cannot hand a subcommand's options (``serve --port 8000``) through
    untouched.
    """
    parser = argparse.ArgumentParser(
        prog="snapassist",
        description="SnapAssist: find where to stand to photograph something, from "
                    "geotagged Flickr photos. Run 'snapassist COMMAND --help' for a "
                    "command's options.")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups = {}
    for words, help_text, _ in COMMANDS:
        if len(words) == 1:
            subcommands.add_parser(words[0], help=help_text)
            continue
        if words[0] not in groups:
            whats = "|".join(w[1] for w, _, _ in COMMANDS if w[0] == words[0])
            group = subcommands.add_parser(words[0], help=f"{words[0]} {whats}")
            groups[words[0]] = group.add_subparsers(dest="what", metavar="WHAT", required=True)
        groups[words[0]].add_parser(words[1], help=help_text)
    return parser


def main(argv=None):
    """Entry point of the ``snapassist`` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    for words, _, runner in COMMANDS:
        if argv[:len(words)] == list(words):
            return runner(argv[len(words):], "snapassist " + " ".join(words))
    # No command matched: let argparse print the help or say what is wrong.
    build_parser().parse_args(argv)
    return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
