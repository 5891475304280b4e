"""The service tests run real jobs on the transcoder tests' small media."""

from tests.transcoder.conftest import media

__all__ = ["media"]
