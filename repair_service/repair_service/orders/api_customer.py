"""The customer's repair endpoints (customer token via the gateway)."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from repair_service.db import saved_id
from repair_service.deps import CurrentCustomer, SessionDep, SettingsDep
from repair_service.orders import schemas as s
from repair_service.orders import selectors, submission, transitions
from repair_service.schemas import Page

router = APIRouter(tags=["customer orders"])

PageNumber = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=100)]


@router.post("/requests", response_model=s.RepairRequestPublic, status_code=status.HTTP_201_CREATED)
def create_request(
    body: s.RepairRequestCreate,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=100)],
    actor: CurrentCustomer,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> s.RepairRequestPublic:
    """Submit a repair request with one or more products; each becomes its own order.

    Send a fresh ``Idempotency-Key`` per submission: repeating it returns the first request
    (status 200) instead of creating another.
    """
    request, created = submission.submit_request(
        session,
        actor=actor,
        idempotency_key=idempotency_key,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        ship_from_address=body.ship_from_address,
        items=[submission.ProductItem(**item.model_dump()) for item in body.items],
        timezone=settings.reparo_timezone,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return selectors.customer_request(session, actor, saved_id(request))


@router.get("/requests", response_model=Page[s.RepairRequestPublic])
def list_requests(
    actor: CurrentCustomer, session: SessionDep, page: PageNumber = 1, page_size: PageSize = 20
) -> Page[s.RepairRequestPublic]:
    """The customer's requests, newest first, each with its orders."""
    return selectors.list_customer_requests(
        session, actor.numeric_id, page=page, page_size=page_size
    )


@router.get("/requests/{request_id}", response_model=s.RepairRequestPublic)
def read_request(
    request_id: int, actor: CurrentCustomer, session: SessionDep
) -> s.RepairRequestPublic:
    return selectors.customer_request(session, actor, request_id)


@router.get("/orders", response_model=Page[s.OrderSummary])
def list_orders(
    actor: CurrentCustomer, session: SessionDep, page: PageNumber = 1, page_size: PageSize = 20
) -> Page[s.OrderSummary]:
    """The customer's orders, newest first, with the current node and ETA."""
    return selectors.list_customer_orders(session, actor.numeric_id, page=page, page_size=page_size)


@router.get("/orders/{order_id}", response_model=s.OrderPublic)
def read_order(order_id: int, actor: CurrentCustomer, session: SessionDep) -> s.OrderPublic:
    """One order: timeline, ETA, what we need from the customer now and what they can do."""
    return selectors.order_detail(session, actor, order_id)


@router.post("/orders/{order_id}/inbound-waybill", response_model=s.OrderPublic)
def set_inbound_waybill(
    order_id: int, body: s.WaybillAction, actor: CurrentCustomer, session: SessionDep
) -> s.OrderPublic:
    """Give (or correct, until the product is received) the courier and waybill."""
    transitions.set_inbound_waybill(
        session,
        actor=actor,
        order_id=order_id,
        expected_version=body.expected_version,
        courier=body.courier,
        waybill=body.waybill,
    )
    return selectors.order_detail(session, actor, order_id)


@router.post("/orders/{order_id}/agree", response_model=s.OrderPublic)
def agree(
    order_id: int, body: s.VersionedAction, actor: CurrentCustomer, session: SessionDep
) -> s.OrderPublic:
    """Agree to the quote; the order then waits for payment."""
    transitions.agree_to_quote(
        session, actor=actor, order_id=order_id, expected_version=body.expected_version
    )
    return selectors.order_detail(session, actor, order_id)


@router.post("/orders/{order_id}/decline", response_model=s.OrderPublic)
def decline(
    order_id: int, body: s.VersionedAction, actor: CurrentCustomer, session: SessionDep
) -> s.OrderPublic:
    """Decline the quote; the product is shipped back unrepaired."""
    transitions.decline_quote(
        session, actor=actor, order_id=order_id, expected_version=body.expected_version
    )
    return selectors.order_detail(session, actor, order_id)
