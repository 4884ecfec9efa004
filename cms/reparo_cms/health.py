"""Liveness and readiness endpoints for the orchestrator and the gateway."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """Answers while the process runs; touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Answers 200 while the database answers a trivial query, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except DatabaseError:
        logger.warning("cms.readyz.database_unavailable", exc_info=True)
        database_ok = False
    return JsonResponse(
        {"status": "ready" if database_ok else "not ready", "checks": {"database": database_ok}},
        status=200 if database_ok else 503,
    )
