"""Local media answers Range requests, so phones can seek in videos and downloads can resume."""

from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from reparo_cms.media import ByteRange, RangeNotSatisfiable, requested_range

CONTENT = bytes(range(256)) * 40  # 10,240 bytes, every offset recognisable


@pytest.fixture
def clip(settings: Any) -> bytes:
    folder = Path(settings.MEDIA_ROOT) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clip.mp4").write_bytes(CONTENT)
    return CONTENT


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-10", ByteRange(990, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=900-5000", ByteRange(900, 999)),
        (None, None),
        ("bytes=0-1,5-6", None),
        ("items=0-5", None),
        ("bytes=9-3", None),
        ("bytes=x-3", None),
        ("bytes=-", None),
    ],
)
def test_range_header_is_read_as_http_says(header: str | None, expected: ByteRange | None) -> None:
    assert requested_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=-0", "bytes=5000-6000"])
def test_range_past_the_end_cannot_be_satisfied(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        requested_range(header, 1000)


def test_whole_file_says_it_accepts_ranges(client: Client, clip: bytes) -> None:
    response = client.get("/cms/media/documents/clip.mp4")

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(clip))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == clip


def test_player_seeking_gets_206_with_just_those_bytes(client: Client, clip: bytes) -> None:
    response = client.get("/cms/media/documents/clip.mp4", HTTP_RANGE="bytes=1000-1999")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(clip)}"
    assert response["Content-Length"] == "1000"
    assert body(response) == clip[1000:2000]


def test_resumed_download_gets_the_rest_of_the_file(client: Client, clip: bytes) -> None:
    response = client.get("/cms/media/documents/clip.mp4", HTTP_RANGE="bytes=4096-")

    assert response.status_code == 206
    assert body(response) == clip[4096:]


def test_range_past_the_end_is_416_with_the_size(client: Client, clip: bytes) -> None:
    response = client.get("/cms/media/documents/clip.mp4", HTTP_RANGE="bytes=20000-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(clip)}"


def test_range_of_a_changed_file_sends_the_whole_new_file(client: Client, clip: bytes) -> None:
    response = client.get(
        "/cms/media/documents/clip.mp4", HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE='"stale"'
    )

    assert response.status_code == 200
    assert body(response) == clip


def test_range_with_current_validator_is_honoured(client: Client, clip: bytes) -> None:
    etag = client.get("/cms/media/documents/clip.mp4")["ETag"]

    response = client.get(
        "/cms/media/documents/clip.mp4", HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=etag
    )

    assert response.status_code == 206
    assert body(response) == clip[10:20]


def test_unchanged_file_is_not_sent_again(client: Client, clip: bytes) -> None:
    etag = client.get("/cms/media/documents/clip.mp4")["ETag"]

    response = client.get("/cms/media/documents/clip.mp4", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304


def test_head_tells_the_size_without_a_body(client: Client, clip: bytes) -> None:
    response = client.head("/cms/media/documents/clip.mp4", HTTP_RANGE="bytes=0-9")

    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response.content == b""


@pytest.mark.django_db  # a 404 asks Wagtail's redirects whether the path moved
@pytest.mark.parametrize(
    "path", ["documents/missing.mp4", "documents/", "../settings.py", "documents/../../x"]
)
def test_missing_or_escaping_paths_are_404(client: Client, clip: bytes, path: str) -> None:
    assert client.get(f"/cms/media/{path}").status_code == 404


def test_media_is_read_only(client: Client, clip: bytes) -> None:
    assert client.post("/cms/media/documents/clip.mp4").status_code == 405


def test_under_asgi_the_range_streams_asynchronously(clip: bytes) -> None:
    async def fetch() -> tuple[Any, bytes]:
        response = await AsyncClient().get(
            "/cms/media/documents/clip.mp4", headers={"Range": "bytes=5-9"}
        )
        return response, b"".join([chunk async for chunk in response.streaming_content])

    response, content = async_to_sync(fetch)()

    assert response.status_code == 206
    assert response.is_async
    assert content == clip[5:10]
