"""``snapassist serve`` and ``snapassist demo``: the web app and its demo tables."""
import argparse
import sys

from .. import config
from ..errors import SnapAssistError
from .options import EXIT_INPUT, add_noise_options, setup_logging, whole_number


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
    from ..web import create_app, log_to_stderr

    # The format of gunicorn's error log (time, pid, level), as in production.
    log_to_stderr()
    try:
        # Load now so that a bad tables folder fails here, not on the first search.
        app = create_app(load_tables=True)
    except SnapAssistError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


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
    parser.add_argument("--photos", type=whole_number(), default=config.DEMO_N_PHOTOS, metavar="N",
                        help="photos in the master table, 1 to 5,000,000 (default %(default)s; "
                             "a million takes about a minute)")
    parser.add_argument("--seed", type=whole_number(), default=config.DEMO_SEED,
                        help="random seed, >= 0 (default %(default)s)")
    add_noise_options(parser, "say what is done")
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from pathlib import Path

    from ..demo import build_demo_tables

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
