"""Custom menu: create (checked as WeChat checks it) and get."""

from typing import Any

from fastapi import APIRouter, Request

from .deps import AccessToken, StateDep, json_body
from .errors import WeChatError, ok

router = APIRouter(prefix="/cgi-bin/menu")

BUTTON_TYPES = {
    "click",
    "view",
    "miniprogram",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "media_id",
    "article_id",
    "article_view_limited",
}


def _check_button(button: Any, top_level: bool) -> None:
    if not isinstance(button, dict) or not button.get("name"):
        raise WeChatError(40016)
    if len(str(button["name"]).encode()) > (16 if top_level else 60):
        raise WeChatError(40018 if top_level else 40019)
    subs = button.get("sub_button")
    if top_level and subs:
        if not isinstance(subs, list) or len(subs) > 5:
            raise WeChatError(40016)
        for sub in subs:
            _check_button(sub, top_level=False)
        return
    if button.get("type") not in BUTTON_TYPES:
        raise WeChatError(40017)
    if button["type"] == "view" and not button.get("url"):
        raise WeChatError(40055)


@router.post("/create")
async def create_menu(request: Request, state: StateDep, _token: AccessToken) -> dict[str, object]:
    """Replace the menu: at most three top-level buttons, five under each."""
    body = await json_body(request)
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise WeChatError(40016)
    for button in buttons:
        _check_button(button, top_level=True)
    state.menu = {"button": buttons}
    state.save()
    return ok()


@router.get("/get")
async def get_menu(state: StateDep, _token: AccessToken) -> dict[str, object]:
    """The menu as created; 46003 when there is none."""
    if state.menu is None:
        raise WeChatError(46003)
    return {"menu": state.menu}


@router.get("/delete")
async def delete_menu(state: StateDep, _token: AccessToken) -> dict[str, object]:
    state.menu = None
    state.save()
    return ok()
