"""Channel logos: a PNG per channel, linked from the M3U list and the XMLTV guide."""

from __future__ import annotations

import struct
import subprocess
import xml.etree.ElementTree as ET

from transcoder.logo import PALETTE, channel_colour, lines_of, render_logo


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_every_channel_has_a_png_logo_in_the_m3u_and_the_guide(client):
    m3u = await (await client.get("/iptv/playlist.m3u")).text()
    logo = next(part for part in m3u.split() if part.startswith("tvg-logo="))
    url = logo.split('"')[1]
    assert url.endswith("/logos/al-farabi.png")
    guide = ET.fromstring(await (await client.get("/iptv/epg.xml")).read())
    icons = [icon.get("src") for icon in guide.iter("icon")]
    assert icons == [url]
    response = await client.get("/logos/al-farabi.png")
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/png"
    assert png_size(await response.read()) == (256, 256)
    assert (await client.get("/logos/nope.png")).status == 404


def test_a_logo_is_the_name_on_the_channel_colour(tmp_path):
    colour = channel_colour("el-arna")
    assert colour in PALETTE
    assert colour == channel_colour("el-arna")
    target = render_logo(tmp_path / "logo.png", "Ел Арна: \"'%{}\\ бала", colour)
    assert png_size(target.read_bytes()) == (256, 256)
    corner = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(target),
            "-vf",
            "crop=1:1:0:0",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    want = bytes.fromhex(colour)  # the background is the channel's colour (via YUV)
    assert all(abs(a - b) <= 4 for a, b in zip(corner, want, strict=True)), corner.hex()
    assert lines_of("Әл-Фараби") == ["Әл-Фараби"]
    assert lines_of("Балапан Білім Арнасы") == ["Балапан", "Білім", "Арнасы"]
