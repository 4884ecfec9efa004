"""The gateway's calls to repair_service's customer API, made with the customer's own token."""

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request

from gateway.identity import SignedInCustomer

logger = logging.getLogger(__name__)


@dataclass
class RepairApiError(Exception):
    """repair_service refused the call; ``detail`` is its message for the customer."""

    status_code: int
    detail: str


class RepairClient:
    """Customer-side repair API, as the signed-in customer."""

    def __init__(self, request: Request, customer: SignedInCustomer) -> None:
        state = request.app.state
        self._http: httpx.AsyncClient = state.http
        self._base = f"{state.settings.repair_url}/api/repair"
        token = state.signer.sign_customer(customer.customer_id, customer.openid)
        self._headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, params=params or None)

    async def post(self, path: str, body: dict[str, Any], **headers: str) -> Any:
        return await self._call("POST", path, json=body, headers=headers)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        extra_headers = kwargs.pop("headers", None) or {}
        try:
            response = await self._http.request(
                method, f"{self._base}{path}", headers={**self._headers, **extra_headers}, **kwargs
            )
        except httpx.HTTPError as error:
            logger.warning("repair_api.unreachable", extra={"error": type(error).__name__})
            raise RepairUnavailable(502, "repair_service is not answering") from error
        if response.status_code >= 400:
            raise RepairApiError(response.status_code, _detail(response))
        return response.json() if response.content else None


class RepairUnavailable(RepairApiError):
    """repair_service did not answer at all."""


async def public_order(request: Request, token: str) -> dict[str, Any] | None:
    """The public QR view of an order, or None when the token is unknown or revoked."""
    state = request.app.state
    try:
        response = await state.http.get(
            f"{state.settings.repair_url}/api/repair/public/orders/{token}"
        )
    except httpx.HTTPError as error:
        raise RepairUnavailable(502, "repair_service is not answering") from error
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return dict(response.json())


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:200]
    if isinstance(detail, list):
        # FastAPI validation errors: name the fields, which is what a person can act on.
        fields = [".".join(str(p) for p in item.get("loc", [])[1:]) for item in detail]
        return "invalid: " + ", ".join(f for f in fields if f)
    return str(detail)
