"""The overview: counts per node, overdue orders, dwell per node and team, as charts."""

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from repair_service.console.auth import ConsoleStaff
from repair_service.console.i18n import node_name, translate
from repair_service.console.stats import load_overview
from repair_service.console.templating import language_of, render
from repair_service.db import utcnow
from repair_service.deps import SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)

PERIODS = (7, 30, 90, 365)


def _period(
    days: int, start: str | None, end: str | None, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime, date | None, date | None]:
    """The chosen dates (whole local days, both included), else the last ``days`` days."""
    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError:
        first = last = None
    if first is None or last is None or last < first:
        return now - timedelta(days=days), now, None, None
    begins = datetime.combine(first, time.min, tzinfo=zone)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return begins, ends, first, last


@router.get("/overview")
def overview(
    request: Request,
    user: ConsoleStaff,
    session: SessionDep,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    start: str | None = None,
    end: str | None = None,
) -> HTMLResponse:
    """Figures over the last ``days`` days, or from ``start`` to ``end`` (local dates, both
    included); dwell counts the visits completed in the period."""
    now = utcnow()
    zone = ZoneInfo(settings.reparo_timezone)
    begins, ends, first, last = _period(days, start, end, zone, now)
    figures = load_overview(session, start=begins, end=ends, now=now)
    language = language_of(request, user)

    def t(text: str) -> str:
        return translate(language, text)

    charts: dict[str, Any] = {
        "chart-open": {
            "labels": [node_name(language, node) for node, _ in figures.open_per_node],
            "datasets": [
                {"label": t("Open orders"), "data": [count for _, count in figures.open_per_node]}
            ],
        },
        "chart-node-dwell": {
            "unit": t("hours"),
            "labels": [node_name(language, node) for node, _ in figures.per_node],
            "datasets": [
                {"label": t("Average"), "data": [d.average_hours for _, d in figures.per_node]},
                {"label": "p90", "data": [d.p90_hours for _, d in figures.per_node]},
            ],
        },
        "chart-team-dwell": {
            "unit": t("hours"),
            "labels": [d.label for d in figures.per_team],
            "datasets": [
                {"label": t("Average"), "data": [d.average_hours for d in figures.per_team]},
                {"label": "p90", "data": [d.p90_hours for d in figures.per_team]},
            ],
        },
    }
    return render(
        request,
        "overview.html",
        {
            "figures": figures,
            "days": days,
            "periods": PERIODS,
            "start": first,
            "end": last,
            "charts": {key: json.dumps(value, ensure_ascii=False) for key, value in charts.items()},
        },
        user=user,
    )
