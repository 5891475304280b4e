"""Where a workflow's text goes: a file, written whole, or back to the caller to print."""

from __future__ import annotations

from pathlib import Path

from catalog.files import write_atomic


def deliver(text: str, output: Path | None) -> str | None:
    """Write `text` to `output` atomically (a temp file, then a rename) and return None,
    or return it when there is no output file (the caller prints it)."""
    if output is None:
        return text
    write_atomic(output, text)
    return None
