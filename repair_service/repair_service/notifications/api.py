"""The messages sent about an order and their delivery state, for the customer and for staff;
the customer's consents to subscription messages."""

import json
from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from repair_service.deps import CurrentCustomer, CurrentStaff, SessionDep, SettingsDep
from repair_service.notifications import consents
from repair_service.notifications.models import CustomerMessage
from repair_service.orders.actors import Actor
from repair_service.orders.workflow import load_visible_order
from repair_service.schemas import InputModel

router = APIRouter(tags=["notifications"])


class CustomerMessagePublic(BaseModel):
    kind: str
    channel: str
    state: str
    error: str | None
    attempts: int
    fields: dict[str, str]
    created_at: datetime
    updated_at: datetime


def order_messages(session: Session, actor: Actor, order_id: int) -> list[CustomerMessagePublic]:
    order = load_visible_order(session, actor, order_id)
    rows = session.exec(
        select(CustomerMessage)
        .where(CustomerMessage.order_id == order.id)
        .order_by(col(CustomerMessage.id))
    )
    return [
        CustomerMessagePublic(
            kind=row.kind,
            channel=row.channel,
            state=row.state,
            error=row.error,
            attempts=row.attempts,
            fields=json.loads(row.fields_json),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


@router.get("/orders/{order_id}/messages", response_model=list[CustomerMessagePublic])
def my_order_messages(
    order_id: int, actor: CurrentCustomer, session: SessionDep
) -> list[CustomerMessagePublic]:
    """The WeChat messages we sent the customer about this order, with their delivery state."""
    return order_messages(session, actor, order_id)


@router.get("/staff/orders/{order_id}/messages", response_model=list[CustomerMessagePublic])
def staff_order_messages(
    order_id: int, actor: CurrentStaff, session: SessionDep
) -> list[CustomerMessagePublic]:
    """The same list for staff, including why a message failed."""
    return order_messages(session, actor, order_id)


Moment = Literal["submitted", "agreed"]


class SubscriptionPrompt(BaseModel):
    template_ids: list[str]


class ConsentCreate(InputModel):
    """The templates the customer allowed in WeChat's consent sheet (``subscribeDetails``)."""

    accepted: list[str] = Field(max_length=10)


class ConsentsPublic(BaseModel):
    remaining: dict[str, int]


@router.get("/subscriptions/prompt", response_model=SubscriptionPrompt)
def subscription_prompt(
    moment: Moment, _actor: CurrentCustomer, settings: SettingsDep
) -> SubscriptionPrompt:
    """The subscription templates to ask consent for at a moment of the customer's journey
    (after submitting a request, after agreeing to a quote); empty when the account sends none
    there."""
    return SubscriptionPrompt(template_ids=settings.message_config.prompt_ids(moment))


@router.post("/subscriptions/consents", response_model=ConsentsPublic)
def give_consents(
    body: ConsentCreate, actor: CurrentCustomer, session: SessionDep, settings: SettingsDep
) -> ConsentsPublic:
    """Record that the customer allowed these subscription messages, one message each."""
    remaining = consents.record_consents(
        session, actor=actor, accepted=body.accepted, config=settings.message_config
    )
    return ConsentsPublic(remaining=remaining)
