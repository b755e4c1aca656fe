"""The map's tile server: the one outside host a results page loads from.

Default: OpenStreetMap's standard tiles, with the attribution its tile
usage policy asks for. A deployment may use its own tile server (or a
commercial one) with ``SNAPASSIST_TILES_URL`` (a Leaflet URL template with
``{z}``, ``{x}`` and ``{y}``, and ``{s}`` for subdomains) and
``SNAPASSIST_TILES_ATTRIBUTION`` (HTML shown in the map's corner), read
when the app is built. The pages' Content-Security-Policy lets images come
from that server's host and no other map host.
"""
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import ConfigError

ENV_URL = "SNAPASSIST_TILES_URL"
ENV_ATTRIBUTION = "SNAPASSIST_TILES_ATTRIBUTION"
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = ('&copy; <a href="https://www.openstreetmap.org/copyright">'
                   "OpenStreetMap</a> contributors")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$")


@dataclass(frozen=True)
class TileServer:
    """Where map tiles come from, and the credit the map shows for them.

    Raises
    ------
    ConfigError
        If ``url`` is not an http(s) URL template with ``{z}``, ``{x}`` and
        ``{y}``, or ``attribution`` is empty.
    """

    url: str = OSM_URL
    attribution: str = OSM_ATTRIBUTION
    max_zoom: int = 19

    def __post_init__(self):
        parts = urlsplit(self.url)
        host = (parts.hostname or "").replace("{s}", "s")
        if (parts.scheme not in ("http", "https") or not _HOST.match(host)
                or not all(f"{{{k}}}" in self.url for k in "zxy")):
            raise ConfigError(f"{ENV_URL} must be an http(s) URL with {{z}}, {{x}} and {{y}} "
                              f"(such as {OSM_URL}), got {self.url!r}")
        if not self.attribution.strip():
            raise ConfigError(f"{ENV_ATTRIBUTION} must credit the tiles' source, got an "
                              f"empty text for {self.url!r}")

    @classmethod
    def from_environ(cls, environ=None):
        """The tile server the environment names, else OpenStreetMap's.

        A URL set without an attribution is refused: the map must credit its tiles.
        """
        environ = os.environ if environ is None else environ
        url = environ.get(ENV_URL, "").strip()
        attribution = environ.get(ENV_ATTRIBUTION, "").strip()
        if not url:
            return cls(attribution=attribution or OSM_ATTRIBUTION)
        if not attribution:
            raise ConfigError(f"{ENV_URL} is set ({url!r}) but {ENV_ATTRIBUTION} is not: "
                              "the map must credit its tiles")
        return cls(url=url, attribution=attribution)

    @property
    def source(self):
        """The Content-Security-Policy source of the tiles (``https://*.tile.example``)."""
        parts = urlsplit(self.url)
        host = parts.netloc.replace("{s}", "*")
        return f"{parts.scheme}://{host}"
