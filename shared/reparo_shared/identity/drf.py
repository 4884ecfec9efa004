"""Django REST framework authentication by gateway token.

Configure the verifier in settings as ``REPARO_TOKEN_VERIFIER`` (a TokenVerifier instance) and add
``CustomerTokenAuthentication`` to a view's ``authentication_classes``. ``request.user`` becomes a
``TokenUser`` carrying the principal; nothing is stored in Django's user table.
"""

from typing import Any

from django.conf import settings
from rest_framework import authentication, exceptions

from reparo_shared.identity.tokens import InvalidToken, Principal, bearer_token


class TokenUser:
    """A customer known by their token only; enough for DRF permission checks."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.pk = principal.subject
        self.id = principal.subject

    def __str__(self) -> str:
        return f"customer:{self.principal.subject}"


class CustomerTokenAuthentication(authentication.BaseAuthentication):
    """Accepts only a valid customer token; a missing header leaves the request anonymous."""

    def authenticate(self, request: Any) -> tuple[TokenUser, Principal] | None:
        header = request.headers.get("Authorization")
        if not header:
            return None
        try:
            principal = settings.REPARO_TOKEN_VERIFIER.verify(bearer_token(header), "customer")
        except InvalidToken as error:
            raise exceptions.AuthenticationFailed(str(error)) from error
        return TokenUser(principal), principal

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"
