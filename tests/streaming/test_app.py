"""The real application over a real data directory, through aiohttp's test client."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from datetime import UTC, timedelta

import m3u8
import pytest

from catalog import open_catalog
from streaming import create_app

from .conftest import TITLE


async def test_lessons_api_filters_and_paginates(client):
    response = await client.get("/api/lessons", params={"language": "kk"})
    assert response.status == 200
    body = await response.json()
    assert body["total"] == 2
    first = body["items"][0]
    assert first["title"] == TITLE
    assert first["hls_url"] == "/vod/kk-05-math-001/master.m3u8"
    signed = await (await client.get("/api/lessons?signed=true")).json()
    assert [x["id"] for x in signed["items"]] == ["kk-05-math-001"]
    search = await (await client.get("/api/lessons", params={"q": "теңдеу"})).json()
    assert [x["id"] for x in search["items"]] == ["kk-05-math-002"]
    page = await (await client.get("/api/lessons?limit=1&offset=1")).json()
    assert page["total"] == 3
    assert len(page["items"]) == 1
    not_ready = await (await client.get("/api/lessons/ru-01-math-001")).json()
    assert not_ready["hls_url"] is None


@pytest.mark.parametrize(
    "query",
    ["grade=abc", "grade=", "limit=0", "limit=9999", "offset=-1", "signed=AAA", "language=fr"],
)
async def test_bad_query_gives_json_400(client, query):
    response = await client.get(f"/api/lessons?{query}")
    assert response.status == 400
    assert "error" in await response.json()


async def test_schedule_date_must_be_a_date_and_methods_are_named(client):
    response = await client.get("/api/channels/al-farabi/schedule?date=")
    assert response.status == 400
    wrong = await client.delete("/api/channels")
    assert wrong.status == 405
    assert "GET" in wrong.headers["Allow"]
    assert "error" in await wrong.json()


async def test_unknown_lesson_is_json_404(client):
    response = await client.get("/api/lessons/nope")
    assert response.status == 404
    assert (await response.json())["error"] == "lesson 'nope' not found"
    assert (await client.get("/api/nothing-here")).status == 404


async def test_lesson_has_airings_and_channels_know_now_and_next(client):
    lesson = await (await client.get("/api/lessons/kk-05-math-001")).json()
    assert len(lesson["airings"]) == 1
    channels = await (await client.get("/api/channels")).json()
    assert channels[0]["now"] is None  # between the two airings at 09:00:20
    assert channels[0]["next"]["lesson"] == "kk-05-math-002"
    grid = await (await client.get("/api/channels/al-farabi/schedule?date=2026-09-01")).json()
    assert [a["lesson"] for a in grid] == ["kk-05-math-001", "kk-05-math-002"]
    assert (await client.get("/api/channels/al-farabi/schedule?date=soon")).status == 400
    for edge in ("9999-12-31", "0001-01-01"):
        far = await client.get(f"/api/channels/al-farabi/schedule?date={edge}")
        assert far.status == 400
        assert "out of range" in (await far.json())["error"]
    last = await client.get("/api/channels/al-farabi/schedule?date=9998-12-31")
    assert last.status == 200
    assert await last.json() == []


async def test_openapi_document_lists_every_api_route(client):
    document = await (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/lessons",
        "/api/lessons/{lesson}",
        "/api/channels",
        "/api/channels/{channel}/schedule",
    } <= set(document["paths"])


async def test_vod_serves_package_files_with_types_and_caching(client):
    master = await client.get("/vod/kk-05-math-001/master.m3u8")
    assert master.status == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert "immutable" not in master.headers["Cache-Control"]  # its stable name moves on
    playlist = m3u8.loads(await master.text())
    assert playlist.is_variant
    version = playlist.playlists[0].uri.split("/")[0]
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert all(p.uri.startswith(f"{version}/") for p in playlist.playlists)
    rung = await client.get(f"/vod/kk-05-math-001/{version}/234p/index.m3u8")
    assert "immutable" in rung.headers["Cache-Control"]
    for trick in playlist.iframe_playlists:  # scrubbing: versioned I-frame playlists
        assert trick.uri.startswith(f"{version}/")
        iframes = await client.get(f"/vod/kk-05-math-001/{trick.uri}")
        assert iframes.status == 200
        assert "immutable" in iframes.headers["Cache-Control"]
        assert m3u8.loads(await iframes.text()).is_i_frames_only
    assert len(playlist.iframe_playlists) == 2  # the two video rungs of the test site
    segment = await client.get(
        f"/vod/kk-05-math-001/{version}/234p/seg_00000.ts", headers={"Range": "bytes=0-187"}
    )
    assert segment.status == 206
    assert len(await segment.read()) == 188
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert "immutable" in segment.headers["Cache-Control"]
    assert segment.headers.get("ETag")
    # The unversioned path still answers, but may change: never cached as immutable.
    plain = await client.get("/vod/kk-05-math-001/234p/seg_00000.ts")
    assert plain.status == 200
    assert "immutable" not in plain.headers["Cache-Control"]
    assert (await client.get("/vod/kk-05-math-001/0123456789ab/234p/seg_00000.ts")).status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/vod/kk-05-math-001/../../sabaq.sqlite3",
        "/vod/kk-05-math-001/%2e%2e/%2e%2e/sabaq.sqlite3",
        "/vod/kk-05-math-001/..%2f..%2fsabaq.sqlite3",
        "/vod/kk-05-math-001/%2Fetc%2Fpasswd",
        "/vod/kk-05-math-001//etc/passwd",
        "/vod/kk-05-math-001/234p/../../../problem.json",
        "/vod/ru-01-math-001/master.m3u8",
        "/vod/..%2f..%2fetc/passwd",
        "/slate/al-farabi/..%2f..%2fsabaq.sqlite3",
        "/slate/al-farabi/next/..%2f..%2f..%2fsabaq.sqlite3",
        "/slate/al-farabi/next/20260901T040030Z-kk-05-math-002/..%2f..%2f..%2fsabaq.sqlite3",
        "/static/..%2f..%2fcli.py",
        "/live/al-farabi/..%2f..%2fsabaq.sqlite3",
        "/live/..%2f..%2fsabaq/master.m3u8",
        "/calendar/..%2f..%2fsabaq.sqlite3.ics",
        "/lessons/..%2f..%2fsabaq.sqlite3",
    ],
)
async def test_no_path_outside_a_package_can_be_read(client, path):
    response = await client.get(path)
    assert response.status in (400, 404)
    assert b"SQLite" not in await response.read()


async def test_symlink_out_of_a_package_is_refused(client, site):
    link = site.data_dir / "packages" / "kk-05-math-001" / "leak.json"
    link.symlink_to(site.data_dir / "problem.json")
    try:
        assert (await client.get("/vod/kk-05-math-001/leak.json")).status == 404
    finally:
        link.unlink()


async def test_live_channel_follows_the_clock(client, site):
    master = m3u8.loads(await (await client.get("/live/al-farabi/master.m3u8")).text())
    # The variant a phone starts on first (players without an estimate take the first).
    assert [p.uri for p in master.playlists] == ["234p.m3u8", "360p.m3u8", "audio.m3u8"]
    assert master.iframe_playlists == []  # no trick play on a live channel
    client.clock["now"] = site.now - timedelta(seconds=14)  # 6 s into the first lesson
    response = await client.get("/live/al-farabi/360p.m3u8")
    assert response.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    playlist = m3u8.loads(await response.text())
    # Segments are listed by number beside the playlist, retimed onto the channel's clock.
    last = playlist.media_sequence + len(playlist.segments) - 1
    assert playlist.segments[-1].uri == f"360p/{last}.ts"
    client.clock["now"] = site.now  # in the gap: the slate announcing the next lesson
    gap = m3u8.loads(await (await client.get("/live/al-farabi/360p.m3u8")).text())
    assert re.fullmatch(r"360p/\d+\.ts", gap.segments[-1].uri)
    assert gap.media_sequence >= playlist.media_sequence
    segment = await client.get(f"/live/al-farabi/{gap.segments[-1].uri}")
    assert segment.status == 200
    assert segment.headers["Content-Type"] == "video/mp2t"
    ahead = int(gap.segments[-1].uri[5:-3]) + 1  # not aired yet
    assert (await client.get(f"/live/al-farabi/360p/{ahead}.ts")).status == 404
    assert (await client.get(f"/live/al-farabi/999p/{ahead - 1}.ts")).status == 404
    assert (await client.get("/live/nope/master.m3u8")).status == 404
    assert (await client.get("/live/al-farabi/999p.m3u8")).status == 404


async def test_catchup_replays_the_channel_from_a_programme_start(client, site):
    """An IPTV player's catch-up request (`catchup="shift"`: ?utc=START&lutc=NOW) and
    start-over; the media playlists the master names keep the replay's start."""
    text = await (await client.get("/iptv/playlist.m3u")).text()
    assert 'catchup="shift" catchup-days="7"' in text
    start = int((site.now - timedelta(seconds=20)).timestamp())  # the first lesson's start
    lutc = int(site.now.timestamp())
    master = await client.get(f"/live/al-farabi/master.m3u8?utc={start}&lutc={lutc}")
    assert master.status == 200
    uris = [p.uri for p in m3u8.loads(await master.text()).playlists]
    assert uris == [f"{r}.m3u8?utc={start}" for r in ("234p", "360p", "audio")]
    media = await client.get(f"/live/al-farabi/{uris[0]}&lutc={lutc}")
    playlist = m3u8.loads(await media.text())
    assert playlist.playlist_type == "event"
    assert not playlist.is_endlist
    assert playlist.segments[0].uri == f"234p/{playlist.media_sequence}.ts"  # as live named it
    assert playlist.segments[0].current_program_date_time == site.now - timedelta(seconds=20)
    live = m3u8.loads(await (await client.get("/live/al-farabi/234p.m3u8")).text())
    assert playlist.segments[-1].uri == live.segments[-1].uri  # up to the live edge
    assert int(media.headers["Cache-Control"].split("=")[-1]) <= 6
    done = await client.get(f"/live/al-farabi/360p.m3u8?utc={start}&utcend={start + 8}")
    finished = m3u8.loads(await done.text())
    assert finished.is_endlist
    assert len(finished.segments) == 2
    assert done.headers["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("utc=noon", 400, "utc='noon' is not a time"),
        ("utc=1788840000&utcend=1788830000", 400, "utcend must be after utc"),
        ("utc=9999999999", 404, "nothing has aired"),
        ("utc=1600000000", 404, "older than the 7-day catch-up window"),
    ],
)
async def test_catchup_refuses_with_a_reason(client, query, status, says):
    for name in ("master", "360p"):
        response = await client.get(f"/live/al-farabi/{name}.m3u8?{query}")
        assert response.status == status
        assert says in await response.text()


