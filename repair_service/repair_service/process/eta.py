"""Estimated completion of an order, computed from the nodes' current estimates (never stored).

Calendar days for now: a working-day calendar (weekends, holidays, make-up working days) is not
modelled yet, so estimates spanning a holiday week come out optimistic.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from repair_service.db import as_utc
from repair_service.process.models import Node


@dataclass(frozen=True)
class Eta:
    node_estimated_days: int
    expected_completion: datetime
    days_left: int
    overdue: bool
    node_due_at: datetime


def compute_eta(
    *, nodes: list[Node], current_code: str, entered_at: datetime, now: datetime, timezone: str
) -> Eta | None:
    """ETA of an order at ``current_code`` since ``entered_at``; None once it reached the end.

    Expected completion is the entry time plus the estimates of the current and every later node;
    the node is overdue once its own estimate has passed since entry.
    """
    ordered = sorted(nodes, key=lambda node: node.position)
    codes = [node.code for node in ordered]
    if current_code not in codes or current_code == codes[-1]:
        return None
    remaining = ordered[codes.index(current_code) :]
    entered = as_utc(entered_at)
    current = remaining[0]
    expected = entered + timedelta(days=sum(node.estimated_days for node in remaining))
    node_due = entered + timedelta(days=current.estimated_days)
    left = (expected - as_utc(now)).total_seconds() / 86400
    zone = ZoneInfo(timezone)
    return Eta(
        node_estimated_days=current.estimated_days,
        expected_completion=expected.astimezone(zone),
        days_left=max(0, math.ceil(left)),
        overdue=as_utc(now) > node_due,
        node_due_at=node_due.astimezone(zone),
    )
