"""Turning raw photos into the processed tables the web app serves.

The home of every data source's reader: :mod:`.preprocess` turns the
scrapers' raw Flickr tables into processed tables; :mod:`.importer` and
:mod:`.readers` import existing data sets (LBSN, Flickr CSV/JSON, any CSV)
through the same preprocessing; :mod:`.world` imports the YFCC100M
(:mod:`.yfcc`), split by city (:mod:`.cities`), in parts that run in this
process or on a Dask cluster.
"""
