"""Turns repair events into WeChat messages to the customer, recording each delivery.

The workflow never waits on a message: the event is already committed when this runs. Each
notice goes out as configured (``config.py``): as a subscription message when the customer has
consent left for it, else as a template message.

Once per event, however often the event arrives:

- A template message carries the event id as ``client_msg_id``; WeChat delivers one message per
  id within ten minutes, so resending after a crash or a retry reaches the customer once.
- WeChat does not de-duplicate subscription messages. Before sending one, its consent is spent
  and the message recorded as ``sending`` in a transaction of its own; a later attempt that
  finds it still ``sending`` (the worker stopped mid-send) records it ``unconfirmed`` and never
  sends it again. Its outcome is also recorded in its own transaction, so a retry of the
  consumer's batch does not forget it.

Failures that waiting can cure (quota, busy, time-outs) are recorded as ``retrying`` and retried
by the consumer with its delays; the others (not following, no consent left, a wrong template)
are recorded as ``failed`` at once and not retried.
"""

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Engine
from sqlmodel import Session, select

from repair_service.customers.models import Customer
from repair_service.db import session_scope, utcnow
from repair_service.notifications import consents
from repair_service.notifications.config import Channel, MessageConfig, MessageTemplate
from repair_service.notifications.messages import BUILDERS, Message, message_for
from repair_service.notifications.models import CustomerMessage, DeliveryState
from repair_service.settings import get_settings
from reparo_shared.events import Envelope, EventPayload
from reparo_shared.events.consumer import DEFAULT_RETRY_DELAYS, Consumer
from reparo_shared.wechat import DeliveryFailed, Notification, NotificationSender

logger = logging.getLogger(__name__)

CONSUMER_NAME = "repair.notifications"
NO_CONSENT_LEFT = 43101
FINISHED = frozenset({DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.UNCONFIRMED})


@dataclass(frozen=True)
class Outbound:
    """What every delivery needs besides the message: where to send it and how it is set up."""

    engine: Engine
    sender: Callable[[], NotificationSender]
    config: MessageConfig
    public_url: str


@dataclass(frozen=True)
class Draft:
    """The message as it will be recorded and sent."""

    event_id: str
    customer_id: int
    openid: str
    message: Message
    url: str
    channel: Channel = Channel.TEMPLATE
    template_id: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def using(self, channel: Channel, template: MessageTemplate) -> "Draft":
        values = self.message.values
        fields = tuple((key, values[name]) for key, name in template.fields.items())
        return replace(self, channel=channel, template_id=template.template_id, fields=fields)

    def notification(self) -> Notification:
        return Notification(
            self.event_id, self.openid, self.template_id, dict(self.fields), self.url
        )


def build_consumer(
    engine: Engine,
    sender: Callable[[], NotificationSender],
    public_url: str,
    *,
    config: MessageConfig | None = None,
    name_prefix: str = "",
    url: str | None = None,
    exchange: str | None = None,
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
) -> Consumer:
    """The notifications consumer for every event a customer is told about.

    ``url``, ``exchange`` and ``retry_delays`` go to the ``Consumer``; the defaults come from the
    environment and the consumer base.
    """
    consumer = Consumer(
        f"{name_prefix}{CONSUMER_NAME}",
        engine,
        url=url,
        exchange=exchange,
        retry_delays=retry_delays,
    )
    outbound = Outbound(engine, sender, config or get_settings().message_config, public_url)

    def notify(session: Session, event: Envelope, payload: EventPayload) -> None:
        message = message_for(session, payload)
        if message is not None:
            customer_id = int(getattr(payload, "customer_id"))  # noqa: B009 - every message has it
            deliver(session, outbound, str(event.id), customer_id, message)

    for payload_type in BUILDERS:
        consumer.handler(payload_type)(notify)
    return consumer


def deliver(
    session: Session, outbound: Outbound, event_id: str, customer_id: int, message: Message
) -> None:
    """Send one message through the configured channel and record how it went (once per event)."""
    recorded = _stored(session, event_id)
    if recorded is not None and recorded.state in FINISHED:
        return
    if recorded is not None and recorded.state == DeliveryState.SENDING:
        recorded.state = DeliveryState.UNCONFIRMED
        recorded.error = "interrupted while sending; not sent again to avoid a duplicate"
        recorded.updated_at = utcnow()
        session.add(recorded)
        return

    customer = session.get(Customer, customer_id)
    url = f"{outbound.public_url}/repair/orders/{message.order_id}"
    draft = Draft(event_id, customer_id, customer.openid if customer else "", message, url)
    channels = outbound.config.channels(message.notice)
    if channels.subscription:
        subscription = draft.using(Channel.SUBSCRIPTION, channels.subscription)
        if _send_subscription(session, outbound, subscription):
            return
    if channels.template:
        _send_template(session, outbound, draft.using(Channel.TEMPLATE, channels.template))
    elif channels.subscription:
        draft = draft.using(Channel.SUBSCRIPTION, channels.subscription)
        _save(session, draft, DeliveryState.FAILED, "the customer has not agreed to this message")


