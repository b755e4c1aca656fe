"""The one ``snapassist`` command: every tool of the project as a subcommand.

::

    snapassist serve                 the web app (Flask's server; gunicorn in production)
    snapassist demo FOLDER           build the synthetic demo tables into FOLDER
    snapassist scrape general ...    scraper 1: every geotagged photo of an area and period
    snapassist scrape exif ...       scraper 2: EXIF of the most viewed photos
    snapassist preprocess [FOLDER]   raw scraped tables -> the tables the web app reads
    snapassist import ...            photos of an existing data set -> tables to serve

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


def import_(argv=None, prog="snapassist import"):
    """``snapassist import``: photos from an existing data set; returns the exit status."""
    from .cli_options import add_area_options, area_from_args
    from .ingest.importer import FORMATS, import_photos, parse_column_options

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Import geotagged photos from an existing data set into processed "
                    "tables that the web app serves as they are "
                    f"({config.ENV_TABLES_FOLDER}=OUTFOLDER snapassist serve). Formats: "
                    "'lbsn' (the CSV TagMaps reads: guid, user_guid, lat, lng, "
                    "post_create_date, hashtags separated by ';', post_views_count...), "
                    "'flickr' (CSV, JSON Lines or a JSON array with the Flickr API's field "
                    "names: id, owner, title, datetaken, views, tags, latitude, longitude, "
                    "url_*...), 'csv' (any CSV, columns named with --column). Gzip input "
                    "is read as it is. Bad rows are counted by kind and left out; nothing "
                    "is written to OUTFOLDER unless the import succeeds.",
        epilog="Exit status: 0 done, 2 bad input (a missing file or column, a bad option).")
    parser.add_argument("--format", required=True, choices=sorted(FORMATS),
                        help="the input's format")
    parser.add_argument("input", metavar="INPUT", help="the file to import (.gz is fine)")
    parser.add_argument("out_folder", metavar="OUTFOLDER", help="where to write the tables")
    parser.add_argument("--city", help="the city's name, shown on the pages")
    parser.add_argument("--column", action="append", default=[], metavar="OURS=THEIRS",
                        help="read our column OURS from the input's column THEIRS "
                             "(repeatable): id, owner, views, tags, latitude, longitude "
                             "at least")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the tables OUTFOLDER already holds")
    add_area_options(parser, "Keep only the photos inside this area. Default: every photo "
                             "with a usable position.")
    add_noise_options(parser, "name the first rows of each kind of bad row")
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from pathlib import Path

    from tqdm import tqdm

    try:
        columns = parse_column_options(args.column)
        area = area_from_args(args)
        size = Path(args.input).stat().st_size if Path(args.input).is_file() else None
        with tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr,
                  disable=args.quiet or not sys.stderr.isatty()) as bar:
            result = import_photos(args.input, args.out_folder, args.format, columns,
                                   city=args.city, area=area, overwrite=args.overwrite,
                                   progress=lambda done: bar.update(done - bar.n))
    except SnapAssistError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        print(f"{result.rows_kept:,} of {result.rows_read:,} photos imported into "
              f"{result.folder} (time zone {result.metadata['timezone']})", file=sys.stderr)
        for kind, count in sorted(result.problems.counts.items()):
            rows = result.problems.examples[kind]
            where = (f" (rows {', '.join(map(str, rows))}"
                     f"{'...' if count > len(rows) else ''})") if args.verbose and rows else ""
            print(f"  {kind.replace('_', ' ')}: {count:,}{where}", file=sys.stderr)
    return 0


def _scrape_general(argv, prog):
    from .scrapers.cli import main_general

    return main_general(argv, prog=prog)


def _scrape_exif(argv, prog):
    from .scrapers.cli import main_exif

    return main_exif(argv, prog=prog)


def _preprocess(argv, prog):
    from .ingest.preprocess import main as preprocess_main

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
    (("import",), "import photos from an existing data set (LBSN, Flickr CSV/JSON, any CSV)",
     import_),
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
