"""A customer submits a repair request: one order per product, each entering review."""

import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repair_service.audit.service import write_audit
from repair_service.catalogue.models import CatalogueProduct
from repair_service.db import saved_id, utcnow
from repair_service.errors import InvalidInput
from repair_service.orders.actors import Actor
from repair_service.orders.models import OperatorKind, RepairOrder, RepairRequest, Tick
from repair_service.orders.numbers import allocate_sequences, format_number
from repair_service.orders.public import new_public_token
from repair_service.orders.workflow import AttachmentRef, add_attachments, emit, open_tick
from reparo_shared.events.types import RepairRequestSubmitted

logger = logging.getLogger(__name__)


class ProductItem(BaseModel):
    pn: str
    sn: str
    fault_description: str
    attachments: list[AttachmentRef] = []


def submit_request(
    session: Session,
    *,
    actor: Actor,
    idempotency_key: str,
    contact_name: str,
    contact_phone: str,
    ship_from_address: str,
    items: Sequence[ProductItem],
    timezone: str,
) -> tuple[RepairRequest, bool]:
    """Create the request and its orders; returns ``(request, created)``.

    A second submission with the same idempotency key returns the first request unchanged, also
    when both arrive at once (the unique constraint decides, under a savepoint).
    """
    customer_id = actor.numeric_id
    existing = _find_by_key(session, customer_id, idempotency_key)
    if existing is not None:
        return existing, False
    _check_items(items)

    request = RepairRequest(
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        contact_name=contact_name,
        contact_phone=contact_phone,
        ship_from_address=ship_from_address,
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        found = _find_by_key(session, customer_id, idempotency_key)
        if found is None:
            raise
        return found, False

    orders = _create_orders(session, actor, request, items, timezone)
    write_audit(
        session,
        actor,
        "submit_request",
        request_id=request.id,
        order_ids=[order.id for order in orders],
    )
    emit(
        session,
        RepairRequestSubmitted(
            request_id=saved_id(request),
            customer_id=customer_id,
            order_ids=[saved_id(order) for order in orders],
            order_numbers=[order.number for order in orders],
        ),
        f"request:{request.id}",
    )
    logger.info("request.submitted", extra={"request_id": request.id, "orders": len(orders)})
    return request, True


def _find_by_key(session: Session, customer_id: int, key: str) -> RepairRequest | None:
    return session.exec(
        select(RepairRequest).where(
            RepairRequest.customer_id == customer_id, RepairRequest.idempotency_key == key
        )
    ).first()


def _check_items(items: Sequence[ProductItem]) -> None:
    if not items:
        raise InvalidInput("A request needs at least one product")
    serials = [item.sn.strip().upper() for item in items]
    if len(set(serials)) != len(serials):
        raise InvalidInput("The same serial number appears twice in this request")


def _create_orders(
    session: Session,
    actor: Actor,
    request: RepairRequest,
    items: Sequence[ProductItem],
    timezone: str,
) -> list[RepairOrder]:
    now = utcnow()
    year = now.astimezone(ZoneInfo(timezone)).year
    sequences = allocate_sequences(session, year, len(items))
    known = set(
        session.exec(
            select(CatalogueProduct.pn).where(col(CatalogueProduct.pn).in_([i.pn for i in items]))
        )
    )
    orders = []
    for item, sequence in zip(items, sequences, strict=True):
        order = RepairOrder(
            number=format_number(year, sequence),
            year=year,
            sequence=sequence,
            request_id=saved_id(request),
            customer_id=request.customer_id,
            pn=item.pn.strip(),
            sn=item.sn.strip(),
            pn_known=item.pn.strip() in known,
            fault_description=item.fault_description,
            node_code="review",
            node_entered_at=now,
            timezone=timezone,
            public_token=new_public_token(),
            created_at=now,
            updated_at=now,
            updated_by=actor.label,
        )
        session.add(order)
        session.flush()
        _record_submission(session, actor, order, now)
        add_attachments(session, actor, item.attachments, order_id=order.id)
        orders.append(order)
    session.flush()
    return orders


def _record_submission(session: Session, actor: Actor, order: RepairOrder, now: datetime) -> None:
    # The submitted node is visited and completed by the customer in the same instant.
    session.add(
        Tick(
            order_id=saved_id(order),
            node_code="submitted",
            entered_at=now,
            completed_at=now,
            operator_kind=OperatorKind.CUSTOMER,
            operator_id=actor.id,
            outcome="submitted",
        )
    )
    open_tick(session, order, "review").entered_at = now
