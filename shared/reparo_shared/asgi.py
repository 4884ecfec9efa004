"""Small ASGI pieces every FastAPI service uses: correlation ids and health endpoints."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reparo_shared.logs import CORRELATION_HEADER, set_correlation_id

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class CorrelationIdMiddleware:
    """Adopt the caller's correlation id (or make one) and echo it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        header_name = CORRELATION_HEADER.lower().encode()
        incoming = dict(scope["headers"]).get(header_name, b"").decode("latin-1")
        value = set_correlation_id(incoming)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((header_name, value.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


def health_router(readiness: ReadinessCheck) -> APIRouter:
    """``/healthz`` answers while the process runs; ``/readyz`` while its dependencies answer.

    ``readiness`` returns one boolean per dependency; any false one makes ``/readyz`` a 503.
    Both answer HEAD as well, as uptime probes and load balancers often ask that way.
    """
    router = APIRouter(include_in_schema=False)

    @router.api_route("/healthz", methods=["GET", "HEAD"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.api_route("/readyz", methods=["GET", "HEAD"])
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    return router
