"""Copying WeChat images into Wagtail's image library, once per address.

WeChat's image servers refuse requests carrying another site's ``Referer``, so an imported article
must not link to them; every image is downloaded (with no ``Referer``) and stored as an ordinary
Wagtail image. The bytes are stored as received: an animated GIF stays animated, and nothing is
re-encoded. The format is taken from the ``wx_fmt`` parameter or the response's type, and checked
against the bytes themselves.
"""

import hashlib
import io
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PillowImage
from PIL import UnidentifiedImageError
from wagtail.images import get_image_model

from reparo_cms.wechat_import.article_html import declared_format
from reparo_cms.wechat_import.models import ImportedImage

logger = logging.getLogger(__name__)

# Pillow's format names for what WeChat serves, and the file extension each is stored with.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}
DECLARED = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "bmp": "BMP"}
MEDIA_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}


class ImageFailed(Exception):
    """An image could not be copied; the message says why, for the run's error list."""


@dataclass(frozen=True)
class CopiedImage:
    image_id: int
    new: bool


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def check_host(url: str, allowed: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in allowed:
        raise ImageFailed(f"{parts.hostname or url} is not a WeChat image host")


class ImageCopier:
    """Copies images for one run, sharing one HTTP connection pool."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def copy(self, url: str, title: str) -> CopiedImage:
        """The library image for ``url``: the one copied earlier, or a new copy."""
        known = ImportedImage.objects.filter(url_hash=url_hash(url)).first()
        if known is not None:
            return CopiedImage(known.image_id, new=False)
        check_host(url, settings.WECHAT_IMPORT_IMAGE_HOSTS)
        data, media_type = self._download(url)
        image_format = _checked_format(data, declared_format(url), media_type)
        return self._store(url, title, data, image_format)

    def _download(self, url: str) -> tuple[bytes, str]:
        limit = settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
        try:
            with self.http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise ImageFailed(f"HTTP {response.status_code} for {_short(url)}")
                buffer = io.BytesIO()
                for chunk in response.iter_bytes():
                    buffer.write(chunk)
                    if buffer.tell() > limit:
                        raise ImageFailed(f"{_short(url)} is larger than {limit} bytes")
                media_type = response.headers.get("content-type", "").split(";")[0].strip()
                return buffer.getvalue(), media_type.lower()
        except httpx.HTTPError as error:
            raise ImageFailed(f"{_short(url)}: {type(error).__name__}") from error

    def _store(self, url: str, title: str, data: bytes, image_format: str) -> CopiedImage:
        digest = url_hash(url)
        image_model = get_image_model()
        image = image_model(
            title=title[:255],
            file=ContentFile(data, name=f"wechat-{digest[:16]}.{EXTENSIONS[image_format]}"),
            file_size=len(data),
            file_hash=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        )
        try:
            with transaction.atomic():
                image.save()
                ImportedImage.objects.create(url_hash=digest, url=url, image=image)
        except IntegrityError:
            # Another run copied the same address meanwhile: use its copy. Our file was written
            # before the rollback, so remove it.
            image.file.delete(save=False)
            known = ImportedImage.objects.get(url_hash=digest)
            return CopiedImage(known.image_id, new=False)
        logger.info(
            "wechat_import.image_copied",
            extra={"image_id": image.pk, "format": image_format, "bytes": len(data)},
        )
        return CopiedImage(image.pk, new=True)


def _checked_format(data: bytes, declared: str | None, media_type: str) -> str:
    """The image's real format. What WeChat declares (``wx_fmt``, else the response type) is
    only a hint: the bytes decide, and bytes that are no image are refused."""
    try:
        with PillowImage.open(io.BytesIO(data)) as opened:
            actual = opened.format or ""
            opened.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageFailed(f"not an image ({media_type or 'no type'})") from error
    if actual not in EXTENSIONS:
        raise ImageFailed(f"unsupported image format {actual}")
    expected = DECLARED.get(declared or "") or MEDIA_TYPES.get(media_type)
    if expected and expected != actual:
        logger.info(
            "wechat_import.image_format_differs", extra={"declared": expected, "actual": actual}
        )
    return actual


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"[:120]
