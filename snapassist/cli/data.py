"""``snapassist preprocess`` and ``snapassist import``: tables from scraped or existing data."""
import argparse
import sys

from .. import config
from ..errors import SnapAssistError
from .options import (EXIT_INPUT, add_area_options, add_noise_options, area_from_args,
                      setup_logging)


def import_(argv=None, prog="snapassist import"):
    """``snapassist import``: photos from an existing data set; returns the exit status."""
    from ..ingest.importer import FORMATS, import_photos, parse_column_options

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
        hidden = args.quiet or not sys.stderr.isatty()
        bars = {}

        def show(name, done, total, unit):
            bar = bars.get(name)
            if bar is None:
                bar = bars[name] = tqdm(total=total, unit=unit, unit_scale=True, desc=name,
                                        file=sys.stderr, disable=hidden)
            bar.update(done - bar.n)

        try:
            result = import_photos(
                args.input, args.out_folder, args.format, columns, city=args.city, area=area,
                overwrite=args.overwrite,
                progress=lambda done: show("reading", done, size, "B"),
                on_write=lambda done, total: show("writing", done, total, " photos"))
        finally:
            for bar in bars.values():
                bar.close()
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


def build_preprocess_parser(prog="snapassist-preprocess"):
    """Argument parser of ``snapassist preprocess``."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Turn the scrapers' raw tables into the processed tables the web "
                    "app reads: coerce every column to its type, drop photos without a "
                    "real geotag or outside the scrape area, drop duplicate ids, add "
                    "title_cleaned, hour and month. Rows with unreadable values are "
                    "counted and kept with those values missing.")
    parser.add_argument("folder", nargs="?", default=".", metavar="TABLE_FOLDER",
                        help="folder holding the raw tables (default: current folder)")
    parser.add_argument("--master", default=config.MASTER_TABLE_RAW,
                        help="raw master table name (default %(default)s)")
    parser.add_argument("--popular", default=config.POPULAR_TABLE_RAW,
                        help="raw popular table name, optional (default %(default)s)")
    parser.add_argument("--master-out", default=config.MASTER_TABLE_PROCESSED,
                        help="processed master table name (default %(default)s)")
    parser.add_argument("--popular-out", default=config.POPULAR_TABLE_PROCESSED,
                        help="processed popular table name (default %(default)s)")
    add_area_options(
        parser, "Photos outside the area are dropped. Default: the area scraper 1 "
        "recorded in the master table, else a circle of %g km around (%g, %g)."
        % (config.SCRAPE_RADIUS_KM, config.SCRAPE_CENTER_LAT, config.SCRAPE_CENTER_LON))
    parser.add_argument("--city", help="the city's name, shown on the pages (default: the "
                                       "one the scraper recorded, %r for the 2018 area)"
                        % config.SCRAPE_CITY)
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    return parser


def preprocess(argv=None, prog="snapassist-preprocess"):
    """``snapassist preprocess`` (and ``snapassist-preprocess``); returns the exit status."""
    from ..ingest.preprocess import read_and_preprocess_tables

    args = build_preprocess_parser(prog).parse_args(argv)
    setup_logging(quiet=args.quiet)
    try:
        reports = read_and_preprocess_tables(args.folder, args.master, args.popular,
                                             args.master_out, args.popular_out,
                                             area=area_from_args(args), city=args.city)
    except SnapAssistError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        for kind, report in reports.items():
            if report is None:
                print(f"{kind}: no raw table, skipped", file=sys.stderr)
                continue
            print(f"{kind}: {report['raw']} raw rows -> {report['kept']} kept "
                  f"({report['no_geotag']} without a geotag, {report['outside_area']} "
                  f"outside the area, {report['duplicates']} duplicates, "
                  f"{report['no_id']} without an id; {report['bad_values']} rows with "
                  "unreadable values)", file=sys.stderr)
    return 0

