"""Media on local disk and in an S3-compatible bucket: same addresses, ranges, safe downloads.

The bucket is moto's S3 server on a loopback port, started by these tests; the cms talks to it
through django-storages exactly as it talks to MinIO or AWS in production.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import AsyncClient, Client
from moto.server import ThreadedMotoServer

from reparo_cms.content.demo import demo_image
from reparo_cms.content.models import ContentDocument, SoftwarePage, SoftwareVersion
from reparo_shared.testing import free_port

CMS_ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = bytes(range(256)) * 40  # 10,240 bytes, every offset recognisable


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto accepts any key; nothing secret here
    )


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> str:
    """A fresh bucket, configured as the cms's media storage for this test."""
    name = f"reparo-cms-{uuid.uuid4().hex[:10]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "reparo_cms.media.MediaS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    return name


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on local disk and once against the bucket."""
    if request.param == "s3":
        request.getfixturevalue("bucket")
    return str(request.param)


def stored_object(s3_endpoint: str, bucket: str, key: str) -> dict[str, Any]:
    found: dict[str, Any] = s3_client(s3_endpoint).get_object(Bucket=bucket, Key=key)
    found["Data"] = found.pop("Body").read()
    return found


def firmware_document(name: str = "fw.bin", content: bytes = FIRMWARE) -> ContentDocument:
    return ContentDocument.objects.create(title=name, file=ContentFile(content, name=name))


# --- the address and the answer are the same on both storages -----------------------------------


@pytest.mark.django_db
def test_a_download_keeps_its_media_address_and_resumes_from_a_byte_range(
    storage_kind: str, client: Client
) -> None:
    document = firmware_document()
    url = document.url

    whole = client.get(url)
    resumed = client.get(url, HTTP_RANGE="bytes=4096-")
    middle = client.get(url, HTTP_RANGE="bytes=10-19")

    assert url.startswith("/cms/media/documents/fw")
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == FIRMWARE
    assert whole["Content-Length"] == str(len(FIRMWARE))
    assert whole["Accept-Ranges"] == "bytes"
    assert resumed.status_code == 206
    assert resumed["Content-Range"] == f"bytes 4096-{len(FIRMWARE) - 1}/{len(FIRMWARE)}"
    assert b"".join(resumed.streaming_content) == FIRMWARE[4096:]
    assert b"".join(middle.streaming_content) == FIRMWARE[10:20]


@pytest.mark.django_db
def test_software_goes_out_as_an_attachment_that_no_browser_sniffs(
    storage_kind: str, client: Client
) -> None:
    response = client.get(firmware_document("控制器固件.bin").url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E6%8E%A7" in response["Content-Disposition"]


@pytest.mark.django_db
def test_videos_and_manuals_play_and_open_in_place(storage_kind: str, client: Client) -> None:
    video = client.get(firmware_document("clip.mp4", b"\0\0\0 ftypisom" * 10).url)
    manual = client.get(firmware_document("manual.pdf", b"%PDF-1.4\n%%EOF\n").url)

    assert video["Content-Type"] == "video/mp4"
    assert manual["Content-Type"] == "application/pdf"
    assert "Content-Disposition" not in video
    assert "Content-Disposition" not in manual


@pytest.mark.django_db
def test_a_range_beyond_the_end_is_refused_and_a_head_sends_no_body(
    storage_kind: str, client: Client
) -> None:
    url = firmware_document().url

    beyond = client.get(url, HTTP_RANGE=f"bytes={len(FIRMWARE)}-")
    head = client.head(url)

    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(FIRMWARE)}"
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(FIRMWARE))
    assert head.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["documents/missing.bin", "../settings.py", "documents/../../x", "documents/"]
)
def test_missing_files_and_paths_outside_the_media_are_not_found(
    storage_kind: str, client: Client, path: str
) -> None:
    firmware_document()

    response = client.get(f"/cms/media/{path}")

    assert response.status_code == 404


@pytest.mark.django_db
def test_writes_are_not_accepted_on_media_addresses(storage_kind: str, client: Client) -> None:
    url = firmware_document().url

    assert client.post(url, data=b"x", content_type="application/octet-stream").status_code == 405
    assert client.delete(url).status_code == 405


@pytest.mark.django_db
def test_under_asgi_a_download_streams_chunk_by_chunk(storage_kind: str) -> None:
    import asyncio

    big = os.urandom(700 * 1024)
    url = firmware_document("big.bin", big).url

    async def fetch() -> tuple[int, list[bytes]]:
        response = await AsyncClient().get(url, headers={"Range": "bytes=1000-"})
        return response.status_code, [chunk async for chunk in response.streaming_content]

    status, chunks = asyncio.run(fetch())

    assert status == 206
    assert len(chunks) > 1  # handed over in pieces, never as one body in memory
    assert b"".join(chunks) == big[1000:]


# --- the bucket ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_documents_are_stored_in_the_bucket_with_their_download_headers(
    bucket: str, s3_endpoint: str
) -> None:
    document = firmware_document("setup.bin")
    manual = firmware_document("manual.pdf", b"%PDF-1.4\n%%EOF\n")

    stored = stored_object(s3_endpoint, bucket, document.file.name)
    stored_manual = stored_object(s3_endpoint, bucket, manual.file.name)

    assert document.file.name.startswith("documents/setup")
    assert stored["Data"] == FIRMWARE
    # nginx answers /cms/media/ from the bucket, so the object itself carries the header.
    assert stored["ContentDisposition"].startswith("attachment;")
    assert stored_manual["ContentType"] == "application/pdf"
    assert "ContentDisposition" not in stored_manual


@pytest.mark.django_db
def test_a_second_upload_of_the_same_name_never_replaces_the_first(bucket: str) -> None:
    first = firmware_document("fw.bin", b"first")
    second = firmware_document("fw.bin", b"second")

    assert first.file.name != second.file.name
    assert default_storage.open(first.file.name).read() == b"first"


@pytest.mark.django_db
def test_images_and_their_renditions_are_stored_in_the_bucket(
    bucket: str, s3_endpoint: str, client: Client
) -> None:
    image = demo_image("cover", (200, 30, 30))
    rendition = image.get_rendition("width-360")

    keys = {
        entry["Key"]
        for entry in s3_client(s3_endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])
    }
    served = client.get(rendition.url)

    assert image.file.name in keys
    assert rendition.file.name in keys
    assert rendition.url.startswith("/cms/media/images/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_software_in_the_bucket_gets_its_size_and_checksum_from_the_stored_file(
    bucket: str, software: SoftwarePage, make_document: Callable[..., ContentDocument]
) -> None:
    version = SoftwareVersion(
        page=software,
        version="3.0.0",
        released_on=software.versions.first().released_on,
        file=make_document("fw-3.bin", FIRMWARE),
    )
    version.full_clean()
    version.save()

    assert version.size_bytes == len(FIRMWARE)
    assert version.sha256 == hashlib.sha256(FIRMWARE).hexdigest()


@pytest.mark.django_db
def test_a_page_stored_in_the_bucket_is_refused_as_a_software_file(
    bucket: str, software: SoftwarePage
) -> None:
    # Stored without the upload form's check, as an import or an old upload might have been.
    page = firmware_document("update.bin", b"<!DOCTYPE html><html>phish</html>" + FIRMWARE)
    version = SoftwareVersion(
        page=software, version="9.9", released_on=software.versions.first().released_on, file=page
    )

    with pytest.raises(ValidationError) as refused:
        version.full_clean()

    assert "file" in refused.value.message_dict


# --- configured by the environment --------------------------------------------------------------

STORE_ONE_DOCUMENT = """
import json
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
name = default_storage.save("documents/env.bin", ContentFile(b"from the environment"))
print(json.dumps({"backend": type(default_storage._wrapped).__name__, "name": name,
                  "url": default_storage.url(name)}))
"""


def test_the_bucket_is_chosen_by_environment_variables(s3_endpoint: str, tmp_path: Path) -> None:
    bucket = f"reparo-cms-{uuid.uuid4().hex[:10]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reparo_cms.settings",
        "REPARO_DATA_DIR": str(tmp_path),
        "CMS_SECRET_KEY": "test-only",
        "CMS_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "CMS_S3_BUCKET": bucket,
        "CMS_S3_ENDPOINT_URL": s3_endpoint,
        "CMS_S3_REGION": "us-east-1",
        "CMS_S3_ACCESS_KEY_ID": "testing",
        "CMS_S3_SECRET_ACCESS_KEY": "testing",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", STORE_ONE_DOCUMENT],
        cwd=CMS_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "MediaS3Storage"
    assert report["url"] == f"/cms/media/{report['name']}"
    assert stored_object(s3_endpoint, bucket, report["name"])["Data"] == b"from the environment"
