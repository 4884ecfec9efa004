"""The menu command sets the official account's menu on WeChat (the sandbox here)."""

import subprocess
import sys
from pathlib import Path

from reparo_shared.wechat import make_client
from reparo_shared.wechat.menu import get_menu

ROOT = Path(__file__).resolve().parents[2]


def test_menu_command_sets_repair_my_repairs_and_content(sandbox) -> None:  # type: ignore[no-untyped-def]
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
    urls = [button["url"] for button in menu["button"]]
    assert urls == [
        "https://repair.example.com/repair/new",
        "https://repair.example.com/repair/mine",
        "https://repair.example.com/",
    ]
