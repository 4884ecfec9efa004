"""One object holding storage, limits and image options, for services that want three calls.

files = FileHandler.from_settings()            # at start-up
stored = await files.accept_raw(request, allowed={FileKind.IMAGE})
return await files.response(request, stored)   # in the download endpoint
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from reparo_shared.files.intake import ALL_KINDS, SpooledUpload
from reparo_shared.files.kinds import FileKind
from reparo_shared.files.model import StoredFile
from reparo_shared.files.multipart import MultipartUpload
from reparo_shared.files.service import delete_stored, store_upload
from reparo_shared.files.settings import FileSettings, ImageOptions, SizeLimits
from reparo_shared.files.storage import FileStorage, storage_from_settings
from reparo_shared.files.web import (
    Variant,
    receive_multipart_upload,
    receive_raw_upload,
    stored_file_response,
)


@dataclass
class FileHandler:
    """Upload intake, storing and download answers with one configuration."""

    storage: FileStorage
    limits: SizeLimits = field(default_factory=SizeLimits)
    image_options: ImageOptions = field(default_factory=ImageOptions)
    spool_dir: Path | None = None

    @classmethod
    def from_settings(cls, settings: FileSettings | None = None) -> "FileHandler":
        settings = settings or FileSettings()
        return cls(
            storage=storage_from_settings(settings),
            limits=settings.size_limits(),
            image_options=settings.image_options(),
            spool_dir=settings.file_spool_dir,
        )

    async def receive_raw(
        self, request: Request, *, allowed: Iterable[FileKind] = ALL_KINDS
    ) -> SpooledUpload:
        return await receive_raw_upload(
            request, allowed=allowed, limits=self.limits, spool_dir=self.spool_dir
        )

    async def receive_multipart(
        self, request: Request, *, allowed: Iterable[FileKind] = ALL_KINDS, field: str = "file"
    ) -> MultipartUpload:
        return await receive_multipart_upload(
            request, field=field, allowed=allowed, limits=self.limits, spool_dir=self.spool_dir
        )

    async def store(self, upload: SpooledUpload) -> StoredFile:
        """Store a spooled upload (cleaning images, posters for videos) and discard the spool."""
        with upload:
            return await store_upload(
                self.storage, upload, options=self.image_options, work_dir=self.spool_dir
            )

    async def accept_raw(
        self, request: Request, *, allowed: Iterable[FileKind] = ALL_KINDS
    ) -> StoredFile:
        """Receive a raw-body upload and store it: the whole upload endpoint in one call."""
        return await self.store(await self.receive_raw(request, allowed=allowed))

    async def accept_multipart(
        self, request: Request, *, allowed: Iterable[FileKind] = ALL_KINDS, field: str = "file"
    ) -> tuple[StoredFile, dict[str, str]]:
        """Receive a multipart upload and store its file; returns it with the text fields."""
        form = await self.receive_multipart(request, allowed=allowed, field=field)
        return await self.store(form.upload), form.fields

    async def response(
        self, request: Request, stored: StoredFile, *, variant: Variant = "original"
    ) -> Response:
        return await stored_file_response(request, self.storage, stored, variant=variant)

    async def delete(self, stored: StoredFile) -> None:
        await anyio.to_thread.run_sync(delete_stored, self.storage, stored)
