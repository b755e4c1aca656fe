"""Command lines of the two scrapers (``run_scraper_1_general.py``, ``run_scraper_2_exif.py``).

The edge of the scrapers: parses arguments, sets up logging and the progress
bar, and turns the library's exceptions into messages and exit statuses:

0 done; 1 Flickr refused a call (fix what the message says); 2 bad input;
3 Flickr kept failing after every retry (rerun later to resume);
130 interrupted (rerun to resume).
"""
import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

from .. import config
from ..errors import (FlickrError, FlickrRetriesExhaustedError, SnapAssistError,
                      ValidationError)
from ..geo import default_area
from .options import add_area_options, add_noise_options, area_from_args, setup_logging

EXIT_OK, EXIT_FLICKR, EXIT_INPUT, EXIT_RETRIES, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

log = logging.getLogger("snapassist.scrapers")

_KEYS_HELP = (f"Flickr API key and secret as one argument, \"KEY SECRET\". Default: "
              f"the environment variables {config.ENV_API_KEY} and {config.ENV_API_SECRET}. "
              "The secret is never printed or logged.")
_EPILOG = (f"The endpoint is {config.FLICKR_REST_URL} unless {config.ENV_REST_URL} is set. "
           "Exit status: 0 done, 1 Flickr refused a call, 2 bad input, 3 Flickr kept "
           "failing after every retry, 130 interrupted. After 1, 3 or 130 (or a crash) "
           "rerun the same command: it resumes where it stopped.")


def _date(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"dates must be YYYY-MM-DD (a real calendar day), got {text!r}") from None


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
        return value
    return parse


def _common_options(parser):
    parser.add_argument("--secrets", metavar='"KEY SECRET"', help=_KEYS_HELP)
    parser.add_argument("--calls-per-hour", type=_positive(float),
                        default=config.FLICKR_CALLS_PER_HOUR, metavar="N",
                        help="API calls allowed per hour, spaced evenly (default "
                             "%(default)s, Flickr's limit per key); retries count too")
    parser.add_argument("--timeout", type=_positive(float), default=config.FLICKR_TIMEOUT_S,
                        metavar="S", help="seconds before one call is abandoned and "
                                          "retried (default %(default)s)")
    parser.add_argument("--max-retries", type=int, default=config.FLICKR_MAX_RETRIES,
                        metavar="N", help="retries of a failing call before giving up "
                                          "(default %(default)s)")
    parser.add_argument("--backoff", type=_positive(float), default=config.FLICKR_BACKOFF_BASE_S,
                        metavar="S", help="first retry waits about S seconds, doubling "
                                          "each time up to %g s, with jitter (default "
                                          "%%(default)s)" % config.FLICKR_BACKOFF_MAX_S)
    parser.add_argument("--overwrite", action="store_true",
                        help="replace OUTNAME.hdf5 if it already exists")
    add_noise_options(parser, "say what each step does (-vv: every HTTP call)")


def build_general_parser(prog="run_scraper_1_general.py"):
    """Argument parser of scraper 1."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Scraper 1: fetch every geotagged Flickr photo taken in an area "
                    "between START_DATE and END_DATE into a raw master table "
                    "(pandas HDF5, key 'table'). Busy days are fetched completely "
                    "despite Flickr's 4,000-results-per-query cap: the period is "
                    "fetched as a chain of queries sorted by date taken, each going "
                    "on where the previous one hit the cap (at most 16 calls of 250 "
                    "photos). Each finished query is saved at once in "
                    "OUTNAME.hdf5.parts/: rerunning the same command after a crash, "
                    "kill or Ctrl-C resumes and gives the same table.",
        epilog=_EPILOG)
    parser.add_argument("start", type=_date, metavar="START_DATE",
                        help="first day taken, YYYY-MM-DD (photographer's local time)")
    parser.add_argument("end", type=_date, metavar="END_DATE",
                        help="day after the last day taken, YYYY-MM-DD (exclusive)")
    parser.add_argument("outname", metavar="OUTNAME",
                        help="output table; .hdf5 is appended if missing")
    add_area_options(parser, "Default: a circle of %g km around (%g, %g), the 2018 scrape "
                             "area." % (config.SCRAPE_RADIUS_KM, config.SCRAPE_CENTER_LAT,
                                        config.SCRAPE_CENTER_LON))
    parser.add_argument("--city", help="the city's name, recorded with the table for the "
                                       "pages (default %r for the 2018 area, else none)"
                                       % config.SCRAPE_CITY)
    _common_options(parser)
    return parser


def build_exif_parser(prog="run_scraper_2_exif.py"):
    """Argument parser of scraper 2."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Scraper 2: fetch the EXIF camera settings of the photos of MASTER "
                    "whose views are strictly above the 75th percentile, and write the "
                    "popular table (MASTER's columns + the EXIF columns) to OUTNAME. "
                    "Work is split into DIVISIONS chunks, each saved as soon as it is "
                    "finished in OUTNAME.hdf5.parts/: rerunning the same command skips "
                    "finished divisions. Photos whose EXIF is private or gone are "
                    "recorded in exif_status, not retried.",
        epilog=_EPILOG)
    parser.add_argument("master", metavar="MASTER", help="raw master table from scraper 1")
    parser.add_argument("divisions", type=_positive(int), metavar="DIVISIONS",
                        help="number of chunks to save the work in (>= 1)")
    parser.add_argument("outname", metavar="OUTNAME",
                        help="output table; .hdf5 is appended if missing")
    _common_options(parser)
    return parser


