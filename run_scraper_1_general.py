#!/usr/bin/env python3
"""Scraper 1: every geotagged Flickr photo of an area and period (see --help)."""
import sys

from snapassist.cli.scrape import main_general

if __name__ == "__main__":
    sys.exit(main_general())
