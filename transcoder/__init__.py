"""The ffmpeg pipeline: probe, signer overlay, loudness, one-pass HLS ladder, packaging."""

from errors import MediaError
from transcoder.options import TranscodeOptions
from transcoder.package import PackageResult, is_current, source_checksum, transcode
from transcoder.probe import MediaInfo, probe

__all__ = [
    "MediaError",
    "MediaInfo",
    "PackageResult",
    "TranscodeOptions",
    "is_current",
    "probe",
    "source_checksum",
    "transcode",
]
