"""Videos: a poster frame, and the container rewritten without its metadata, through ffmpeg.

Phones write the recording position into MOV/MP4 metadata, so when ffmpeg is installed the video is
remuxed (streams copied, not re-encoded) without global metadata and with the index at the front,
which also lets playback start before the whole file has loaded. Without ffmpeg the video is stored
as uploaded and gets a placeholder poster.

Known shortcoming: without ffmpeg on the machine, location metadata inside videos is kept; the
deployment images install ffmpeg for this reason.
"""

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reparo_shared.files.errors import CorruptFile
from reparo_shared.files.kinds import MOV, FileFormat
from reparo_shared.files.settings import ImageOptions

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class PreparedVideo:
    """The file to store (the remuxed copy, or the upload itself) and its poster, if decoded."""

    path: Path
    poster: bytes | None


def ffmpeg_path() -> str | None:
    """The ffmpeg executable, or None when it is not installed."""
    return shutil.which("ffmpeg")


def prepare_video(
    path: Path, source_format: FileFormat, options: ImageOptions, work_dir: Path
) -> PreparedVideo:
    """Extract a poster and strip metadata with ffmpeg when available.

    With ffmpeg, a video from which no frame can be decoded is refused as ``CorruptFile``.
    The remuxed copy is written into ``work_dir``, which the caller removes.
    """
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        logger.warning("files.video.no_ffmpeg")
        return PreparedVideo(path=path, poster=None)

    poster = _poster(ffmpeg, path, options, work_dir)
    if poster is None:
        raise CorruptFile("The video is damaged or incomplete and could not be played.")
    remuxed = _remux(ffmpeg, path, source_format, work_dir)
    return PreparedVideo(path=remuxed or path, poster=poster)


def _poster(ffmpeg: str, path: Path, options: ImageOptions, work_dir: Path) -> bytes | None:
    target = work_dir / "poster.jpg"
    side = options.preview_max_px
    scale = f"scale='min({side},iw)':'min({side},ih)':force_original_aspect_ratio=decrease"
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-frames:v", "1"]
    command += ["-vf", scale, "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", "-y", str(target)]
    if not _run(command) or not target.exists() or target.stat().st_size == 0:
        return None
    return target.read_bytes()


def _remux(ffmpeg: str, path: Path, source_format: FileFormat, work_dir: Path) -> Path | None:
    container = "mov" if source_format is MOV else "mp4"
    target = work_dir / f"clean.{container}"
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v", "-map", "0:a?"]
    command += ["-c", "copy", "-map_metadata", "-1", "-map_chapters", "-1"]
    command += ["-movflags", "+faststart", "-f", container, "-y", str(target)]
    if not _run(command):
        # The upload decoded (it has a poster) but its streams do not fit a clean container;
        # storing it as uploaded is better than refusing a customer's evidence.
        logger.warning("files.video.remux_failed")
        return None
    return target


def _run(command: list[str]) -> bool:
    try:
        completed = subprocess.run(
            command, capture_output=True, timeout=_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        logger.warning("files.video.ffmpeg_timeout")
        return False
    if completed.returncode != 0:
        logger.info(
            "files.video.ffmpeg_failed",
            extra={"stderr": completed.stderr.decode(errors="replace")[-300:]},
        )
    return completed.returncode == 0


def make_work_dir(spool_dir: Path | None = None) -> Path:
    return Path(tempfile.mkdtemp(prefix="video-", dir=spool_dir))
