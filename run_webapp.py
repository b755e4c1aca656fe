#!/usr/bin/env python3
"""Serve SnapAssist with Flask's development server: ``snapassist serve`` (see --help)."""
import sys

from snapassist.cli import serve

if __name__ == "__main__":
    sys.exit(serve(prog="run_webapp.py"))
