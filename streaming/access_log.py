"""The access log without secrets: a token in a query string is never written down.

Tokens belong in the Authorization header (the server refuses them anywhere else),
but a client that puts one in the URL must not leave it in the log either, nor in
a logged Referer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

SECRET_NAMES = re.compile(
    r"(?i)([?&;](?:[a-z0-9_.-]*(?:token|key|auth|secret|password|passwd|signature|sig))=)"
    r"[^&;#\s\"]*"
)
TOKEN_TEXT = re.compile(r"sabaq_[A-Za-z0-9_-]+")
REDACTED = "REDACTED"


def redact(text: str) -> str:
    """`text` with every secret-looking query value, and any sabaq token, replaced."""
    return TOKEN_TEXT.sub(REDACTED, SECRET_NAMES.sub(rf"\1{REDACTED}", text))


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access log, each field passed through `redact`."""

    def _format_line(
        self, request: BaseRequest, response: StreamResponse, time: float
    ) -> Iterable[tuple[str | tuple[str, str], str]]:
        return [
            (key, redact(value) if isinstance(value, str) else value)
            for key, value in super()._format_line(request, response, time)
        ]
