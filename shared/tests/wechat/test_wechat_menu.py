"""Setting and reading the official account's custom menu."""

import pytest

from reparo_shared.wechat import ReparoWeChatClient, WeChatError, get_menu, set_menu
from reparo_shared.wechat.testing import RunningSandbox

MENU = {
    "button": [
        {"type": "view", "name": "报修", "url": "https://reparo.example/repair/new"},
        {
            "name": "我的",
            "sub_button": [
                {"type": "view", "name": "维修进度", "url": "https://reparo.example/orders"},
                {"type": "click", "name": "联系客服", "key": "CONTACT"},
            ],
        },
    ]
}


def test_operator_sets_menu_and_reads_it_back(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    set_menu(client, MENU)

    assert get_menu(client) == MENU


def test_account_without_menu_reads_none(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    assert get_menu(client) is None


def test_menu_with_four_top_buttons_is_refused(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    button = {"type": "click", "name": "x", "key": "X"}

    with pytest.raises(WeChatError) as refused:
        set_menu(client, {"button": [button] * 4})

    assert refused.value.errcode == 40016
    assert get_menu(client) is None
