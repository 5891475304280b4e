"""Absolute links behind proxies: --public-url, trusted forwarding headers, Host checked."""

from __future__ import annotations

import ipaddress

import icalendar
import pytest

from catalog import open_catalog
from errors import BadInput
from streaming import create_app
from streaming.origin import Origin, networks, public_url

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tv.example.kz"}


def test_public_url_is_checked_and_normalised():
    assert public_url("https://tv.example.kz/") == "https://tv.example.kz"
    assert public_url("https://example.kz/tv/") == "https://example.kz/tv"
    assert public_url("http://[::1]:8080") == "http://[::1]:8080"
    for bad in ("ftp://tv.example.kz", "tv.example.kz", 'https://tv".kz', "https://x.kz/?a=1"):
        with pytest.raises(BadInput, match="public URL"):
            public_url(bad)


def test_forwarding_headers_count_only_from_trusted_proxies():
    origin = Origin(trusted=networks(["10.0.0.0/8", "::1"]))
    assert origin.base_url("http", "10.1.1.1:8080", "10.2.3.4", FORWARDED) == (
        "https://tv.example.kz"
    )
    assert origin.base_url("http", "10.1.1.1:8080", "::1", FORWARDED) == "https://tv.example.kz"
    assert origin.base_url("http", "sabaq:8080", "192.0.2.7", FORWARDED) == "http://sabaq:8080"
    spoofed = {"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "a.kz, evil.kz"}
    assert origin.base_url("http", "h", "10.0.0.1", spoofed) == "http://a.kz"
    fixed = Origin("https://tv.example.kz", origin.trusted)
    assert fixed.base_url("http", 'bad"host', "192.0.2.7", {}) == "https://tv.example.kz"
    with pytest.raises(BadInput, match="trusted proxy"):
        networks(["10.0.0.300"])
    assert networks(["10.0.0.5"]) == (ipaddress.ip_network("10.0.0.5/32"),)


@pytest.mark.parametrize("host", ['tv.kz" tvg-logo="x', "a b", "tv.kz/evil", "", "x" * 300])
def test_a_forged_host_is_refused(host):
    with pytest.raises(BadInput, match="Host"):
        Origin().base_url("http", host, "192.0.2.7", {})


@pytest.fixture
async def behind_proxy(site, aiohttp_client):
    catalog = open_catalog(site.url)
    clients = {}
    for name, origin in {
        "public": Origin("https://tv.example.kz"),
        "trusting": Origin(trusted=networks(["127.0.0.1"])),
        "plain": Origin(),
    }.items():
        clients[name] = await aiohttp_client(create_app(catalog, site.data_dir, origin=origin))
    yield clients
    catalog.dispose()


async def test_m3u_guide_and_calendars_use_the_public_url(behind_proxy):
    public = behind_proxy["public"]
    playlist = await (await public.get("/iptv/playlist.m3u")).text()
    assert "https://tv.example.kz/live/al-farabi/master.m3u8" in playlist
    assert "http://" not in playlist
    guide = await (await public.get("/iptv/epg.xml")).text()
    assert "https://tv.example.kz/" in guide
    assert "http://127.0.0.1" not in guide
    calendar = icalendar.Calendar.from_ical(await (await public.get("/calendar/5-kk.ics")).read())
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["uid"]).endswith("@tv.example.kz")
    assert "https://tv.example.kz/lessons/" in str(event["description"])


async def test_forwarded_headers_from_a_trusted_proxy(behind_proxy):
    trusted = await behind_proxy["trusting"].get("/iptv/playlist.m3u", headers=FORWARDED)
    assert "https://tv.example.kz/live/" in await trusted.text()
    ignored = await behind_proxy["plain"].get("/iptv/playlist.m3u", headers=FORWARDED)
    text = await ignored.text()
    assert "tv.example.kz" not in text
    assert "http://127.0.0.1:" in text


async def test_a_forged_host_header_gets_400_not_a_broken_list(behind_proxy):
    response = await behind_proxy["plain"].get(
        "/iptv/playlist.m3u", headers={"Host": 'tv.kz" tvg-logo="http://evil'}
    )
    assert response.status == 400
    assert "is not a host name" in (await response.json())["error"]
