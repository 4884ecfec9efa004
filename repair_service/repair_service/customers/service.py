"""Customer records: found or created by openid on first sign-in; saved addresses and titles."""

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from repair_service.customers.models import Customer, CustomerAddress, InvoiceTitle
from repair_service.errors import NotFound

logger = logging.getLogger(__name__)


def find_or_create_customer(
    session: Session, *, openid: str, unionid: str | None = None, name: str | None = None
) -> tuple[Customer, bool]:
    """The customer with this openid, created on first sight; returns ``(customer, created)``.

    Two first sign-ins at once both try the insert; the unique openid lets one win and the
    other reads the winner's row.
    """
    existing = session.exec(select(Customer).where(Customer.openid == openid)).first()
    if existing is not None:
        if unionid and not existing.unionid:
            existing.unionid = unionid
            session.add(existing)
            session.flush()
        return existing, False
    customer = Customer(openid=openid, unionid=unionid, name=name or "")
    try:
        with session.begin_nested():
            session.add(customer)
            session.flush()
    except IntegrityError:
        found = session.exec(select(Customer).where(Customer.openid == openid)).first()
        if found is None:
            raise
        return found, False
    logger.info("customer.created", extra={"customer_id": customer.id})
    return customer, True


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer")
    return customer


def update_customer(session: Session, customer_id: int, **fields: str | None) -> Customer:
    customer = get_customer(session, customer_id)
    for name, value in fields.items():
        if value is not None:
            setattr(customer, name, value)
    session.add(customer)
    session.flush()
    return customer


def add_address(session: Session, customer_id: int, **fields: str) -> CustomerAddress:
    address = CustomerAddress.model_validate({**fields, "customer_id": customer_id})
    session.add(address)
    session.flush()
    return address


def add_invoice_title(session: Session, customer_id: int, **fields: str) -> InvoiceTitle:
    """Save an invoice title for reuse (the schema has validated the tax id)."""
    title = InvoiceTitle.model_validate({**fields, "customer_id": customer_id})
    session.add(title)
    session.flush()
    return title


def delete_owned(
    session: Session,
    model: type[CustomerAddress] | type[InvoiceTitle],
    customer_id: int,
    item_id: int,
) -> None:
    item = session.get(model, item_id)
    if item is None or getattr(item, "customer_id", None) != customer_id:
        raise NotFound("No such item")
    session.delete(item)
    session.flush()
