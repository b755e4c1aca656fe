"""The synthetic Toronto demo: photos generated around real places, with their ground truth.

``generator`` draws the tables (``world`` places the photos, ``places`` holds
the real places, viewpoints and events, ``dates`` the events' moving dates,
``bulk`` the bulk uploads, ``owners`` the photographers, ``text`` and
``words`` the tags and titles, ``exif`` the camera settings); ``cache``
builds them once for the web app; ``quality`` scores a search's spots against
the viewpoints the photos were generated at. None of these photos exists on
Flickr, and tables built here carry a marker file that says so.
"""
from .cache import ensure_demo_tables, resolve_tables
from .generator import (MARKER_TEXT, build_demo_tables, clean_titles, generate_demo_photos,
                        generate_demo_truth)
from .owners import photographer_figures

__all__ = ["MARKER_TEXT", "build_demo_tables", "clean_titles", "ensure_demo_tables",
           "generate_demo_photos", "generate_demo_truth", "photographer_figures",
           "resolve_tables"]
