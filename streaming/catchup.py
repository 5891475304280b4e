"""Catch-up and start-over: a live channel replayed from an instant (pure).

IPTV players that read `catchup="shift"` in the M3U add `?utc=START&lutc=NOW` to a
channel's URL (START: the programme's start, NOW: the player's clock, both seconds
since the epoch); Kodi's `{utcend}` gives an end too. The answer is the channel as
it aired from the segment airing at START: an EVENT playlist that grows to the
live edge, or, once its end (asked for, or START plus `SPAN_S`) has passed, a
finished one (ENDLIST). Since the live timeline is a pure function of the
schedule and the clock, the segments, sequence numbers and discontinuities are
exactly those the live playlist listed when they aired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from errors import BadInput, NotFound
from streaming.blocks import Timeline
from streaming.live import TARGET_S, LiveWindow
from streaming.live import window as live_window

DAYS = 7
"""How many days back a channel can be replayed, unless the server is told otherwise."""
SPAN_S = 6 * 3600.0
"""The most one catch-up playlist lists (3,600 segments): a player asks again, from a
later START, to go on past it."""


FOREVER = datetime.max.replace(tzinfo=UTC)
"""The `until` of a finished replay: it never changes."""


@dataclass(frozen=True)
class Replay:
    """What a catch-up request asks for: from `start`, until `end` (None: the live edge)."""

    start: datetime
    end: datetime | None = None

    @property
    def query(self) -> str:
        """The query string naming this replay (for the master's media playlist links)."""
        params = {"utc": int(self.start.timestamp())}
        if self.end is not None:
            params["utcend"] = int(self.end.timestamp())
        return urlencode(params)


def _epoch(query: Mapping[str, str], name: str) -> datetime | None:
    text = query.get(name)
    if text is None:
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 11:
        raise BadInput(f"{name}={text[:20]!r} is not a time in seconds since 1970")
    return datetime.fromtimestamp(int(text), UTC)


def parse_replay(query: Mapping[str, str], now: datetime, days: int = DAYS) -> Replay | None:
    """The replay a request's query asks for (None: none, the plain live channel).

    `utc` is its start, `utcend` its end, `lutc` the player's clock (checked, not
    used: the server's clock is the one that counts). BadInput when a value is
    not an epoch time or ends before it starts, NotFound when it names an instant
    not yet aired or older than `days`."""
    start = _epoch(query, "utc")
    end = _epoch(query, "utcend")
    _epoch(query, "lutc")
    if start is None:
        if end is not None:
            raise BadInput("utcend needs utc, the instant to replay from")
        return None
    if end is not None and end <= start:
        raise BadInput("utcend must be after utc")
    if start > now:
        raise NotFound(f"nothing has aired at {start:%Y-%m-%dT%H:%M:%SZ} yet")
    oldest = now - timedelta(days=days)
    if start < oldest:
        raise NotFound(
            f"{start:%Y-%m-%dT%H:%M:%SZ} is older than the {days}-day catch-up window "
            f"(the oldest is {oldest:%Y-%m-%dT%H:%M:%SZ})",
        )
    return Replay(start, end)


@dataclass(frozen=True)
class ReplayWindow:
    """A catch-up playlist's content: its segments (as a live window gives them), from
    which instant to start playing, and whether it is finished."""

    window: LiveWindow
    offset_s: float  # from the first segment's start to the replay's start
    ended: bool


def replay_window(
    replay: Replay, timeline: Timeline, rung: str, now: datetime, span_s: float = SPAN_S
) -> ReplayWindow:
    """The segments from the one airing at `replay.start` to the replay's end, or to
    the live edge when that comes first."""
    stop = min(now, replay.start + timedelta(seconds=span_s))
    if replay.end is not None:
        stop = min(stop, replay.end)
    reach = (stop - replay.start).total_seconds() + 2 * TARGET_S
    window = live_window(timeline, rung, stop, reach)
    # Leave out what ended before the start; the new first segment's own boundary is
    # then counted in the discontinuity sequence, like every live window's first.
    segments = window.segments
    ends = (s.start + timedelta(seconds=s.duration) for s in segments)
    keep = next((i for i, end in enumerate(ends) if end > replay.start), len(segments))
    discontinuity = window.discontinuity + sum(s.discontinuity for s in segments[1 : keep + 1])
    kept = [s for s in segments[keep:] if replay.end is None or s.start < replay.end]
    sequence = kept[0].sequence if kept else window.sequence
    ended = stop < now
    until = window.until if not ended else FOREVER
    offset = (replay.start - kept[0].start).total_seconds() if kept else 0.0
    trimmed = replace(
        window, segments=kept, sequence=sequence, discontinuity=discontinuity, until=until
    )
    return ReplayWindow(trimmed, max(0.0, offset), ended)