async def test_offline_download_is_listed_offered_and_served_in_ranges(client, site):
    meta = json.loads((site.data_dir / "packages/kk-05-math-001/package.json").read_text())
    lesson = await (await client.get("/api/lessons/kk-05-math-001")).json()
    url = f"/vod/kk-05-math-001/{meta['version']}/download.mp4"
    assert lesson["download_url"] == url
    assert lesson["download_bytes"] == meta["download"]["bytes"] > 10_000
    assert lesson["captions"] == []
    listed = await (await client.get("/api/lessons?language=ru")).json()
    assert listed["items"][0]["download_url"] is None  # not packaged yet
    page = await (await client.get("/lessons/kk-05-math-001?lang=en")).text()
    megabytes = f"{meta['download']['bytes'] / 1e6:.1f} MB"
    assert f'href="{url}" download="kk-05-math-001.mp4"' in page
    assert "Download for offline" in page
    assert megabytes in page
    whole = await client.get(url)
    assert whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert whole.headers["Content-Disposition"].startswith(
        'attachment; filename="kk-05-math-001.mp4"'
    )
    body = await whole.read()
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status == 206
    assert await part.read() == body[100:200]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", "-"],
        input=body,
        capture_output=True,
        check=True,
    )
    assert out.stdout.decode().split() == ["h264", "aac"]


