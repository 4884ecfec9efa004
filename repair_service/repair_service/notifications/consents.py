"""The customer's consents to subscription messages: recorded from the pages, spent by sends.

WeChat gives a one-time subscription template one message per "allow" the customer taps in its
consent sheet (the ``wx-open-subscribe`` tag on our pages). The page reports the templates the
customer allowed; we count them per template and spend one per message sent.

Known shortcoming: the count comes from what the page reports, not from WeChat's own account of
it (the ``subscribe_msg_popup_event`` WeChat pushes to an account's server URL, which this
product does not receive yet). A count that is too high costs one refused send: WeChat answers
43101, the message is recorded as failed and the count goes to zero.
"""

import logging

from sqlalchemy import ColumnElement, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repair_service.audit.service import write_audit
from repair_service.db import utcnow
from repair_service.errors import Forbidden, InvalidInput
from repair_service.notifications.config import MessageConfig
from repair_service.notifications.models import SubscriptionConsent
from repair_service.orders.actors import Actor

logger = logging.getLogger(__name__)


def record_consents(
    session: Session, *, actor: Actor, accepted: list[str], config: MessageConfig
) -> dict[str, int]:
    """Count one more consent for each template the customer allowed; return what is left.

    Only the customer records their own consents, and only for the account's configured
    subscription templates.
    """
    if not actor.is_customer:
        raise Forbidden("Only customers consent to messages")
    unknown = sorted(set(accepted) - config.subscription_ids())
    if unknown:
        raise InvalidInput(
            "Not a subscription message of this account: {templates}", templates=", ".join(unknown)
        )

    remaining = {}
    for template_id in dict.fromkeys(accepted):
        remaining[template_id] = _add_one(session, actor.numeric_id, template_id)
    write_audit(session, actor, "consent_to_messages", template_ids=list(remaining))
    logger.info(
        "notifications.consent_recorded",
        extra={"customer_id": actor.numeric_id, "templates": len(remaining)},
    )
    return remaining


def _add_one(session: Session, customer_id: int, template_id: str) -> int:
    # An UPDATE adds atomically however many pages report at once; the first consent inserts,
    # and a concurrent first insert makes the loser update instead.
    for _ in range(2):
        added = session.execute(
            update(SubscriptionConsent)
            .where(_row(customer_id, template_id))
            .values(remaining=col(SubscriptionConsent.remaining) + 1, updated_at=utcnow())
            .returning(col(SubscriptionConsent.remaining))
        ).scalar()
        if added is not None:
            return int(added)
        try:
            with session.begin_nested():
                session.add(
                    SubscriptionConsent(
                        customer_id=customer_id, template_id=template_id, remaining=1
                    )
                )
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("consent row neither updated nor inserted")


def claim_consent(session: Session, customer_id: int, template_id: str) -> bool:
    """Spend one consent before sending; False when the customer has none left."""
    spent = session.execute(
        update(SubscriptionConsent)
        .where(_row(customer_id, template_id), col(SubscriptionConsent.remaining) > 0)
        .values(remaining=col(SubscriptionConsent.remaining) - 1, updated_at=utcnow())
        .returning(col(SubscriptionConsent.remaining))
    ).scalar()
    return spent is not None


def return_consent(session: Session, customer_id: int, template_id: str) -> None:
    """Give back a consent whose message WeChat refused without spending it."""
    session.execute(
        update(SubscriptionConsent)
        .where(_row(customer_id, template_id))
        .values(remaining=col(SubscriptionConsent.remaining) + 1, updated_at=utcnow())
    )


def no_consent_left(session: Session, customer_id: int, template_id: str) -> None:
    """WeChat says the customer has no consent left (43101): believe it."""
    session.execute(
        update(SubscriptionConsent)
        .where(_row(customer_id, template_id))
        .values(remaining=0, updated_at=utcnow())
    )


def consents_of(session: Session, customer_id: int) -> dict[str, int]:
    rows = session.exec(
        select(SubscriptionConsent).where(SubscriptionConsent.customer_id == customer_id)
    )
    return {row.template_id: row.remaining for row in rows}


def _row(customer_id: int, template_id: str) -> ColumnElement[bool]:
    return (col(SubscriptionConsent.customer_id) == customer_id) & (
        col(SubscriptionConsent.template_id) == template_id
    )
