"""The official account's custom menu."""

from collections.abc import Mapping
from typing import Any

from wechatpy.exceptions import WeChatClientException

from reparo_shared.wechat.client import ReparoWeChatClient
from reparo_shared.wechat.errors import WeChatError


def set_menu(client: ReparoWeChatClient, menu: Mapping[str, Any]) -> None:
    """Replace the menu with ``menu`` (WeChat's shape: ``{"button": [...]}``)."""
    try:
        client.menu.create(dict(menu))
    except WeChatClientException as exc:
        raise WeChatError(exc.errcode, str(exc.errmsg)) from exc


def get_menu(client: ReparoWeChatClient) -> dict[str, Any] | None:
    """The current menu in the shape ``set_menu`` takes, or None when the account has none."""
    try:
        result = client.menu.get()
    except WeChatClientException as exc:
        raise WeChatError(exc.errcode, str(exc.errmsg)) from exc
    if result is None:
        return None
    menu: dict[str, Any] = result["menu"]
    return menu
