import io
import socket
import threading
import time
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from PIL import Image

from reparo_shared.files import (
    FileKind,
    SizeLimits,
    StoredFile,
    install_file_error_handlers,
    receive_multipart_upload,
    receive_raw_upload,
    store_upload,
    stored_file_response,
)

from .conftest import GPS_IFD, free_port

pytestmark = pytest.mark.anyio

KB = 1024
LIMITS = SizeLimits(image=200 * KB, video=400 * KB, pdf=100 * KB)


def build_app(storage, spool_dir) -> FastAPI:
    """A service with the three endpoints the repair service will have, wired the same way."""
    app = FastAPI()
    install_file_error_handlers(app)
    app.state.files = {}

    def keep(stored: StoredFile) -> dict[str, object]:
        number = str(len(app.state.files) + 1)
        app.state.files[number] = stored
        return {"id": number, **stored.model_dump(mode="json")}

    @app.put("/photos")
    async def upload_photo(request: Request) -> dict[str, object]:
        upload = await receive_raw_upload(
            request, allowed={FileKind.IMAGE}, limits=LIMITS, spool_dir=spool_dir
        )
        with upload:
            return keep(await store_upload(storage, upload, work_dir=spool_dir))

    @app.post("/attachments")
    async def upload_attachment(request: Request) -> dict[str, object]:
        form = await receive_multipart_upload(request, limits=LIMITS, spool_dir=spool_dir)
        with form.upload:
            stored = await store_upload(storage, form.upload, work_dir=spool_dir)
        return {**keep(stored), "fields": form.fields}

    @app.api_route("/files/{number}", methods=["GET", "HEAD"])
    async def download(request: Request, number: str, variant: str = "original"):
        stored = app.state.files[number]
        return await stored_file_response(request, storage, stored, variant=variant)  # type: ignore[arg-type]

    return app


@pytest.fixture
def app(storage, tmp_path):
    return build_app(storage, tmp_path)


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://files.test") as client:
        yield client


class CountingBody:
    """An async request body that records how much of it the server pulled."""

    def __init__(self, head: bytes, total: int, chunk: int = 16 * KB) -> None:
        self.head, self.total, self.chunk, self.taken = head, total, chunk, 0

    async def __aiter__(self):
        data = self.head + b"\x00" * (self.total - len(self.head))
        for start in range(0, len(data), self.chunk):
            self.taken += min(self.chunk, len(data) - start)
            yield data[start : start + self.chunk]


