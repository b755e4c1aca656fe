"""SnapAssist: find where to stand to photograph something in a city.

Importing the package does no work: tables, Flickr and the web app are only
touched when their functions are called.
"""

__version__ = "0.1.0"
