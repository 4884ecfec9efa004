"""Credentials and clients for the accounts editors register; secrets come from settings only."""

import threading

from django.conf import settings

from reparo_shared.wechat import ReparoWeChatClient, WeChatSettings, make_client

_clients: dict[str, ReparoWeChatClient] = {}
_clients_lock = threading.Lock()


def has_credentials(appid: str) -> bool:
    return bool(settings.WECHAT_IMPORT_SECRETS.get(appid))


def client_for(appid: str) -> ReparoWeChatClient:
    """The client for ``appid``, kept for the life of the process so its token is reused.

    Hosts, time-outs and token margins come from the ``WECHAT_*`` environment like every other
    WeChat client of ours; only the AppID and its secret differ per account.
    """
    secret = settings.WECHAT_IMPORT_SECRETS.get(appid)
    if not secret:
        raise LookupError(f"no secret is configured for AppID {appid}")
    with _clients_lock:
        client = _clients.get(appid)
        if client is None or client.settings.secret != secret:
            client = make_client(WeChatSettings(appid=appid, secret=secret))
            _clients[appid] = client
        return client
