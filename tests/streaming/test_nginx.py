"""The sample nginx site (docs/nginx.conf) in front of a real `sabaq serve`: it works as shipped."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import brotli
import m3u8
import pytest

from .conftest import answers, free_port, running_server

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
BROTLI_SNIPPET = SAMPLE.with_name("nginx-brotli.conf")
MAIN = """
load_module {brotli};
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
{user}
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/site.conf;
}}
"""


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def front(site, tmp_path_factory):
    if not Path(NGINX).exists():
        pytest.fail("nginx missing: `make test` installs Debian's nginx")
    if not BROTLI_MODULE.exists():
        pytest.fail("nginx's Brotli module missing: `make test` installs it")
    work = tmp_path_factory.mktemp("nginx")
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
        (work / name).mkdir()
    port = free_port()
    with running_server(site.data_dir) as (base, _process):
        site_conf = (
            SAMPLE.read_text(encoding="utf-8")
            .replace("/srv/sabaq/data", str(site.data_dir))
            .replace("/var/cache/nginx/sabaq-live", str(work / "cache"))
            .replace("server 127.0.0.1:8080;", f"server {base.removeprefix('http://')};")
            .replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace(  # as docs/nginx-brotli.conf says to
                "# include /etc/nginx/snippets/sabaq-brotli.conf;", f"include {BROTLI_SNIPPET};"
            )
        )
        (work / "site.conf").write_text(site_conf, encoding="utf-8")
        user = "user root;" if os.geteuid() == 0 else ""
        (work / "nginx.conf").write_text(
            MAIN.format(work=work, user=user, brotli=BROTLI_MODULE), encoding="utf-8"
        )
        check = subprocess.run(
            [NGINX, "-t", "-p", str(work), "-c", str(work / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")])
        url = f"http://127.0.0.1:{port}"
        assert answers(f"{url}/healthz"), (work / "error.log").read_text(encoding="utf-8")
        try:
            yield url
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def test_segments_come_from_disk_and_are_immutable(front, site):
    status, headers, master = _get(f"{front}/vod/kk-05-math-001/master.m3u8")
    assert (status, headers["Cache-Control"]) == (200, "public, max-age=30")
    version = m3u8.loads(master.decode()).playlists[-1].uri.split("/")[0]  # VERSION/audio/…
    status, headers, body = _get(f"{front}/vod/kk-05-math-001/{version}/360p/seg_00000.ts")
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Type"] == "video/mp2t"
    expected = site.data_dir / "packages" / "kk-05-math-001" / "360p" / "seg_00000.ts"
    assert body == expected.read_bytes()
    status, headers, _ = _get(f"{front}/vod/kk-05-math-001/360p/seg_00000.ts")
    assert (status, headers["Cache-Control"]) == (200, "public, max-age=30")
    key = "20260901T040030Z-kk-05-math-002"
    status, headers, _ = _get(f"{front}/slate/al-farabi/next/{key}/360p/index.m3u8")
    assert (status, headers["Cache-Control"]) == (200, "public, max-age=30")


def test_passes_of_a_slate_loop_come_from_sabaq_and_are_cached(front, site):
    status, _, master = _get(f"{front}/slate/al-farabi/master.m3u8")
    version = m3u8.loads(master.decode()).playlists[0].uri.split("/")[0]
    url = f"{front}/slate/al-farabi/{version}/loop/7/360p/seg_00001.ts"
    status, headers, body = _get(url)
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Type"] == "video/mp2t"
    plain = (site.data_dir / "slates" / "al-farabi" / "360p" / "seg_00001.ts").read_bytes()
    assert len(body) == len(plain)
    assert body != plain  # the same packets, 70 s later on the clock
    again = _get(url)
    assert again[1]["X-Cache"] == "HIT"
    assert again[2] == body


def test_retimed_live_segments_come_from_sabaq_and_are_cached(front):
    playlist = m3u8.loads(_get(f"{front}/live/al-farabi/360p.m3u8")[2].decode())
    url = f"{front}/live/al-farabi/{playlist.segments[-1].uri}"  # 360p/SEQUENCE.ts
    status, headers, body = _get(url)
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Type"] == "video/mp2t"
    again = _get(url)
    assert again[1]["X-Cache"] == "HIT"
    assert again[2] == body


def test_live_playlists_are_cached_until_the_boundary(front):
    first = _get(f"{front}/live/al-farabi/360p.m3u8")
    second = _get(f"{front}/live/al-farabi/360p.m3u8")
    assert first[0] == second[0] == 200
    assert first[2].startswith(b"#EXTM3U")
    assert second[1]["X-Cache"] in ("HIT", "UPDATING")


def _gzipped(url: str, coding: str = "gzip") -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": coding})
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(response.headers), response.read()


@pytest.mark.parametrize(
    "path",
    [
        "/vod/kk-05-math-001/master.m3u8",  # from disk; its index.m3u8 is too short to pack
        "/live/al-farabi/360p.m3u8",
        "/live/al-farabi/master.m3u8",
        "/iptv/epg.xml",
        "/api/lessons",
    ],
)
def test_text_goes_out_gzipped(front, path):
    plain = _get(f"{front}{path}")
    assert "Content-Encoding" not in plain[1]
    headers, body = _gzipped(f"{front}{path}")
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(plain[2][:7])
    if path.startswith(("/vod/", "/live/")):
        assert headers.get("Access-Control-Allow-Origin") == "*", headers
    headers, body = _gzipped(f"{front}{path}", "br")
    assert headers["Content-Encoding"] == "br"
    assert brotli.decompress(body).startswith(plain[2][:7])


def test_api_pages_and_slates_pass_through(front):
    status, headers, _ = _get(f"{front}/api/lessons?limit=1")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert _get(f"{front}/")[0] == 200
    key = "20260901T040030Z-kk-05-math-002"
    assert _get(f"{front}/slate/al-farabi/next/{key}/360p/index.m3u8")[0] == 200
    assert _get(f"{front}/slate/al-farabi/360p/index.m3u8")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/vod/kk-05-math-001/../../sabaq.sqlite3",
        "/vod/kk-05-math-001/..%2f..%2fsabaq.sqlite3",
        "/vod/kk-05-math-001/%2e%2e/%2e%2e/sabaq.sqlite3",
        "/slate/al-farabi/..%2f..%2fsabaq.sqlite3",
        "/vod/.kk-05-math-001.partial-1/360p/index.m3u8",
    ],
)
def test_nothing_outside_the_packages_is_served(front, path):
    status, _, body = _get(front + path)
    assert status in (400, 403, 404)
    assert b"SQLite" not in body


def test_catchup_is_cached_whatever_the_players_clock(front):
    import time

    start = int(time.time()) - 60
    first = _get(f"{front}/live/al-farabi/360p.m3u8?utc={start}&lutc={start + 60}")
    second = _get(f"{front}/live/al-farabi/360p.m3u8?utc={start}&lutc={start + 61}")
    assert first[0] == second[0] == 200
    assert b"#EXT-X-PLAYLIST-TYPE:EVENT" in first[2]
    assert second[1]["X-Cache"] in ("HIT", "UPDATING")
    other = _get(f"{front}/live/al-farabi/360p.m3u8?utc={start - 6}&lutc={start + 61}")
    assert other[1]["X-Cache"] == "MISS"  # another start is another playlist
    assert _get(f"{front}/live/al-farabi/360p.m3u8?utc=soon")[0] == 400


def test_downloads_come_from_disk_in_ranges_saved_by_name(front, site):
    import json

    meta = json.loads((site.data_dir / "packages/kk-05-math-001/package.json").read_text())
    url = f"{front}/vod/kk-05-math-001/{meta['version']}/download.mp4"
    request = urllib.request.Request(url, headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 206
        assert response.headers["Content-Type"] == "video/mp4"
        assert (
            response.headers["Content-Disposition"] == 'attachment; filename="kk-05-math-001.mp4"'
        )
        assert "immutable" in response.headers["Cache-Control"]
        assert len(response.read()) == 100
    _, headers, _ = _get(f"{front}/vod/kk-05-math-001/master.m3u8")
    assert "Content-Disposition" not in headers
