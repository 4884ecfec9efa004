"""Reads of requests and orders: lists with filters, details with timeline, ETA and history.

The staff API's order list and the console board share one filter (``OrderFilters``) and one
page query. Lists run a fixed number of queries whatever the page size or the number of orders.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from repair_service.billing.models import Invoice, Payment, PaymentOrder, PaymentStatus
from repair_service.catalogue.models import CatalogueProduct
from repair_service.customers.models import Customer
from repair_service.db import as_utc, saved_id, utcnow
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
from repair_service.staff.models import StaffAccount
from repair_service.wechat_pay.models import WeChatPayAttempt

REPEAT_WINDOW = timedelta(days=90)
# Counting every match of a broad filter over a large table costs more than the page itself;
# the console needs an exact figure only for narrow filters, so counting stops here.
COUNT_CAP = 10_000
UTC_ZONE = ZoneInfo("UTC")


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
class MyWork:
    staff_id: int
    team_ids: frozenset[int]


class Sort(StrEnum):
    NEWEST = "newest"  # newest orders first: the staff API's default
    WAITING = "waiting"  # longest in their node first: the console board


@dataclass(frozen=True)
class OrderFilters:
    """Filters of the staff order list and the console board; every one optional.

    Days are calendar days in ``zone`` (the service's timezone), so "created on the 3rd" means
    the 3rd where the staff work. ``my_work`` is a member's "my work": orders assigned to them,
    and unassigned orders at nodes granted to one of their teams.
    """

    node: str | None = None
    team_id: int | None = None
    my_work: "MyWork | None" = None
    assignee_id: int | None = None
    pn: str | None = None
    sn: str | None = None
    customer_id: int | None = None
    customer: str | None = None
    status: OrderStatus | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool | None = None
    invoice_waiting: bool = False
    q: str | None = None
    zone: ZoneInfo = UTC_ZONE


def _filter_conditions(filters: OrderFilters, nodes: dict[str, Node], now: datetime) -> list[Any]:
    conditions: list[Any] = []
    if filters.node:
        conditions.append(col(RepairOrder.node_code) == filters.node)
    if filters.team_id is not None:
        conditions.append(_at_nodes_granted_to({filters.team_id}))
    if filters.my_work is not None:
        assignee = col(RepairOrder.assignee_id)
        conditions.append(
            or_(
                assignee == filters.my_work.staff_id,
                and_(assignee.is_(None), _at_nodes_granted_to(filters.my_work.team_ids)),
            )
        )
    if filters.assignee_id is not None:
        conditions.append(col(RepairOrder.assignee_id) == filters.assignee_id)
    if filters.pn and filters.pn.strip():
        conditions.append(col(RepairOrder.pn) == filters.pn.strip())
    if filters.sn and filters.sn.strip():
        conditions.append(col(RepairOrder.sn) == filters.sn.strip())
    if filters.customer_id is not None:
        conditions.append(col(RepairOrder.customer_id) == filters.customer_id)
    if filters.customer and filters.customer.strip():
        conditions.append(_customer_condition(filters.customer.strip()))
    if filters.status:
        conditions.append(col(RepairOrder.status) == filters.status)
    if filters.created_from:
        start = _day_start(filters.created_from, filters.zone)
        conditions.append(col(RepairOrder.created_at) >= start)
    if filters.created_to:
        end = _day_start(filters.created_to + timedelta(days=1), filters.zone)
        conditions.append(col(RepairOrder.created_at) < end)
    if filters.overdue is not None:
        overdue = overdue_condition(nodes, now)
        conditions.append(overdue if filters.overdue else ~overdue)
    if filters.invoice_waiting:
        conditions.append(col(RepairOrder.id).in_(_orders_with_invoice_waiting()))
    if filters.q and filters.q.strip():
        conditions.append(_search_condition(filters.q.strip()))
    return conditions


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _at_nodes_granted_to(team_ids: Iterable[int]) -> Any:
    granted = select(NodeGrant.node_code).where(col(NodeGrant.team_id).in_(list(team_ids)))
    return col(RepairOrder.node_code).in_(granted)


def _customer_condition(text: str) -> Any:
    """The customer's WeChat name or company, or the contact named on the request."""
    lowered = text.lower()
    customers = select(Customer.id).where(
        or_(
            func.lower(Customer.name).contains(lowered, autoescape=True),
            func.lower(Customer.company).contains(lowered, autoescape=True),
        )
    )
    requests = select(RepairRequest.id).where(
        func.lower(RepairRequest.contact_name).contains(lowered, autoescape=True)
    )
    return or_(
        col(RepairOrder.customer_id).in_(customers), col(RepairOrder.request_id).in_(requests)
    )


def _orders_with_invoice_waiting() -> Any:
    return (
        select(PaymentOrder.order_id)
        .join(Invoice, col(Invoice.payment_id) == PaymentOrder.payment_id)
        .join(Payment, col(Payment.id) == PaymentOrder.payment_id)
        .where(col(Invoice.issued_at).is_(None), Payment.status == PaymentStatus.CONFIRMED)
    )


def overdue_condition(nodes: dict[str, Node], now: datetime) -> Any:
    """Open and past its node's own estimate.

    Each node has its own estimate; the OR over the (few) nodes stays portable across
    PostgreSQL and SQLite, unlike interval arithmetic on a joined column.
    """
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
    """Part of an order number, SN or PN (any case), a waybill, or part of the customer's name,
    company or the request's contact name."""
    lowered = text.lower()

    def contains(column: Any) -> Any:
        return func.lower(column).contains(lowered, autoescape=True)

    # Waybills are matched whole (as typed, or in capitals), so the lookup stays on its index.
    waybills = select(Shipment.order_id).where(
        col(Shipment.waybill).in_(list({text, text.upper()}))
    )
    # Cost: a substring in any case cannot use the b-tree indexes, so PostgreSQL filters the
    # orders the other conditions leave (every order when there are none) row by row, and scans
    # the customer and request tables for names. Fine for tens of thousands of orders; beyond,
    # trigram (pg_trgm) indexes on these columns would keep it indexed.
    return or_(
        contains(col(RepairOrder.number)),
        contains(col(RepairOrder.sn)),
        contains(col(RepairOrder.pn)),
        col(RepairOrder.id).in_(waybills),
        _customer_condition(text),
    )


_SORTS = {
    Sort.NEWEST: (col(RepairOrder.created_at).desc(), col(RepairOrder.id).desc()),
    Sort.WAITING: (col(RepairOrder.node_entered_at), col(RepairOrder.id)),
}


def _page_of_rows(
    session: Session,
    conditions: list[Any],
    nodes: dict[str, Node],
    now: datetime,
    *,
    sort: Sort,
    page: int,
    page_size: int,
) -> list[s.StaffOrderRow]:
    # The page's ids are picked first (walking an index in the sort order), then joined to
    # names, so the joins touch one page of rows rather than every matching order.
    order_by = _SORTS[sort]
    page_ids = (
        select(RepairOrder.id)
        .where(*conditions)
        .order_by(*order_by)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .subquery()
    )
    # SQLAlchemy's select: SQLModel's typed select takes at most four entities.
    entities: tuple[Any, ...] = (
        RepairOrder,
        Customer,
        RepairRequest.contact_name,
        CatalogueProduct.name,
        StaffAccount.display_name,
    )
    rows = session.execute(
        sa_select(*entities)
        .join(page_ids, page_ids.c.id == RepairOrder.id)
        .join(Customer, col(Customer.id) == RepairOrder.customer_id)
        .join(RepairRequest, col(RepairRequest.id) == RepairOrder.request_id)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .outerjoin(StaffAccount, col(StaffAccount.id) == RepairOrder.assignee_id)
        .order_by(*order_by)
    ).all()
    return [
        s.StaffOrderRow(
            **_summary_fields(order, nodes, product, now),
            customer_name=customer.name or contact_name,
            customer_company=customer.company,
            assignee_name=assignee,
        )
        for order, customer, contact_name, product, assignee in rows
    ]


def list_staff_orders(
    session: Session,
    filters: OrderFilters,
    *,
    page: int,
    page_size: int,
    sort: Sort = Sort.NEWEST,
) -> Page[s.StaffOrderRow]:
    """Orders for staff, filtered and sorted, in three queries (nodes, capped count, page)."""
    now = utcnow()
    nodes = load_nodes(session)
    conditions = _filter_conditions(filters, nodes, now)
    capped = select(RepairOrder.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    counted = session.exec(select(func.count()).select_from(capped)).one()
    items = _page_of_rows(
        session, conditions, nodes, now, sort=sort, page=page, page_size=page_size
    )
    return Page(
        items=items,
        total=min(counted, COUNT_CAP),
        page=page,
        page_size=page_size,
        total_is_exact=counted <= COUNT_CAP,
    )


@dataclass(frozen=True)
class NodeCount:
    node: Node
    orders: int
    overdue: int


@dataclass(frozen=True)
class Board:
    """One page of orders with the exact count of matching orders per node."""

    page: Page[s.StaffOrderRow]
    counts: list[NodeCount]
    nodes: dict[str, Node]

    @property
    def pages(self) -> int:
        return max(1, -(-self.page.total // self.page.page_size))


def load_board(session: Session, filters: OrderFilters, *, page: int, page_size: int) -> Board:
    """The console board: the orders that wait longest first, and per node how many match the
    other filters and how many of those are overdue, in three queries (nodes, counts, page).

    The total is the sum of the counts (or the chosen node's count), so it is exact without a
    query of its own.
    """
    now = utcnow()
    nodes = load_nodes(session)
    other_filters = _filter_conditions(replace(filters, node=None), nodes, now)
    late = case((overdue_condition(nodes, now), 1), else_=0)
    found = {
        code: (count, int(overdue or 0))
        for code, count, overdue in session.exec(
            select(RepairOrder.node_code, func.count(), func.sum(late))
            .where(*other_filters)
            .group_by(col(RepairOrder.node_code))
        ).all()
    }
    counts = [NodeCount(node, *found[code]) for code, node in nodes.items() if code in found]
    if filters.node:
        total = found.get(filters.node, (0, 0))[0]
    else:
        total = sum(count for count, _ in found.values())

    conditions = _filter_conditions(filters, nodes, now)
    items = _page_of_rows(
        session, conditions, nodes, now, sort=Sort.WAITING, page=page, page_size=page_size
    )
    return Board(
        page=Page(items=items, total=total, page=page, page_size=page_size),
        counts=counts,
        nodes=nodes,
    )


def count_invoices_waiting(session: Session) -> int:
    """Invoices requested and not issued yet (one per payment), whatever their orders' nodes."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Invoice)
            .join(Payment, col(Payment.id) == Invoice.payment_id)
            .where(col(Invoice.issued_at).is_(None), Payment.status == PaymentStatus.CONFIRMED)
        ).one()
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
    orders = _orders_by_request(session, [saved_id(r) for r in requests])
    items = [
        _request_public(request, orders.get(saved_id(request), []), nodes, now)
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
        id=saved_id(request),
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        ship_from_address=request.ship_from_address,
        created_at=as_utc(request.created_at),
        orders=[s.OrderSummary(**_summary_fields(o, nodes, name, now)) for o, name in orders],
    )


def customer_request(session: Session, actor: Actor, request_id: int) -> s.RepairRequestPublic:
    request = session.get(RepairRequest, request_id)
    if request is None or request.customer_id != actor.numeric_id:
        raise NotFound("No such request")
    orders = _orders_by_request(session, [request_id])
    return _request_public(request, orders.get(request_id, []), load_nodes(session), utcnow())


# Order detail


def _timeline(
    session: Session, order_id: int, nodes: dict[str, Node], *, with_files: bool = True
) -> list[s.TickPublic]:
    ticks = session.exec(select(Tick).where(Tick.order_id == order_id).order_by(col(Tick.id))).all()
    files: dict[int, list[AttachmentRef]] = {}
    tick_ids = [saved_id(tick) for tick in ticks]
    attached = select(Attachment).where(col(Attachment.tick_id).in_(tick_ids))
    for attachment in session.exec(attached) if with_files else ():
        ref = AttachmentRef(kind=attachment.kind, key=attachment.key, name=attachment.name)
        # Selected by tick_id IN (...), so the column (nullable for order-level files) is set.
        assert attachment.tick_id is not None
        files.setdefault(attachment.tick_id, []).append(ref)
    return [
        s.TickPublic(
            id=saved_id(tick),
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
            attachments=files.get(saved_id(tick), []),
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


def orders_paid_unexpectedly(session: Session, order_ids: Iterable[int]) -> set[int]:
    """Which of these orders have a WeChat Pay attempt, of any of their payments, that took
    money we no longer expected (``needs_staff``).

    Staff refund in WeChat Pay's merchant platform and then record it on the console order page,
    which clears the flag (``record_unexpected_payment_settled``). Known shortcoming: refunding
    through WeChat Pay's refund API from here is not built; it needs the merchant's refund
    permission and a refund notification endpoint, and such payments are expected to be rare.
    """
    found = _paid_unexpectedly().where(col(PaymentOrder.order_id).in_(list(order_ids)))
    return set(session.exec(found))


def open_orders_paid_unexpectedly(session: Session) -> set[int]:
    """Open orders with money WeChat Pay took unexpectedly, for the board (one query: such
    orders are few, and the board marks its rows and counts them all from this)."""
    found = (
        _paid_unexpectedly()
        .join(RepairOrder, col(RepairOrder.id) == PaymentOrder.order_id)
        .where(RepairOrder.status == OrderStatus.OPEN)
    )
    return set(session.exec(found))


def _paid_unexpectedly() -> SelectOfScalar[int]:
    """The ids of orders with a WeChat Pay attempt flagged ``needs_staff``, to narrow down."""
    return (
        select(PaymentOrder.order_id)
        .join(WeChatPayAttempt, col(WeChatPayAttempt.payment_id) == PaymentOrder.payment_id)
        .where(col(WeChatPayAttempt.needs_staff).is_(True))
    )


def payment_public(session: Session, payment: Payment) -> s.PaymentPublic:
    order_ids = session.exec(
        select(PaymentOrder.order_id).where(PaymentOrder.payment_id == payment.id)
    ).all()
    return s.PaymentPublic(
        id=saved_id(payment),
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
        id=saved_id(invoice),
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
            order_id=saved_id(o),
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


PAYMENT_ACTIONS = ("confirm_payment", "reject_payment")


def _granted_nodes(session: Session, actor: Actor) -> set[str] | None:
    """The nodes the actor may operate; None when they operate every node."""
    if actor.operates_every_node:
        return None
    return set(
        session.exec(
            select(NodeGrant.node_code).where(col(NodeGrant.team_id).in_(actor.team_ids))
        ).all()
    )


def staff_actions(
    session: Session,
    actor: Actor,
    order: RepairOrder,
    *,
    payment: s.PaymentPublic | None,
    invoice: s.InvoicePublic | None,
    repair_started: bool,
) -> list[str]:
    """What this person may do on the order now, in the order the console offers it.

    The same checks the services make, so nothing offered is refused for the order's state:
    the node's grant, start before finish, a proof waiting for finance, an invoice waiting to
    be issued (which blocks completion, and may be issued even after completion), and
    assignment, which is for coordinators and administrators.
    """
    granted = _granted_nodes(session, actor)
    names: list[str] = []
    if order.status == OrderStatus.OPEN and (granted is None or order.node_code in granted):
        names = [
            name
            for name, rule in RULES.items()
            if rule.by == "staff" and order.node_code in rule.nodes
        ]
        if order.node_code == "repair":
            names.remove("start_repair" if repair_started else "finish_repair")
        if payment and payment.status == PaymentStatus.SUBMITTED:
            names += PAYMENT_ACTIONS if order.node_code == "fee_collection" else ()
    invoice_waiting = invoice is not None and invoice.issued_at is None
    if invoice_waiting:
        if "complete" in names:
            names.remove("complete")
        if order.status != OrderStatus.REJECTED and (granted is None or "invoicing" in granted):
            names.append("issue_invoice")
    if order.status == OrderStatus.OPEN and actor.is_staff and actor.operates_every_node:
        names.append("assign")
    return names


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
    fields = _detail_fields(session, order)
    timeline: list[s.TickPublic] = fields["timeline"]
    actions = staff_actions(
        session,
        actor,
        order,
        payment=fields["payment"],
        invoice=fields["invoice"],
        repair_started=bool(timeline and timeline[-1].started_at),
    )
    return s.StaffOrderPublic(
        **fields,
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        ship_from_address=request.ship_from_address,
        # As on the board: WeChat does not give a name on silent sign-in, so the contact stands in.
        customer_name=customer.name or request.contact_name,
        customer_company=customer.company,
        assignee_id=order.assignee_id,
        public_token=order.public_token,
        staff_actions=actions,
    )


def _detail_fields(session: Session, order: RepairOrder) -> dict[str, Any]:
    nodes = load_nodes(session)
    now = utcnow()
    product = session.exec(select(CatalogueProduct).where(CatalogueProduct.pn == order.pn)).first()
    quote = session.exec(
        select(Quote).where(Quote.order_id == order.id).order_by(col(Quote.id).desc())
    ).first()
    payment = _latest_payment(session, saved_id(order))
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
        "accessories_received": order.accessories_received,
        "findings": order.findings,
        "under_warranty": order.under_warranty,
        "quote_declined": order.quote_declined,
        "receiving_address": s.ReceivingAddressPublic.model_validate(address, from_attributes=True)
        if address
        else None,
        "needs_from_customer": _needs_from_customer(order, payment),
        "customer_actions": _customer_actions(order, payment, invoice),
        "timeline": _timeline(session, saved_id(order), nodes),
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
        "wechat_paid_unexpectedly": bool(orders_paid_unexpectedly(session, [saved_id(order)])),
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
        raise NotFound("No such order")
    found = session.exec(
        select(RepairOrder, RepairRequest, CatalogueProduct)
        .join(RepairRequest, col(RepairRequest.id) == RepairOrder.request_id)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .where(RepairOrder.public_token == token)
    ).first()
    if found is None:
        raise NotFound("No such order")
    order, request, product = found
    nodes = load_nodes(session)
    timeline = _timeline(session, saved_id(order), nodes, with_files=False)
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
