"""Keeps the read copy of the product catalogue in step with cms's product events.

One row per part number; a product page lists several. A withdrawn page removes its rows. The
consumer base commits these writes together with the inbox row, so a redelivered event changes
nothing twice.
"""

import logging

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from repair_service.catalogue.models import CatalogueProduct
from reparo_shared.events import Envelope
from reparo_shared.events.consumer import Consumer
from reparo_shared.events.types import ProductPublished, ProductWithdrawn

logger = logging.getLogger(__name__)

CONSUMER_NAME = "repair.catalogue"


def build_consumer(engine: Engine, *, name_prefix: str = "") -> Consumer:
    """The catalogue consumer bound to ``product.*`` events."""
    consumer = Consumer(f"{name_prefix}{CONSUMER_NAME}", engine)
    consumer.handler(ProductPublished)(keep_product)
    consumer.handler(ProductWithdrawn)(drop_product)
    return consumer


def keep_product(session: Session, event: Envelope, payload: ProductPublished) -> None:
    """Insert or update one row per part number of the published page."""
    part_numbers = {pn.strip() for pn in payload.part_numbers if pn.strip()}
    session.exec(
        delete(CatalogueProduct).where(
            col(CatalogueProduct.page_id) == payload.page_id,
            col(CatalogueProduct.pn).not_in(part_numbers),
        )
    )
    for pn in sorted(part_numbers):
        row = session.exec(select(CatalogueProduct).where(CatalogueProduct.pn == pn)).first()
        row = row or CatalogueProduct(pn=pn, name=payload.name)
        row.page_id = payload.page_id
        row.name = payload.name[:200]
        row.image_url = payload.image_url
        row.page_url = payload.page_url
        session.add(row)
    logger.info("catalogue.product_kept", extra={"page_id": payload.page_id})


def drop_product(session: Session, event: Envelope, payload: ProductWithdrawn) -> None:
    session.exec(delete(CatalogueProduct).where(col(CatalogueProduct.page_id) == payload.page_id))
    logger.info("catalogue.product_dropped", extra={"page_id": payload.page_id})
