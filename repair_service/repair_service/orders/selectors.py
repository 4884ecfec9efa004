"""Reads of requests and orders: lists with filters, details with timeline, ETA and history.

Lists run a fixed number of queries whatever the page size (count, page with joins, nodes).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, union
from sqlmodel import Session, col, select

from repair_service.billing.models import Invoice, Payment, PaymentOrder, PaymentStatus
from repair_service.catalogue.models import CatalogueProduct
from repair_service.customers.models import Customer
from repair_service.db import as_utc, utcnow
from repair_service.errors import NotFound
from repair_service.orders import schemas as s
from repair_service.orders.actors import Actor
from repair_service.orders.models import (
    Attachment,
    OrderStatus,
    Quote,
    ReceivingAddress,
    RepairOrder,
    RepairRequest,
    Shipment,
    Tick,
)
from repair_service.orders.public import mask_address, mask_name, mask_phone, mask_serial
from repair_service.orders.workflow import RULES, AttachmentRef, load_visible_order
from repair_service.process.eta import compute_eta
from repair_service.process.models import Node, NodeGrant
from repair_service.schemas import Page

REPEAT_WINDOW = timedelta(days=90)
# Counting every match of a broad filter over a large table costs more than the page itself;
# the console needs an exact figure only for narrow filters, so counting stops here.
COUNT_CAP = 10_000


def load_nodes(session: Session) -> dict[str, Node]:
    return {node.code: node for node in session.exec(select(Node).order_by(col(Node.position)))}


def node_names(node: Node) -> s.NodeNames:
    return s.NodeNames(
        code=node.code, zh_hans=node.name_zh_hans, en=node.name_en, pt_br=node.name_pt_br
    )


def eta_of(order: RepairOrder, nodes: dict[str, Node], now: datetime) -> s.EtaPublic | None:
    if order.status != OrderStatus.OPEN:
        return None
    eta = compute_eta(
        nodes=list(nodes.values()),
        current_code=order.node_code,
        entered_at=order.node_entered_at,
        now=now,
        timezone=order.timezone,
    )
    return s.EtaPublic(**eta.__dict__) if eta else None


def _summary_fields(
    order: RepairOrder, nodes: dict[str, Node], product_name: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "request_id": order.request_id,
        "customer_id": order.customer_id,
        "pn": order.pn,
        "sn": order.sn,
        "pn_known": order.pn_known,
        "product_name": product_name,
        "node": node_names(nodes[order.node_code]),
        "status": order.status,
        "version": order.version,
        "created_at": as_utc(order.created_at),
        "node_entered_at": as_utc(order.node_entered_at),
        "eta": eta_of(order, nodes, now),
    }


def order_summary(session: Session, order: RepairOrder) -> s.OrderSummary:
    """The short form of an order that action endpoints answer with (new version and node)."""
    return s.OrderSummary(**_summary_fields(order, load_nodes(session), None, utcnow()))


@dataclass(frozen=True)
class OrderFilters:
    """Staff list filters; every one optional."""

    node: str | None = None
    team_id: int | None = None
    pn: str | None = None
    sn: str | None = None
    customer_id: int | None = None
    customer: str | None = None
    status: OrderStatus | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool | None = None
    q: str | None = None


def _filter_conditions(filters: OrderFilters, nodes: dict[str, Node], now: datetime) -> list[Any]:
    conditions: list[Any] = []
    if filters.node:
        conditions.append(col(RepairOrder.node_code) == filters.node)
    if filters.team_id is not None:
        granted = select(NodeGrant.node_code).where(NodeGrant.team_id == filters.team_id)
        conditions.append(col(RepairOrder.node_code).in_(granted))
    if filters.pn:
        conditions.append(col(RepairOrder.pn) == filters.pn)
    if filters.sn:
        conditions.append(col(RepairOrder.sn) == filters.sn)
    if filters.customer_id is not None:
        conditions.append(col(RepairOrder.customer_id) == filters.customer_id)
    if filters.customer:
        conditions.append(col(Customer.name).contains(filters.customer))
    if filters.status:
        conditions.append(col(RepairOrder.status) == filters.status)
    if filters.created_from:
        conditions.append(col(RepairOrder.created_at) >= _day_start(filters.created_from))
    if filters.created_to:
        next_day = filters.created_to + timedelta(days=1)
        conditions.append(col(RepairOrder.created_at) < _day_start(next_day))
    if filters.overdue is not None:
        overdue = _overdue_condition(nodes, now)
        conditions.append(overdue if filters.overdue else ~overdue)
    if filters.q:
        conditions.append(_search_condition(filters.q.strip()))
    return conditions


def _day_start(day: date) -> datetime:
    # Date filters are calendar days in UTC; the console converts from its local day if needed.
    return datetime.combine(day, time.min).replace(tzinfo=as_utc(utcnow()).tzinfo)


def _overdue_condition(nodes: dict[str, Node], now: datetime) -> Any:
    # Each node has its own estimate; the OR over the (few) nodes stays portable across
    # PostgreSQL and SQLite, unlike interval arithmetic on a joined column.
    per_node = [
        and_(
            col(RepairOrder.node_code) == node.code,
            col(RepairOrder.node_entered_at) < now - timedelta(days=node.estimated_days),
        )
        for node in nodes.values()
    ]
    return and_(
        col(RepairOrder.status) == OrderStatus.OPEN, or_(*per_node) if per_node else false()
    )


def _search_condition(text: str) -> Any:
    # A union of three indexed lookups: an OR across the columns and the shipment table would
    # make PostgreSQL scan every order.
    matches: Any = union(
        select(RepairOrder.id).where(RepairOrder.number == text.upper()),
        select(RepairOrder.id).where(RepairOrder.sn == text),
        select(Shipment.order_id).where(Shipment.waybill == text),
    )
    return col(RepairOrder.id).in_(matches)


def list_staff_orders(
    session: Session, filters: OrderFilters, *, page: int, page_size: int
) -> Page[s.StaffOrderRow]:
    """Orders for the console, newest first, in three queries (nodes, count, page)."""
    now = utcnow()
    nodes = load_nodes(session)
    conditions = _filter_conditions(filters, nodes, now)
    matching = select(RepairOrder.id).where(*conditions)
    if filters.customer:
        matching = matching.join(Customer, col(Customer.id) == RepairOrder.customer_id)
    capped = matching.limit(COUNT_CAP + 1).subquery()
    counted = session.exec(select(func.count()).select_from(capped)).one()

    # The page's ids are picked first (walking the created_at index), then joined to names, so
    # the joins touch one page of rows rather than every matching order.
    newest_first = (col(RepairOrder.created_at).desc(), col(RepairOrder.id).desc())
    page_subquery = (
        matching.order_by(*newest_first).offset((page - 1) * page_size).limit(page_size).subquery()
    )
    rows = session.exec(
        select(RepairOrder, Customer.name, CatalogueProduct.name)
        .join(page_subquery, page_subquery.c.id == RepairOrder.id)
        .join(Customer, col(Customer.id) == RepairOrder.customer_id)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .order_by(*newest_first)
    ).all()
    items = [
        s.StaffOrderRow(**_summary_fields(order, nodes, product, now), customer_name=name)
        for order, name, product in rows
    ]
    return Page(
        items=items,
        total=min(counted, COUNT_CAP),
        page=page,
        page_size=page_size,
        total_is_exact=counted <= COUNT_CAP,
    )


def list_customer_orders(
    session: Session, customer_id: int, *, page: int, page_size: int
) -> Page[s.OrderSummary]:
    """The customer's own orders, newest first."""
    now = utcnow()
    nodes = load_nodes(session)
    mine = col(RepairOrder.customer_id) == customer_id
    total = session.exec(select(func.count()).select_from(RepairOrder).where(mine)).one()
    rows = session.exec(
        select(RepairOrder, CatalogueProduct.name)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .where(mine)
        .order_by(col(RepairOrder.created_at).desc(), col(RepairOrder.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [s.OrderSummary(**_summary_fields(order, nodes, name, now)) for order, name in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def list_customer_requests(
    session: Session, customer_id: int, *, page: int, page_size: int
) -> Page[s.RepairRequestPublic]:
    """The customer's requests with their orders, newest first, in four queries."""
    now = utcnow()
    nodes = load_nodes(session)
    mine = col(RepairRequest.customer_id) == customer_id
    total = session.exec(select(func.count()).select_from(RepairRequest).where(mine)).one()
    requests = session.exec(
        select(RepairRequest)
        .where(mine)
        .order_by(col(RepairRequest.created_at).desc(), col(RepairRequest.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    orders = _orders_by_request(session, [r.id for r in requests])  # type: ignore[misc]
    items = [
        _request_public(request, orders.get(request.id, []), nodes, now)  # type: ignore[arg-type]
        for request in requests
    ]
    return Page(items=items, total=total, page=page, page_size=page_size)


def _orders_by_request(
    session: Session, request_ids: list[int]
) -> dict[int, list[tuple[RepairOrder, str | None]]]:
    grouped: dict[int, list[tuple[RepairOrder, str | None]]] = {}
    if not request_ids:
        return grouped
    for order, name in session.exec(
        select(RepairOrder, CatalogueProduct.name)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .where(col(RepairOrder.request_id).in_(request_ids))
        .order_by(col(RepairOrder.id))
    ):
        grouped.setdefault(order.request_id, []).append((order, name))
    return grouped


def _request_public(
    request: RepairRequest,
    orders: list[tuple[RepairOrder, str | None]],
    nodes: dict[str, Node],
    now: datetime,
) -> s.RepairRequestPublic:
    return s.RepairRequestPublic(
        id=request.id,  # type: ignore[arg-type]
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        ship_from_address=request.ship_from_address,
        created_at=as_utc(request.created_at),
        orders=[s.OrderSummary(**_summary_fields(o, nodes, name, now)) for o, name in orders],
    )


def customer_request(session: Session, actor: Actor, request_id: int) -> s.RepairRequestPublic:
    request = session.get(RepairRequest, request_id)
    if request is None or request.customer_id != actor.numeric_id:
        raise NotFound("no such request")
    orders = _orders_by_request(session, [request_id])
    return _request_public(request, orders.get(request_id, []), load_nodes(session), utcnow())


# Order detail


def _timeline(
    session: Session, order_id: int, nodes: dict[str, Node], *, with_files: bool = True
) -> list[s.TickPublic]:
    ticks = session.exec(select(Tick).where(Tick.order_id == order_id).order_by(col(Tick.id))).all()
    files: dict[int, list[AttachmentRef]] = {}
    tick_ids = [tick.id for tick in ticks]
    attached = select(Attachment).where(col(Attachment.tick_id).in_(tick_ids))
    for attachment in session.exec(attached) if with_files else ():
        ref = AttachmentRef(kind=attachment.kind, key=attachment.key, name=attachment.name)
        files.setdefault(attachment.tick_id, []).append(ref)  # type: ignore[arg-type]
    return [
        s.TickPublic(
            id=tick.id,  # type: ignore[arg-type]
            node=node_names(nodes[tick.node_code]),
            entered_at=as_utc(tick.entered_at),
            started_at=as_utc(tick.started_at) if tick.started_at else None,
            completed_at=as_utc(tick.completed_at) if tick.completed_at else None,
            dwell_seconds=int((as_utc(tick.completed_at) - as_utc(tick.entered_at)).total_seconds())
            if tick.completed_at
            else None,
            operator_kind=tick.operator_kind,
            outcome=tick.outcome,
            comment=tick.comment,
            attachments=files.get(tick.id, []),  # type: ignore[arg-type]
        )
        for tick in ticks
    ]


def _latest_payment(session: Session, order_id: int) -> s.PaymentPublic | None:
    payment = session.exec(
        select(Payment)
        .join(PaymentOrder, col(PaymentOrder.payment_id) == Payment.id)
        .where(PaymentOrder.order_id == order_id, Payment.status != PaymentStatus.CANCELLED)
        .order_by(col(Payment.id).desc())
    ).first()
    return payment_public(session, payment) if payment else None


def payment_public(session: Session, payment: Payment) -> s.PaymentPublic:
    order_ids = session.exec(
        select(PaymentOrder.order_id).where(PaymentOrder.payment_id == payment.id)
    ).all()
    return s.PaymentPublic(
        id=payment.id,  # type: ignore[arg-type]
        request_id=payment.request_id,
        method=payment.method,
        amount_fen=payment.amount_fen,
        status=payment.status,
        rejection_reason=payment.rejection_reason,
        order_ids=sorted(order_ids),
        version=payment.version,
        created_at=as_utc(payment.created_at),
        confirmed_at=as_utc(payment.confirmed_at) if payment.confirmed_at else None,
    )


def invoice_public(invoice: Invoice) -> s.InvoicePublic:
    return s.InvoicePublic(
        id=invoice.id,  # type: ignore[arg-type]
        payment_id=invoice.payment_id,
        kind=invoice.kind,
        title=invoice.title,
        tax_id=invoice.tax_id,
        pdf_key=invoice.pdf_key,
        courier=invoice.courier,
        waybill=invoice.waybill,
        requested_at=as_utc(invoice.requested_at),
        issued_at=as_utc(invoice.issued_at) if invoice.issued_at else None,
    )


def _serial_history(
    session: Session, order: RepairOrder
) -> tuple[list[s.SerialHistoryEntry], bool]:
    earlier = session.exec(
        select(RepairOrder)
        .where(RepairOrder.sn == order.sn, col(RepairOrder.id) != order.id)
        .where(col(RepairOrder.created_at) <= order.created_at)
        .order_by(col(RepairOrder.created_at).desc())
    ).all()
    entries = [
        s.SerialHistoryEntry(
            order_id=o.id,  # type: ignore[arg-type]
            number=o.number,
            created_at=as_utc(o.created_at),
            completed_at=as_utc(o.completed_at) if o.completed_at else None,
            status=o.status,
        )
        for o in earlier
    ]
    completions = [as_utc(o.completed_at) for o in earlier if o.completed_at]
    repeat = bool(completions) and as_utc(order.created_at) - max(completions) <= REPEAT_WINDOW
    return entries, repeat


def _needs_from_customer(order: RepairOrder, payment: s.PaymentPublic | None) -> str | None:
    if order.status != OrderStatus.OPEN:
        return None
    if order.node_code == "customer_shipping":
        return "ship_product"
    if order.node_code == "customer_agreement":
        return "agree_or_decline_quote"
    if order.node_code == "fee_collection":
        if payment is None or payment.status == PaymentStatus.PENDING:
            return "pay"
        if payment.status == PaymentStatus.REJECTED:
            return "resubmit_payment_proof"
    return None


def _customer_actions(
    order: RepairOrder, payment: s.PaymentPublic | None, invoice: s.InvoicePublic | None
) -> list[str]:
    actions = []
    if order.status == OrderStatus.OPEN:
        actions = [
            name
            for name, rule in RULES.items()
            if rule.by == "customer" and order.node_code in rule.nodes
        ]
        if order.node_code == "fee_collection":
            actions.append("choose_payment_method")
            if (
                payment
                and payment.method == "offline"
                and payment.status in ("pending", "rejected")
            ):
                actions.append("submit_offline_proof")
    if (
        payment
        and payment.status == PaymentStatus.CONFIRMED
        and not (invoice and invoice.issued_at)
    ):
        actions.append("request_invoice")
    return actions


def staff_actions(session: Session, actor: Actor, order: RepairOrder) -> list[str]:
    """Staff actions this person may take on the order now (what the console offers)."""
    if order.status != OrderStatus.OPEN:
        return []
    if not actor.operates_every_node:
        granted = session.exec(
            select(NodeGrant.team_id).where(
                NodeGrant.node_code == order.node_code, col(NodeGrant.team_id).in_(actor.team_ids)
            )
        ).first()
        if granted is None:
            return []
    return [
        name for name, rule in RULES.items() if rule.by == "staff" and order.node_code in rule.nodes
    ]


def order_detail(session: Session, actor: Actor, order_id: int) -> s.OrderPublic:
    """The order as its owner sees it (customers get not-found for others' orders)."""
    order = load_visible_order(session, actor, order_id)
    return s.OrderPublic(**_detail_fields(session, order))


def staff_order_detail(session: Session, actor: Actor, order_id: int) -> s.StaffOrderPublic:
    order = load_visible_order(session, actor, order_id)
    request = session.get(RepairRequest, order.request_id)
    customer = session.get(Customer, order.customer_id)
    assert request is not None
    assert customer is not None
    return s.StaffOrderPublic(
        **_detail_fields(session, order),
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        ship_from_address=request.ship_from_address,
        customer_name=customer.name,
        public_token=order.public_token,
        staff_actions=staff_actions(session, actor, order),
    )


def _detail_fields(session: Session, order: RepairOrder) -> dict[str, Any]:
    nodes = load_nodes(session)
    now = utcnow()
    product = session.exec(select(CatalogueProduct).where(CatalogueProduct.pn == order.pn)).first()
    quote = session.exec(
        select(Quote).where(Quote.order_id == order.id).order_by(col(Quote.id).desc())
    ).first()
    payment = _latest_payment(session, order.id)  # type: ignore[arg-type]
    invoice_row = (
        session.exec(select(Invoice).where(Invoice.payment_id == payment.id)).first()
        if payment
        else None
    )
    invoice = invoice_public(invoice_row) if invoice_row else None
    address = (
        session.get(ReceivingAddress, order.receiving_address_id)
        if order.receiving_address_id
        else None
    )
    history, repeat = _serial_history(session, order)
    return {
        **_summary_fields(order, nodes, product.name if product else None, now),
        "fault_description": order.fault_description,
        "timezone": order.timezone,
        "review_comment": order.review_comment,
        "findings": order.findings,
        "under_warranty": order.under_warranty,
        "quote_declined": order.quote_declined,
        "receiving_address": s.ReceivingAddressPublic.model_validate(address, from_attributes=True)
        if address
        else None,
        "needs_from_customer": _needs_from_customer(order, payment),
        "customer_actions": _customer_actions(order, payment, invoice),
        "timeline": _timeline(session, order.id, nodes),  # type: ignore[arg-type]
        "attachments": [
            s.AttachmentPublic(kind=a.kind, key=a.key, name=a.name)
            for a in session.exec(
                select(Attachment).where(
                    Attachment.order_id == order.id, col(Attachment.tick_id).is_(None)
                )
            )
        ],
        "quote": s.QuotePublic.model_validate(quote, from_attributes=True) if quote else None,
        "payment": payment,
        "invoice": invoice,
        "shipments": [
            s.ShipmentPublic(direction=sh.direction, courier=sh.courier, waybill=sh.waybill)
            for sh in session.exec(select(Shipment).where(Shipment.order_id == order.id))
        ],
        "serial_history": history,
        "repeat_repair": repeat,
    }


def public_view(session: Session, token: str) -> s.PublicOrderView:
    """What anyone holding the QR sees; names, phone, address and most of the SN are masked.

    NotFound for an unknown or revoked token. Anyone may load this page, so it costs as few round
    trips as it can: the order, its request and its product in one query, then the nodes, then
    the ticks without their attachments, which it never shows.
    """
    if not token or len(token) > 64:
        raise NotFound("no such order")
    found = session.exec(
        select(RepairOrder, RepairRequest, CatalogueProduct)
        .join(RepairRequest, col(RepairRequest.id) == RepairOrder.request_id)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .where(RepairOrder.public_token == token)
    ).first()
    if found is None:
        raise NotFound("no such order")
    order, request, product = found
    nodes = load_nodes(session)
    timeline = _timeline(session, order.id, nodes, with_files=False)  # type: ignore[arg-type]
    for tick in timeline:
        # Staff comments may quote the customer or carry addresses: the public page has none.
        tick.comment = None
    return s.PublicOrderView(
        number=order.number,
        pn=order.pn,
        product_name=product.name if product else None,
        sn=mask_serial(order.sn),
        status=order.status,
        node=node_names(nodes[order.node_code]),
        contact_name=mask_name(request.contact_name),
        contact_phone=mask_phone(request.contact_phone),
        ship_from_address=mask_address(request.ship_from_address),
        timeline=timeline,
        eta=eta_of(order, nodes, utcnow()),
    )
