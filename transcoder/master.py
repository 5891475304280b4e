"""The multivariant (master) playlist of a package (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from transcoder.ladder import FPS


@dataclass(frozen=True)
class Variant:
    """A rendition as the master playlist describes it."""

    uri: str
    peak_bps: int
    average_bps: int
    codecs: str
    resolution: tuple[int, int] | None = None  # None for the audio-only rendition


def master_playlist(variants: list[Variant]) -> str:
    """Text of master.m3u8: video rungs first (highest first), audio-only last."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    ordered = sorted(variants, key=lambda v: (v.resolution is None, -v.peak_bps))
    for variant in ordered:
        attributes = [
            f"BANDWIDTH={variant.peak_bps}",
            f"AVERAGE-BANDWIDTH={variant.average_bps}",
        ]
        if variant.resolution is not None:
            attributes.append(f"RESOLUTION={variant.resolution[0]}x{variant.resolution[1]}")
        attributes.append(f'CODECS="{variant.codecs}"')
        if variant.resolution is not None:
            attributes.append(f"FRAME-RATE={FPS:.3f}")
        lines.append("#EXT-X-STREAM-INF:" + ",".join(attributes))
        lines.append(variant.uri)
    return "\n".join(lines) + "\n"
