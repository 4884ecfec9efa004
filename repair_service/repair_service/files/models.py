"""The record of every stored file: what it is and who uploaded it."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class UploadedFile(SQLModel, table=True):
    """A file kept by the file library under ``key`` (random, never the uploaded name)."""

    __tablename__ = "uploaded_file"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=10)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    original_name: str = Field(max_length=255)
    width: int | None = None
    height: int | None = None
    preview_key: str | None = Field(default=None, max_length=300)
    poster_key: str | None = Field(default=None, max_length=300)
    uploader_kind: str = Field(max_length=10)
    uploader_id: str = Field(max_length=50, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
