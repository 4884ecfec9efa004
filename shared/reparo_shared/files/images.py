"""Image cleaning: decode safely, turn upright, re-encode without metadata, make a preview.

What the customer's phone wrote (EXIF with GPS position, camera serial numbers, XMP, comments) is
never stored: the pixels are decoded and written into a fresh file with nothing but the colour
profile, which only affects how colours look.
"""

import io
import logging
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageDraw, ImageOps

from reparo_shared.files.errors import CorruptFile, ImageTooLarge
from reparo_shared.files.kinds import FileFormat
from reparo_shared.files.settings import ImageOptions

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

# A decoded 64-megapixel photo takes about 200 MB and cleaning holds two or three copies, so only
# a few images are decoded at once per process; further uploads wait for a slot.
_DECODE_SLOTS = threading.BoundedSemaphore(2)

# Errors Pillow and its plugins raise on damaged input; none of them may escape as a crash.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)


@dataclass(frozen=True)
class CleanedImage:
    """The re-encoded image and its phone-sized preview, both as bytes."""

    data: bytes
    content_type: str
    width: int
    height: int
    preview: bytes


def clean_image(path: Path, source_format: FileFormat, options: ImageOptions) -> CleanedImage:
    """Decode ``path`` (already sniffed as ``source_format``) and re-encode it upright and bare.

    Refuses images above ``options.max_pixels`` from their header alone, before any decoding
    (``ImageTooLarge``), and damaged or truncated images (``CorruptFile``). Images with
    transparency become PNG, all others JPEG. Animated images keep their first frame.
    """
    assert source_format.pillow_format is not None
    with _DECODE_SLOTS:
        return _clean(path, source_format.pillow_format, options)


def _clean(path: Path, pillow_format: str, options: ImageOptions) -> CleanedImage:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[pillow_format]) as original:
                _check_pixels(original, options.max_pixels)
                original.load()
                upright = ImageOps.exif_transpose(original)
        except (ImageTooLarge, MemoryError):
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            # Pillow's own process-wide guard (about 89 megapixels) fired while opening, before
            # our check could see the size.
            logger.info("files.image.too_many_pixels")
            raise ImageTooLarge(options.max_pixels) from error
        except _DECODE_ERRORS as error:
            logger.info("files.image.unreadable", extra={"error": type(error).__name__})
            raise CorruptFile(
                "The image is damaged or incomplete and could not be read."
            ) from error

    icc_profile = upright.info.get("icc_profile")
    has_alpha = _has_alpha(upright)
    bare = upright.convert("RGBA" if has_alpha else "RGB")
    # Drop every ancillary chunk Pillow carried along (EXIF, XMP, comments, text); the encoders
    # below would otherwise write some of them back.
    bare.info = {}

    data = _encode(bare, "PNG" if has_alpha else "JPEG", options, icc_profile)
    preview = _preview(bare, options, icc_profile)
    return CleanedImage(
        data=data,
        content_type="image/png" if has_alpha else "image/jpeg",
        width=bare.width,
        height=bare.height,
        preview=preview,
    )


def placeholder_poster(options: ImageOptions) -> bytes:
    """A neutral poster (dark frame with a play triangle) for videos without a decoded frame."""
    width = options.preview_max_px
    height = width * 9 // 16
    image = Image.new("RGB", (width, height), (38, 38, 38))
    side = height // 4
    left, top = (width - side) // 2, (height - side) // 2
    ImageDraw.Draw(image).polygon(
        [(left, top), (left, top + side), (left + side, top + side // 2)], fill=(230, 230, 230)
    )
    return _encode(image, "JPEG", options, None)


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        logger.info("files.image.too_many_pixels", extra={"width": width, "height": height})
        raise ImageTooLarge(max_pixels, (width, height))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def _preview(image: Image.Image, options: ImageOptions, icc_profile: bytes | None) -> bytes:
    preview = image.copy()
    preview.thumbnail((options.preview_max_px, options.preview_max_px), Image.Resampling.LANCZOS)
    if preview.mode == "RGBA":
        background = Image.new("RGB", preview.size, (255, 255, 255))
        background.paste(preview, mask=preview.getchannel("A"))
        preview = background
    return _encode(preview, "JPEG", options, icc_profile, quality=options.preview_quality)


def _encode(
    image: Image.Image,
    pillow_format: str,
    options: ImageOptions,
    icc_profile: bytes | None,
    quality: int | None = None,
) -> bytes:
    buffer = io.BytesIO()
    params: dict[str, object] = {}
    if icc_profile:
        params["icc_profile"] = icc_profile
    if pillow_format == "JPEG":
        params.update(quality=quality or options.jpeg_quality, optimize=True)
    image.save(buffer, format=pillow_format, **params)
    return buffer.getvalue()