def output_path(outname, overwrite=False):
    """``OUTNAME`` with ``.hdf5``, checked writable; raises ValidationError."""
    path = Path(outname).expanduser()
    if path.suffix != ".hdf5":
        path = path.with_name(path.name + ".hdf5")
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError(f"OUTNAME {outname!r}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(f"OUTNAME {outname!r}: the folder {str(folder)!r} is not writable")
    parts = path.with_name(path.name + ".parts")
    if path.exists() and not parts.exists() and not overwrite:
        raise ValidationError(f"OUTNAME {outname!r}: {str(path)!r} already exists; pass "
                              "--overwrite to replace it or choose another name")
    return path


def _make_client(args):
    from ..scrapers.client import FlickrClient, resolve_keys

    key, secret = resolve_keys(args.secrets)
    return FlickrClient(key, secret, calls_per_hour=args.calls_per_hour,
                        timeout=args.timeout, max_retries=args.max_retries,
                        backoff_base=args.backoff)


def _progress_bar(args, total, unit):
    from tqdm import tqdm

    disable = args.quiet or not sys.stderr.isatty()
    return tqdm(total=total, unit=unit, disable=disable, file=sys.stderr)


#: (error kind, exit status, what to add to its message), most specific first.
_FAILURES = (
    (FlickrRetriesExhaustedError, EXIT_RETRIES, ""),
    (FlickrError, EXIT_FLICKR, ". Finished work is kept; fix this and rerun the same "
                               "command to resume"),
    (SnapAssistError, EXIT_INPUT, ""),
)


def _run(parser, argv, body):
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    out = None
    try:
        out = output_path(args.outname, args.overwrite)
        return body(args, out)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished work is saved in {out}.parts; rerun the same "
              "command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SnapAssistError as exc:
        # The first matching kind says what to tell the user and how to exit.
        for kind, status, advice in _FAILURES:
            if isinstance(exc, kind):
                print(f"error: {exc}{advice}", file=sys.stderr)
                return status
        raise


def _general_body(args, out):
    from ..scrapers.general import period_bounds, scrape_general

    area = area_from_args(args) or default_area()
    period_bounds(args.start, args.end)  # bad dates fail before anything else
    city = args.city
    if city is None and area == default_area():
        city = config.SCRAPE_CITY
    elif city is None:
        log.warning("no --city: the table records no city name, and the pages will say "
                    "'the area' (name it with snapassist preprocess --city)")
    n_days = (args.end - args.start).days
    client = _make_client(args)
    log.info("scraping %s, %s to %s (exclusive), into %s", area.describe(), args.start,
             args.end, out)
    with _progress_bar(args, n_days, "day") as bar:
        def progress(days_done, n):
            bar.update(round(days_done - bar.n, 3))
            bar.set_postfix_str(f"{n} photos in the last segment")
        table = scrape_general(client, args.start, args.end, out, area, progress, city=city)
    if not args.quiet:
        print(f"{len(table)} photos written to {out} ({client.n_calls} API calls)",
              file=sys.stderr)
    return EXIT_OK


def _exif_body(args, out):
    from ..scrapers.exif import scrape_exif

    master = Path(args.master).expanduser()
    client = _make_client(args)
    with _progress_bar(args, args.divisions, "division") as bar:
        table = scrape_exif(client, master, args.divisions, out,
                            lambda unit, n: bar.update(1))
    if not args.quiet:
        n_ok = int((table["exif_status"] == "ok").sum()) if len(table) else 0
        print(f"{len(table)} popular photos written to {out}, {n_ok} with EXIF "
              f"({client.n_calls} API calls)", file=sys.stderr)
    return EXIT_OK


def main_general(argv=None, prog="run_scraper_1_general.py"):
    """Entry point of ``snapassist scrape general``; returns the exit status."""
    return _run(build_general_parser(prog), argv, _general_body)


def main_exif(argv=None, prog="run_scraper_2_exif.py"):
    """Entry point of ``snapassist scrape exif``; returns the exit status."""
    return _run(build_exif_parser(prog), argv, _exif_body)