async def test_pages_offer_start_over_and_watch_again(client, site):
    client.clock["now"] = site.now - timedelta(seconds=16)  # 4 s into the first lesson
    start = int((site.now - timedelta(seconds=20)).timestamp())
    home = await (await client.get("/?lang=en")).text()
    assert f'href="/channels/al-farabi?utc={start}&amp;lang=en">Watch from the start' in home
    client.clock["now"] = site.now + timedelta(hours=1)
    page = await (await client.get("/channels/al-farabi?lang=en")).text()
    assert f"?utc={start}&amp;utcend={start + 8}&amp;lang=en" in page
    assert page.count(">Watch again</a>") == 2
    lesson = await (await client.get("/lessons/kk-05-math-001?lang=ru")).text()
    assert f"utc={start}&amp;utcend={start + 8}" in lesson
    assert "Смотреть снова" in lesson
    replay = await (await client.get(f"/channels/al-farabi?utc={start}&lang=en")).text()
    assert f'data-src="/live/al-farabi/master.m3u8?utc={start}"' in replay
    assert "Back to live" in replay
    assert (await client.get("/channels/al-farabi?utc=soon")).status == 400


async def test_live_master_declares_the_lessons_bitrates(client, site):
    """A player picks its live rung by the master's figures: they are the lessons' that
    air, not the (nearly static) slate's."""
    live = m3u8.loads(await (await client.get("/live/al-farabi/master.m3u8")).text())
    slate = m3u8.loads(await (await client.get("/slate/al-farabi/master.m3u8")).text())
    schedule = await (await client.get("/api/channels/al-farabi/schedule?date=2026-09-01")).json()
    aired = sorted({item["lesson"] for item in schedule})
    vods = {}
    for lesson in aired:
        master = m3u8.loads(await (await client.get(f"/vod/{lesson}/master.m3u8")).text())
        vods[lesson] = {p.uri.split("/")[-2]: p.stream_info for p in master.playlists}
    packages = {
        lesson: json.loads((site.data_dir / "packages" / lesson / "package.json").read_text())
        for lesson in aired
    }
    slate_info = {p.uri.split("/")[-2]: p.stream_info for p in slate.playlists}
    for variant in live.playlists:
        rung = variant.uri.removesuffix(".m3u8")
        info = variant.stream_info
        peaks = [vods[lesson][rung].bandwidth for lesson in aired]
        # Live playlists time every rung by the top rung's segments: the audio rung's
        # (AAC frames, a few ms longer) runs a little faster there than on demand.
        highest = max([*peaks, slate_info[rung].bandwidth])
        assert highest <= info.bandwidth <= highest * 1.01
        weights = [packages[lesson]["duration_s"] for lesson in aired]
        averages = [vods[lesson][rung].average_bandwidth for lesson in aired]
        expected = sum(a * w for a, w in zip(averages, weights, strict=True)) / sum(weights)
        assert info.average_bandwidth == pytest.approx(expected, abs=1)
        assert info.average_bandwidth > slate_info[rung].average_bandwidth


