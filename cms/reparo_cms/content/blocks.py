"""StreamField blocks; each one shapes its own API output so the gateway gets plain HTML and
phone-sized image renditions instead of Wagtail's internal markup and bare ids."""

from typing import Any

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import expand_db_html

PHONE_RENDITION = "width-750"
THUMBNAIL_RENDITION = "fill-360x240"


def is_gif(image: Any) -> bool:
    """GIFs are served from their original file: renditions keep only their first frame."""
    return str(image.file.name).lower().endswith(".gif")


def image_payload(image: Any) -> dict[str, Any] | None:
    """An image as the phone pages need it: phone-width and thumbnail renditions (for a GIF the
    original file at phone size, so an animation stays animated)."""
    if image is None:
        return None
    thumbnail = image.get_rendition(THUMBNAIL_RENDITION)
    if is_gif(image):
        phone = {"url": image.file.url, "width": image.width, "height": image.height}
    else:
        rendition = image.get_rendition(PHONE_RENDITION)
        phone = {"url": rendition.url, "width": rendition.width, "height": rendition.height}
    return {
        "id": image.pk,
        "title": image.title,
        "alt": image.default_alt_text,
        "phone": phone,
        "thumbnail": {"url": thumbnail.url, "width": thumbnail.width, "height": thumbnail.height},
    }


class HTMLRichTextBlock(blocks.RichTextBlock):
    """Rich text delivered as finished HTML: internal links and images already expanded."""

    def get_api_representation(self, value: Any, context: Any = None) -> str:
        return expand_db_html(value.source) if value else ""


class PhoneImageBlock(ImageChooserBlock):
    def get_api_representation(self, value: Any, context: Any = None) -> dict[str, Any] | None:
        return image_payload(value)


class DownloadBlock(DocumentChooserBlock):
    def get_api_representation(self, value: Any, context: Any = None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"id": value.pk, "title": value.title, "url": value.url}


class LinkedPageBlock(blocks.PageChooserBlock):
    def get_api_representation(self, value: Any, context: Any = None) -> dict[str, Any] | None:
        if value is None:
            return None
        page = value.specific
        return {"id": page.pk, "title": page.title, "type": page.specific_class._meta.label}


class CaptionedImageBlock(blocks.StructBlock):
    image = PhoneImageBlock()
    caption = blocks.CharBlock(required=False, max_length=250)


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=120)


class BodyBlock(blocks.StreamBlock):
    """The body every page type shares."""

    heading = blocks.CharBlock(max_length=120, form_classname="title")
    paragraph = HTMLRichTextBlock()
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    video = LinkedPageBlock(page_type="content.VideoPage")
    download = DownloadBlock()


class SpecBlock(blocks.StructBlock):
    """One row of a product's specification table."""

    name = blocks.CharBlock(max_length=80)
    value = blocks.CharBlock(max_length=250)
