"""The sandbox's own WeChat behaviour that the production clients never trigger on purpose."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from wechatpy.oauth import WeChatOAuth

from reparo_shared.wechat import ReparoWeChatClient, make_client
from reparo_shared.wechat.testing import RunningSandbox, running_sandbox

FOLLOWER = "oSbx_zhangwei"


def _send_raw(client: ReparoWeChatClient, path: str, thing3: str) -> Any:
    data = {
        "character_string1": {"value": "R1"},
        "thing2": {"value": "审核通过"},
        "thing3": {"value": thing3},
    }
    payload = {"touser": FOLLOWER, "template_id": "TPL_REQUEST_REVIEWED", "data": data}
    return client.post(path, data=payload)


def test_template_value_over_twenty_characters_is_cut_silently(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    text = "一二三四五六七八九十" * 3

    _send_raw(client, "message/template/send", text)

    inbox = sandbox.control("GET", f"/sandbox/api/users/{FOLLOWER}/messages")
    assert inbox[0]["data"]["thing3"] == text[:20]


def test_call_without_access_token_is_41001(sandbox: RunningSandbox) -> None:
    answer = httpx.get(f"{sandbox.base_url}/cgi-bin/menu/get").json()

    assert answer["errcode"] == 41001


def test_authorize_page_refuses_another_appid(sandbox: RunningSandbox) -> None:
    page = httpx.get(
        f"{sandbox.base_url}/connect/oauth2/authorize",
        params={
            "appid": "wx_other",
            "redirect_uri": "https://reparo.example/cb",
            "response_type": "code",
            "scope": "snsapi_base",
        },
    )

    assert page.status_code == 400
    assert "appid" in page.text


def test_inbox_page_shows_received_message(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    _send_raw(client, "message/template/send", "请寄往深圳维修中心")

    page = httpx.get(f"{sandbox.base_url}/sandbox/inbox/{FOLLOWER}")

    assert page.status_code == 200
    assert "维修申请审核结果" in page.text
    assert "请寄往深圳维修中心" in page.text


def test_unfollowing_user_stops_template_delivery(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    sandbox.control("POST", f"/sandbox/users/{FOLLOWER}/follow", json={"follows": False})

    answer = httpx.post(
        f"{sandbox.base_url}/cgi-bin/message/template/send",
        params={"access_token": client.access_token},
        json={"touser": FOLLOWER, "template_id": "TPL_INVOICE_READY", "data": {}},
    ).json()

    assert answer["errcode"] == 43004


def test_users_and_messages_survive_a_restart_with_a_state_file(tmp_path: Path) -> None:
    env = {"SANDBOX_STATE_FILE": str(tmp_path / "sandbox.json")}
    with running_sandbox(extra_env=env) as first:
        first.control("POST", "/sandbox/users", json={"nickname": "陈静", "openid": "oSbx_chen"})
        _send_raw(make_client(first.settings()), "message/template/send", "已寄出")

    with running_sandbox(extra_env=env) as second:
        nicknames = {user["nickname"] for user in second.control("GET", "/sandbox/users")}
        inbox = second.control("GET", f"/sandbox/api/users/{FOLLOWER}/messages")

    assert "陈静" in nicknames
    assert [message["data"]["thing3"] for message in inbox] == ["已寄出"]


def test_user_grant_can_be_refreshed_and_checked(sandbox: RunningSandbox) -> None:
    location = httpx.get(
        f"{sandbox.base_url}/connect/oauth2/authorize",
        params={
            "appid": sandbox.appid,
            "redirect_uri": "https://reparo.example/cb",
            "response_type": "code",
            "scope": "snsapi_userinfo",
            "sandbox_openid": "oSbx_lina",
        },
    ).headers["location"]
    oauth = WeChatOAuth(sandbox.appid, sandbox.secret, "https://reparo.example/cb")
    oauth.API_BASE_URL = f"{sandbox.base_url}/"
    oauth.fetch_access_token(parse_qs(urlsplit(location).query)["code"][0])

    renewed = oauth.refresh_access_token(oauth.refresh_token)

    assert renewed["openid"] == "oSbx_lina"
    assert oauth.check_access_token() is True
    assert oauth.get_user_info()["nickname"] == "李娜 🌸"
