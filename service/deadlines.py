"""Deadlines on catalogue work, for callers that must not wait on a silent database.

A call made under `deadline(Deadline(seconds))` is aborted when the time passes: its
statement cancelled, its connection discarded rather than pooled, and it never
commits afterwards (catalog.db holds the mechanism; the server's database threads,
streaming.database, put every call under one).
"""

from catalog.db import NOT_CHANGED, Deadline, aborted_message, deadline

__all__ = ["NOT_CHANGED", "Deadline", "aborted_message", "deadline"]
