"""Processes sabaq starts: server workers, like ffmpeg children, die with their parent.

The helper lives with the ffmpeg runner (transcoder.processes); the server reaches
it here, through the service layer, as it reaches every engine.
"""

from transcoder.processes import die_with_parent

__all__ = ["die_with_parent"]
