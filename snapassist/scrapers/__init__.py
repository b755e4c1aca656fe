"""Flickr scrapers: the API client, scraper 1 (general), scraper 2 (EXIF), postprocessing.

Nothing here talks to Flickr at import; only :mod:`.client` imports flickrapi.
"""
