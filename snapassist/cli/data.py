"""``snapassist preprocess`` and ``snapassist import``: tables from scraped or existing data."""
import argparse
import sys

from .. import config
from ..errors import SnapAssistError
from .options import (EXIT_INPUT, add_area_options, add_dask_options, add_noise_options,
                      area_from_args, setup_logging, whole_number)


def build_import_parser(prog="snapassist import"):
    """Argument parser of ``snapassist import``."""

    from ..ingest.importer import FORMATS

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Import geotagged photos from an existing data set into processed "
                    "tables that the web app serves as they are "
                    f"({config.ENV_TABLES_FOLDER}=OUTFOLDER snapassist serve). Formats: "
                    "'lbsn' (the CSV TagMaps reads: guid, user_guid, lat, lng, "
                    "post_create_date, hashtags separated by ';', post_views_count...), "
                    "'flickr' (CSV, JSON Lines or a JSON array with the Flickr API's field "
                    "names: id, owner, title, datetaken, views, tags, latitude, longitude, "
                    "url_*...), 'csv' (any CSV, columns named with --column), 'yfcc100m' "
                    "(the YFCC100M's tab-separated lines, plain or .bz2, or any subset in "
                    "its format: see below). Gzip input is read as it is. Bad rows are "
                    "counted by kind and left out; nothing is written to OUTFOLDER unless "
                    "the import succeeds.",
        epilog="YFCC100M: the layout is told by the number of fields and printed: "
               "yfcc100m-23 (the 2014 release), yfcc100m-24-line (a line number first), "
               "yfcc100m-24-hash (the photo's hash after its id), yfcc100m-25 (both: the "
               "single-file yfcc100m_dataset.bz2); --column OURS=N reads our column from "
               "field N (from 1) or from a field named as in the layouts (photo_id, "
               "user_nsid, date_taken, user_tags, longitude, latitude, download_url...). "
               "Text is URL-decoded, videos are skipped and counted, thumbnails come from "
               "the download URL. The data set has no view counts: the tables record "
               "that they have none. With --cities each photo goes to the nearest city "
               "of GeoNames (places of 15,000 people or more) whose radius reaches it: "
               "sqrt(population / (pi x 2,000 per km2)), 3 to 30 km, a place inside a "
               "larger one's radius counting as its district; every city with "
               "--min-photos photos gets a sub-folder named like dresden-de, and "
               "OUTFOLDER is then served as several cities. The file is read in parts "
               "of 32 MB; with --workers or --scheduler the parts and the cities are "
               "spread over a Dask cluster (the input and OUTFOLDER must be on a disk "
               "every worker sees). The parts done are kept in OUTFOLDER.parts: a "
               "killed or failed import, run again with the same arguments, redoes "
               "only what it had not finished. "
               "Safety: one import at a time writes OUTFOLDER (a second one is refused "
               "with exit status 2); the import says how much free space it needs beside "
               "OUTFOLDER and refuses to start without it (--ignore-space to try anyway); "
               "the new tables take the old ones' place in one step, and a full disk "
               "leaves OUTFOLDER as it was. "
               "Exit status: 0 done, 1 some parts or cities failed (named; run again), "
               "2 bad input (a missing file or column, a bad option), another import "
               "holding OUTFOLDER, or a full disk.")
    parser.add_argument("--format", required=True, choices=sorted([*FORMATS, "yfcc100m"]),
                        help="the input's format")
    parser.add_argument("input", metavar="INPUT", help="the file to import (.gz is fine; "
                                                       ".bz2 too for yfcc100m)")
    parser.add_argument("out_folder", metavar="OUTFOLDER", help="where to write the tables")
    parser.add_argument("--city", help="the city's name, shown on the pages; for yfcc100m: "
                                       "keep only the photos of this city of GeoNames "
                                       "(a name, 'London, CA', a slug such as london-ca, "
                                       "or a GeoNames id; of several of one name, the most "
                                       "populous)")
    parser.add_argument("--column", action="append", default=[], metavar="OURS=THEIRS",
                        help="read our column OURS from the input's column THEIRS "
                             "(repeatable): id, owner, views, tags, latitude, longitude "
                             "at least; for yfcc100m THEIRS is a field number or name")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the tables OUTFOLDER already holds (with --cities: "
                             "the cities this import writes)")
    parser.add_argument("--ignore-space", action="store_true",
                        help="start even when the disk seems to lack the free space the "
                             "import estimates it needs")
    world = parser.add_argument_group("yfcc100m only")
    world.add_argument("--cities", action="store_true",
                       help="one sub-folder of tables per city (see below)")
    world.add_argument("--min-photos", type=whole_number(1), default=None, metavar="N",
                       help="with --cities: the photos a city needs to get its tables "
                            "(default 2,000)")
    add_dask_options(world, "no cluster, one process")
    add_area_options(parser, "Keep only the photos inside this area. Default: every photo "
                             "with a usable position.")
    add_noise_options(parser, "name the first rows of each kind of bad row")
    return parser


