"""Errors a user can meet when loading or changing the catalogue."""

from collections.abc import Sequence


class CatalogError(Exception):
    """Bad catalogue input or state; the message is one line meant for the user.

    `details` holds every problem found when there were several (one per line).
    """

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details) or [message]


class CatalogUnavailable(CatalogError):
    """The database did not answer (down, unreachable, refusing connections)."""
