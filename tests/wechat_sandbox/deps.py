"""Annotated dependencies: the sandbox state and an access-token check."""

from typing import Annotated, Any

from fastapi import Depends, Request

from .errors import WeChatError
from .state import SandboxState


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


StateDep = Annotated[SandboxState, Depends(get_state)]


def require_access_token(request: Request, state: StateDep) -> str:
    """Check ``access_token`` as WeChat does: missing 41001, unknown 40001, expired 42001."""
    value = request.query_params.get("access_token")
    if not value:
        raise WeChatError(41001)
    token = state.access_tokens.get(value)
    if token is None:
        raise WeChatError(40001)
    if token.expires_at <= state.now():
        raise WeChatError(42001)
    return value


AccessToken = Annotated[str, Depends(require_access_token)]


async def json_body(request: Request) -> dict[str, Any]:
    """The body as JSON whatever its content type, as WeChat reads it (47001 otherwise)."""
    try:
        body = await request.json()
    except ValueError:
        raise WeChatError(47001) from None
    if not isinstance(body, dict):
        raise WeChatError(47001)
    return body
