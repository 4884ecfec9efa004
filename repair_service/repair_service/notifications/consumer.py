"""Turns repair events into WeChat messages to the customer, recording each delivery.

The workflow never waits on a message: the event is already committed when this runs. The event
id is the message's ``client_msg_id``, so a redelivered event (or a handler run twice) reaches the
customer once. Failures that waiting can cure (quota, busy, time-outs) are recorded as
``retrying`` and retried by the consumer with its delays; the others (not following, no consent
left, a wrong template) are recorded as ``failed`` at once and not retried.
"""

import json
import logging
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session, select

from repair_service.customers.models import Customer
from repair_service.db import session_scope, utcnow
from repair_service.notifications.messages import BUILDERS, Message, message_for, template_ids
from repair_service.notifications.models import CustomerMessage, DeliveryState
from reparo_shared.events import Envelope, EventPayload
from reparo_shared.events.consumer import Consumer
from reparo_shared.wechat import DeliveryFailed, Notification, NotificationSender

logger = logging.getLogger(__name__)

CONSUMER_NAME = "repair.notifications"


def build_consumer(
    engine: Engine,
    sender: Callable[[], NotificationSender],
    public_url: str,
    *,
    name_prefix: str = "",
    **options: object,
) -> Consumer:
    """The notifications consumer for every event a customer is told about."""
    consumer = Consumer(f"{name_prefix}{CONSUMER_NAME}", engine, **options)

    def notify(session: Session, event: Envelope, payload: EventPayload) -> None:
        message = message_for(session, payload)
        if message is not None:
            deliver(session, engine, sender, event, payload, message, public_url)

    for payload_type in BUILDERS:
        consumer.handler(payload_type)(notify)
    return consumer


def deliver(
    session: Session,
    engine: Engine,
    sender: Callable[[], NotificationSender],
    event: Envelope,
    payload: EventPayload,
    message: Message,
    public_url: str,
) -> None:
    """Send one message and record how it went (once per event)."""
    customer_id = int(getattr(payload, "customer_id"))  # noqa: B009 - every message payload has it
    record = _record(session, str(event.id), customer_id, message)
    if record.state == DeliveryState.SENT:
        return
    customer = session.get(Customer, customer_id)
    notification = Notification(
        event_id=str(event.id),
        openid=customer.openid if customer else "",
        template_id=template_ids()[message.template],
        fields=message.fields,
        url=f"{public_url}/repair/orders/{message.order_id}",
    )
    try:
        sender().send_template(notification)
    except DeliveryFailed as failure:
        _failed(session, engine, record, failure)
        return
    _update(record, DeliveryState.SENT, None)
    session.add(record)


def _record(session: Session, event_id: str, customer_id: int, message: Message) -> CustomerMessage:
    existing = session.exec(
        select(CustomerMessage).where(CustomerMessage.event_id == event_id)
    ).first()
    return existing or CustomerMessage(
        event_id=event_id,
        customer_id=customer_id,
        order_id=message.order_id,
        kind=message.kind,
        template_id=template_ids()[message.template],
        fields_json=json.dumps(message.fields, ensure_ascii=False),
        state=DeliveryState.RETRYING,
    )


def _failed(
    session: Session, engine: Engine, record: CustomerMessage, failure: DeliveryFailed
) -> None:
    reason = str(failure)[:300]
    logger.warning(
        "notification.failed",
        extra={"order_id": record.order_id, "kind": record.kind, "retryable": failure.retryable},
    )
    if not failure.retryable:
        _update(record, DeliveryState.FAILED, reason)
        session.add(record)
        return
    # The consumer rolls this transaction back to retry later, so the attempt is recorded in a
    # transaction of its own: the order shows "retrying" with the reason meanwhile.
    with contextmanager(session_scope)(engine) as own:
        stored = own.exec(
            select(CustomerMessage).where(CustomerMessage.event_id == record.event_id)
        ).first()
        stored = stored or CustomerMessage.model_validate(record.model_dump(exclude={"id"}))
        _update(stored, DeliveryState.RETRYING, reason)
        own.add(stored)
    raise failure


def _update(record: CustomerMessage, state: DeliveryState, error: str | None) -> None:
    record.state = state
    record.error = error
    record.attempts += 1
    record.updated_at = utcnow()
