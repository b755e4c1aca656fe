"""Options every SnapAssist command shares: the area, the noise level, logging.

Edge code (argparse); the library below never imports it. One definition of
the area options means the scraper and the preprocessing accept and refuse
exactly the same things.
"""
import argparse
import logging
import os
import sys

from .. import config
from ..errors import ValidationError
from ..geo import Area, default_area

#: Exit status of every command for input it cannot use (as argparse's own).
EXIT_INPUT = 2

#: How the commands' own messages look on stderr.
_LOG_FORMAT = "%(levelname)s: %(message)s"


def whole_number(minimum=None):
    """An argparse type: a whole number (``1,500`` and ``1_500`` are fine), at least ``minimum``."""
    def parse(text):
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text!r}")
        return value
    return parse


def parse_bbox(text):
    """``"MIN_LON,MIN_LAT,MAX_LON,MAX_LAT"`` -> four floats (argparse type)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4:
        raise argparse.ArgumentTypeError(
            f"--bbox must be four numbers MIN_LON,MIN_LAT,MAX_LON,MAX_LAT, got {text!r}")
    return values


def add_area_options(parser, default_text):
    """Add ``--bbox`` and ``--lat/--lon/--radius``; ``default_text`` says what no option means."""
    area = parser.add_argument_group("area", default_text)
    area.add_argument("--bbox", type=parse_bbox, metavar="MIN_LON,MIN_LAT,MAX_LON,MAX_LAT",
                      help="a box instead of a circle")
    area.add_argument("--lat", type=float, help="circle centre latitude, degrees")
    area.add_argument("--lon", type=float, help="circle centre longitude, degrees")
    area.add_argument("--radius", type=float,
                      help="circle radius, km (0 < R < 32; default %g)" % config.SCRAPE_RADIUS_KM)
    return area


def area_from_args(args):
    """The :class:`~snapassist.geo.Area` the area options name, or ``None`` for none given.

    ``--lat`` and ``--lon`` go together; a missing ``--radius`` is the 2018
    area's. Raises :class:`~snapassist.errors.ValidationError` for a mix of
    box and circle, or a centre given by halves.
    """
    circle = (args.lat, args.lon, args.radius)
    if args.bbox is not None:
        if any(v is not None for v in circle):
            raise ValidationError("give either --bbox or --lat/--lon/--radius, not both")
        return Area.box(*args.bbox)
    if all(v is None for v in circle):
        return None
    if (args.lat is None) != (args.lon is None):
        raise ValidationError("--lat and --lon must be given together")
    d = default_area()
    return Area.circle(d.lat if args.lat is None else args.lat,
                       d.lon if args.lon is None else args.lon,
                       d.radius_km if args.radius is None else args.radius)


def add_dask_options(parser, default_text):
    """Add ``--workers N`` or ``--scheduler ADDRESS``, one or the other.

    ``default_text`` says what the run does without either (it ends the
    ``--workers`` help).
    """
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=whole_number(1), default=None, metavar="N",
                       help=f"run on a local Dask cluster of N worker processes (this machine "
                            f"has {os.cpu_count()} cores; default: {default_text})")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the existing Dask cluster of this scheduler "
                            "(e.g. tcp://10.0.0.5:8786) instead of a local one")
    return where


def add_noise_options(parser, verbose_help="say what each step does (-vv: more)"):
    """Add ``-v`` (repeatable) and ``-q``, which exclude each other."""
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="count", default=0, help=verbose_help)
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="print errors only, no progress bar")


def setup_logging(verbose=0, quiet=False):
    """Send SnapAssist's log to stderr: errors with ``quiet``, else warnings, info, debug."""
    if quiet:
        level = logging.ERROR
    elif verbose:
        level = logging.DEBUG if verbose >= 2 else logging.INFO
    else:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root = logging.getLogger("snapassist")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # flickrapi logs every call at INFO and error bodies at ERROR; our client
    # reports failures itself.
    logging.getLogger("flickrapi").setLevel(logging.DEBUG if verbose >= 2 else logging.CRITICAL)
    return level
