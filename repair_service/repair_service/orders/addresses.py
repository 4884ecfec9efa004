"""Receiving addresses of the repair centres, kept by administrators."""

from sqlmodel import Session

from repair_service.audit.service import write_audit
from repair_service.errors import NotFound
from repair_service.orders.actors import Actor
from repair_service.orders.models import ReceivingAddress


def create_receiving_address(session: Session, *, actor: Actor, **fields: str) -> ReceivingAddress:
    address = ReceivingAddress.model_validate(fields)
    session.add(address)
    session.flush()
    write_audit(session, actor, "create_receiving_address", address_id=address.id)
    return address


def update_receiving_address(
    session: Session, *, actor: Actor, address_id: int, **fields: object
) -> ReceivingAddress:
    """Change an address; deactivating keeps it on orders already approved with it."""
    address = session.get(ReceivingAddress, address_id)
    if address is None:
        raise NotFound("No such receiving address")
    for name, value in fields.items():
        if value is not None:
            setattr(address, name, value)
    session.add(address)
    session.flush()
    write_audit(session, actor, "update_receiving_address", address_id=address_id)
    return address
