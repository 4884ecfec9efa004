import io
import shutil
import subprocess

import pytest
from PIL import Image

from reparo_shared.files import (
    CorruptFile,
    FileKind,
    StoredFile,
    UploadSpool,
    delete_stored,
    spool_chunks,
    store_spooled,
)
from reparo_shared.files import videos as videos_module
from reparo_shared.files.storage import FileStorage

from .conftest import GPS_IFD, mp4_header

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def store(storage: FileStorage, tmp_path, data: bytes, name: str = "upload") -> StoredFile:
    spool = UploadSpool(original_name=name, spool_dir=tmp_path)
    with spool_chunks([data], spool) as upload:
        return store_spooled(storage, upload, work_dir=tmp_path)


def read(storage: FileStorage, key: str) -> bytes:
    with storage.open(key) as reader:
        return reader.read()


@pytest.fixture(scope="session")
def located_mov(tmp_path_factory) -> bytes:
    """A one-second QuickTime video carrying a recording position, as phones write it."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    path = tmp_path_factory.mktemp("video") / "clip.mov"
    command = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10"]
    command += ["-t", "1", "-pix_fmt", "yuv420p", "-c:v", "mpeg4"]
    command += ["-metadata", "location=+39.9042+116.4074/", "-y", str(path)]
    subprocess.run(command, check=True)
    return path.read_bytes()


def test_customer_photo_is_stored_upright_without_gps(storage, tmp_path, sideways_jpeg):
    stored = store(storage, tmp_path, sideways_jpeg, "../维修 照片.jpeg")

    assert stored.kind is FileKind.IMAGE
    assert stored.content_type == "image/jpeg"
    assert (stored.width, stored.height) == (100, 200)
    assert stored.original_name == "维修 照片.jpg"
    assert stored.preview_key
    assert stored.poster_key is None
    assert stored.size == storage.size(stored.key)
    for key in (stored.key, stored.preview_key):
        with Image.open(io.BytesIO(read(storage, key))) as image:
            assert image.getexif().get_ifd(GPS_IFD) == {}
            assert dict(image.getexif()) == {}


def test_iphone_heic_photo_is_stored_as_upright_jpeg(storage, tmp_path, sideways_heic):
    stored = store(storage, tmp_path, sideways_heic, "IMG_0001.HEIC")

    assert stored.content_type == "image/jpeg"
    assert stored.original_name == "IMG_0001.jpg"
    with Image.open(io.BytesIO(read(storage, stored.key))) as image:
        assert image.format == "JPEG"
        assert image.size == (100, 200)
        assert image.getexif().get_ifd(GPS_IFD) == {}


def test_pdf_is_stored_byte_for_byte(storage, tmp_path, small_pdf):
    stored = store(storage, tmp_path, small_pdf, "发票.pdf")

    assert stored.kind is FileKind.PDF
    assert stored.content_type == "application/pdf"
    assert read(storage, stored.key) == small_pdf
    assert stored.preview_key is None
    assert stored.poster_key is None


def test_truncated_pdf_is_refused_and_nothing_is_stored(local_storage, tmp_path, small_pdf):
    with pytest.raises(CorruptFile, match="PDF"):
        store(local_storage, tmp_path, small_pdf[:-8])

    assert not any(local_storage.root.glob("??/*"))


def test_corrupt_photo_leaves_nothing_in_storage(local_storage, tmp_path, truncated_jpeg):
    with pytest.raises(CorruptFile):
        store(local_storage, tmp_path, truncated_jpeg)

    assert not any(local_storage.root.glob("??/*"))


@needs_ffmpeg
def test_phone_video_gets_a_poster_and_loses_its_location(storage, tmp_path, located_mov):
    stored = store(storage, tmp_path, located_mov, "clip.mov")

    assert stored.kind is FileKind.VIDEO
    assert stored.content_type == "video/quicktime"
    assert stored.poster_key
    assert stored.preview_key is None
    assert b"39.9042" not in read(storage, stored.key)
    with Image.open(io.BytesIO(read(storage, stored.poster_key))) as poster:
        assert poster.format == "JPEG"
        assert poster.size == (320, 240)


@needs_ffmpeg
def test_video_that_cannot_be_decoded_is_refused_when_ffmpeg_is_present(local_storage, tmp_path):
    with pytest.raises(CorruptFile, match="video"):
        store(local_storage, tmp_path, mp4_header())

    assert not any(local_storage.root.glob("??/*"))


def test_video_without_ffmpeg_is_stored_as_uploaded_with_a_placeholder_poster(
    local_storage, tmp_path, monkeypatch
):
    monkeypatch.setattr(videos_module, "ffmpeg_path", lambda: None)
    data = mp4_header()

    stored = store(local_storage, tmp_path, data, "clip.mp4")

    assert stored.content_type == "video/mp4"
    assert read(local_storage, stored.key) == data
    with Image.open(io.BytesIO(read(local_storage, stored.poster_key))) as poster:
        assert poster.format == "JPEG"
        assert poster.width == 1080


def test_delete_stored_removes_original_and_preview(storage, tmp_path, sideways_jpeg):
    stored = store(storage, tmp_path, sideways_jpeg)

    delete_stored(storage, stored)

    for key in stored.storage_keys():
        with pytest.raises(LookupError):
            storage.size(key)
