import io

import pytest
from PIL import Image

from reparo_shared.files import CorruptFile, ImageOptions, ImageTooLarge, kinds
from reparo_shared.files.images import clean_image

from .conftest import BLUE, GPS_IFD, RED


def write(tmp_path, data: bytes):
    path = tmp_path / "upload"
    path.write_bytes(data)
    return path


def assert_close(colour, expected):
    assert all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True)), colour


def assert_bare(data: bytes):
    """No EXIF at all (so no GPS, no orientation, no camera), no comment, no XMP."""
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(GPS_IFD) == {}
        assert not {"exif", "comment", "xmp", "XML:com.adobe.xmp"} & set(image.info)


def test_sideways_phone_jpeg_comes_out_upright_without_metadata(tmp_path, sideways_jpeg):
    cleaned = clean_image(write(tmp_path, sideways_jpeg), kinds.JPEG, ImageOptions())

    assert cleaned.content_type == "image/jpeg"
    assert (cleaned.width, cleaned.height) == (100, 200)
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.size == (100, 200)
        assert_close(image.getpixel((50, 20)), RED)
        assert_close(image.getpixel((50, 180)), BLUE)
    assert_bare(cleaned.data)
    assert_bare(cleaned.preview)


def test_iphone_heic_comes_out_as_upright_jpeg_without_gps(tmp_path, sideways_heic):
    cleaned = clean_image(write(tmp_path, sideways_heic), kinds.HEIC, ImageOptions())

    assert cleaned.content_type == "image/jpeg"
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.format == "JPEG"
        assert image.size == (100, 200)
        assert_close(image.getpixel((50, 20)), RED)
        assert_close(image.getpixel((50, 180)), BLUE)
    assert_bare(cleaned.data)


def test_transparent_png_stays_png_with_alpha(tmp_path, transparent_png):
    cleaned = clean_image(write(tmp_path, transparent_png), kinds.PNG, ImageOptions())

    assert cleaned.content_type == "image/png"
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((35, 10))[3] == 0
    assert_bare(cleaned.data)


def test_preview_is_a_jpeg_at_most_1080_pixels_on_its_longest_side(tmp_path, large_photo_jpeg):
    cleaned = clean_image(write(tmp_path, large_photo_jpeg), kinds.JPEG, ImageOptions())

    assert (cleaned.width, cleaned.height) == (3000, 2000)
    with Image.open(io.BytesIO(cleaned.preview)) as preview:
        assert preview.format == "JPEG"
        assert preview.size == (1080, 720)


def test_png_bomb_is_refused_from_its_header_before_decoding(tmp_path, png_bomb):
    assert len(png_bomb) < 1024 * 1024

    with pytest.raises(ImageTooLarge) as refused:
        clean_image(write(tmp_path, png_bomb), kinds.PNG, ImageOptions())

    assert "at most 64 megapixels" in str(refused.value)


def test_image_above_the_configured_pixel_limit_is_refused_with_its_size(tmp_path, sideways_jpeg):
    with pytest.raises(ImageTooLarge) as refused:
        clean_image(write(tmp_path, sideways_jpeg), kinds.JPEG, ImageOptions(max_pixels=10_000))

    assert refused.value.size == (200, 100)
    assert "200x100 pixels" in str(refused.value)


def test_truncated_jpeg_is_refused_as_corrupt(tmp_path, truncated_jpeg):
    with pytest.raises(CorruptFile, match="damaged or incomplete"):
        clean_image(write(tmp_path, truncated_jpeg), kinds.JPEG, ImageOptions())


def test_garbage_after_a_jpeg_signature_is_refused_as_corrupt(tmp_path):
    with pytest.raises(CorruptFile):
        clean_image(write(tmp_path, b"\xff\xd8\xff" + b"\x00" * 500), kinds.JPEG, ImageOptions())
