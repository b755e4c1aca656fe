"""Turning raw photos into the processed tables the web app serves.

The home of every data source's reader: imports of existing data sets
(:mod:`.importer`, :mod:`.readers`) today, with the preprocessing of scraped
Flickr tables.
"""
