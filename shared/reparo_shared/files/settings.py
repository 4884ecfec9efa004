"""File settings from the environment, with defaults that work for local development.

| variable | default | meaning |
|---|---|---|
| ``FILE_STORAGE`` | ``local`` | ``local`` (disk under ``REPARO_DATA_DIR/files``) or ``s3`` |
| ``REPARO_DATA_DIR`` | ``.local/data`` | root of every service's local data |
| ``S3_ENDPOINT_URL`` | none (AWS) | an S3-compatible endpoint, e.g. MinIO |
| ``S3_BUCKET`` | ``reparo-files`` | bucket holding the objects |
| ``S3_ACCESS_KEY_ID`` / ``S3_SECRET_ACCESS_KEY`` | none | credentials (boto3's chain when unset) |
| ``S3_REGION`` | ``us-east-1`` | region name |
| ``FILE_LIMIT_IMAGE_MB`` / ``_VIDEO_MB`` / ``_PDF_MB`` | 20 / 200 / 20 | upload size limits |
| ``FILE_IMAGE_MAX_PIXELS`` | 64000000 | larger images are refused before decoding |
| ``FILE_PREVIEW_MAX_PX`` | 1080 | longest side of image previews and video posters |
| ``FILE_SPOOL_DIR`` | system temp folder | where uploads are spooled while they arrive |
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from reparo_shared.files.kinds import FileKind

MB = 1024 * 1024


@dataclass(frozen=True)
class SizeLimits:
    """Upload size limits in bytes, per kind."""

    image: int = 20 * MB
    video: int = 200 * MB
    pdf: int = 20 * MB

    def for_kind(self, kind: FileKind) -> int:
        return {FileKind.IMAGE: self.image, FileKind.VIDEO: self.video, FileKind.PDF: self.pdf}[
            kind
        ]

    def largest(self, kinds: "set[FileKind] | frozenset[FileKind]") -> int:
        """The most any of ``kinds`` may be: what an upload of unknown kind may reach."""
        return max(self.for_kind(kind) for kind in kinds)


@dataclass(frozen=True)
class ImageOptions:
    """How images are decoded and re-encoded."""

    max_pixels: int = 64_000_000
    preview_max_px: int = 1080
    jpeg_quality: int = 85
    preview_quality: int = 80


class FileSettings(BaseSettings):
    """Environment settings of file handling (see the module docstring for the variables)."""

    model_config = SettingsConfigDict(extra="ignore")

    file_storage: Literal["local", "s3"] = "local"
    reparo_data_dir: Path = Path(".local/data")
    s3_endpoint_url: str | None = None
    s3_bucket: str = "reparo-files"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    file_limit_image_mb: int = 20
    file_limit_video_mb: int = 200
    file_limit_pdf_mb: int = 20
    file_image_max_pixels: int = 64_000_000
    file_preview_max_px: int = 1080
    file_spool_dir: Path | None = None

    @property
    def local_root(self) -> Path:
        return self.reparo_data_dir / "files"

    def size_limits(self) -> SizeLimits:
        return SizeLimits(
            image=self.file_limit_image_mb * MB,
            video=self.file_limit_video_mb * MB,
            pdf=self.file_limit_pdf_mb * MB,
        )

    def image_options(self) -> ImageOptions:
        return ImageOptions(
            max_pixels=self.file_image_max_pixels, preview_max_px=self.file_preview_max_px
        )
