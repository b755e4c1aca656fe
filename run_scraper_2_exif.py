#!/usr/bin/env python3
"""Scraper 2: EXIF camera settings of the most viewed photos (see --help)."""
import sys

from snapassist.cli.scrape import main_exif

if __name__ == "__main__":
    sys.exit(main_exif())
