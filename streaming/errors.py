"""The one place where sabaq's errors (the `errors` module) become HTTP statuses."""

from __future__ import annotations

from errors import SabaqError


def status_of(error: SabaqError) -> int:
    """The HTTP status that answers `error`: the one its class carries."""
    return error.http_status
