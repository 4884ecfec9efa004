"""Access tokens and jsapi tickets: stable_token, one renewal under contention, signatures."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from wechatpy.exceptions import WeChatClientException

from reparo_shared.wechat import (
    MemoryTokenStore,
    ReparoWeChatClient,
    WeChatError,
    make_client,
    set_menu,
)
from reparo_shared.wechat.testing import RunningSandbox

MENU = {"button": [{"type": "view", "name": "我的维修", "url": "https://reparo.example/orders"}]}


def _stats(sandbox: RunningSandbox) -> dict[str, int]:
    stats: dict[str, int] = sandbox.control("GET", "/sandbox/stats")
    return stats


def test_two_services_share_one_stable_token_without_invalidating_each_other(
    sandbox: RunningSandbox,
) -> None:
    gateway = make_client(sandbox.settings())
    repair_service = make_client(sandbox.settings())

    assert gateway.access_token == repair_service.access_token
    set_menu(gateway, MENU)
    set_menu(repair_service, MENU)
    assert _stats(sandbox).get("stable_token.force", 0) == 0


def test_cached_token_is_reused_until_its_margin(sandbox: RunningSandbox) -> None:
    store = MemoryTokenStore()
    client = make_client(sandbox.settings(), store)

    for _ in range(5):
        set_menu(client, MENU)

    assert _stats(sandbox)["stable_token"] == 1


def test_ten_concurrent_callers_after_expiry_make_one_renewal(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    set_menu(client, MENU)
    first_token = client.access_token
    # WeChat now answers 42001 (access_token expired) to every caller still holding it.
    sandbox.control("POST", "/sandbox/tokens/expire")

    with ThreadPoolExecutor(max_workers=10) as pool:
        menus = list(pool.map(lambda _: client.menu.get(), range(10)))

    stats = _stats(sandbox)
    assert all(menu["menu"] == MENU for menu in menus)
    assert stats["stable_token"] == 2  # the first fetch and one renewal
    assert stats.get("stable_token.force", 0) == 0
    assert client.access_token != first_token


def test_injected_42001_on_a_live_token_forces_one_refresh(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    set_menu(client, MENU)
    old_token = client.access_token
    sandbox.control("POST", "/sandbox/faults", json={"path": "/cgi-bin/menu/get", "errcode": 42001})

    assert client.menu.get()["menu"] == MENU
    assert _stats(sandbox)["stable_token.force"] == 1
    assert client.access_token != old_token


def test_token_refused_twice_is_retried_once_then_raised(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    set_menu(client, MENU)
    sandbox.control(
        "POST", "/sandbox/faults", json={"path": "/cgi-bin/menu/get", "errcode": 40001, "count": 3}
    )

    with pytest.raises(WeChatClientException) as refused:
        client.menu.get()

    assert refused.value.errcode == 40001
    assert _stats(sandbox)["fault:/cgi-bin/menu/get"] == 2


def test_wrong_secret_fails_with_wechat_code(sandbox: RunningSandbox) -> None:
    client = make_client(sandbox.settings(secret="wrong"))

    with pytest.raises(WeChatError) as refused:
        set_menu(client, MENU)

    assert refused.value.errcode == 40125


def test_classic_token_keeps_working_five_minutes_after_a_new_one(
    sandbox: RunningSandbox,
) -> None:
    params = {"grant_type": "client_credential", "appid": sandbox.appid, "secret": sandbox.secret}
    first = httpx.get(f"{sandbox.base_url}/cgi-bin/token", params=params).json()["access_token"]
    second = httpx.get(f"{sandbox.base_url}/cgi-bin/token", params=params).json()["access_token"]

    def menu_errcode(token: str) -> int:
        url = f"{sandbox.base_url}/cgi-bin/menu/get"
        return int(httpx.get(url, params={"access_token": token}).json().get("errcode", 0))

    assert menu_errcode(first) == 46003  # still valid: the account simply has no menu
    sandbox.control("POST", "/sandbox/clock/advance", json={"seconds": 301})
    assert menu_errcode(first) == 42001
    assert menu_errcode(second) == 46003


def test_stable_token_renews_only_in_its_last_five_minutes(sandbox: RunningSandbox) -> None:
    url = f"{sandbox.base_url}/cgi-bin/stable_token"
    body = {"grant_type": "client_credential", "appid": sandbox.appid, "secret": sandbox.secret}
    first = httpx.post(url, json=body).json()
    sandbox.control("POST", "/sandbox/clock/advance", json={"seconds": 7200 - 400})
    same = httpx.post(url, json=body).json()
    sandbox.control("POST", "/sandbox/clock/advance", json={"seconds": 200})
    renewed = httpx.post(url, json=body).json()
    forced = httpx.post(url, json={**body, "force_refresh": True}).json()

    assert same["access_token"] == first["access_token"]
    assert same["expires_in"] <= 400
    assert renewed["access_token"] != first["access_token"]
    assert renewed["expires_in"] == 7200
    assert forced["access_token"] != renewed["access_token"]


def test_stable_token_with_wrong_appid_is_40013(sandbox: RunningSandbox) -> None:
    body = {"grant_type": "client_credential", "appid": "wx_other", "secret": sandbox.secret}
    answer = httpx.post(f"{sandbox.base_url}/cgi-bin/stable_token", json=body).json()

    assert answer["errcode"] == 40013


def test_jsapi_config_signs_url_without_fragment_and_caches_the_ticket(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    page = "https://reparo.example/orders/R1?tab=quote#section"
    config = client.jsapi_config(page)
    client.jsapi_config("https://reparo.example/other")

    check = sandbox.control(
        "POST",
        "/sandbox/jsapi/verify",
        json={
            "appId": config.app_id,
            "timestamp": config.timestamp,
            "nonceStr": config.nonce_str,
            "signature": config.signature,
            "url": "https://reparo.example/orders/R1?tab=quote",
        },
    )
    assert check == {"ok": True, "errMsg": "config:ok"}
    assert _stats(sandbox)["getticket"] == 1
