"""The menu command sets the official account's menu on WeChat (the sandbox here)."""

import json
import subprocess
import sys
from pathlib import Path

from gateway.menu import configured_menu
from gateway.settings import GatewaySettings
from reparo_shared.wechat import make_client
from reparo_shared.wechat.menu import get_menu

ROOT = Path(__file__).resolve().parents[2]


def test_menu_command_sets_repair_my_repairs_and_a_content_menu(sandbox) -> None:  # type: ignore[no-untyped-def]
    env = {
        "WECHAT_API_BASE": sandbox.base_url,
        "WECHAT_APPID": sandbox.appid,
        "WECHAT_SECRET": sandbox.secret,
        "GATEWAY_PUBLIC_URL": "https://repair.example.com",
        "PATH": "/usr/bin:/bin",
    }

    result = subprocess.run(
        [sys.executable, "-m", "gateway.menu"],
        cwd=ROOT / "gateway", env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    menu = get_menu(make_client(sandbox.settings()))
    assert menu is not None
    repair, mine, content = menu["button"]
    assert repair["url"] == "https://repair.example.com/repair/new"
    assert mine["url"] == "https://repair.example.com/repair/mine"
    assert [entry["url"] for entry in content["sub_button"]] == [
        "https://repair.example.com/",
        "https://repair.example.com/articles/",
        "https://repair.example.com/videos/",
        "https://repair.example.com/software/",
        "https://repair.example.com/favourites/",
    ]


def test_wechat_menu_setting_replaces_the_default_menu() -> None:
    own = {"button": [{"type": "view", "name": "官网", "url": "https://example.com/"}]}
    settings = GatewaySettings(wechat_menu=json.dumps(own))

    assert configured_menu(settings) == own
