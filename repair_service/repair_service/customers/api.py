"""Customer endpoints: first sign-in for the gateway, and the customer's own profile data."""

from fastapi import APIRouter, status
from sqlmodel import select

from repair_service.customers import service
from repair_service.customers.models import CustomerAddress, InvoiceTitle
from repair_service.customers.schemas import (
    CustomerAddressCreate,
    CustomerAddressPublic,
    CustomerFindOrCreate,
    CustomerPublic,
    CustomerRef,
    CustomerUpdate,
    InvoiceTitleCreate,
    InvoiceTitlePublic,
)
from repair_service.db import saved_id
from repair_service.deps import CurrentCustomer, GatewayService, SessionDep

router = APIRouter(tags=["customers"])


@router.post("/customers/find-or-create", response_model=CustomerRef)
def find_or_create(
    body: CustomerFindOrCreate, _caller: GatewayService, session: SessionDep
) -> CustomerRef:
    """For the gateway's first sign-in (service token): the customer id of this openid."""
    customer, created = service.find_or_create_customer(
        session, openid=body.openid, unionid=body.unionid, name=body.name
    )
    return CustomerRef(customer_id=saved_id(customer), created=created)


@router.get("/me", response_model=CustomerPublic)
def read_me(actor: CurrentCustomer, session: SessionDep) -> CustomerPublic:
    """The signed-in customer's profile."""
    customer = service.get_customer(session, actor.numeric_id)
    return CustomerPublic.model_validate(customer, from_attributes=True)


@router.patch("/me", response_model=CustomerPublic)
def update_me(body: CustomerUpdate, actor: CurrentCustomer, session: SessionDep) -> CustomerPublic:
    """Change the customer's name, phone or company."""
    customer = service.update_customer(session, actor.numeric_id, **body.model_dump())
    return CustomerPublic.model_validate(customer, from_attributes=True)


@router.get("/me/addresses", response_model=list[CustomerAddressPublic])
def list_addresses(actor: CurrentCustomer, session: SessionDep) -> list[CustomerAddress]:
    return list(
        session.exec(select(CustomerAddress).where(CustomerAddress.customer_id == actor.numeric_id))
    )


@router.post(
    "/me/addresses", response_model=CustomerAddressPublic, status_code=status.HTTP_201_CREATED
)
def add_address(
    body: CustomerAddressCreate, actor: CurrentCustomer, session: SessionDep
) -> CustomerAddress:
    """Save an address to ship from (and back to)."""
    return service.add_address(session, actor.numeric_id, **body.model_dump())


@router.delete("/me/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_address(address_id: int, actor: CurrentCustomer, session: SessionDep) -> None:
    service.delete_owned(session, CustomerAddress, actor.numeric_id, address_id)


@router.get("/me/invoice-titles", response_model=list[InvoiceTitlePublic])
def list_invoice_titles(actor: CurrentCustomer, session: SessionDep) -> list[InvoiceTitle]:
    return list(
        session.exec(select(InvoiceTitle).where(InvoiceTitle.customer_id == actor.numeric_id))
    )


@router.post(
    "/me/invoice-titles", response_model=InvoiceTitlePublic, status_code=status.HTTP_201_CREATED
)
def add_invoice_title(
    body: InvoiceTitleCreate, actor: CurrentCustomer, session: SessionDep
) -> InvoiceTitle:
    """Save invoice details for reuse; the tax id must be a valid unified social credit code."""
    return service.add_invoice_title(session, actor.numeric_id, **body.model_dump())


@router.delete("/me/invoice-titles/{title_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_invoice_title(title_id: int, actor: CurrentCustomer, session: SessionDep) -> None:
    service.delete_owned(session, InvoiceTitle, actor.numeric_id, title_id)
