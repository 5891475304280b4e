"""The one tree of errors a user can meet, for every package of sabaq.

Each is one line meant for the user (no flag names: the command line and the
HTTP API add their own context) and carries its own exit code and HTTP status;
the CLI (`cli.user_errors`) and the server (`streaming.errors`) each read them
in one place. Anything else is a bug and may show a traceback.

This module sits below every package and imports nothing of sabaq, so the pure
scheduler can raise these too.
"""

from __future__ import annotations

from collections.abc import Sequence


class SabaqError(Exception):
    """The root: a one-line message; `details` holds every problem when there were several."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details) or [message]


class BadInput(SabaqError):
    """Input that breaks a rule: a malformed file, a bad field, an unknown id (exit 2, HTTP 400)."""

    exit_code = 2
    http_status = 400


class NotFound(BadInput):
    """A named thing (lesson, schedule version, channel) does not exist (HTTP 404)."""

    http_status = 404


class TooLarge(BadInput):
    """Input over a size limit (HTTP 413)."""

    http_status = 413


class Conflict(SabaqError):
    """The request is well formed but the catalogue's state does not allow it yet: a
    lesson without media, a catalogue without channels (exit 1, HTTP 409)."""

    http_status = 409


class Unavailable(SabaqError):
    """A service sabaq needs does not answer: the database, the broker (HTTP 503)."""

    http_status = 503


class NoSpace(Unavailable):
    """The disk is full; nothing was written (HTTP 507)."""

    http_status = 507


class Busy(SabaqError):
    """Another writer holds what is needed; the same call may succeed later (HTTP 503)."""

    http_status = 503


class Infeasible(SabaqError):
    """No schedule honours every rule; the message names the rules and parties in conflict."""

    http_status = 422


class MediaError(SabaqError):
    """A source that cannot be packaged, or a package that cannot be written (HTTP 415)."""

    exit_code = 2
    http_status = 415
