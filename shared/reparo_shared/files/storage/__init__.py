"""Storage backends for stored files, and the factory that picks one from the settings."""

import boto3

from reparo_shared.files.settings import FileSettings
from reparo_shared.files.storage.base import FileStorage, is_valid_key, iter_file, new_key
from reparo_shared.files.storage.local import LocalDiskStorage
from reparo_shared.files.storage.s3 import S3Storage


def storage_from_settings(settings: FileSettings | None = None) -> FileStorage:
    """The storage named by ``FILE_STORAGE`` (``local`` by default, or ``s3``)."""
    settings = settings or FileSettings()
    if settings.file_storage == "local":
        return LocalDiskStorage(settings.local_root)

    secret = settings.s3_secret_access_key
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
    )
    return S3Storage(client, settings.s3_bucket)


__all__ = [
    "FileStorage",
    "LocalDiskStorage",
    "S3Storage",
    "is_valid_key",
    "iter_file",
    "new_key",
    "storage_from_settings",
]