def multipart_start(name: str, boundary: str = "reparo-boundary") -> tuple[dict, bytes]:
    """Headers and the body up to the file's first byte: a comment field, then the file part."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\n屏幕裂了\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, head


def multipart(name: str, data: bytes, boundary: str = "reparo-boundary") -> tuple[dict, bytes]:
    headers, head = multipart_start(name, boundary)
    return headers, head + data + f"\r\n--{boundary}--\r\n".encode()


async def test_customer_uploads_raw_photo_and_downloads_it_inline(client, sideways_jpeg):
    response = await client.put(
        "/photos",
        content=sideways_jpeg,
        headers={"Content-Type": "application/octet-stream", "X-File-Name": quote("屏幕 照片.jpg")},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["original_name"] == "屏幕 照片.jpg"
    assert (body["width"], body["height"]) == (100, 200)

    download = await client.get(f"/files/{body['id']}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["accept-ranges"] == "bytes"
    assert download.headers["content-disposition"].startswith("inline;")
    assert quote("屏幕 照片.jpg") in download.headers["content-disposition"]
    assert int(download.headers["content-length"]) == body["size"] == len(download.content)


async def test_no_stored_image_or_preview_carries_gps(client, sideways_jpeg, sideways_heic):
    for data in (sideways_jpeg, sideways_heic):
        uploaded = (await client.put("/photos", content=data)).json()
        for variant in ("original", "preview"):
            download = await client.get(f"/files/{uploaded['id']}", params={"variant": variant})
            with Image.open(io.BytesIO(download.content)) as image:
                assert image.getexif().get_ifd(GPS_IFD) == {}
                assert image.size[0] < image.size[1]  # upright portrait


async def test_customer_uploads_pdf_as_multipart_and_gets_an_attachment(client, small_pdf):
    headers, body = multipart("电子发票 2026.pdf", small_pdf)

    response = await client.post("/attachments", content=body, headers=headers)

    assert response.status_code == 200, response.text
    uploaded = response.json()
    assert uploaded["fields"] == {"comment": "屏幕裂了"}
    assert uploaded["content_type"] == "application/pdf"
    download = await client.get(f"/files/{uploaded['id']}")
    assert download.content == small_pdf
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"2026.pdf\"; filename*=UTF-8''"
        "%E7%94%B5%E5%AD%90%E5%8F%91%E7%A5%A8%202026.pdf"
    )


async def test_player_gets_partial_content_for_a_range(client, small_pdf):
    headers, body = multipart("a.pdf", small_pdf)
    number = (await client.post("/attachments", content=body, headers=headers)).json()["id"]
    size = len(small_pdf)

    first = await client.get(f"/files/{number}", headers={"Range": "bytes=0-9"})
    last = await client.get(f"/files/{number}", headers={"Range": "bytes=-6"})

    assert first.status_code == 206
    assert first.content == small_pdf[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{size}"
    assert first.headers["content-length"] == "10"
    assert last.status_code == 206
    assert last.content == small_pdf[-6:]
    assert last.headers["content-range"] == f"bytes {size - 6}-{size - 1}/{size}"


async def test_range_beyond_the_end_is_answered_416(client, small_pdf):
    headers, body = multipart("a.pdf", small_pdf)
    number = (await client.post("/attachments", content=body, headers=headers)).json()["id"]

    response = await client.get(f"/files/{number}", headers={"Range": "bytes=5000-"})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(small_pdf)}"


async def test_stale_if_range_gets_the_whole_file(client, small_pdf):
    headers, body = multipart("a.pdf", small_pdf)
    number = (await client.post("/attachments", content=body, headers=headers)).json()["id"]

    response = await client.get(
        f"/files/{number}", headers={"Range": "bytes=0-9", "If-Range": '"old-version"'}
    )
    head = await client.head(f"/files/{number}")

    assert response.status_code == 200
    assert response.content == small_pdf
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(small_pdf))
    assert head.content == b""


async def test_renamed_executable_is_refused_with_415(client, fake_exe):
    response = await client.put("/photos", content=fake_exe, headers={"X-File-Name": "photo.jpg"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file"
    assert "Accepted: photos" in response.json()["detail"]


async def test_html_page_sent_as_pdf_is_refused_with_415(client, html_page):
    headers, body = multipart("invoice.pdf", html_page)

    response = await client.post("/attachments", content=body, headers=headers)

    assert response.status_code == 415


async def test_truncated_photo_and_bomb_are_refused_with_422(client, truncated_jpeg, png_bomb):
    truncated = await client.put("/photos", content=truncated_jpeg)
    bomb = await client.put("/photos", content=png_bomb)

    assert truncated.status_code == 422
    assert truncated.json()["code"] == "corrupt_file"
    assert bomb.status_code == 422
    assert bomb.json()["code"] == "image_too_many_pixels"


async def test_oversized_raw_upload_is_refused_while_streaming(client, sideways_jpeg):
    body = CountingBody(sideways_jpeg, total=50 * 1024 * KB)

    response = await client.put("/photos", content=body)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The file is too large: image files may be at most 0.195312 MB.",
        "code": "file_too_large",
        "limit_bytes": 200 * KB,
    }
    assert body.taken <= 200 * KB + 2 * body.chunk


async def test_oversized_multipart_upload_is_refused_while_streaming(client, small_pdf):
    headers, start = multipart_start("big.pdf")
    body = CountingBody(start + small_pdf, total=50 * 1024 * KB)

    response = await client.post("/attachments", content=body, headers=headers)

    assert response.status_code == 413
    assert response.json()["limit_bytes"] == 100 * KB
    assert body.taken <= 100 * KB + 2 * KB + 2 * body.chunk


async def test_multipart_with_endless_data_after_the_last_part_is_refused(client, small_pdf):
    headers, complete = multipart("a.pdf", small_pdf)
    body = CountingBody(complete, total=50 * 1024 * KB)

    response = await client.post("/attachments", content=body, headers=headers)

    assert response.status_code == 413
    assert body.taken <= 400 * KB + 64 * KB + 2 * body.chunk  # the largest limit, video


async def test_multipart_without_the_file_field_is_a_400(client):
    response = await client.post(
        "/attachments",
        content=b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n',
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_upload"


async def test_missing_variant_or_deleted_file_is_a_404(app, client, storage, small_pdf):
    headers, body = multipart("a.pdf", small_pdf)
    number = (await client.post("/attachments", content=body, headers=headers)).json()["id"]

    no_preview = await client.get(f"/files/{number}", params={"variant": "preview"})
    storage.delete(app.state.files[number].key)
    deleted = await client.get(f"/files/{number}")

    assert no_preview.status_code == 404
    assert deleted.status_code == 404


@pytest.fixture
def served_app(local_storage, tmp_path):
    """The app behind a real uvicorn on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(
        build_app(local_storage, tmp_path), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_client_announcing_a_huge_upload_gets_413_before_sending_it(served_app):
    request = (
        "PUT /photos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {300 * 1024 * KB}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()

    with socket.create_connection(("127.0.0.1", served_app), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            piece = connection.recv(4096)
            if not piece:
                break
            answer += piece

    assert answer.startswith(b"HTTP/1.1 413")
    assert b"100 Continue" not in answer
    assert b'"code":"file_too_large"' in answer
