"""Access tokens (classic and stable) and the JS-SDK ticket."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError

from .deps import AccessToken, StateDep, json_body
from .errors import WeChatError, ok
from .state import ACCESS_TOKEN_LIFETIME, OVERLAP_SECONDS, IssuedToken, SandboxState

router = APIRouter(prefix="/cgi-bin")


class StableTokenRequest(BaseModel):
    grant_type: str = ""
    appid: str = ""
    secret: str = ""
    force_refresh: bool = False


def _check_credentials(state: SandboxState, grant_type: str, appid: str, secret: str) -> None:
    if grant_type != "client_credential":
        raise WeChatError(40002)
    if appid != state.appid:
        raise WeChatError(40013)
    if secret != state.secret:
        raise WeChatError(40125)


def _answer(state: SandboxState, token: IssuedToken) -> dict[str, object]:
    return {"access_token": token.value, "expires_in": round(token.expires_at - state.now())}


@router.get("/token")
async def classic_token(
    state: StateDep, grant_type: str = "", appid: str = "", secret: str = ""
) -> dict[str, object]:
    """Each call issues a new token; the previous one keeps working for five more minutes."""
    _check_credentials(state, grant_type, appid, secret)
    state.calls["token"] += 1
    previous = state.access_tokens.get(state.classic_token or "")
    if previous is not None:
        previous.expires_at = min(previous.expires_at, state.now() + OVERLAP_SECONDS)
    token = state.issue_access_token("classic")
    state.classic_token = token.value
    return _answer(state, token)


@router.post("/stable_token")
async def stable_token(request: Request, state: StateDep) -> dict[str, object]:
    """The same token until its last five minutes; ``force_refresh`` replaces it at once.

    Independent of ``/cgi-bin/token``: neither endpoint invalidates the other's tokens.
    """
    try:
        body = StableTokenRequest.model_validate(await json_body(request))
    except ValidationError:
        raise WeChatError(47001) from None
    _check_credentials(state, body.grant_type, body.appid, body.secret)
    state.calls["stable_token.force" if body.force_refresh else "stable_token"] += 1
    current = state.access_tokens.get(state.stable_token or "")
    if body.force_refresh and current is not None:
        current.expires_at = state.now()
    elif current is not None and current.expires_at - state.now() > OVERLAP_SECONDS:
        return _answer(state, current)
    token = state.issue_access_token("stable")
    state.stable_token = token.value
    return _answer(state, token)


@router.get("/ticket/getticket")
async def get_ticket(
    state: StateDep, _token: AccessToken, type: str = "jsapi"
) -> dict[str, object]:
    """The JS-SDK ticket; the same one for its whole life."""
    if type != "jsapi":
        raise WeChatError(40097, "only type=jsapi is simulated")
    state.calls["getticket"] += 1
    ticket = state.jsapi_ticket
    if ticket is None or ticket.expires_at <= state.now():
        ticket = IssuedToken(state.new_secret_value(), state.now() + ACCESS_TOKEN_LIFETIME, "jsapi")
        state.jsapi_ticket = ticket
    return ok(ticket=ticket.value, expires_in=round(ticket.expires_at - state.now()))
