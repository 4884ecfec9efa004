"""WeChat official-account clients: tokens, OAuth sign-in, notifications, menu.

Every WeChat host is a configurable base URL (``WECHAT_API_BASE``, ``WECHAT_OPEN_BASE``), so the
local sandbox (``tests/wechat_sandbox``) can stand in for WeChat with the same code paths.

    client = make_client()                       # WECHAT_* settings, tokens via stable_token
    client.jsapi_config(page_url)                # wx.config values for a page
    WeChatSignIn().authorize_url(callback, scope="snsapi_base", state=state)
    WeChatSignIn().exchange_code(code)           # OAuthCodeRejected: restart the sign-in
    NotificationSender.for_client(client).send_template(Notification(event_id, openid, ...))
    set_menu(client, {"button": [...]})

Several processes of one service can share tokens with ``SqlTokenStore`` (``token_table`` goes
into the service's metadata and migrations); otherwise each process keeps its own in memory.
"""

from reparo_shared.wechat.client import JsapiConfig, ReparoWeChatClient, make_client
from reparo_shared.wechat.errors import (
    DeliveryFailed,
    OAuthCodeRejected,
    OAuthScopeTooNarrow,
    WeChatError,
)
from reparo_shared.wechat.menu import get_menu, set_menu
from reparo_shared.wechat.notifications import Delivered, Notification, NotificationSender
from reparo_shared.wechat.oauth import OAuthIdentity, WeChatProfile, WeChatSignIn
from reparo_shared.wechat.settings import WeChatSettings
from reparo_shared.wechat.sql_store import SqlTokenStore, token_table
from reparo_shared.wechat.tokens import CachedValue, MemoryTokenStore, TokenStore

__all__ = [
    "CachedValue",
    "Delivered",
    "DeliveryFailed",
    "JsapiConfig",
    "MemoryTokenStore",
    "Notification",
    "NotificationSender",
    "OAuthCodeRejected",
    "OAuthIdentity",
    "OAuthScopeTooNarrow",
    "ReparoWeChatClient",
    "SqlTokenStore",
    "TokenStore",
    "WeChatError",
    "WeChatProfile",
    "WeChatSettings",
    "WeChatSignIn",
    "get_menu",
    "make_client",
    "set_menu",
    "token_table",
]
