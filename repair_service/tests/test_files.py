"""Customers and staff upload files; only those who may see them download them."""

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import Engine

from reparo_shared.files import SizeLimits
from reparo_shared.identity import TokenSigner, TokenVerifier

from .conftest import World, _empty_tables, open_world


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def files_world(
    engine: Engine,
    keys: tuple[TokenSigner, TokenVerifier],
    database_url: str,
    tmp_path: Path,
) -> Iterator[World]:
    _empty_tables(engine)
    with open_world(engine, keys, database_url, tmp_path, SizeLimits(image=200_000)) as world:
        yield world


def upload(world: World, headers: dict[str, str], body: bytes, name: str = "photo.jpg"):  # type: ignore[no-untyped-def]
    return world.client.put(
        "/api/repair/files",
        content=body,
        headers={**headers, "Content-Type": "application/octet-stream", "X-File-Name": quote(name)},
    )


def test_customer_uploads_a_photo_and_downloads_it(files_world: World) -> None:
    customer = files_world.new_customer()

    response = upload(files_world, customer, jpeg_bytes(), "产品 照片.jpg")

    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["kind"] == "image"
    assert stored["name"] == "产品 照片.jpg"
    assert stored["key"] != "产品 照片.jpg"
    download = files_world.client.get(f"/api/repair/files/{stored['key']}", headers=customer)
    assert download.status_code == 200
    assert download.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(download.content)).size == (64, 48)


def test_another_customer_cannot_download_it(files_world: World) -> None:
    owner, stranger = files_world.new_customer(), files_world.new_customer()
    key = upload(files_world, owner, jpeg_bytes()).json()["key"]

    response = files_world.client.get(f"/api/repair/files/{key}", headers=stranger)

    assert response.status_code == 404


def test_staff_can_download_a_customer_upload(files_world: World) -> None:
    customer = files_world.new_customer()
    key = upload(files_world, customer, jpeg_bytes()).json()["key"]

    response = files_world.client.get(
        f"/api/repair/files/{key}", headers=files_world.staff("review")
    )

    assert response.status_code == 200


def test_anonymous_upload_is_refused(files_world: World) -> None:
    assert upload(files_world, {}, jpeg_bytes()).status_code == 401


def test_a_renamed_executable_is_refused_and_nothing_recorded(files_world: World) -> None:
    customer = files_world.new_customer()

    response = upload(files_world, customer, b"MZ\x90\x00" + b"\x00" * 500, "photo.jpg")

    assert response.status_code == 415
    assert response.json()["code"]


def test_a_too_large_photo_gets_413_with_a_clear_message(files_world: World) -> None:
    customer = files_world.new_customer()
    big = jpeg_bytes() + b"\x00" * 300_000

    response = upload(files_world, customer, big)

    assert response.status_code == 413
    assert "MB" in response.json()["detail"] or "limit" in response.json()["detail"]


def test_unknown_key_is_404(files_world: World) -> None:
    customer = files_world.new_customer()

    response = files_world.client.get(f"/api/repair/files/ab/{uuid.uuid4().hex}", headers=customer)

    assert response.status_code == 404


def test_findings_photos_staff_attach_reach_the_customer_and_no_one_else(
    files_world: World,
) -> None:
    customer = files_world.new_customer()
    order_id = files_world.submit(customer)["orders"][0]["id"]
    files_world.act("review", order_id, "approve", receiving_address_id=files_world.address_id())
    files_world.act("logistics", order_id, "receive", condition="intact")
    staff = files_world.staff("repair")
    key = upload(files_world, staff, jpeg_bytes(), "findings.jpg").json()["key"]

    inspected = files_world.act(
        "repair",
        order_id,
        "inspection",
        findings="burnt capacitor",
        under_warranty=False,
        photos=[{"kind": "findings_photo", "key": key, "name": "findings.jpg"}],
    )

    assert inspected.status_code == 200, inspected.text
    detail = files_world.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()
    attached = [a for tick in detail["timeline"] for a in tick["attachments"]]
    assert [(a["kind"], a["key"]) for a in attached] == [("findings_photo", key)]
    assert files_world.client.get(f"/api/repair/files/{key}", headers=customer).status_code == 200
    stranger = files_world.new_customer()
    assert files_world.client.get(f"/api/repair/files/{key}", headers=stranger).status_code == 404
