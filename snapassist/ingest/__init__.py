"""Turning raw photos into the processed tables the web app serves.

The home of every data source's reader: :mod:`.preprocess` turns the
scrapers' raw Flickr tables into processed tables; :mod:`.importer` and
:mod:`.readers` import existing data sets (LBSN, Flickr CSV/JSON, any CSV)
through the same preprocessing.
"""
