"""Customer identity at the gateway: the signed session cookie and the tokens for services.

The session cookie (signed, not readable by scripts) holds only the customer's id in
repair_service and their openid. On every call to a service the gateway signs a short-lived
customer token from it; services verify it with the public key and never see the cookie.
"""

import logging
from dataclasses import dataclass

import httpx
from fastapi import Request

from reparo_shared.identity import TokenSigner

logger = logging.getLogger(__name__)

SESSION_CUSTOMER_KEY = "customer"


@dataclass(frozen=True)
class SignedInCustomer:
    customer_id: str
    openid: str


class SignInFailed(Exception):
    """repair_service could not find or create the customer."""


def current_customer(request: Request) -> SignedInCustomer | None:
    """The signed-in customer of this request, if any."""
    stored = request.session.get(SESSION_CUSTOMER_KEY)
    if not isinstance(stored, dict):
        return None
    try:
        return SignedInCustomer(customer_id=str(stored["id"]), openid=str(stored["openid"]))
    except KeyError:
        return None


def remember_customer(request: Request, customer: SignedInCustomer) -> None:
    request.session[SESSION_CUSTOMER_KEY] = {"id": customer.customer_id, "openid": customer.openid}


def forget_customer(request: Request) -> None:
    request.session.pop(SESSION_CUSTOMER_KEY, None)


async def find_or_create_customer(
    client: httpx.AsyncClient,
    signer: TokenSigner,
    repair_url: str,
    openid: str,
    unionid: str | None = None,
) -> SignedInCustomer:
    """Ask repair_service for the customer with this openid, creating them on first sign-in."""
    try:
        response = await client.post(
            f"{repair_url}/api/repair/customers/find-or-create",
            json={"openid": openid, "unionid": unionid},
            headers={"Authorization": f"Bearer {signer.sign_service('gateway')}"},
        )
    except httpx.HTTPError as error:
        logger.error("signin.repair_unreachable", extra={"error": type(error).__name__})
        raise SignInFailed("repair_service did not answer") from error
    if response.status_code >= 400:
        logger.error("signin.find_or_create_failed", extra={"status": response.status_code})
        raise SignInFailed(f"repair_service answered {response.status_code}")
    return SignedInCustomer(customer_id=str(response.json()["customer_id"]), openid=openid)


def customer_authorization(request: Request, signer: TokenSigner) -> dict[str, str]:
    """The Authorization header to add to a proxied call, if the caller brought none."""
    if "authorization" in request.headers:
        return {}
    customer = current_customer(request)
    if customer is None:
        return {}
    token = signer.sign_customer(customer.customer_id, customer.openid)
    return {"Authorization": f"Bearer {token}"}
