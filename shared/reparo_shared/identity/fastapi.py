"""FastAPI dependencies that require a valid gateway token.

A service builds its verifier once at start-up and passes it to ``principal_dependency``::

    CurrentCustomer = Annotated[Principal, Depends(principal_dependency(get_verifier, "customer"))]
"""

from collections.abc import Callable

from fastapi import HTTPException, Request, status

from reparo_shared.identity.tokens import (
    InvalidToken,
    Principal,
    TokenKind,
    TokenVerifier,
    bearer_token,
)


def principal_dependency(
    get_verifier: Callable[[], TokenVerifier], kind: TokenKind | None = None
) -> Callable[[Request], Principal]:
    """Build a dependency returning the verified principal, answering 401 otherwise."""

    def require_principal(request: Request) -> Principal:
        try:
            token = bearer_token(request.headers.get("authorization"))
            return get_verifier().verify(token, kind)
        except InvalidToken as error:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail=f"authentication required: {error}",
                headers={"WWW-Authenticate": "Bearer"},
            ) from error

    return require_principal
