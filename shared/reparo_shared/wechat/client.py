"""The official-account client: wechatpy's ``WeChatClient`` on a configurable host, with tokens
from ``stable_token``, a shared cache and a single refresh when WeChat rejects a token."""

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from reparo_shared.wechat.settings import WeChatSettings
from reparo_shared.wechat.tokens import CachedValue, MemoryTokenStore, TokenStore

logger = logging.getLogger(__name__)

# 40001 invalid or superseded token, 40014 malformed token, 42001 expired token.
TOKEN_REJECTED = frozenset({40001, 40014, 42001})


@dataclass(frozen=True)
class JsapiConfig:
    """What a page passes to ``wx.config`` (besides the list of APIs it uses)."""

    app_id: str
    timestamp: int
    nonce_str: str
    signature: str


class ReparoWeChatClient(WeChatClient):
    """wechatpy's client, changed in three ways and otherwise used as wechatpy documents it.

    - All calls go to ``settings.api_base`` (the sandbox locally).
    - Tokens come from ``/cgi-bin/stable_token``, so each service can hold one without
      invalidating the others, and are kept in ``store`` until ``token_margin_seconds`` before
      they expire.
    - A call refused with 40001/40014/42001 renews the token once and is retried once. A lock
      lets one caller renew while the others wait and reuse its result, so many concurrent
      failures cause one renewal. The lock is per process, plus the store's ``renewal_lock``:
      with ``SqlTokenStore`` the processes of a service renew once between them; with the
      in-memory store each process renews for itself, which stays cheap because stable_token in
      normal mode returns the token another process already renewed. A forced refresh is used
      only when WeChat hands back the very token it refused.
    """

    def __init__(self, settings: WeChatSettings, store: TokenStore | None = None) -> None:
        # wechatpy's own retry on token errors retries without limit; ours retries once.
        super().__init__(
            settings.appid, settings.secret, timeout=settings.timeout_seconds, auto_retry=False
        )
        self.API_BASE_URL = f"{settings.api_root}/cgi-bin/"
        self.settings = settings
        self._store = store or MemoryTokenStore()
        self._token_lock = threading.Lock()
        self._ticket_lock = threading.Lock()

    @property
    def _token_key(self) -> str:
        return f"wechat:{self.settings.appid}:access_token"

    @property
    def _ticket_key(self) -> str:
        return f"wechat:{self.settings.appid}:jsapi_ticket"

    @property
    def access_token(self) -> str:
        """A token valid for at least the margin, fetched only when the cache has none."""
        cached = self._store.get(self._token_key)
        if cached and cached.fresh(self.settings.token_margin_seconds):
            return cached.value
        with self._token_lock, self._store.renewal_lock(self._token_key):
            cached = self._store.get(self._token_key)
            if cached and cached.fresh(self.settings.token_margin_seconds):
                return cached.value
            return self._fetch_stable_token(force=False).value

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's hook for "get a token now"; answers in WeChat's shape."""
        with self._token_lock, self._store.renewal_lock(self._token_key):
            token = self._fetch_stable_token(force=False)
        return {"access_token": token.value, "expires_in": int(token.expires_at - time.time())}

    def renew_rejected_token(self, rejected: str) -> str:
        """A token WeChat refused: renew it, unless another caller already has."""
        with self._token_lock, self._store.renewal_lock(self._token_key):
            cached = self._store.get(self._token_key)
            margin = self.settings.token_margin_seconds
            if cached and cached.value != rejected and cached.fresh(margin):
                return cached.value
            renewed = self._fetch_stable_token(force=False)
            if renewed.value == rejected:
                # WeChat still hands out the token it just refused; only a forced refresh helps.
                renewed = self._fetch_stable_token(force=True)
            return renewed.value

    def _fetch_stable_token(self, *, force: bool) -> CachedValue:
        response = self._http.post(
            f"{self.settings.api_root}/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.settings.appid,
                "secret": self.settings.secret,
                "force_refresh": force,
            },
            timeout=self.timeout,
        )
        try:
            response.raise_for_status()
        except requests.RequestException as exc:
            raise WeChatClientException(None, str(exc), client=self, response=response) from exc
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(
                result["errcode"], result.get("errmsg", ""), client=self, response=response
            )
        token = CachedValue(result["access_token"], time.time() + int(result["expires_in"]))
        self._store.put(self._token_key, token)
        logger.info(
            "wechat.token.fetched",
            extra={
                "appid": self.settings.appid,
                "forced": force,
                "expires_in": result["expires_in"],
            },
        )
        return token

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        params = kwargs.pop("params", None) or {}
        if not isinstance(params, dict) or "access_token" in params:
            return super()._request(method, url_or_endpoint, params=params, **kwargs)

        token = self.access_token
        try:
            return super()._request(
                method, url_or_endpoint, params={**params, "access_token": token}, **kwargs
            )
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_REJECTED:
                raise
            logger.info(
                "wechat.token.rejected",
                extra={"appid": self.settings.appid, "errcode": exc.errcode},
            )
        token = self.renew_rejected_token(token)
        return super()._request(
            method, url_or_endpoint, params={**params, "access_token": token}, **kwargs
        )

    def jsapi_ticket(self) -> str:
        """The JS-SDK ticket, cached like the token and fetched by one caller at a time."""
        margin = self.settings.token_margin_seconds
        cached = self._store.get(self._ticket_key)
        if cached and cached.fresh(margin):
            return cached.value
        with self._ticket_lock, self._store.renewal_lock(self._ticket_key):
            cached = self._store.get(self._ticket_key)
            if cached and cached.fresh(margin):
                return cached.value
            result = self.jsapi.get_ticket("jsapi")
            ticket = CachedValue(result["ticket"], time.time() + int(result["expires_in"]))
            self._store.put(self._ticket_key, ticket)
            return ticket.value

    def jsapi_config(self, page_url: str) -> JsapiConfig:
        """Sign ``wx.config`` for the page at ``page_url``; WeChat signs the URL without its
        fragment, so the fragment is dropped here whatever the caller passes."""
        url = page_url.split("#", 1)[0]
        nonce = secrets.token_hex(8)
        timestamp = int(time.time())
        signature = self.jsapi.get_jsapi_signature(nonce, self.jsapi_ticket(), timestamp, url)
        return JsapiConfig(self.settings.appid, timestamp, nonce, signature)


def make_client(
    settings: WeChatSettings | None = None, store: TokenStore | None = None
) -> ReparoWeChatClient:
    """The client for the configured official account (``WECHAT_*`` environment variables)."""
    return ReparoWeChatClient(settings or WeChatSettings(), store)
