"""Every exception SnapAssist raises on purpose.

Library code raises these; only the edges (command lines, Flask error
handlers) turn them into exit codes, messages or HTTP statuses.
"""


class SnapAssistError(Exception):
    """Base class of every error SnapAssist raises on purpose."""


class ConfigError(SnapAssistError):
    """A setting (environment variable, option, folder) is unusable."""


class TableError(SnapAssistError):
    """A photo table is missing, unreadable or lacks required columns."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class QueryError(SnapAssistError, ValueError):
    """A search phrase cannot be searched (empty after cleaning, too long)."""


class ValidationError(SnapAssistError, ValueError):
    """An argument to a library function has the wrong shape, type or range."""


class NotEnoughPhotosError(SnapAssistError):
    """A search matched too few (or too little-viewed) photos to cluster."""

    def __init__(self, message, n_photos=0):
        super().__init__(message)
        self.n_photos = n_photos


class FlickrError(SnapAssistError):
    """A call to Flickr's API failed.

    ``code`` is Flickr's API error code when it gave one, ``status`` the HTTP
    status when the failure was at the HTTP level; either may be ``None``.
    """

    def __init__(self, message, code=None, status=None):
        super().__init__(message)
        self.code = code
        self.status = status


class FlickrTransientError(FlickrError):
    """A failure worth retrying (service unavailable, 429, 5xx, time-out)."""


class FlickrFinalError(FlickrError):
    """A failure that retrying cannot fix (bad key, bad signature, bad call)."""


class FlickrRetriesExhaustedError(FlickrError):
    """A transient failure that kept happening after every allowed retry."""


class WriteError(SnapAssistError):
    """A file could not be written whole (an import's work file, a table, a search file).

    ``path`` names what was being written; ``needed_bytes`` is the space
    the whole job was estimated to need, when it is known.
    """

    def __init__(self, message, path=None, needed_bytes=None):
        super().__init__(message)
        self.path = path
        self.needed_bytes = needed_bytes


class DiskFullError(WriteError):
    """The disk (or the user's quota, or the file size limit) ran out while writing."""


class FolderBusyError(SnapAssistError):
    """Another process holds the lock on a folder this one must write (another import)."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path