def import_(argv=None, prog="snapassist import"):
    """``snapassist import``: photos from an existing data set; returns the exit status."""
    from ..ingest.importer import import_photos, parse_column_options

    parser = build_import_parser(prog)
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from pathlib import Path

    if args.format != "yfcc100m":
        used = [flag for flag, value in (("--cities", args.cities),
                                         ("--min-photos", args.min_photos),
                                         ("--workers", args.workers),
                                         ("--scheduler", args.scheduler)) if value]
        if used:
            parser.error(f"{', '.join(used)}: for --format yfcc100m only")
    elif args.min_photos is not None and not args.cities:
        parser.error("--min-photos: with --cities only")
    try:
        columns = parse_column_options(args.column)
        area = area_from_args(args)
        with _Bars(args.quiet) as bars, _quiet_hdf5():
            if args.format == "yfcc100m":
                return _import_yfcc(args, columns, area, bars, prog)
            size = Path(args.input).stat().st_size if Path(args.input).is_file() else None
            result = import_photos(
                args.input, args.out_folder, args.format, columns, city=args.city, area=area,
                overwrite=args.overwrite, check_free_space=not args.ignore_space,
                notify=lambda message: args.quiet or print(f"{args.input}: {message}",
                                                           file=sys.stderr),
                progress=lambda done: bars.show("reading", done, size, "B"),
                on_write=lambda done, total: bars.show("writing", done, total, " photos"))
    except SnapAssistError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        print(f"{result.rows_kept:,} of {result.rows_read:,} photos imported into "
              f"{result.folder} (time zone {result.metadata['timezone']})", file=sys.stderr)
        _print_problems(result.problems, args.verbose)
    return 0


class _quiet_hdf5:
    """HDF5's own error stack off stderr: a failed write is told in one line instead."""

    def __enter__(self):
        import tables

        tables.silence_hdf5_messages(True)
        return self

    def __exit__(self, *exc):
        import tables

        tables.silence_hdf5_messages(False)


class _Bars:
    """tqdm progress bars on stderr, one per stage, hidden with -q or off a terminal."""

    def __init__(self, quiet):
        self.hidden = quiet or not sys.stderr.isatty()
        self.bars = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()

    def show(self, name, done, total, unit):
        from tqdm import tqdm

        bar = self.bars.get(name)
        if bar is None:
            bar = self.bars[name] = tqdm(total=total, unit=unit, unit_scale=True, desc=name,
                                         file=sys.stderr, disable=self.hidden)
        bar.update(done - bar.n)


def _import_yfcc(args, columns, area, bars, prog):
    """The yfcc100m import: one folder, or one per city, on Dask if asked."""
    from ..ingest.world import MIN_PHOTOS, import_yfcc

    def notify(message):
        if not args.quiet:
            print(f"{args.input}: {message}", file=sys.stderr)

    units = {"reading": "B", "writing": " photos"}
    result = import_yfcc(
        args.input, args.out_folder, columns, cities=args.cities, city=args.city, area=area,
        min_photos=args.min_photos or MIN_PHOTOS, workers=args.workers,
        scheduler=args.scheduler, overwrite=args.overwrite, notify=notify,
        check_free_space=not args.ignore_space,
        progress=lambda stage, done, total: bars.show(stage, done, total, units[stage]))
    if result.failed:
        for name, reason in sorted(result.failed.items()):
            print(f"{prog}: {name} failed: {reason}", file=sys.stderr)
        print(f"{prog}: {len(result.failed)} task(s) failed and nothing was moved into "
              f"{result.folder}; run the same command again to redo only them",
              file=sys.stderr)
        return 1
    if not args.quiet:
        if args.cities:
            listing = ", ".join(f"{slug} {n:,}" for slug, _, n in result.cities[:10])
            more = f" and {len(result.cities) - 10:,} more" if len(result.cities) > 10 else ""
            print(f"{result.rows_kept:,} photos of {result.rows_read:,} lines imported into "
                  f"{result.folder}: {len(result.cities):,} cities ({listing}{more})",
                  file=sys.stderr)
        else:
            print(f"{result.rows_kept:,} photos of {result.rows_read:,} lines imported into "
                  f"{result.folder}", file=sys.stderr)
        if result.small_cities:
            print(f"  {result.small_cities:,} cities with fewer than --min-photos "
                  f"{args.min_photos or MIN_PHOTOS:,} photos left out", file=sys.stderr)
        if result.parts_reused:
            print(f"  {result.parts_reused:,} of {result.parts:,} parts were read by an "
                  "earlier run", file=sys.stderr)
        _print_problems(result.problems, args.verbose)
        if args.verbose:
            for worker, peak in sorted(result.worker_peak_bytes.items()):
                print(f"  peak memory of {worker}: {peak / 2**20:,.0f} MB", file=sys.stderr)
    return 0


def _print_problems(problems, verbose):
    for kind, count in sorted(problems.counts.items()):
        rows = problems.examples[kind]
        where = (f" (rows {', '.join(map(str, rows))}"
                 f"{'...' if count > len(rows) else ''})") if verbose and rows else ""
        print(f"  {kind.replace('_', ' ')}: {count:,}{where}", file=sys.stderr)


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

