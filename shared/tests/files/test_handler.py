from typing import Annotated
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI, File, Request, UploadFile

from reparo_shared.files import (
    FileHandler,
    FileKind,
    FileSettings,
    LocalDiskStorage,
    install_file_error_handlers,
    receive_upload_file,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def handler(tmp_path, monkeypatch) -> FileHandler:
    monkeypatch.setenv("REPARO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILE_LIMIT_PDF_MB", "1")
    monkeypatch.setenv("FILE_SPOOL_DIR", str(tmp_path))
    return FileHandler.from_settings(FileSettings())


@pytest.fixture
async def client(handler):
    app = FastAPI()
    install_file_error_handlers(app)
    kept = {}

    @app.put("/invoices")
    async def put_invoice(request: Request) -> dict[str, str]:
        stored = await handler.accept_raw(request, allowed={FileKind.PDF})
        kept["invoice"] = stored
        return {"name": stored.original_name}

    @app.post("/proofs")
    async def post_proof(request: Request) -> dict[str, str]:
        stored, fields = await handler.accept_multipart(request, allowed={FileKind.IMAGE})
        kept["proof"] = stored
        return {"name": stored.original_name, **fields}

    @app.post("/legacy")
    async def legacy(file: Annotated[UploadFile, File()]) -> dict[str, str]:
        upload = await receive_upload_file(file, allowed={FileKind.PDF}, limits=handler.limits)
        stored = await handler.store(upload)
        return {"name": stored.original_name}

    @app.get("/{what}")
    async def download(request: Request, what: str):
        return await handler.response(request, kept[what])

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://files.test") as client:
        yield client


async def test_handler_from_settings_stores_on_local_disk_under_the_data_dir(handler, tmp_path):
    assert isinstance(handler.storage, LocalDiskStorage)
    assert handler.storage.root == tmp_path / "data" / "files"
    assert handler.limits.pdf == 1024 * 1024


async def test_finance_uploads_an_invoice_and_the_customer_downloads_it(client, small_pdf):
    uploaded = await client.put(
        "/invoices", content=small_pdf, headers={"X-File-Name": quote("发票.pdf")}
    )
    download = await client.get("/invoice")

    assert uploaded.json() == {"name": "发票.pdf"}
    assert download.content == small_pdf
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"download.pdf\"; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf"
    )


async def test_invoice_above_the_configured_limit_is_refused(client, small_pdf, tmp_path):
    response = await client.put("/invoices", content=small_pdf + b"\x00" * 1024 * 1024)

    assert response.status_code == 413
    assert response.json()["detail"] == "The file is too large: pdf files may be at most 1 MB."
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("upload-")] == []


async def test_customer_uploads_payment_proof_with_a_note(client, sideways_jpeg):
    response = await client.post(
        "/proofs",
        files={"file": ("付款凭证.jpg", sideways_jpeg, "image/jpeg")},
        data={"note": "已转账"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"name": "付款凭证.jpg", "note": "已转账"}


async def test_payment_proof_that_is_a_pdf_is_refused(client, small_pdf):
    response = await client.post("/proofs", files={"file": ("proof.jpg", small_pdf, "image/jpeg")})

    assert response.status_code == 415


async def test_upload_file_parameter_goes_through_the_same_checks(client, small_pdf, sideways_jpeg):
    accepted = await client.post("/legacy", files={"file": ("a b.pdf", small_pdf)})
    refused = await client.post("/legacy", files={"file": ("a.pdf", sideways_jpeg)})

    assert accepted.json() == {"name": "a b.pdf"}
    assert refused.status_code == 415