async def test_iptv_playlist_and_guide(client):
    playlist = await client.get("/iptv/playlist.m3u")
    text = await playlist.text()
    assert text.startswith("#EXTM3U url-tvg=")
    assert 'tvg-id="al-farabi.sabaq"' in text
    guide = await client.get("/iptv/epg.xml")
    body = await guide.text()
    assert '<subtitles type="deaf-signed" />' in body or '<subtitles type="deaf-signed"/>' in body
    assert "&lt;/title&gt;&lt;script&gt;" in body


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("?lang=ru", "", "Каналы"),
        ("", "ru-RU,ru;q=0.9,en;q=0.8", "Каналы"),
        ("", "en-US,en;q=0.9", "Channels"),
        ("", "fr-FR", "Арналар"),
        ("?lang=en", "ru", "Channels"),
        ("?lang=xx", "", "Арналар"),
    ],
)
async def test_pages_speak_the_chosen_language(client, query, header, expected):
    response = await client.get(f"/{query}", headers={"Accept-Language": header})
    assert response.status == 200
    text = await response.text()
    assert f"<h1>{expected}</h1>" in text


async def test_pages_escape_titles(client):
    text = await (await client.get("/lessons/kk-05-math-001?lang=kk")).text()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "ә ғ қ ң ө ұ ү һ і" in text
    assert 'data-src="/vod/kk-05-math-001/master.m3u8"' in text
    missing = await client.get("/lessons/nope?lang=en")
    assert missing.status == 404
    assert "Not found" in await missing.text()
    channel = await client.get("/channels/al-farabi?lang=ru")
    assert "Программа на сегодня" in await channel.text()


