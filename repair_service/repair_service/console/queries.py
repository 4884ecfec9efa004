"""Reads the console needs beyond the domain selectors: the board, per-order extras, sessions.

Every list here runs a fixed number of queries whatever the number of orders (the board: nodes,
counts per node, total, one page).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, or_
from sqlmodel import Session, col, select

from repair_service.catalogue.models import CatalogueProduct
from repair_service.customers.models import Customer
from repair_service.db import as_utc
from repair_service.orders.actors import Actor
from repair_service.orders.models import Attachment, OrderStatus, RepairOrder, Shipment, Tick
from repair_service.orders.selectors import load_nodes
from repair_service.process.eta import Eta, compute_eta
from repair_service.process.models import Node, NodeGrant
from repair_service.staff.models import StaffAccount, StaffSession


@dataclass(frozen=True)
class BoardFilters:
    """What the board's filter form sends; every field optional."""

    node: str | None = None
    team_id: int | None = None
    pn: str | None = None
    sn: str | None = None
    customer: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool = False
    q: str | None = None
    mine: bool = False
    status: str = "open"


@dataclass(frozen=True)
class BoardRow:
    order: RepairOrder
    customer_name: str
    product_name: str | None
    node: Node
    eta: Eta | None


@dataclass(frozen=True)
class NodeCount:
    node: Node
    orders: int
    overdue: int


@dataclass
class Board:
    rows: list[BoardRow]
    total: int
    page: int
    page_size: int
    counts: list[NodeCount] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def overdue_condition(nodes: dict[str, Node], now: datetime) -> Any:
    """Open and past its node's own estimate. An OR over the (few) nodes keeps it portable."""
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


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _conditions(
    filters: BoardFilters, actor: Actor, nodes: dict[str, Node], now: datetime, zone: ZoneInfo
) -> list[Any]:
    conditions: list[Any] = []
    if filters.status in (OrderStatus.OPEN, OrderStatus.COMPLETED, OrderStatus.REJECTED):
        conditions.append(col(RepairOrder.status) == filters.status)
    if filters.mine and not actor.operates_every_node:
        granted = select(NodeGrant.node_code).where(col(NodeGrant.team_id).in_(actor.team_ids))
        conditions.append(col(RepairOrder.node_code).in_(granted))
    if filters.team_id is not None:
        team_nodes = select(NodeGrant.node_code).where(NodeGrant.team_id == filters.team_id)
        conditions.append(col(RepairOrder.node_code).in_(team_nodes))
    if filters.pn:
        conditions.append(col(RepairOrder.pn) == filters.pn.strip())
    if filters.sn:
        conditions.append(col(RepairOrder.sn) == filters.sn.strip())
    if filters.customer:
        conditions.append(func.lower(Customer.name).contains(filters.customer.strip().lower()))
    if filters.created_from:
        conditions.append(col(RepairOrder.created_at) >= _day_start(filters.created_from, zone))
    if filters.created_to:
        end = _day_start(filters.created_to + timedelta(days=1), zone)
        conditions.append(col(RepairOrder.created_at) < end)
    if filters.overdue:
        conditions.append(overdue_condition(nodes, now))
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        by_waybill = select(Shipment.order_id).where(Shipment.waybill == text)
        conditions.append(
            or_(
                col(RepairOrder.number) == text.upper(),
                col(RepairOrder.sn) == text,
                col(RepairOrder.id).in_(by_waybill),
            )
        )
    return conditions


