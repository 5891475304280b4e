"""Errors of the transcoder, each one line naming the file and the reason."""


class MediaError(Exception):
    """A source that cannot be packaged, or a package that cannot be written."""
