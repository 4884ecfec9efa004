"""Routers for the gateway's own pages: every route that answers GET answers HEAD too.

Starlette's routes do this by themselves, FastAPI's answer only the methods they list, so without
it ``HEAD /`` from a link checker or an uptime probe gets 405. HEAD runs the GET endpoint and the
server (uvicorn) sends its headers without the body. The proxied paths are not made here: they list
their methods themselves and forward HEAD upstream as HEAD.
"""

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute


class HeadLikeGetRoute(APIRoute):
    """A FastAPI route that, like Starlette's, answers HEAD wherever it answers GET."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Iterable[str] | None = None,
        **options: Any,
    ) -> None:
        answered = {method.upper() for method in methods or ["GET"]}
        if "GET" in answered:
            answered.add("HEAD")
        super().__init__(path, endpoint, methods=answered, **options)


def page_router() -> APIRouter:
    """A router for gateway pages: kept out of the API schema, answering HEAD like GET."""
    return APIRouter(include_in_schema=False, route_class=HeadLikeGetRoute)
