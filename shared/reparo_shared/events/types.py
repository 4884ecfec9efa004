"""Every event type Reparo's services publish, with its payload schema.

Names are ``<producer domain>.<entity>.<what happened>``; a breaking change to a payload is a new
version registered beside the old one, never an edit of the old one.
"""

from reparo_shared.events.catalogue import EventPayload, event_type


@event_type("product.published")
class ProductPublished(EventPayload):
    """A product page went live or was republished in cms."""

    page_id: int
    name: str
    part_numbers: list[str]
    image_url: str | None = None
    page_url: str


@event_type("product.withdrawn")
class ProductWithdrawn(EventPayload):
    """A product page was unpublished or deleted in cms."""

    page_id: int