def load_board(
    session: Session,
    actor: Actor,
    filters: BoardFilters,
    *,
    page: int,
    page_size: int,
    now: datetime,
    zone: ZoneInfo,
) -> Board:
    """The board's page of orders (oldest node entry first, so what waits longest is on top) and
    the count per node, in four queries."""
    nodes = load_nodes(session)
    conditions = _conditions(filters, actor, nodes, now, zone)
    node_condition = [col(RepairOrder.node_code) == filters.node] if filters.node else []
    joined = col(Customer.id) == RepairOrder.customer_id

    overdue = overdue_condition(nodes, now)
    per_node = session.exec(
        select(
            RepairOrder.node_code,
            func.count(),
            func.sum(case((overdue, 1), else_=0)),
        )
        .join(Customer, joined)
        .where(*conditions)
        .group_by(col(RepairOrder.node_code))
    ).all()
    found = {code: (count, late or 0) for code, count, late in per_node}
    counts = [NodeCount(node, *found[code]) for code, node in nodes.items() if code in found]

    total = session.exec(
        select(func.count())
        .select_from(RepairOrder)
        .join(Customer, joined)
        .where(*conditions, *node_condition)
    ).one()
    results = session.exec(
        select(RepairOrder, Customer.name, CatalogueProduct.name)
        .join(Customer, joined)
        .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
        .where(*conditions, *node_condition)
        .order_by(col(RepairOrder.node_entered_at), col(RepairOrder.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    node_list = list(nodes.values())
    rows = [
        BoardRow(order, customer, product, nodes[order.node_code], _eta(order, node_list, now))
        for order, customer, product in results
    ]
    return Board(rows=rows, total=int(total), page=page, page_size=page_size, counts=counts)


def _eta(order: RepairOrder, nodes: list[Node], now: datetime) -> Eta | None:
    if order.status != OrderStatus.OPEN:
        return None
    return compute_eta(
        nodes=nodes,
        current_code=order.node_code,
        entered_at=order.node_entered_at,
        now=now,
        timezone=order.timezone,
    )


def operates_node(session: Session, actor: Actor, node_code: str) -> bool:
    """Whether the actor may operate ``node_code`` (the same rule the domain enforces)."""
    if actor.operates_every_node:
        return True
    granted = session.exec(
        select(NodeGrant.team_id).where(
            NodeGrant.node_code == node_code, col(NodeGrant.team_id).in_(actor.team_ids)
        )
    ).first()
    return granted is not None


def sibling_orders(session: Session, order: RepairOrder) -> list[tuple[RepairOrder, str | None]]:
    """The other orders of the same request, with their product names."""
    return list(
        session.exec(
            select(RepairOrder, CatalogueProduct.name)
            .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
            .where(RepairOrder.request_id == order.request_id, col(RepairOrder.id) != order.id)
            .order_by(col(RepairOrder.id))
        )
    )


def tick_operators(session: Session, order_id: int) -> dict[int, str]:
    """Tick id → who completed it: the staff member's name, or "customer" / "system"."""
    ticks = session.exec(
        select(Tick.id, Tick.operator_kind, Tick.operator_id).where(Tick.order_id == order_id)
    ).all()
    staff_ids = {int(op) for _id, kind, op in ticks if kind == "staff" and op and op.isdigit()}
    names = (
        dict(
            session.exec(
                select(StaffAccount.id, StaffAccount.display_name).where(
                    col(StaffAccount.id).in_(staff_ids)
                )
            ).all()
        )
        if staff_ids
        else {}
    )
    operators: dict[int, str] = {}
    for tick_id, kind, operator_id in ticks:
        if kind == "staff" and operator_id and operator_id.isdigit():
            operators[tick_id] = names.get(int(operator_id), f"staff {operator_id}")  # type: ignore[index]
        elif kind:
            operators[tick_id] = str(kind)  # type: ignore[index]
    return operators


@dataclass(frozen=True)
class SessionRow:
    id: int
    staff_name: str
    username: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    live: bool


def staff_sessions(session: Session, now: datetime, limit: int = 200) -> list[SessionRow]:
    """Recent staff sessions, newest first, for the administrator's list."""
    rows = session.exec(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, col(StaffAccount.id) == StaffSession.staff_id)
        .order_by(col(StaffSession.id).desc())
        .limit(limit)
    ).all()
    return [
        SessionRow(
            id=row.id,  # type: ignore[arg-type]
            staff_name=account.display_name,
            username=account.username,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
            live=row.revoked_at is None and as_utc(row.expires_at) > now,
        )
        for row, account in rows
    ]


def payment_proofs(session: Session, payment_id: int) -> list[Attachment]:
    """The offline payment proofs the customer sent for a payment, oldest first."""
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.payment_id == payment_id)
            .order_by(col(Attachment.id))
        )
    )
