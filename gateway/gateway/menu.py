"""Set the official account's menu: ``python -m gateway.menu`` (``--print`` shows it only).

The default menu opens the gateway's pages: repair, my repairs, and a content menu (home,
articles, videos, software, my favourites); the ``WECHAT_MENU`` setting (JSON in WeChat's
``{"button": [...]}`` shape) replaces it. Page URLs are the public gateway's, so the links work
from inside WeChat, which signs the customer in when a page needs it.
"""

import argparse
import json
import sys
from typing import Any

from gateway.settings import GatewaySettings, get_settings
from reparo_shared.wechat import make_client
from reparo_shared.wechat.menu import get_menu, set_menu

# The content entries under "资料中心", in the order customers see them (WeChat allows five).
CONTENT_ENTRIES = (
    ("首页", "/"),
    ("文章", "/articles/"),
    ("视频", "/videos/"),
    ("软件下载", "/software/"),
    ("我的收藏", "/favourites/"),
)


def configured_menu(settings: GatewaySettings) -> dict[str, Any]:
    """The menu from the ``WECHAT_MENU`` setting, or the default one."""
    if settings.wechat_menu:
        menu: dict[str, Any] = json.loads(settings.wechat_menu)
        return menu
    public_url = settings.gateway_public_url.rstrip("/")
    content = [{"type": "view", "name": name, "url": f"{public_url}{path}"}
               for name, path in CONTENT_ENTRIES]  # fmt: skip
    return {
        "button": [
            {"type": "view", "name": "维修申请", "url": f"{public_url}/repair/new"},
            {"type": "view", "name": "我的维修", "url": f"{public_url}/repair/mine"},
            {"name": "资料中心", "sub_button": content},
        ]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print", action="store_true", help="show the menu, change nothing")
    args = parser.parse_args(argv)
    menu = configured_menu(get_settings())
    if args.print:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    client = make_client()
    set_menu(client, menu)
    print(json.dumps(get_menu(client), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
