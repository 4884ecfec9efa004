"""Fixtures for the file-handling tests: generated sample files and both storage backends."""

import io
import struct
from collections.abc import Iterator
from pathlib import Path

import boto3
import pillow_heif
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from reparo_shared.files import LocalDiskStorage, S3Storage
from reparo_shared.testing import free_port

pillow_heif.register_heif_opener()

ORIENTATION = 0x0112
GPS_IFD = 0x8825
RED = (255, 0, 0)
BLUE = (0, 0, 255)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def two_colour_image(size: tuple[int, int] = (200, 100)) -> Image.Image:
    """Red left half, blue right half: any rotation shows in where the colours end up."""
    width, height = size
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "TestPhone"  # Make
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    return exif


def jpeg_bytes(image: Image.Image, exif: Image.Exif | None = None, **params: object) -> bytes:
    buffer = io.BytesIO()
    if exif is not None:
        params["exif"] = exif.tobytes()
    image.save(buffer, format="JPEG", quality=90, **params)
    return buffer.getvalue()


@pytest.fixture
def sideways_jpeg() -> bytes:
    """A phone photo stored sideways (EXIF orientation 6) with a GPS position and a comment."""
    return jpeg_bytes(two_colour_image(), camera_exif(6), comment=b"shot at home")


@pytest.fixture
def sideways_heic() -> bytes:
    """An iPhone-style HEIC: orientation 6 and GPS in its EXIF."""
    buffer = io.BytesIO()
    two_colour_image().save(buffer, format="HEIF", exif=camera_exif(6).tobytes(), quality=90)
    return buffer.getvalue()


@pytest.fixture
def transparent_png() -> bytes:
    image = Image.new("RGBA", (40, 30), (0, 128, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 20, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def large_photo_jpeg() -> bytes:
    return jpeg_bytes(two_colour_image((3000, 2000)))


@pytest.fixture(scope="session")
def png_bomb() -> bytes:
    """A 15000x15000 PNG of a few hundred KB that would need hundreds of MB decoded."""
    buffer = io.BytesIO()
    Image.new("1", (15000, 15000)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def truncated_jpeg() -> bytes:
    data = jpeg_bytes(two_colour_image((400, 300)))
    return data[: len(data) // 2]


@pytest.fixture
def fake_exe() -> bytes:
    """A Windows executable's header, as if renamed to photo.jpg."""
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000


@pytest.fixture
def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script>%PDF-</body></html>"


@pytest.fixture
def small_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def mp4_header(brand: bytes = b"isom", extra: bytes = b"\x00" * 4000) -> bytes:
    """An ``ftyp`` box (major brand, then two compatible brands) and junk after it."""
    ftyp = b"ftyp" + brand + struct.pack(">I", 0x200) + brand + b"mp41"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + extra


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalDiskStorage:
    return LocalDiskStorage(tmp_path / "files")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto) on a free loopback port for this test session."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(moto_endpoint: str) -> S3Storage:
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto accepts any key; nothing secret here
    )
    storage = S3Storage(client, f"reparo-test-{free_port()}", prefix="files/")
    storage.ensure_bucket()
    return storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> LocalDiskStorage | S3Storage:
    """Each test using this runs once against local disk and once against S3."""
    name = "local_storage" if request.param == "local" else "s3_storage"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
