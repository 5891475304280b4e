"""Options of a transcode, as plain data that can be hashed and stored with a job."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from errors import BadInput
from transcoder.ladder import DEFAULT_LADDER, SUPPORTED_HEIGHTS

_TYPES: dict[str, tuple[type, ...]] = {
    "segment_s": (int,),
    "preset": (str,),
    "signer_position": (str,),
    "signer_scale": (int, float, type(None)),
    "chroma_key": (str, type(None)),
    "signer_offset_s": (int, float),
    "allow_short_signer": (bool,),
    "loop_signer": (bool,),
    "loudness_lufs": (int, float),
    "download": (bool,),
    "extra": (dict,),
}
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
    download: bool = True  # a progressive MP4 for offline viewing (slates: none)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [h for h in self.ladder if h not in SUPPORTED_HEIGHTS]
        if not self.ladder or unknown:
            known = ", ".join(str(h) for h in SUPPORTED_HEIGHTS)
            raise BadInput(f"ladder: {unknown or 'nothing'} given; supported heights: {known}")
        if self.signer_position not in CORNERS:
            raise BadInput(
                f"signer position {self.signer_position!r} is not one of {', '.join(CORNERS)}"
            )
        if self.segment_s <= 0 or self.segment_s % 2:
            raise BadInput(
                f"segment length {self.segment_s} s is not a positive multiple of the 2 s GOP"
            )
        if self.signer_scale is not None and not 0.05 <= self.signer_scale <= 1:
            raise BadInput(f"signer scale {self.signer_scale} is not between 0.05 and 1")

    @classmethod
    def from_json(cls, data: Any) -> TranscodeOptions:
        """Options from `to_json`'s mapping (or a part of it); BadInput names a bad key."""
        if not isinstance(data, dict):
            raise BadInput("options: expected an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise BadInput(f"options: unknown key {unknown[0]!r}")
        values = dict(data)
        for key, value in values.items():
            want = _TYPES.get(key)
            if want is not None and (
                not isinstance(value, want) or (isinstance(value, bool) and bool not in want)
            ):
                raise BadInput(f"options.{key}: {value!r} has the wrong type")
        if "ladder" in values:
            ladder = values["ladder"]
            if not isinstance(ladder, list | tuple) or not all(
                isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in ladder
            ):
                raise BadInput("options.ladder: expected a list of picture heights")
            values["ladder"] = tuple(ladder)
        try:
            return cls(**values)
        except TypeError as exc:
            raise BadInput(f"options: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (stored in package.json and with jobs)."""
        data = asdict(self)
        data["ladder"] = list(self.ladder)
        return data
