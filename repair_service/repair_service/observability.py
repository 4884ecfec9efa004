"""Prometheus metrics of the repair service: requests, outbox backlog, the worker's queues,
pending payments and failed customer notifications, read when Prometheus scrapes.

The state gauges come from the database and the broker, so every instance reports the same
figures, whichever one is scraped.
"""

import os

from fastapi import FastAPI
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from repair_service.billing.models import Payment, PaymentMethod, PaymentStatus
from repair_service.catalogue.consumer import CONSUMER_NAME as CATALOGUE_CONSUMER
from repair_service.notifications.consumer import CONSUMER_NAME as NOTIFICATIONS_CONSUMER
from repair_service.notifications.models import CustomerMessage, DeliveryState
from repair_service.wechat_pay.models import AttemptStatus, WeChatPayAttempt
from reparo_shared.events.broker import amqp_url
from reparo_shared.metrics import (
    FAILED_NOTIFICATIONS,
    PENDING_PAYMENTS,
    instrument_fastapi,
    watch_consumer_queues,
    watch_sqlalchemy_outbox,
)


def worker_queues() -> list[str]:
    """The queues of the worker's consumers (``EVENTS_QUEUE_PREFIX`` as the worker reads it)."""
    prefix = os.environ.get("EVENTS_QUEUE_PREFIX", "")
    return [f"{prefix}{name}" for name in (CATALOGUE_CONSUMER, NOTIFICATIONS_CONSUMER)]


def instrument(app: FastAPI, engine: Engine) -> None:
    """Add ``/metrics`` and the request middleware, and register the state gauges."""
    state = instrument_fastapi(app)
    watch_sqlalchemy_outbox(state, engine)
    watch_consumer_queues(state, amqp_url(), worker_queues())

    def pending_payments() -> dict[str, int]:
        with Session(engine) as session:
            open_attempts = select(func.count()).where(
                WeChatPayAttempt.status == AttemptStatus.OPEN
            )
            proofs_to_check = select(func.count()).where(
                Payment.method == PaymentMethod.OFFLINE, Payment.status == PaymentStatus.SUBMITTED
            )
            return {
                "wechat": int(session.exec(open_attempts).one()),
                "offline": int(session.exec(proofs_to_check).one()),
            }

    def failed_notifications() -> dict[str, int]:
        counts = {"wechat_template": 0, "wechat_subscription": 0}
        with Session(engine) as session:
            query = (
                select(CustomerMessage.channel, func.count())
                .where(CustomerMessage.state == DeliveryState.FAILED)
                .group_by(CustomerMessage.channel)
            )
            for channel, count in session.exec(query):
                counts[f"wechat_{channel}"] = int(count)
        return counts

    state.watch(PENDING_PAYMENTS, pending_payments)
    state.watch(FAILED_NOTIFICATIONS, failed_notifications)
