"""``snapassist precompute``: the stored answers of the broad subjects, computed on Dask."""
import argparse
import sys

from .. import config
from ..errors import SnapAssistError
from .options import EXIT_INPUT, add_dask_options, add_noise_options, setup_logging, whole_number


def precompute(argv=None, prog="snapassist precompute"):
    """``snapassist precompute FOLDER``: store the common subjects' answers; returns the exit status."""

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compute, on a Dask cluster, the answer of every subject (each tag, and "
                    "each phrase whose words joined are a tag, such as 'cn tower') with more "
                    "than --min-photos matching photos, and store them in "
                    f"FOLDER/{config.PRECOMPUTED_ANSWERS}. A killed run, run again, computes "
                    "only what is missing. Exit status 1 when a subject failed (named on "
                    "stderr; the others are stored), 2 for bad arguments.")
    parser.add_argument("folder", metavar="FOLDER", help="the processed tables")
    parser.add_argument("--min-photos", type=whole_number(0), default=None, metavar="N",
                        help="subjects with more matching photos than N (default: the live "
                             "search's budget, so every subject too broad to search live)")
    add_dask_options(parser, "one per core")
    parser.add_argument("--output", metavar="PATH",
                        help=f"the answers file (default FOLDER/{config.PRECOMPUTED_ANSWERS})")
    add_noise_options(parser, "say what is done")
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    from ..precompute import precompute_folder

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
