"""The board: open orders by node, filters, search, "my work", paging.

It reads through the same filter and page query as the staff API's order list
(``orders.selectors``); only the form's text is turned into filters here.
"""

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from repair_service.console.auth import ConsoleStaff, ConsoleUser
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.deps import SessionDep, SettingsDep
from repair_service.orders.models import OrderStatus
from repair_service.orders.selectors import (
    MyWork,
    OrderFilters,
    count_invoices_waiting,
    load_board,
    open_orders_paid_unexpectedly,
)
from repair_service.orders.workflow import may_operate
from repair_service.staff.models import Team

router = APIRouter(include_in_schema=False)

STATUSES = ("open", "completed", "rejected", "all")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _invoices_waiting(session: Session, user: ConsoleUser) -> int:
    """How many orders have an invoice to issue, for those who issue invoices."""
    if not may_operate(session, user.actor, "invoicing"):
        return 0
    return count_invoices_waiting(session)


@router.get("/")
def board(
    request: Request,
    user: ConsoleStaff,
    session: SessionDep,
    settings: SettingsDep,
    node: str | None = None,
    team: str | None = None,
    pn: str | None = None,
    sn: str | None = None,
    customer: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
    overdue: str | None = None,
    invoice: str | None = None,
    assigned: str | None = None,
    q: str | None = None,
    mine: str | None = None,
    status: str = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Orders waiting longest first. Members start on "my work" (their teams' nodes)."""
    my_work = (mine == "1") if mine is not None else not user.sees_everything
    status = status if status in STATUSES else "open"
    filters = OrderFilters(
        node=node or None,
        team_id=_int(team),
        my_work=MyWork(user.actor.numeric_id, user.actor.team_ids)
        if my_work and not user.sees_everything
        else None,
        assignee_id=user.actor.numeric_id if assigned == "me" else None,
        pn=pn or None,
        sn=sn or None,
        customer=customer or None,
        status=None if status == "all" else OrderStatus(status),
        created_from=_date(created_from),
        created_to=_date(created_to),
        overdue=True if overdue == "1" else None,
        invoice_waiting=invoice == "waiting",
        q=q or None,
        zone=ZoneInfo(settings.reparo_timezone),
    )
    result = load_board(
        session, filters, page=page, page_size=get_console_settings().console_page_size
    )
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    partial = bool(request.headers.get("hx-request"))
    context = {
        "board": result,
        "filters": filters,
        "status": status,
        "my_work": my_work,
        "query": query,
        "raw": request.query_params,
        "invoices_waiting": _invoices_waiting(session, user),
        # Money WeChat Pay took that no payment expected: someone must refund or reconcile it.
        "paid_unexpectedly": open_orders_paid_unexpectedly(session),
    }
    if not partial:
        context["teams"] = session.exec(select(Team).order_by(col(Team.name))).all()
    template = "partials/board_results.html" if partial else "board.html"
    return render(request, template, context, user=user)
