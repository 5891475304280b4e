"""What players and caches see on the wire: CORS, gzip and Brotli, hashed assets, favicon."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from aiohttp.test_utils import make_mocked_request

from streaming.delivery import choose

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


@pytest.mark.parametrize(
    "path",
    [
        "/live/al-farabi/master.m3u8",
        "/live/al-farabi/360p.m3u8",
        "/vod/kk-05-math-001/master.m3u8",
        "/vod/kk-05-math-001/360p/seg_00000.ts",
        "/slate/al-farabi/master.m3u8",
        "/iptv/playlist.m3u",
        "/iptv/epg.xml",
        "/calendar/5-kk.ics",
    ],
)
async def test_every_media_and_playlist_route_allows_other_origins(client, path):
    response = await client.get(path, headers={"Origin": "https://school.example.kz"})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = await client.options(
        path,
        headers={
            "Origin": "https://school.example.kz",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Range" in preflight.headers["Access-Control-Allow-Headers"]
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


async def test_pages_and_the_api_are_not_opened_to_other_origins(client):
    for path in ("/", "/api/lessons"):
        response = await client.get(path)
        assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/live/al-farabi/master.m3u8",
        "/live/al-farabi/360p.m3u8",
        "/vod/kk-05-math-001/master.m3u8",
        "/vod/kk-05-math-001/360p/index.m3u8",
        "/iptv/playlist.m3u",
        "/iptv/epg.xml",
        "/calendar/5-kk.ics",
        "/api/lessons",
        "/",
    ],
)
async def test_text_is_gzipped_for_clients_that_take_it(client, path):
    plain = await client.get(path, headers=PLAIN)
    assert "Content-Encoding" not in plain.headers
    body = await plain.read()
    packed = await client.get(path, headers=GZIP, auto_decompress=False)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(await packed.read()) == body
    refused = await client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    # What browsers send: Brotli, smaller still, for what sabaq holds in memory; gzip
    # for playlists it reads from disk (nginx in front does Brotli for those).
    squeezed = await client.get(
        path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}, auto_decompress=False
    )
    if path.startswith("/vod/"):
        assert squeezed.headers["Content-Encoding"] == "gzip"
    else:
        assert squeezed.headers["Content-Encoding"] == "br"
        assert brotli.decompress(await squeezed.read()) == body


@pytest.mark.parametrize(
    ("header", "coding", "without_brotli"),
    [
        ("gzip, deflate, br, zstd", "br", "gzip"),
        ("br;q=0.5, gzip", "gzip", "gzip"),
        ("br, gzip;q=0", "br", None),
        ("*", "br", "gzip"),
        ("gzip;q=0, *;q=0.3", "br", None),
        ("identity", None, None),
        ("", None, None),
        ("gzip;q=nonsense", None, None),
    ],
)
def test_the_coding_follows_the_clients_preferences(header, coding, without_brotli):
    request = make_mocked_request("GET", "/", headers={"Accept-Encoding": header})
    assert choose(request) == coding
    assert choose(request, available=False) == without_brotli


async def test_segments_and_ranges_are_never_gzipped(client):
    segment = await client.get("/vod/kk-05-math-001/360p/seg_00000.ts", headers=GZIP)
    assert "Content-Encoding" not in segment.headers
    ranged = await client.get(
        "/vod/kk-05-math-001/360p/index.m3u8", headers={**GZIP, "Range": "bytes=0-9"}
    )
    assert ranged.status == 206
    assert "Content-Encoding" not in ranged.headers
    assert len(await ranged.read()) == 10


async def test_pages_link_hashed_assets_cached_for_a_year(client):
    page = await (await client.get("/lessons/kk-05-math-001")).text()
    links = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    names = {link.rsplit("/", 1)[1] for link in links}
    assert {"site.css", "player.js", "hls.min.js", "logo.svg"} <= names
    for link in links:
        assert re.fullmatch(r"/static/[0-9a-f]{12}/[a-z.]+", link), link
        response = await client.get(link, headers=GZIP, auto_decompress=False)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        plain = await client.get(link.replace(link.split("/")[2] + "/", ""), headers=PLAIN)
        original = await plain.read()
        assert gzip.decompress(await response.read()) == original
        best = await client.get(link, headers={"Accept-Encoding": "br"}, auto_decompress=False)
        assert brotli.decompress(await best.read()) == original
        assert "immutable" not in plain.headers["Cache-Control"]  # stable names change
    stale = links[0].replace(links[0].split("/")[2], "0" * 12)
    assert (await client.get(stale)).status == 404


async def test_favicon(client):
    response = await client.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert (await response.read()).lstrip().startswith(b"<")
