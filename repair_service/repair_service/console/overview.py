"""The overview: counts per node, overdue orders, dwell per node and team, as charts."""

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from repair_service.console.auth import ConsoleStaff
from repair_service.console.i18n import node_name, translate
from repair_service.console.stats import load_overview
from repair_service.console.templating import language_of, render
from repair_service.db import utcnow
from repair_service.deps import SessionDep

router = APIRouter(include_in_schema=False)

PERIODS = (7, 30, 90, 365)


@router.get("/overview")
def overview(
    request: Request,
    user: ConsoleStaff,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
) -> HTMLResponse:
    """Figures over the last ``days`` days (dwell counts visits completed in the period)."""
    now = utcnow()
    figures = load_overview(session, start=now - timedelta(days=days), end=now, now=now)
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
            "charts": {key: json.dumps(value, ensure_ascii=False) for key, value in charts.items()},
        },
        user=user,
    )
