"""Figures for the overview: open orders per node, overdue orders, dwell per node and team.

Dwell is how long completed visits (ticks) stayed at a node. The period's ticks are read once and
the averages and 90th percentiles computed here, which stays portable across SQLite and
PostgreSQL; for periods with hundreds of thousands of visits this should move to a
percentile_cont query on PostgreSQL.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from repair_service.db import as_utc
from repair_service.orders.models import OrderStatus, RepairOrder, Tick
from repair_service.orders.selectors import load_nodes, overdue_condition
from repair_service.process.models import Node, NodeGrant
from repair_service.staff.models import Team


@dataclass(frozen=True)
class Dwell:
    label: str
    visits: int
    average_hours: float
    p90_hours: float


@dataclass(frozen=True)
class Overview:
    nodes: dict[str, Node]
    open_per_node: list[tuple[Node, int]]
    overdue: list[RepairOrder]
    per_node: list[tuple[Node, Dwell]]
    per_team: list[Dwell]

    def dwell_of(self, code: str) -> Dwell | None:
        return next((dwell for node, dwell in self.per_node if node.code == code), None)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 for none)."""
    if not values:
        return 0.0
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def _dwell(label: str, seconds: list[float]) -> Dwell:
    ordered = sorted(seconds)
    average = sum(ordered) / len(ordered) if ordered else 0.0
    return Dwell(
        label, len(ordered), round(average / 3600, 1), round(percentile(ordered, 0.9) / 3600, 1)
    )


def load_overview(
    session: Session, *, start: datetime, end: datetime, now: datetime, overdue_limit: int = 50
) -> Overview:
    """Everything the overview shows, in five queries."""
    nodes = load_nodes(session)
    counts = dict(
        session.exec(
            select(RepairOrder.node_code, func.count())
            .where(RepairOrder.status == OrderStatus.OPEN)
            .group_by(col(RepairOrder.node_code))
        ).all()
    )
    overdue = list(
        session.exec(
            select(RepairOrder)
            .where(overdue_condition(nodes, now))
            .order_by(col(RepairOrder.node_entered_at))
            .limit(overdue_limit)
        )
    )
    visits = session.exec(
        select(Tick.node_code, Tick.entered_at, Tick.completed_at)
        .where(col(Tick.completed_at).is_not(None))
        .where(col(Tick.completed_at) >= start, col(Tick.completed_at) < end)
        .where(Tick.node_code != "completed")
    ).all()
    seconds: dict[str, list[float]] = {}
    for code, entered, completed in visits:
        assert completed is not None, "the query keeps completed visits only"
        spent = (as_utc(completed) - as_utc(entered)).total_seconds()
        seconds.setdefault(code, []).append(spent)

    teams = {team.id: team.name for team in session.exec(select(Team))}
    team_seconds: dict[str, list[float]] = {}
    for grant in session.exec(select(NodeGrant)):
        team_seconds.setdefault(teams[grant.team_id], []).extend(seconds.get(grant.node_code, []))

    return Overview(
        nodes=nodes,
        open_per_node=[
            (node, counts.get(code, 0)) for code, node in nodes.items() if code != "completed"
        ],
        overdue=overdue,
        per_node=[
            (node, _dwell(code, seconds[code])) for code, node in nodes.items() if code in seconds
        ],
        per_team=[_dwell(name, values) for name, values in sorted(team_seconds.items())],
    )
