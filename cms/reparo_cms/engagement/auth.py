"""Who may call the engagement API: customers by token, and the gateway itself by token."""

from typing import Any

from django.conf import settings
from rest_framework import exceptions, permissions

from reparo_shared.identity.drf import CustomerTokenAuthentication, TokenUser
from reparo_shared.identity.tokens import InvalidToken, Principal, bearer_token


class GatewayTokenAuthentication(CustomerTokenAuthentication):
    """Accepts a customer token or a service token (the gateway acting before sign-in)."""

    def authenticate(self, request: Any) -> tuple[TokenUser, Principal] | None:
        header = request.headers.get("Authorization")
        if not header:
            return None
        try:
            principal = settings.REPARO_TOKEN_VERIFIER.verify(bearer_token(header))
        except InvalidToken as error:
            raise exceptions.AuthenticationFailed(str(error)) from error
        return TokenUser(principal), principal


class IsCustomer(permissions.BasePermission):
    """A verified customer token is present."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.user, TokenUser) and request.user.principal.is_customer


class IsGateway(permissions.BasePermission):
    """A verified customer or service token is present."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.user, TokenUser)


def customer_id_of(request: Any) -> str | None:
    """The signed-in customer's id, or None for anonymous and service callers."""
    user = request.user
    if isinstance(user, TokenUser) and user.principal.is_customer:
        return user.principal.subject
    return None