async def test_health_and_metrics(client):
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    await client.get("/live/al-farabi/360p.m3u8")
    text = await (await client.get("/metrics")).text()
    assert 'sabaq_live_viewers{channel="al-farabi"} 1' in text
    assert "sabaq_http_request_duration_seconds_count" in text
    assert 'route="/live/{channel}/{rung}.m3u8",status="200"' in text


async def test_calendar_per_audience(client):
    import icalendar

    response = await client.get("/calendar/5-kk.ics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(await response.read())
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert summaries == [TITLE, "Теңдеулер"]
    events = list(calendar.walk("VEVENT"))
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == len(uids)  # one per airing, never one per lesson
    assert (
        uids[0]
        == f"kk-05-math-001-{events[0].decoded('dtstart').astimezone(UTC):%Y%m%dT%H%M%SZ}@127.0.0.1"
    )
    assert all(int(e["sequence"]) >= 1 and "last-modified" in e for e in events)
    empty = icalendar.Calendar.from_ical(await (await client.get("/calendar/1-ru.ics")).read())
    assert list(empty.walk("VEVENT")) == []
    for bad in ("/calendar/5-xx.ics", "/calendar/..%2f5-kk.ics", "/calendar/123-kk.ics"):
        assert (await client.get(bad)).status == 404


async def test_live_playlist_is_reused_until_the_next_boundary(client, site):
    client.clock["now"] = site.now - timedelta(seconds=14)
    first = await client.get("/live/al-farabi/360p.m3u8")
    age = int(first.headers["Cache-Control"].split("max-age=")[1])
    assert 1 <= age <= 6
    body = await first.text()
    client.clock["now"] += timedelta(seconds=0.5)
    assert await (await client.get("/live/al-farabi/360p.m3u8")).text() == body
    client.clock["now"] += timedelta(seconds=6)
    moved = await (await client.get("/live/al-farabi/360p.m3u8")).text()
    assert moved != body
    assert m3u8.loads(moved).media_sequence >= m3u8.loads(body).media_sequence


async def test_catalogue_outage_keeps_serving_the_last_snapshot(site, aiohttp_client, monkeypatch):
    import asyncio

    import streaming.state

    catalog = open_catalog(site.url)
    app = create_app(catalog, site.data_dir, clock=lambda: site.now, refresh_s=0.05)
    client = await aiohttp_client(app)
    assert (await client.get("/healthz")).status == 200

    def down(*_args, **_kwargs):
        raise ConnectionError("database at 127.0.0.1:5432 refused the connection")

    real = streaming.state.load_snapshot
    monkeypatch.setattr(streaming.state, "load_snapshot", down)
    await asyncio.sleep(0.1)
    await client.get("/api/lessons")  # starts the background reload, which fails
    await asyncio.sleep(0.05)
    lessons = await client.get("/api/lessons")
    assert lessons.status == 200
    assert (await lessons.json())["total"] == 3
    health = await client.get("/healthz")
    assert health.status == 503
    body = await health.json()
    assert body["status"] == "degraded"
    assert body["serving"] == "last snapshot"
    assert "127.0.0.1" not in json.dumps(body)  # no hosts or driver messages to the public
    monkeypatch.setattr(streaming.state, "load_snapshot", real)
    await asyncio.sleep(0.1)
    await client.get("/api/lessons")
    await asyncio.sleep(0.05)
    assert (await client.get("/healthz")).status == 200
    catalog.dispose()


def _packets(data: bytes) -> list[tuple[int, int]]:
    """(PID, continuity counter) of every TS packet that carries a payload."""
    return [
        (((data[i + 1] & 0x1F) << 8) | data[i + 2], data[i + 3] & 0x0F)
        for i in range(0, len(data), 188)
        if data[i + 3] & 0x10
    ]


async def test_an_hour_off_air_plays_as_one_stream(client, site, tmp_path):
    """The whole window of a long gap, fetched as a player would and glued together:
    one discontinuity-free stream, whose clocks and counters never jump."""
    client.clock["now"] = site.now + timedelta(hours=1)
    playlist = m3u8.loads(await (await client.get("/live/al-farabi/360p.m3u8")).text())
    assert len(playlist.segments) >= 18  # 36 s of 1.92 s segments: passes of a 9.6 s loop
    assert not any(s.discontinuity for s in playlist.segments)
    stream = b""
    for segment in playlist.segments:
        response = await client.get(f"/live/al-farabi/{segment.uri}")
        assert response.status == 200
        assert response.headers["Content-Type"] == "video/mp2t"
        assert "immutable" in response.headers["Cache-Control"]
        stream += await response.read()
    following: dict[int, int] = {}
    for pid, counter in _packets(stream):
        if pid in following:
            assert counter == following[pid], f"continuity of PID {pid:#x}"
        following[pid] = (counter + 1) % 16
    (tmp_path / "gap.ts").write_bytes(stream)
    probed = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-show_entries", "packet=stream_index,dts_time"),
            *("-of", "csv=p=0", str(tmp_path / "gap.ts")),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probed.stderr == ""
    times: dict[str, list[float]] = {}
    for line in probed.stdout.split():
        index, dts = line.strip(",").split(",")[:2]
        times.setdefault(index, []).append(float(dts))
    video = times["0"]
    assert {round(b - a, 3) for a, b in itertools.pairwise(video)} == {0.04}
    audio = times["1"]
    steps = [b - a for a, b in itertools.pairwise(audio)]
    # A pass lasts whole AAC frames (9.6 s = 450): passes join frame to frame.
    assert all(abs(step - 1024 / 48000) < 0.0001 for step in steps)
    assert video[-1] - video[0] > 30


@pytest.mark.parametrize(
    "tail",
    [
        "loop/x/360p/seg_00000.ts",
        "loop/1/999p/seg_00000.ts",
        "loop/1/360p/seg_00099.ts",
        "loop/99999999/360p/seg_00000.ts",
        "loop/1/360p/../../package.json",
        "loop/1",
    ],
)
async def test_a_pass_of_the_loop_that_does_not_exist_is_404(client, tail):
    master = m3u8.loads(await (await client.get("/slate/al-farabi/master.m3u8")).text())
    version = master.playlists[0].uri.split("/")[0]
    assert (await client.get(f"/slate/al-farabi/{version}/{tail}")).status == 404


async def test_live_captions_follow_the_channel_and_name_every_cue_once(client, site):
    """The live master lists the captions of the lessons that air; the captions
    playlist is numbered as every rung; a lesson's cue files come through the
    channel with ids prefixed by the airing, the slate's are empty."""
    client.clock["now"] = site.now + timedelta(seconds=13)  # 3 s into the second lesson
    master_text = await (await client.get("/live/al-farabi/master.m3u8")).text()
    master = m3u8.loads(master_text)
    (track,) = [m for m in master.media if m.type == "SUBTITLES"]
    assert (track.language, track.uri) == ("kk", "captions/kk.m3u8")
    assert "public.accessibility.transcribes-spoken-dialog" in track.characteristics
    assert all(p.stream_info.subtitles == "subs" for p in master.playlists)
    video = m3u8.loads(await (await client.get("/live/al-farabi/360p.m3u8")).text())
    response = await client.get("/live/al-farabi/captions/kk.m3u8")
    assert response.status == 200
    captions = m3u8.loads(await response.text())
    assert captions.media_sequence == video.media_sequence
    assert captions.discontinuity_sequence == video.discontinuity_sequence
    assert [s.duration for s in captions.segments] == [s.duration for s in video.segments]
    assert [s.discontinuity for s in captions.segments] == [s.discontinuity for s in video.segments]
    key = "20260901T040030Z-kk-05-math-002"
    lesson = [s.uri for s in captions.segments if key in s.uri]
    assert lesson
    assert all(
        s.uri == "/live/al-farabi/cues/empty.vtt" for s in captions.segments if key not in s.uri
    )
    cues = await client.get(lesson[0])
    assert cues.headers["Content-Type"].startswith("text/vtt")
    assert cues.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    text = await cues.text()
    assert "X-TIMESTAMP-MAP=MPEGTS:" in text
    assert f"{key}-1\n00:00:00.500 --> 00:00:03.000\nТеңдеу деген не?" in text
    assert (await client.get("/live/al-farabi/cues/empty.vtt")).status == 200
    assert (await client.get("/live/al-farabi/captions/fr.m3u8")).status == 404
    bad = lesson[0].replace(key, "20260901T040030Z-nope")
    assert (await client.get(bad)).status == 404
    replay = m3u8.loads(
        await (
            await client.get(f"/live/al-farabi/master.m3u8?utc={int(site.now.timestamp())}")
        ).text()
    )
    assert replay.media[0].uri == f"captions/kk.m3u8?utc={int(site.now.timestamp())}"
    lessons = await (await client.get("/api/lessons?captions=true")).json()
    assert [x["id"] for x in lessons["items"]] == ["kk-05-math-002"]
    uncaptioned = await (await client.get("/api/lessons?captions=false")).json()
    assert "kk-05-math-002" not in [x["id"] for x in uncaptioned["items"]]
    home = await (await client.get("/?captions=true&lang=en")).text()
    assert 'name="captions" value="true" checked' in home
    assert "/lessons/kk-05-math-002" in home
    assert "/lessons/kk-05-math-001?" not in home
    assert lessons["items"][0]["captions"] == ["kk"]
    guide = await (await client.get("/iptv/epg.xml")).text()
    assert guide.count('<subtitles type="teletext"><language>kk</language></subtitles>') == 1


async def test_tv_guide_page_shows_the_day_with_now_and_filters(client, site):
    client.clock["now"] = site.now - timedelta(seconds=16)  # the first lesson is on
    response = await client.get("/guide?lang=en")
    assert response.status == 200
    page = await response.text()
    assert "<h1>TV guide</h1>" in page
    assert "Әл-Фараби" in page
    assert "&lt;/title&gt;&lt;script&gt;" in page  # the title escaped
    assert "<script>alert" not in page
    now_item = re.search(r'<li class="now" aria-current="time"[^>]*>(.*?)</li>', page)
    assert now_item is not None
    assert "kk-05-math-001" in now_item.group(1)
    assert "Watch live" in now_item.group(1)
    assert "Watch from the start" in now_item.group(1)
    assert 'aria-current="date">Today<' in page
    assert page.count('<li class="now"') + page.count('<li style="grid-row:') == 3  # 2 + an hour
    assert "Captions" in page  # the second lesson is captioned
    assert "Sign language" in page
    assert 'href="/guide?day=2026-08-25&amp;lang=en"' in page  # 7 days back
    assert 'href="/guide?day=2026-09-08&amp;lang=en"' in page  # a week ahead
    client.clock["now"] = site.now + timedelta(hours=2)
    later = await (await client.get("/guide?lang=en")).text()
    assert later.count(">Watch again</a>") == 2
    assert 'class="now"' not in later
    grade_1 = await (await client.get("/guide?grade=1&lang=en")).text()
    assert "kk-05-math-001" not in grade_1
    assert "Off air" in grade_1
    audience = await (await client.get("/guide?grade=5&language=kk&lang=kk")).text()
    assert 'href="/calendar/5-kk.ics"' in audience
    assert 'href="/guide?day=2026-09-01&amp;grade=5&amp;language=kk&amp;lang=ru"' in audience
    assert (await client.get("/guide?day=tomorrow")).status == 400
    assert (await client.get("/guide?grade=x")).status == 400
    assert (await client.get("/guide?language=fr")).status == 400
    assert (await client.get("/guide?day=2027-01-01")).status == 404
    other_day = await (await client.get("/guide?day=2026-09-03&lang=ru")).text()
    assert "Нет эфира" in other_day
