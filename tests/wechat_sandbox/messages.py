"""Template messages and subscription messages, delivered to the sandbox users' inboxes."""

import re
from typing import Any

from fastapi import APIRouter, Request

from .deps import AccessToken, StateDep, json_body
from .errors import WeChatError, ok
from .state import DEDUP_SECONDS, DeliveredMessage, SandboxState, Template

router = APIRouter(prefix="/cgi-bin/message")

# Longest value per field type, in characters; the type is the key without its trailing digits.
FIELD_LIMITS = {
    "thing": 20,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "phrase": 5,
    "name": 10,
    "phone_number": 17,
    "car_number": 8,
}
DEFAULT_LIMIT = 20


def field_limit(key: str) -> int:
    return FIELD_LIMITS.get(re.sub(r"\d+$", "", key), DEFAULT_LIMIT)


def _values(template: Template, data: Any) -> dict[str, str]:
    """The submitted values, 47003 when a key the template needs is absent or empty."""
    if not isinstance(data, dict):
        raise WeChatError(47003, "data")
    values: dict[str, str] = {}
    for key in template.keys:
        entry = data.get(key)
        value = entry.get("value") if isinstance(entry, dict) else None
        if not value:
            raise WeChatError(47003, f"data.{key}.value empty")
        values[key] = str(value)
    return values


def _template(state: SandboxState, template_id: Any) -> Template:
    template = state.templates.get(str(template_id))
    if template is None:
        raise WeChatError(40037)
    return template


def _deliver(
    state: SandboxState,
    kind: str,
    openid: str,
    template: Template,
    values: dict[str, str],
    url: str | None,
    client_msg_id: str | None = None,
) -> DeliveredMessage:
    message = DeliveredMessage(
        msgid=state.new_msgid(),
        kind=kind,
        openid=openid,
        template_id=template.template_id,
        data=values,
        url=url,
        received_at=state.now(),
        client_msg_id=client_msg_id,
    )
    state.messages.append(message)
    state.save()
    return message


def _duplicate(state: SandboxState, openid: str, client_msg_id: str) -> DeliveredMessage | None:
    for message in reversed(state.messages):
        if state.now() - message.received_at > DEDUP_SECONDS:
            return None
        if message.openid == openid and message.client_msg_id == client_msg_id:
            return message
    return None


@router.post("/template/send")
async def send_template(
    request: Request, state: StateDep, _token: AccessToken
) -> dict[str, object]:
    """Template message: 43004 for non-followers, values over their limit cut silently,
    the same ``client_msg_id`` for the same user within ten minutes delivered once."""
    body = await json_body(request)
    state.calls["template.send"] += 1
    template = _template(state, body.get("template_id"))
    openid = str(body.get("touser", ""))
    user = state.users.get(openid)
    if user is None:
        raise WeChatError(40003)
    if not user.follows:
        raise WeChatError(43004)
    values = _values(template, body.get("data"))
    client_msg_id = body.get("client_msg_id") or None
    if client_msg_id:
        earlier = _duplicate(state, openid, str(client_msg_id))
        if earlier is not None:
            return ok(msgid=earlier.msgid)
    cut = {key: value[: field_limit(key)] for key, value in values.items()}
    message = _deliver(state, "template", openid, template, cut, body.get("url"), client_msg_id)
    return ok(msgid=message.msgid)


@router.post("/subscribe/bizsend")
async def send_subscription(
    request: Request, state: StateDep, _token: AccessToken
) -> dict[str, object]:
    """Subscription message: spends one consent (43101 when none is left); an over-long value
    is refused with 47003 rather than cut."""
    body = await json_body(request)
    state.calls["subscribe.bizsend"] += 1
    template = _template(state, body.get("template_id"))
    openid = str(body.get("touser", ""))
    if openid not in state.users:
        raise WeChatError(40003)
    values = _values(template, body.get("data"))
    for key, value in values.items():
        if len(value) > field_limit(key):
            raise WeChatError(47003, f"data.{key}.value too long")
    if state.consents[(openid, template.template_id)] <= 0:
        raise WeChatError(43101)
    state.consents[(openid, template.template_id)] -= 1
    url = body.get("page")
    _deliver(state, "subscribe", openid, template, values, url)
    return ok()
