"""Set the official account's menu: ``python -m gateway.menu`` (``--print`` shows it only).

The three entries open the gateway's pages (repair, my repairs, content); ``WECHAT_MENU`` (JSON in
WeChat's ``{"button": [...]}`` shape) replaces them. Page URLs are the public gateway's, so the
links work from inside WeChat, which signs the customer in when a page needs it.
"""

import argparse
import json
import os
import sys
from typing import Any

from gateway.settings import get_settings
from reparo_shared.wechat import make_client
from reparo_shared.wechat.menu import get_menu, set_menu


def configured_menu(public_url: str) -> dict[str, Any]:
    """The menu from ``WECHAT_MENU``, or the default three entries."""
    if os.environ.get("WECHAT_MENU"):
        menu: dict[str, Any] = json.loads(os.environ["WECHAT_MENU"])
        return menu
    return {
        "button": [
            {"type": "view", "name": "维修申请", "url": f"{public_url}/repair/new"},
            {"type": "view", "name": "我的维修", "url": f"{public_url}/repair/mine"},
            {"type": "view", "name": "资料中心", "url": f"{public_url}/"},
        ]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print", action="store_true", help="show the menu, change nothing")
    args = parser.parse_args(argv)
    menu = configured_menu(get_settings().gateway_public_url)
    if args.print:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    client = make_client()
    set_menu(client, menu)
    print(json.dumps(get_menu(client), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
