"""Running ffmpeg and ffprobe: children that die with sabaq, errors as one line."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from pathlib import Path

from errors import MediaError

PR_SET_PDEATHSIG = 1  # prctl(2)


def last_line(text: str) -> str:
    """The last non-blank line of a tool's error output (what a user is shown)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


_PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """In a child before it runs ffmpeg (or a server worker): ask Linux to send it `sig`
    when sabaq dies (a killed `sabaq transcode` or worker must not leave encoders
    running). Elsewhere: nothing. Looked up before any fork, so the child only makes
    the one system call."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, sig)


def make_with_ffmpeg(args: list[str], made: Path, what: str) -> None:
    """Run `ffmpeg -y ARGS` quietly (it dies with sabaq); MediaError saying `what` could
    not be made, with ffmpeg's last line, when it fails or `made` is not there."""
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=die_with_parent,
    )
    if result.returncode != 0 or not made.exists():
        raise MediaError(f"{what} could not be made: {last_line(result.stderr)}")
