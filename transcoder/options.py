"""Options of a transcode, as plain data that can be hashed and stored with a job."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from transcoder.ladder import DEFAULT_LADDER

CORNERS = ("bottom-right", "bottom-left", "top-right", "top-left")
MIN_SIGNER_AREA = 1 / 6


@dataclass(frozen=True)
class TranscodeOptions:
    """How a lesson becomes a package."""

    ladder: tuple[int, ...] = DEFAULT_LADDER
    segment_s: int = 6
    preset: str = "veryfast"
    signer_position: str = "bottom-right"
    signer_scale: float | None = None  # share of the picture height; None: cover 1/6 of the area
    chroma_key: str | None = None
    signer_offset_s: float = 0.0
    allow_short_signer: bool = False
    loop_signer: bool = False  # repeat a short signer clip for the whole lesson
    loudness_lufs: float = -23.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.signer_position not in CORNERS:
            raise ValueError(
                f"signer position {self.signer_position!r} is not one of {', '.join(CORNERS)}"
            )
        if self.segment_s <= 0 or self.segment_s % 2:
            raise ValueError(
                f"segment length {self.segment_s} s is not a positive multiple of the 2 s GOP"
            )
        if self.signer_scale is not None and not 0.05 <= self.signer_scale <= 1:
            raise ValueError(f"signer scale {self.signer_scale} is not between 0.05 and 1")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (stored in package.json and with jobs)."""
        data = asdict(self)
        data["ladder"] = list(self.ladder)
        return data
