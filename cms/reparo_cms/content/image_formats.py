"""The rich text image format imported articles use: phone width, animated GIFs untouched.

Wagtail's renditions go through Pillow, which keeps only the first frame of an animated GIF; a
GIF is therefore shown from its original file, everything else from a phone-width rendition.
"""

from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from wagtail.images.formats import Format, register_image_format

from reparo_cms.content.blocks import PHONE_RENDITION, is_gif


class PhoneFormat(Format):
    def image_to_html(
        self, image: Any, alt_text: str, extra_attributes: dict[str, Any] | None = None
    ) -> str:
        if not is_gif(image):
            return super().image_to_html(image, alt_text, extra_attributes)
        attributes = {
            **(extra_attributes or {}),
            "src": image.file.url,
            "width": image.width,
            "height": image.height,
            "alt": alt_text,
            "class": self.classname,
        }
        return "<img " + " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items()) + ">"


register_image_format(
    PhoneFormat("phone", _("Phone width"), "richtext-image phone", PHONE_RENDITION)
)
