"""The fault suite runs against the same real data directory as the server tests."""

from tests.streaming.conftest import site  # noqa: F401  (the session fixture)
