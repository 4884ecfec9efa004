"""Signing and verifying the short-lived tokens the gateway puts on calls to services."""

import time
import uuid
from dataclasses import dataclass
from typing import Literal

import jwt

ISSUER = "reparo-gateway"
AUDIENCE = "reparo-services"
ALGORITHM = "EdDSA"

TokenKind = Literal["customer", "service"]


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or of the wrong kind."""


@dataclass(frozen=True)
class Principal:
    """Who a verified token names."""

    kind: TokenKind
    subject: str
    openid: str | None = None
    token_id: str | None = None

    @property
    def is_customer(self) -> bool:
        return self.kind == "customer"


class TokenSigner:
    """Signs tokens with the gateway's private key (only the gateway holds one)."""

    def __init__(self, private_key_pem: str, kid: str, ttl_seconds: int = 300) -> None:
        self._private_key_pem = private_key_pem
        self._kid = kid
        self._ttl_seconds = ttl_seconds

    def sign_customer(self, customer_id: str, openid: str | None = None) -> str:
        """A token naming a signed-in customer by their repair_service customer id."""
        return self._sign({"typ": "customer", "sub": customer_id, "openid": openid})

    def sign_service(self, service_name: str) -> str:
        """A token naming the calling service itself, with no customer."""
        return self._sign({"typ": "service", "sub": service_name})

    def _sign(self, claims: dict[str, object]) -> str:
        now = int(time.time())
        payload = {
            **claims,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + self._ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(payload, self._private_key_pem, ALGORITHM, headers={"kid": self._kid})


class TokenVerifier:
    """Verifies tokens against the public keys the service was given, by key id."""

    def __init__(self, public_keys: dict[str, str], leeway_seconds: int = 10) -> None:
        self._public_keys = public_keys
        self._leeway_seconds = leeway_seconds

    def verify(self, token: str, kind: TokenKind | None = None) -> Principal:
        """Return the principal a valid token names, or raise InvalidToken.

        ``kind`` restricts the accepted token kind; ``None`` accepts either.
        """
        claims = self._decode(token)
        token_kind = claims.get("typ")
        if token_kind not in ("customer", "service"):
            raise InvalidToken("unknown token kind")
        if kind is not None and token_kind != kind:
            raise InvalidToken(f"a {kind} token is required")
        return Principal(
            kind=token_kind,
            subject=str(claims["sub"]),
            openid=_optional_str(claims.get("openid")),
            token_id=_optional_str(claims.get("jti")),
        )

    def _decode(self, token: str) -> dict[str, object]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise InvalidToken("malformed token") from error
        public_key = self._public_keys.get(str(kid))
        if public_key is None:
            raise InvalidToken("unknown key id")
        try:
            return jwt.decode(
                token,
                public_key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway_seconds,
                options={"require": ["exp", "iat", "sub", "typ"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("token expired") from error
        except jwt.PyJWTError as error:
            raise InvalidToken("invalid token") from error


def bearer_token(authorization_header: str | None) -> str:
    """Extract the token from an ``Authorization: Bearer ...`` header or raise InvalidToken."""
    if not authorization_header:
        raise InvalidToken("no token")
    scheme, _, token = authorization_header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("expected a bearer token")
    return token.strip()


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
