"""The one tree of errors a user can meet, for every package of sabaq.

Each is one line meant for the user (no flag names: the command line and the
HTTP API add their own context). The CLI maps them to exit codes in one place
(`cli.user_errors`), the server to HTTP statuses in one place
(`streaming.errors`). Anything else is a bug and may show a traceback.

This module imports nothing, so the pure scheduler can raise these too.
"""

from __future__ import annotations

from collections.abc import Sequence


class SabaqError(Exception):
    """The root: a one-line message; `details` holds every problem when there were several."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details) or [message]


class BadInput(SabaqError):
    """Input that breaks a rule: a malformed file, a bad field, an unknown id (exit 2, HTTP 400)."""


class NotFound(BadInput):
    """A named thing (lesson, schedule version, channel) does not exist (HTTP 404)."""


class TooLarge(BadInput):
    """Input over a size limit (HTTP 413)."""


class Conflict(SabaqError):
    """The request is well formed but the catalogue's state does not allow it yet: a
    lesson without media, a catalogue without channels (exit 1, HTTP 409)."""


class Unavailable(SabaqError):
    """A service sabaq needs does not answer: the database, the broker (HTTP 503)."""


class NoSpace(Unavailable):
    """The disk is full; nothing was written (HTTP 507)."""


class Busy(SabaqError):
    """Another writer holds what is needed; the same call may succeed later (HTTP 503)."""


class Infeasible(SabaqError):
    """No schedule honours every rule; the message names the rules and parties in conflict."""


class MediaError(SabaqError):
    """A source that cannot be packaged, or a package that cannot be written (HTTP 415)."""