def _send_template(session: Session, outbound: Outbound, draft: Draft) -> None:
    try:
        outbound.sender().send_template(draft.notification())
    except DeliveryFailed as failure:
        _failed(session, outbound, draft, failure)
        return
    _save(session, draft, DeliveryState.SENT, None, attempted=True)


def _failed(session: Session, outbound: Outbound, draft: Draft, failure: DeliveryFailed) -> None:
    _log_failure(draft, failure)
    if not failure.retryable:
        _save(session, draft, DeliveryState.FAILED, _reason(failure), attempted=True)
        return
    # The consumer rolls its transaction back to retry later, so the attempt is recorded apart:
    # the order shows "retrying" with the reason meanwhile.
    with _apart(session, outbound) as own:
        _save(own, draft, DeliveryState.RETRYING, _reason(failure), attempted=True)
    raise failure


def _send_subscription(session: Session, outbound: Outbound, draft: Draft) -> bool:
    """Spend a consent and send; False (nothing done) when the customer has none left."""
    with _apart(session, outbound) as own:
        if not consents.claim_consent(own, draft.customer_id, draft.template_id):
            return False
        _save(own, draft, DeliveryState.SENDING, None, attempted=True)
    try:
        outbound.sender().send_subscription(draft.notification())
    except DeliveryFailed as failure:
        _log_failure(draft, failure)
        with _apart(session, outbound) as own:
            _subscription_failed(own, draft, failure)
        if failure.retryable and not failure.maybe_delivered:
            raise failure
        return True
    with _apart(session, outbound) as own:
        _save(own, draft, DeliveryState.SENT, None)
    return True


def _subscription_failed(session: Session, draft: Draft, failure: DeliveryFailed) -> None:
    if failure.maybe_delivered:
        # No answer: WeChat may have delivered it, and a second send would not be recognised.
        _save(session, draft, DeliveryState.UNCONFIRMED, _reason(failure))
        return
    if failure.errcode == NO_CONSENT_LEFT:
        consents.no_consent_left(session, draft.customer_id, draft.template_id)
    else:
        consents.return_consent(session, draft.customer_id, draft.template_id)
    state = DeliveryState.RETRYING if failure.retryable else DeliveryState.FAILED
    _save(session, draft, state, _reason(failure))


@contextmanager
def _apart(session: Session, outbound: Outbound) -> Iterator[Session]:
    """A transaction of its own, committed at once whatever becomes of the consumer's."""
    if outbound.engine.dialect.name == "sqlite":
        # Known shortcoming: SQLite allows one writer at a time and the consumer's transaction
        # already holds it (its inbox row), so on SQLite these writes join that transaction. A
        # worker stopping mid-send may then send a subscription message twice, and "retrying"
        # shows only once the retry has happened. PostgreSQL has neither gap.
        yield session
        session.flush()
        return
    with contextmanager(session_scope)(outbound.engine) as own:
        yield own


def _stored(session: Session, event_id: str) -> CustomerMessage | None:
    query = select(CustomerMessage).where(CustomerMessage.event_id == event_id)
    return session.exec(query.execution_options(populate_existing=True)).first()


def _save(
    session: Session,
    draft: Draft,
    state: DeliveryState,
    error: str | None,
    *,
    attempted: bool = False,
) -> None:
    record = _stored(session, draft.event_id) or CustomerMessage(
        event_id=draft.event_id,
        customer_id=draft.customer_id,
        order_id=draft.message.order_id,
        kind=draft.message.kind,
        template_id=draft.template_id,
        fields_json="{}",
        state=state,
    )
    record.channel = draft.channel
    record.template_id = draft.template_id
    record.fields_json = json.dumps(dict(draft.fields), ensure_ascii=False)
    record.state = state
    record.error = error
    record.attempts += 1 if attempted else 0
    record.updated_at = utcnow()
    session.add(record)


def _reason(failure: DeliveryFailed) -> str:
    return str(failure)[:300]


def _log_failure(draft: Draft, failure: DeliveryFailed) -> None:
    logger.warning(
        "notification.failed",
        extra={
            "order_id": draft.message.order_id,
            "kind": draft.message.kind,
            "channel": draft.channel,
            "errcode": failure.errcode,
            "retryable": failure.retryable,
        },
    )
