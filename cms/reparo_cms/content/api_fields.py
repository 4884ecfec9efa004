"""Serializer fields used in page models' ``api_fields``."""

from typing import Any

from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from reparo_cms.content.blocks import image_payload


class RichTextHTMLField(serializers.Field):
    """A RichTextField rendered to finished HTML (no ``linktype``/``embed`` markup)."""

    def to_representation(self, value: str) -> str:
        return expand_db_html(value or "")


class PhoneImageField(serializers.Field):
    """An image foreign key as phone-width and thumbnail renditions."""

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        return image_payload(value)


class DocumentField(serializers.Field):
    """A document foreign key as its title, download URL and storage key.

    The key (``documents/fw.bin``) lets the gateway read the file from object storage at an
    address of its own network when the public URL is not reachable from inside it.
    """

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"id": value.pk, "title": value.title, "url": value.url, "key": value.file.name}


class PageSummaryListField(serializers.Field):
    """Related pages (a many-to-many manager) as id, title and type, live ones only."""

    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        return [
            {"id": page.pk, "title": page.title, "type": page._meta.label}
            for page in value.all()
            if page.live
        ]
