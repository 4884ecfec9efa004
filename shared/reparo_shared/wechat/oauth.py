"""Customer sign-in through the official account's web authorisation (OAuth 2.0)."""

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from reparo_shared.wechat.errors import OAuthCodeRejected, OAuthScopeTooNarrow, WeChatError
from reparo_shared.wechat.settings import WeChatSettings

logger = logging.getLogger(__name__)

Scope = Literal["snsapi_base", "snsapi_userinfo"]
CODE_REJECTED = frozenset({40029, 40163})


@dataclass(frozen=True)
class OAuthIdentity:
    """Who came back from WeChat's authorisation page.

    A snapshot user (a page opened from a Moments snapshot) has a virtual openid that must never
    be bound to a customer; the page should ask them to open it in full first.
    """

    openid: str
    scope: str
    unionid: str | None
    is_snapshot_user: bool
    access_token: str = field(repr=False)


@dataclass(frozen=True)
class WeChatProfile:
    openid: str
    nickname: str
    headimgurl: str
    unionid: str | None


class _TimedOAuth(WeChatOAuth):
    """wechatpy's OAuth client sends requests without a timeout; this one always has one."""

    def __init__(self, settings: WeChatSettings, redirect_uri: str, scope: str, state: str):
        super().__init__(settings.appid, settings.secret, redirect_uri, scope, state)
        self.API_BASE_URL = f"{settings.api_root}/"
        self.OAUTH_BASE_URL = f"{settings.open_root}/connect/"
        self.timeout = settings.timeout_seconds

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)


class WeChatSignIn:
    """Builds the authorisation URL and turns the returned code into an identity and profile."""

    def __init__(self, settings: WeChatSettings | None = None) -> None:
        self.settings = settings or WeChatSettings()

    def authorize_url(self, redirect_uri: str, *, scope: Scope, state: str) -> str:
        """Where to send the browser; WeChat comes back to ``redirect_uri`` with code and state.

        ``state`` should be an unguessable value the caller also keeps (in a cookie) and
        compares on return.
        """
        if scope not in ("snsapi_base", "snsapi_userinfo"):
            raise ValueError(f"unknown OAuth scope {scope!r}")
        return str(_TimedOAuth(self.settings, redirect_uri, scope, state).authorize_url)

    def exchange_code(self, code: str) -> OAuthIdentity:
        """Trade the one-time code for the user's identity.

        Raises ``OAuthCodeRejected`` for an unknown, expired or reused code (restart the
        authorisation) and ``WeChatError`` for anything else.
        """
        oauth = _TimedOAuth(self.settings, "", "snsapi_base", "")
        result = _call(lambda: oauth.fetch_access_token(code))
        identity = OAuthIdentity(
            openid=result["openid"],
            scope=result.get("scope", ""),
            unionid=result.get("unionid"),
            is_snapshot_user=bool(result.get("is_snapshotuser")),
            access_token=result["access_token"],
        )
        logger.info(
            "wechat.oauth.signed_in",
            extra={"scope": identity.scope, "snapshot": identity.is_snapshot_user},
        )
        return identity

    def fetch_profile(self, identity: OAuthIdentity) -> WeChatProfile:
        """The nickname and avatar; only for an ``snsapi_userinfo`` grant of a real user."""
        if identity.is_snapshot_user or identity.scope != "snsapi_userinfo":
            raise OAuthScopeTooNarrow(48001, "profile needs an snsapi_userinfo grant")
        oauth = _TimedOAuth(self.settings, "", identity.scope, "")
        result = _call(lambda: oauth.get_user_info(identity.openid, identity.access_token))
        return WeChatProfile(
            openid=result["openid"],
            nickname=result.get("nickname", ""),
            headimgurl=result.get("headimgurl", ""),
            unionid=result.get("unionid"),
        )


def _call(request: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = request()
    except WeChatOAuthException as exc:
        if exc.errcode in CODE_REJECTED:
            raise OAuthCodeRejected(exc.errcode, str(exc.errmsg)) from exc
        if exc.errcode == 48001:
            raise OAuthScopeTooNarrow(exc.errcode, str(exc.errmsg)) from exc
        raise WeChatError(exc.errcode, str(exc.errmsg)) from exc
    except requests.RequestException as exc:
        raise WeChatError(None, f"WeChat unreachable: {type(exc).__name__}") from exc
    return result
