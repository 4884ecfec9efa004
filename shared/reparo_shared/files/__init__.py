"""File handling shared by the services: intake with limits, type by content, image cleaning,
storage on disk or S3, and downloads with ranges.

``FileHandler.from_settings()`` bundles everything below for services; the flow underneath, for
an upload endpoint::

    upload = await receive_raw_upload(request, allowed={FileKind.IMAGE})   # or multipart
    with upload:
        stored = await store_upload(storage, upload)                      # StoredFile to persist

and of a download endpoint: ``await stored_file_response(request, storage, stored)``.
"""

from reparo_shared.files.errors import (
    CorruptFile,
    FileRejected,
    FileTooLarge,
    ImageTooLarge,
    MalformedUpload,
    StoredFileMissing,
    UnsupportedFile,
)
from reparo_shared.files.handler import FileHandler
from reparo_shared.files.intake import (
    ALL_KINDS,
    SpooledUpload,
    UploadSpool,
    spool_chunks,
    spool_stream,
)
from reparo_shared.files.kinds import FileFormat, FileKind, sniff
from reparo_shared.files.model import StoredFile
from reparo_shared.files.multipart import MultipartUpload
from reparo_shared.files.names import safe_display_name
from reparo_shared.files.service import delete_stored, store_spooled, store_upload
from reparo_shared.files.settings import FileSettings, ImageOptions, SizeLimits
from reparo_shared.files.storage import (
    FileStorage,
    LocalDiskStorage,
    S3Storage,
    storage_from_settings,
)
from reparo_shared.files.web import (
    content_disposition,
    file_error_response,
    install_file_error_handlers,
    receive_multipart_upload,
    receive_raw_upload,
    receive_upload_file,
    stored_file_response,
)

__all__ = [
    "ALL_KINDS",
    "CorruptFile",
    "FileFormat",
    "FileHandler",
    "FileKind",
    "FileRejected",
    "FileSettings",
    "FileStorage",
    "FileTooLarge",
    "ImageOptions",
    "ImageTooLarge",
    "LocalDiskStorage",
    "MalformedUpload",
    "MultipartUpload",
    "S3Storage",
    "SizeLimits",
    "SpooledUpload",
    "StoredFile",
    "StoredFileMissing",
    "UnsupportedFile",
    "UploadSpool",
    "content_disposition",
    "delete_stored",
    "file_error_response",
    "install_file_error_handlers",
    "receive_multipart_upload",
    "receive_raw_upload",
    "receive_upload_file",
    "safe_display_name",
    "sniff",
    "spool_chunks",
    "spool_stream",
    "storage_from_settings",
    "store_spooled",
    "store_upload",
    "stored_file_response",
]
