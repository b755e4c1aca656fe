#!/usr/bin/env python3
"""Serve SnapAssist with Flask's development server (use gunicorn in production).

The tables come from FLICKR_TABLES_FOLDER, else the current folder, else the
synthetic demo tables (built once into the cache folder).
"""
import argparse
import logging
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=5000, help="port (default %(default)s)")
    parser.add_argument("--debug", action="store_true",
                        help="Flask debug mode: reloader and debugger (never in production)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from snapassist.errors import SnapAssistError
    from snapassist.web import create_app

    try:
        # Load now so that a bad tables folder fails here, not on the first search.
        app = create_app(load_tables=True)
    except SnapAssistError as exc:
        print(f"run_webapp.py: error: {exc}", file=sys.stderr)
        return 2
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
