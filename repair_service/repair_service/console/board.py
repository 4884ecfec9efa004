"""The board: open orders by node, filters, search, "my work", paging."""

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from repair_service.console.auth import ConsoleStaff
from repair_service.console.queries import BoardFilters, load_board
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.db import utcnow
from repair_service.deps import SessionDep, SettingsDep
from repair_service.staff.models import Team

router = APIRouter(include_in_schema=False)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


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
    q: str | None = None,
    mine: str | None = None,
    status: str = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Orders waiting longest first. Members start on "my work" (their teams' nodes)."""
    my_work = (mine == "1") if mine is not None else not user.sees_everything
    filters = BoardFilters(
        node=node or None,
        team_id=_int(team),
        pn=pn or None,
        sn=sn or None,
        customer=customer or None,
        created_from=_date(created_from),
        created_to=_date(created_to),
        overdue=overdue == "1",
        q=q or None,
        mine=my_work,
        status=status,
    )
    result = load_board(
        session,
        user.actor,
        filters,
        page=page,
        page_size=get_console_settings().console_page_size,
        now=utcnow(),
        zone=ZoneInfo(settings.reparo_timezone),
    )
    teams = session.exec(select(Team).order_by(col(Team.name))).all()
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    template = "partials/board_results.html" if request.headers.get("hx-request") else "board.html"
    return render(
        request,
        template,
        {
            "board": result,
            "filters": filters,
            "teams": teams,
            "query": query,
            "raw": request.query_params,
        },
        user=user,
    )
