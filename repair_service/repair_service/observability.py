"""Prometheus metrics of the repair service: requests, outbox backlog, pending payments and
failed customer notifications, read from the database when Prometheus scrapes."""

from fastapi import FastAPI
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from repair_service.notifications.models import CustomerMessage, DeliveryState
from repair_service.wechat_pay.models import AttemptStatus, WeChatPayAttempt
from reparo_shared.metrics import (
    FAILED_NOTIFICATIONS,
    PENDING_PAYMENTS,
    instrument_fastapi,
    watch_sqlalchemy_outbox,
)


def instrument(app: FastAPI, engine: Engine) -> None:
    """Add ``/metrics`` and the request middleware, and register the state gauges."""
    state = instrument_fastapi(app)
    watch_sqlalchemy_outbox(state, engine)

    def pending_payments() -> int:
        with Session(engine) as session:
            query = select(func.count()).where(WeChatPayAttempt.status == AttemptStatus.OPEN)
            return int(session.exec(query).one())

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
