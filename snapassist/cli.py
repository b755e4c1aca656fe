"""The one ``snapassist`` command: every tool of the project as a subcommand.

::

    snapassist serve                 the web app (Flask's server; gunicorn in production)
    snapassist demo FOLDER           build the synthetic demo tables into FOLDER
    snapassist scrape general ...    scraper 1: every geotagged photo of an area and period
    snapassist scrape exif ...       scraper 2: EXIF of the most viewed photos
    snapassist preprocess [FOLDER]   raw scraped tables -> the tables the web app reads
    snapassist precompute FOLDER     store the answers of the common subjects (on Dask)

Each subcommand has its own ``--help``. The subcommands' arguments are parsed
by the parser of the module that does the work, so ``run_webapp.py``,
``run_scraper_1_general.py``, ``run_scraper_2_exif.py`` and
``snapassist-preprocess`` (thin wrappers kept for the 2018 command lines) and
``snapassist ...`` accept exactly the same things.
"""
import argparse
import sys

from . import config
from .cli_options import add_noise_options, setup_logging
from .errors import SnapAssistError

EXIT_INPUT = 2


def _serve_parser(prog):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve SnapAssist with Flask's development server (use gunicorn in "
                    "production, see the README). The tables come from "
                    f"{config.ENV_TABLES_FOLDER}, else the current folder when it holds "
                    f"{config.MASTER_TABLE_PROCESSED}, else the synthetic demo tables "
                    "(built once into the cache folder). They are loaded before the "
                    "server listens, so a bad folder stops it at once (exit status 2).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=5000, help="port (default %(default)s)")
    parser.add_argument("--debug", action="store_true",
                        help="Flask debug mode: reloader and debugger (never in production)")
    return parser


def serve(argv=None, prog="snapassist serve"):
    """``snapassist serve``: load the tables, then run Flask's server; returns the exit status."""
    args = _serve_parser(prog).parse_args(argv)
    setup_logging(verbose=1)
    from .web import create_app

    try:
        # Load now so that a bad tables folder fails here, not on the first search.
        app = create_app(load_tables=True)
    except SnapAssistError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def _count(text):
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    return value


def demo(argv=None, prog="snapassist demo"):
    """``snapassist demo FOLDER``: write the synthetic demo tables; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Build the synthetic demo tables (photos generated around real Toronto "
                    "places; none exists on Flickr) into FOLDER, with the marker file that "
                    "makes the web app say they are demo data. The same seed always gives "
                    "the same tables. Serve them with "
                    f"{config.ENV_TABLES_FOLDER}=FOLDER snapassist serve.")
    parser.add_argument("folder", metavar="FOLDER", help="where to write the tables (created)")
    parser.add_argument("--photos", type=_count, default=config.DEMO_N_PHOTOS, metavar="N",
                        help="photos in the master table, 1 to 5,000,000 (default %(default)s; "
                             "a million takes about half a minute)")
    parser.add_argument("--seed", type=_count, default=config.DEMO_SEED,
                        help="random seed, >= 0 (default %(default)s)")
    add_noise_options(parser, "say what is done")
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from pathlib import Path

    from .demo import build_demo_tables

    folder = Path(args.folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        build_demo_tables(folder, n_photos=args.photos, seed=args.seed)
    except (SnapAssistError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        print(f"{args.photos:,} demo photos written to {folder}; serve them with "
              f"{config.ENV_TABLES_FOLDER}={folder} snapassist serve", file=sys.stderr)
    return 0


def _positive(text):
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _not_negative(text):
    value = _count(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def precompute(argv=None, prog="snapassist precompute"):
    """``snapassist precompute FOLDER``: store the common subjects' answers; returns the exit status."""
    import os

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compute, on a Dask cluster, the answer of every subject (each tag, and "
                    "each phrase whose words joined are a tag, such as 'cn tower') with more "
                    "than --min-photos matching photos, and store them in "
                    f"FOLDER/{config.PRECOMPUTED_ANSWERS}. A killed run, run again, computes "
                    "only what is missing. Exit status 1 when a subject failed (named on "
                    "stderr; the others are stored), 2 for bad arguments.")
    parser.add_argument("folder", metavar="FOLDER", help="the processed tables")
    parser.add_argument("--min-photos", type=_not_negative, default=None, metavar="N",
                        help="subjects with more matching photos than N (default: the live "
                             "search's budget, so every subject too broad to search live)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, default=None, metavar="N",
                       help="worker processes of a local Dask cluster (default: the "
                            f"machine's cores, {os.cpu_count()})")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="use the existing Dask cluster of this scheduler "
                            "(e.g. tcp://10.0.0.5:8786) instead of a local one")
    parser.add_argument("--output", metavar="PATH",
                        help=f"the answers file (default FOLDER/{config.PRECOMPUTED_ANSWERS})")
    add_noise_options(parser, "say what is done")
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from .precompute import precompute_folder

    try:
        report = precompute_folder(args.folder, min_photos=args.min_photos,
                                   workers=args.workers, scheduler=args.scheduler,
                                   output=args.output, progress=not args.quiet)
    except SnapAssistError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    stored = len(report.subjects) - len(report.failed)
    if report.failed:
        for phrase, reason in sorted(report.failed.items()):
            print(f"{prog}: subject {phrase!r} failed: {reason}", file=sys.stderr)
        print(f"{prog}: {len(report.failed)} of {len(report.subjects)} subjects failed; "
              f"run the same command again to retry them", file=sys.stderr)
    if not args.quiet:
        print(f"{stored:,} answers ({len(report.computed):,} computed now) written to "
              f"{report.path}", file=sys.stderr)
    return 1 if report.failed else 0


def _scrape_general(argv, prog):
    from .scrapers.cli import main_general

    return main_general(argv, prog=prog)


def _scrape_exif(argv, prog):
    from .scrapers.cli import main_exif

    return main_exif(argv, prog=prog)


def _preprocess(argv, prog):
    from .scrapers.postprocessor import main as preprocess_main

    return preprocess_main(argv, prog=prog)


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
     _preprocess),
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
