"""Producer routes: bearer tokens, uploads sniffed and size-limited, jobs queued, publishing."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalog import open_catalog
from catalog.models import JobState, Lesson, ScheduleVersion, TranscodeJob
from catalog.schedules import published_version
from catalog.tokens import create_token, revoke_token
from streaming import create_app
from transcoder.samples import make_lesson

LESSON = "ru-01-math-001"  # in the catalogue, not packaged yet


@pytest.fixture
async def producer(site, tmp_path, aiohttp_client):
    """A private copy of the site (these tests change it), a client and a valid token."""
    data = tmp_path / "site"
    shutil.copytree(site.data_dir, data)
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        token = create_token(session, "studio")
        revoked = create_token(session, "old-studio")
        revoke_token(session, "old-studio")
    app = create_app(catalog, data, clock=lambda: site.now, refresh_s=0, max_upload_bytes=2_000_000)
    client = await aiohttp_client(app)
    client.data_dir, client.catalog, client.site = data, catalog, site
    client.auth = {"Authorization": f"Bearer {token}"}
    client.revoked = {"Authorization": f"Bearer {revoked}"}
    yield client
    catalog.dispose()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_lesson(tmp_path_factory.mktemp("up") / "clip.mp4", "Жүктеу", 2, size="320x180")


def _uploads(client) -> list[str]:
    folder = client.data_dir / "media" / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _state(client) -> tuple[object, int, int]:
    with client.catalog.session() as session:
        lesson = session.get_one(Lesson, LESSON)
        versions = session.scalar(select(func.count()).select_from(ScheduleVersion))
        jobs = session.scalar(select(func.count()).select_from(TranscodeJob))
        return lesson.source, versions, jobs


SCHEDULE = {
    "airings": [
        {
            "lesson": "kk-05-math-002",
            "channel": "al-farabi",
            "start": "2026-09-01T09:10:00+05:00",
            "end": "2026-09-01T09:10:08+05:00",
        }
    ]
}
ACTIONS = [
    ("PUT", f"/api/lessons/{LESSON}/source", {"data": b"\x00" * 10}),
    ("PUT", f"/api/lessons/{LESSON}/signer", {"data": b"\x00" * 10}),
    ("POST", "/api/transcode", {"json": {"all": True}}),
    ("POST", "/api/schedules", {"json": SCHEDULE}),
    ("POST", "/api/schedules/1/publish", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), ACTIONS)
@pytest.mark.parametrize("who", ["none", "wrong", "revoked", "not-bearer"])
async def test_producer_actions_need_a_valid_token(producer, method, path, body, who):
    headers = {
        "none": {},
        "wrong": {"Authorization": "Bearer sabaq_guess"},
        "revoked": producer.revoked,
        "not-bearer": {"Authorization": "Basic c3R1ZGlvOnNlY3JldA=="},
    }[who]
    before = _state(producer)
    response = await producer.request(method, path, headers=headers, **body)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error" in await response.json()
    assert _state(producer) == before
    assert _uploads(producer) == []


async def test_upload_then_queue_a_transcode(producer, clip, caplog):
    caplog.set_level(logging.DEBUG)
    response = await producer.put(
        f"/api/lessons/{LESSON}/source", data=clip.read_bytes(), headers=producer.auth
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert re.fullmatch(rf"media/uploads/{LESSON}-source-[0-9a-f]{{16}}\.mp4", body["path"])
    assert (body["width"], body["height"], body["has_audio"]) == (320, 180, True)
    assert _uploads(producer) == [body["path"].rsplit("/", 1)[1]]
    assert (producer.data_dir / body["path"]).read_bytes() == clip.read_bytes()
    assert _state(producer)[0] == body["path"]
    queued = await producer.post(
        "/api/transcode", json={"lessons": [LESSON]}, headers=producer.auth
    )
    assert queued.status == 202
    assert (await queued.json()) == {"queued": [LESSON]}
    with producer.catalog.session() as session:
        job = session.scalars(select(TranscodeJob).where(TranscodeJob.lesson_id == LESSON)).one()
        assert job.state == JobState.queued
        assert "force" not in job.options
    forced = await producer.post(
        "/api/transcode", json={"lessons": [LESSON], "force": True}, headers=producer.auth
    )
    assert forced.status == 202
    with producer.catalog.session() as session:
        job = session.scalars(select(TranscodeJob).where(TranscodeJob.lesson_id == LESSON)).one()
        assert job.options["force"] is True  # the runner that claims it redoes the package
    token = producer.auth["Authorization"].split()[1]
    assert token not in caplog.text


@pytest.mark.parametrize(
    ("make", "status", "reason"),
    [
        (lambda clip, tmp: b"not a video at all " * 100, 415, "not a readable video"),
        (lambda clip, tmp: clip.read_bytes()[:3000], 415, "upload"),
        (lambda clip, tmp: _audio_only(tmp), 415, "has no video stream"),
        (lambda clip, tmp: b"", 400, "empty upload"),
        (lambda clip, tmp: b"\x00" * 2_000_001, 413, "over the limit"),
        (lambda clip, tmp: _playlist_of(clip, tmp), 415, "accepted container (MP4/MOV"),
        (lambda clip, tmp: _long(tmp), 415, "far more than the lesson's 8 s"),
    ],
    ids=["garbage", "truncated", "audio-only", "empty", "too-large", "hls-playlist", "too-long"],
)
async def test_bad_uploads_are_refused_and_leave_nothing(
    producer, clip, tmp_path, make, status, reason
):
    before = _state(producer)
    response = await producer.put(
        f"/api/lessons/{LESSON}/source", data=make(clip, tmp_path), headers=producer.auth
    )
    assert response.status == status
    message = (await response.json())["error"]
    assert reason in message
    assert str(producer.data_dir) not in message  # no server paths in answers
    assert _uploads(producer) == []
    assert _state(producer) == before


def _playlist_of(clip, tmp) -> bytes:
    """An HLS playlist naming a file on the server's disk: ffprobe's guess would read it
    (and the transcoder publish it) as the lesson."""
    segment = tmp / "secret.ts"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clip), "-c", "copy", "-f", "mpegts", str(segment)],
        check=True,
    )
    text = f"#EXTM3U\n#EXT-X-TARGETDURATION:60000\n#EXTINF:60000,\n{segment}\n#EXT-X-ENDLIST\n"
    (tmp / "lesson.mp4").write_text(text, encoding="utf-8")
    guessed = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", str(tmp / "lesson.mp4")],
        capture_output=True,
        check=False,
    )
    assert guessed.returncode == 0  # what made it dangerous: read without an allow-list
    return text.encode()


def _long(tmp) -> bytes:
    """A valid MP4 of 140 s for a lesson the catalogue says lasts 8 s."""
    target = tmp / "long.mp4"
    picture = ["-f", "lavfi", "-i", "color=size=64x64:rate=5:duration=140"]
    subprocess.run(
        ["ffmpeg", "-v", "error", *picture, "-c:v", "libx264", "-preset", "ultrafast", str(target)],
        check=True,
    )
    return target.read_bytes()


def _audio_only(tmp) -> bytes:
    target = tmp / "tone.m4a"
    tone = ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"]
    subprocess.run(["ffmpeg", "-v", "error", *tone, str(target)], check=True)
    return target.read_bytes()


async def test_upload_for_unknown_lesson_is_404(producer, clip):
    response = await producer.put(
        "/api/lessons/..%2f..%2fetc/source", data=clip.read_bytes(), headers=producer.auth
    )
    assert response.status == 404
    assert _uploads(producer) == []


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("{not json", 400, "not valid JSON"),
        ([], 400, "expected an object"),
        ({"lessons": []}, 400, "lessons:"),
        ({"lessons": ["ghost"]}, 404, "'ghost' not found"),
        ({"lessons": [LESSON]}, 409, "no source media"),
        ({"all": True, "options": {"preset": 5}}, 400, "options.preset"),
        ({"all": True, "options": {"bogus": 1}}, 400, "unknown key 'bogus'"),
        ({"all": True, "options": {"ladder": "720"}}, 400, "options.ladder"),
        ({"all": True, "options": {"signer_position": "middle"}}, 400, "signer position"),
        ({"all": True, "options": {"ladder": [180]}}, 400, "supported heights"),
        ({"all": True, "force": "yes"}, 400, "force: expected true or false"),
    ],
)
async def test_bad_transcode_requests(producer, body, status, reason):
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    before = _state(producer)
    response = await producer.post("/api/transcode", headers=producer.auth, **kwargs)
    assert response.status == status
    assert reason in (await response.json())["error"]
    assert _state(producer) == before


async def test_publish_a_schedule_keeps_what_has_aired(producer):
    site = producer.site
    later = site.now + timedelta(minutes=10)
    document = {
        "timezone": "Asia/Almaty",
        "airings": [
            {
                "lesson": "kk-05-math-002",
                "channel": "al-farabi",
                "start": later.isoformat(),
                "end": (later + timedelta(seconds=8)).isoformat(),
            }
        ],
    }
    response = await producer.post("/api/schedules", json=document, headers=producer.auth)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["published"] is True
    with producer.catalog.session() as session:
        live = published_version(session)
        assert live.id == body["version"]
        assert body["airings"] == len(live.airings) == 2
        starts = [(a.lesson_id, a.start) for a in live.airings]
    # The first lesson started before "now" and is kept; the second moved to later.
    assert starts[0][0] == "kk-05-math-001"
    assert starts[-1] == ("kk-05-math-002", later)
    schedule = await (await producer.get("/api/channels/al-farabi/schedule?date=2026-09-01")).json()
    assert [x["lesson"] for x in schedule] == ["kk-05-math-001", "kk-05-math-002"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"airings": "none"}, "airings"),
        ({"airings": [{**SCHEDULE["airings"][0], "lesson": "ghost"}]}, "ghost"),
        ({**SCHEDULE, "timezone": "Mars/Base"}, "unknown time zone"),
        ({"airings": [{**SCHEDULE["airings"][0], "start": "yesterday"}]}, "start"),
    ],
)
async def test_bad_schedules_are_refused(producer, document, reason):
    before = _state(producer)
    response = await producer.post("/api/schedules", json=document, headers=producer.auth)
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert _state(producer) == before


async def test_publish_an_unknown_version(producer):
    missing = await producer.post("/api/schedules/999/publish", headers=producer.auth)
    assert missing.status == 404
    bad = await producer.post("/api/schedules/abc/publish", headers=producer.auth)
    assert bad.status == 400


async def test_openapi_declares_the_bearer_scheme(producer):
    document = await (await producer.get("/api/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    upload = document["paths"]["/api/lessons/{lesson}/source"]["put"]
    assert upload["security"] == [{"bearer": []}]
    assert {"401", "413", "415"} <= set(upload["responses"])
    assert "security" not in document["paths"]["/api/lessons"]["get"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"airings": [], "timezone": NaN}', "NaN is not a JSON number"),
        (b'{"airings": [], "x": -Infinity}', "-Infinity is not a JSON number"),
        (
            json.dumps(
                {"airings": [{**SCHEDULE["airings"][0], "start": "0001-01-01T00:00:00+05:00"}]}
            ).encode(),
            "airings[0].start: '0001-01-01T00:00:00+05:00' is out of range",
        ),
        (b"\xff\xfe{}", "not valid JSON"),
    ],
    ids=["deep", "nan", "infinity", "year-1", "not-utf8"],
)
async def test_hostile_documents_get_400_json_not_500(producer, body, reason):
    response = await producer.post(
        "/api/schedules",
        data=body,
        headers={**producer.auth, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert response.content_type == "application/json"
    assert reason in (await response.json())["error"]


async def test_an_unexpected_failure_is_a_json_500_without_a_trace_in_the_answer(
    producer, monkeypatch
):
    import streaming.producer

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug, with /srv/secret/path in its message")

    monkeypatch.setattr(streaming.producer, "publish_schedule", broken)
    response = await producer.post("/api/schedules", json=SCHEDULE, headers=producer.auth)
    assert response.status == 500
    body = await response.json()
    assert body["error"].startswith("internal error")
    assert "secret" not in json.dumps(body)


async def test_captions_put_reach_the_package_and_bad_ones_name_their_line(producer):
    url = "/api/lessons/kk-05-math-001/captions/ru"
    srt = "1\n00:00:01,000 --> 00:00:03,000\nПривет, <b>ребята</b>!\n".encode()
    assert (await producer.put(url, data=srt)).status == 401  # a producer action
    bad = await producer.put(
        url,
        data=b"1\n00:00:01,000 --> 00:00:03,000\nok\n\n2\n00:00:05 --> 00:00:06,000\nx\n",
        headers=producer.auth,
    )
    assert bad.status == 400
    assert "body line 6: malformed timing" in (await bad.json())["error"]
    late = await producer.put(
        url, data=b"1\n01:00:00,000 --> 01:00:01,000\nx\n", headers=producer.auth
    )
    assert late.status == 400
    assert "after the lesson's end" in (await late.json())["error"]
    unknown = await producer.put("/api/lessons/nope/captions/ru", data=srt, headers=producer.auth)
    assert unknown.status == 404
    wrong = await producer.put(
        "/api/lessons/kk-05-math-001/captions/fr", data=srt, headers=producer.auth
    )
    assert wrong.status == 400
    before = (await (await producer.get("/api/lessons/kk-05-math-001")).json())["hls_url"]
    assert before is not None
    done = await producer.put(url, data=srt, headers=producer.auth)
    assert done.status == 200, await done.text()
    body = await done.json()
    assert (body["language"], body["cues"]) == ("ru", 1)
    assert re.fullmatch(r"media/captions/kk-05-math-001\.ru\.[0-9a-f]{12}\.vtt", body["path"])
    lesson = await (await producer.get("/api/lessons/kk-05-math-001")).json()
    assert lesson["captions"] == ["ru"]
    assert body["version"] in lesson["download_url"]  # the new version is served
    master = await (await producer.get("/vod/kk-05-math-001/master.m3u8")).text()
    assert 'LANGUAGE="ru"' in master
    with producer.catalog.session() as session:
        stored = session.get_one(Lesson, "kk-05-math-001").captions
    assert stored == {"ru": body["path"]}
    kept = (producer.data_dir / stored["ru"]).read_text(encoding="utf-8")
    assert kept.startswith("WEBVTT")
    assert "<b>ребята</b>" in kept
    too_big = await producer.put(url, data=b"x" * (5 * 1024**2 + 1), headers=producer.auth)
    assert too_big.status == 413
