"""The one place where sabaq's errors (catalog.errors) become HTTP statuses."""

from __future__ import annotations

from catalog.errors import (
    BadInput,
    Busy,
    Conflict,
    Infeasible,
    MediaError,
    NoSpace,
    NotFound,
    SabaqError,
    TooLarge,
    Unavailable,
)

STATUSES: tuple[tuple[type[SabaqError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (BadInput, 400),
    (NoSpace, 507),
    (Unavailable, 503),
    (Busy, 503),
    (Infeasible, 422),
    (MediaError, 415),  # met where media arrives: an upload that is not a playable video
)
"""Most specific first: the first class an error is an instance of gives its status."""


def status_of(error: SabaqError) -> int:
    """The HTTP status that answers `error`."""
    return next((status for kind, status in STATUSES if isinstance(error, kind)), 500)
