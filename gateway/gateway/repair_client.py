"""The gateway's calls to repair_service's customer API, made with the customer's own token.

They go through the gateway's aiohttp session (the one proxied traffic uses): per call it costs
a fraction of httpx's time, which matters on pages such as the public QR page that anyone can
load (measured by bench/public_page.py).
"""

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from fastapi import Request

from gateway.identity import SignedInCustomer

logger = logging.getLogger(__name__)


@dataclass
class RepairApiError(Exception):
    """repair_service refused the call.

    ``detail`` is its message in English; ``message_id`` and ``params`` are the template and values
    the pages translate it from (``gateway.refusals``); ``problems`` lists the fields a request
    validation error (422) names, each with ``loc``, ``type`` and ``ctx``.
    """

    status_code: int
    detail: str
    message_id: str = ""
    params: dict[str, str | int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)


class RepairUnavailable(RepairApiError):
    """repair_service did not answer at all."""


class RepairClient:
    """Customer-side repair API, as the signed-in customer."""

    def __init__(self, request: Request, customer: SignedInCustomer) -> None:
        state = request.app.state
        self._session: aiohttp.ClientSession = state.proxy_session
        self._base = f"{state.settings.repair_url}/api/repair"
        token = state.signer.sign_customer(customer.customer_id, customer.openid)
        self._headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, params=params or None)

    async def post(self, path: str, body: dict[str, Any], **headers: str) -> Any:
        return await self._call("POST", path, json=body, headers=headers)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        extra_headers = kwargs.pop("headers", None) or {}
        if kwargs.get("params"):
            kwargs["params"] = {key: str(value) for key, value in kwargs["params"].items()}
        headers = {**self._headers, **extra_headers}
        status, body = await _fetch(self._session, method, f"{self._base}{path}", headers, **kwargs)
        if status >= 400:
            raise _refusal(status, body)
        return json.loads(body) if body else None


async def _fetch(
    session: aiohttp.ClientSession, method: str, url: str, headers: dict[str, str], **kwargs: Any
) -> tuple[int, bytes]:
    """One call to repair_service: its status and body, or RepairUnavailable."""
    try:
        async with session.request(method, url, headers=headers, **kwargs) as response:
            return response.status, await response.read()
    except (TimeoutError, aiohttp.ClientError) as error:
        logger.warning("repair_api.unreachable", extra={"error": type(error).__name__})
        raise RepairUnavailable(502, NOT_ANSWERING, NOT_ANSWERING_ID) from error


NOT_ANSWERING = "repair_service is not answering"
NOT_ANSWERING_ID = "Part of the system is not answering right now. Please try again in a moment."


async def public_order(request: Request, token: str) -> dict[str, Any] | None:
    """The public QR view of an order, or None when the token is unknown or revoked."""
    state = request.app.state
    url = f"{state.settings.repair_url}/api/repair/public/orders/{token}"
    status, body = await _fetch(state.proxy_session, "GET", url, {})
    if status == 404:
        return None
    if status >= 400:
        raise _refusal(status, body)
    return dict(json.loads(body))


def _refusal(status: int, raw: bytes) -> RepairApiError:
    """The refusal in a 4xx/5xx answer: repair_service's error body, or whatever text came."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return RepairApiError(status, raw.decode("utf-8", "replace")[:200])
    detail = body.get("detail")
    problems = [p for p in detail if isinstance(p, dict)] if isinstance(detail, list) else []
    if problems:
        # A request validation error: FastAPI's problems name the fields to correct.
        fields = (".".join(str(part) for part in p.get("loc", [])[1:]) for p in problems)
        detail = "invalid: " + ", ".join(f for f in fields if f)
    return RepairApiError(
        status,
        str(detail),
        message_id=str(body.get("message_id") or ""),
        params=_params(body.get("params")),
        problems=problems,
    )


def _params(raw: object) -> dict[str, str | int]:
    """Only plain values are kept: they are formatted into the page's text."""
    if not isinstance(raw, dict):
        return {}
    return {
        str(name): value
        for name, value in raw.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
