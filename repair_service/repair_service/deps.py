"""Typed dependencies: a route's signature shows what it needs (session, customer, staff).

``SessionDep`` is the one owner of the transaction. Its scope is the route function, so the
commit happens before the response is sent: a failed commit is an error response, never a
success the database did not keep.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine
from sqlmodel import Session

from repair_service.customers.models import Customer
from repair_service.db import session_scope
from repair_service.errors import Forbidden, NotAuthenticated
from repair_service.orders.actors import Actor
from repair_service.settings import Settings
from repair_service.staff.service import staff_actor_for_token
from reparo_shared.identity import Principal, TokenVerifier
from reparo_shared.identity.fastapi import principal_dependency
from reparo_shared.identity.tokens import InvalidToken, bearer_token

STAFF_COOKIE = "reparo_staff_session"


class _Verifier:
    """The token verifier of the running app, set by ``create_app``.

    ``principal_dependency`` takes a no-argument callable, so the verifier lives here rather
    than on the request's app state.
    """

    current: TokenVerifier | None = None


def configure_verifier(verifier: TokenVerifier) -> None:
    _Verifier.current = verifier


def current_verifier() -> TokenVerifier:
    if _Verifier.current is None:
        raise InvalidToken("token verification is not configured")
    return _Verifier.current


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    yield from session_scope(engine)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CustomerPrincipal = Annotated[
    Principal, Depends(principal_dependency(current_verifier, "customer"))
]
GatewayService = Annotated[Principal, Depends(principal_dependency(current_verifier, "service"))]


def customer_actor(principal: CustomerPrincipal, session: SessionDep) -> Actor:
    """The customer a valid customer token names; unknown ids are refused like bad tokens."""
    if not principal.subject.isdigit() or session.get(Customer, int(principal.subject)) is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown customer")
    return Actor.customer(int(principal.subject))


CurrentCustomer = Annotated[Actor, Depends(customer_actor)]


def staff_token(request: Request) -> str:
    """The staff session token from ``Authorization: Bearer`` or the console's cookie.

    Writes authenticated by the cookie are protected from other sites only by ``SameSite=Lax``;
    the HTML console, which does not exist yet, should add a CSRF token to its forms.
    """
    header = request.headers.get("authorization")
    if header:
        try:
            return bearer_token(header)
        except InvalidToken as error:
            raise NotAuthenticated(
                "The sign-in token was refused ({reason})", reason=str(error)
            ) from error
    cookie = request.cookies.get(STAFF_COOKIE)
    if cookie:
        return cookie
    raise NotAuthenticated("Staff sign-in required")


def staff_actor(request: Request, session: SessionDep) -> Actor:
    actor, _account = staff_actor_for_token(session, staff_token(request))
    return actor


CurrentStaff = Annotated[Actor, Depends(staff_actor)]


def admin_actor(actor: CurrentStaff) -> Actor:
    if actor.role != "admin":
        raise Forbidden("Only an administrator may do this")
    return actor


AdminStaff = Annotated[Actor, Depends(admin_actor)]
