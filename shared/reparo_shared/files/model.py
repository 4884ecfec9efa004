"""What the caller keeps about a stored file."""

from pydantic import BaseModel, ConfigDict

from reparo_shared.files.kinds import FileKind


class StoredFile(BaseModel):
    """A stored upload, as the owning service persists it (for example as columns of an
    attachment row). ``key`` names the cleaned original; images have a ``preview_key`` (JPEG, at
    most 1080 px), videos a ``poster_key`` (JPEG). ``sha256`` and ``size`` describe the stored
    bytes, which for images are the re-encoded ones, not the upload."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: FileKind
    content_type: str
    size: int
    sha256: str
    original_name: str
    width: int | None = None
    height: int | None = None
    preview_key: str | None = None
    poster_key: str | None = None

    def storage_keys(self) -> list[str]:
        """Every key this file occupies in storage (to delete them together)."""
        return [k for k in (self.key, self.preview_key, self.poster_key) if k]
