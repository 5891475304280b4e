"""A short grid laid back to back and repeated as re-runs (pure): what keeps the demo's
channels on air for hours with a few one-minute lessons.

The first run is the solver's schedule (every lesson once, in its order); each
re-run is that run again, straight after, on the same channel, so the channel is
never off air and the guide reads as a loop of the same programmes. A re-run that
would take an audience past its daily cap is left out, as the solver would. A lesson
that would air across local midnight starts at that midnight instead, and the rest
after it (a lesson airs within one broadcast day): less than that lesson off air,
just before midnight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Slot:
    """One airing: a lesson on a channel from start to end (aware instants)."""

    start: datetime
    end: datetime
    channel: str
    lesson: str


def back_to_back(first_run: Sequence[Slot], starts: Mapping[str, datetime]) -> list[Slot]:
    """Each channel's airings in their order, moved to follow one another from that
    channel's start (`starts`) with no gap."""
    out: list[Slot] = []
    by_channel: dict[str, list[Slot]] = defaultdict(list)
    for slot in sorted(first_run):
        by_channel[slot.channel].append(slot)
    for channel, slots in sorted(by_channel.items()):
        at = starts[channel]
        for slot in slots:
            length = slot.end - slot.start
            out.append(Slot(at, at + length, channel, slot.lesson))
            at += length
    return sorted(out)


def with_reruns(
    first_run: Sequence[Slot],
    until: datetime,
    zone: ZoneInfo,
    audience_of: Mapping[str, str],
    daily_cap_s: Mapping[str, int],
) -> list[Slot]:
    """`first_run` (back to back per channel), then per channel the same run again
    and again straight after it, as long as a run starts before `until` and leaves
    every audience (`audience_of` lesson) within its daily cap (`daily_cap_s`,
    seconds on one local day of `zone`)."""
    aired: dict[tuple[str, date], float] = defaultdict(float)

    def fits(run: Sequence[Slot]) -> bool:
        added: dict[tuple[str, date], float] = defaultdict(float)
        for slot in run:
            audience = audience_of.get(slot.lesson)
            if audience is None or audience not in daily_cap_s:
                continue
            # A slot across midnight counts on both days; whole on each is the safe side.
            for day in {slot.start.astimezone(zone).date(), slot.end.astimezone(zone).date()}:
                added[audience, day] += (slot.end - slot.start).total_seconds()
        return all(aired[key] + seconds <= daily_cap_s[key[0]] for key, seconds in added.items())

    def count(run: Sequence[Slot]) -> None:
        for slot in run:
            audience = audience_of.get(slot.lesson)
            if audience is not None:
                for day in {slot.start.astimezone(zone).date(), slot.end.astimezone(zone).date()}:
                    aired[audience, day] += (slot.end - slot.start).total_seconds()

    by_channel: dict[str, list[Slot]] = defaultdict(list)
    for slot in sorted(first_run):
        by_channel[slot.channel].append(slot)
    out: list[Slot] = []
    for runs in by_channel.values():
        count(runs)
        out.extend(runs)
    for runs in by_channel.values():
        period = runs[-1].end - runs[0].start
        if period <= timedelta(0):
            continue
        shift = period
        while runs[0].start + shift < until:
            again = [Slot(s.start + shift, s.end + shift, s.channel, s.lesson) for s in runs]
            late = timedelta(0)
            if (crossing := _past_midnight(again, zone)) is not None:
                # a lesson airs within one broadcast day: from this one on, the run
                # starts again at midnight
                index, late = crossing
                again[index:] = [
                    Slot(s.start + late, s.end + late, s.channel, s.lesson) for s in again[index:]
                ]
            if not fits(again):
                break
            count(again)
            out.extend(again)
            shift += period + late
    return sorted(out)


def _past_midnight(run: Sequence[Slot], zone: ZoneInfo) -> tuple[int, timedelta] | None:
    """The first slot of the run that would air across local midnight, and how far it
    must move to start at that midnight (None: none would)."""
    for index, slot in enumerate(run):
        start = slot.start.astimezone(zone)
        midnight = datetime.combine(start.date() + timedelta(days=1), time(), zone)
        if slot.end > midnight:
            return index, midnight - slot.start
    return None


def on_air_everywhere(slots: Sequence[Slot], channels: Sequence[str], at: datetime) -> bool:
    """Whether every channel has a slot airing at `at`."""
    return all(any(s.channel == c and s.start <= at < s.end for s in slots) for c in channels)
