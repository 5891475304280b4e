"""A live channel and a catch-up replay played over HTTP by ffmpeg, as IPTV apps built
on it play them: across lesson and off-air boundaries, not one warning."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import m3u8
import pytest

from catalog import open_catalog
from catalog.retime import earliest
from streaming import create_app

CHANNEL = "al-farabi"


async def ffmpeg(*args: str, timeout: float = 180) -> str:
    """What ffmpeg says at `-v warning` while decoding its input to nothing."""
    process = await asyncio.create_subprocess_exec(
        *("ffmpeg", "-hide_banner", "-nostdin", "-v", "warning", *args, "-f", "null", "-"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode == 0, err.decode()
    return err.decode()


def first_airing(site):
    return site.now - timedelta(seconds=20)  # see conftest: lessons at +0 s and +30 s, 8 s each


@contextlib.asynccontextmanager
async def five_minutes_on(site, aiohttp_server) -> AsyncIterator[str]:
    """The site served with its clock five minutes after the first airing began (both
    airings over): the channel's base URL, for catch-up replays."""
    start = first_airing(site)
    catalog = open_catalog(site.url)
    try:
        app = create_app(
            catalog, site.data_dir, clock=lambda: start + timedelta(minutes=5), refresh_s=0
        )
        server = await aiohttp_server(app)
        yield f"http://127.0.0.1:{server.port}/live/{CHANNEL}"
    finally:
        catalog.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("rung", ["360p", "audio"])
async def test_ffmpeg_plays_the_live_channel_across_boundaries_without_a_warning(
    site, aiohttp_server, rung
):
    """From 31 s before the first lesson to after the second: slate -> lesson -> slate
    (a gap that ends mid-pass of the slate's loop) -> lesson -> slate, on a clock
    running three times as fast as the test's."""
    start = first_airing(site)
    began = time.monotonic()

    def clock():
        return start + timedelta(seconds=5 + 3 * (time.monotonic() - began))

    catalog = open_catalog(site.url)
    try:
        server = await aiohttp_server(create_app(catalog, site.data_dir, clock=clock, refresh_s=0))
        url = f"http://127.0.0.1:{server.port}/live/{CHANNEL}/{rung}.m3u8"
        said = await ffmpeg("-live_start_index", "0", "-i", url, "-t", "75")
    finally:
        catalog.dispose()
    assert said == ""


@pytest.mark.slow
async def test_ffmpeg_plays_a_catch_up_replay_without_a_warning_and_its_clock_only_grows(
    site, aiohttp_server
):
    start = first_airing(site)
    async with five_minutes_on(site, aiohttp_server) as base:
        query = f"utc={int(start.timestamp()) - 5}&utcend={int(start.timestamp()) + 50}"
        said = await ffmpeg("-i", f"{base}/360p.m3u8?{query}")
        assert said == ""
        # The same URLs as live, each segment on the channel's clock: every segment's
        # first timestamp is later than the one before, across every boundary.
        firsts = []
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/360p.m3u8?{query}") as response:
                playlist = m3u8.loads(await response.text())
            assert playlist.is_endlist
            for segment in playlist.segments:
                assert segment.uri.startswith("360p/")
                async with session.get(f"{base}/{segment.uri}") as response:
                    assert response.headers["Cache-Control"].endswith("immutable")
                    firsts.append(earliest(await response.read()))
    assert len(firsts) > 10
    assert firsts == sorted(firsts)
    assert len(set(firsts)) == len(firsts)


async def test_live_segments_stay_under_the_declared_peak_and_their_counters_run_on(
    site, aiohttp_server
):
    """A player picks its rung by BANDWIDTH: every segment a live channel serves (the
    packages' segments on the channel's clock, lesson and slate, across boundaries)
    stays at or under its rung's declared peak, as the packages' own files do. And
    glued together, every PID's continuity counters run on across every boundary."""
    start = first_airing(site)
    async with five_minutes_on(site, aiohttp_server) as base:
        query = f"utc={int(start.timestamp()) - 15}&utcend={int(start.timestamp()) + 50}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/master.m3u8") as response:
                master = m3u8.loads(await response.text())
            peaks = {v.uri.removesuffix(".m3u8"): v.stream_info.bandwidth for v in master.playlists}
            assert {"audio", "234p"} <= set(peaks)
            rates: dict[str, list[float]] = {}
            streams: dict[str, bytes] = {}
            for rung in peaks:
                async with session.get(f"{base}/{rung}.m3u8?{query}") as response:
                    playlist = m3u8.loads(await response.text())
                assert not any(s.discontinuity for s in playlist.segments)
                for segment in playlist.segments:
                    async with session.get(f"{base}/{segment.uri}") as response:
                        data = await response.read()
                    rates.setdefault(rung, []).append(len(data) * 8 / max(segment.duration, 0.1))
                    streams[rung] = streams.get(rung, b"") + data
    for rung, peak in peaks.items():
        assert len(rates[rung]) > 10, rung
        assert max(rates[rung]) <= peak, (rung, round(max(rates[rung])), peak)
        following: dict[int, int] = {}
        for at in range(0, len(streams[rung]), 188):
            packet = streams[rung][at : at + 188]
            if not packet[3] & 0x10:
                continue
            pid = ((packet[1] & 0x1F) << 8) | packet[2]
            assert packet[3] & 0x0F == following.get(pid, packet[3] & 0x0F), (rung, pid, at)
            following[pid] = (packet[3] + 1) & 0x0F
