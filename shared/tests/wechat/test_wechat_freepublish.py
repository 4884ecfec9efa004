"""Published articles through wechatpy's freepublish API, and the sandbox's image hosting."""

from typing import Any

import httpx
import pytest
from wechatpy.exceptions import WeChatClientException

from reparo_shared.wechat import ReparoWeChatClient
from reparo_shared.wechat.testing import RunningSandbox


@pytest.fixture
def seeded(sandbox: RunningSandbox) -> RunningSandbox:
    sandbox.control("POST", "/sandbox/freepublish/seed", json={"count": 45})
    return sandbox


def _all_pages(client: ReparoWeChatClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.freepublish.batchget(offset=len(items), count=20)
        items.extend(page["item"])
        if not page["item_count"]:
            return items


def _images(item: dict[str, Any]) -> list[str]:
    content = item["content"]["news_item"][0]["content"]
    return [part.split('"')[0] for part in content.split('data-src="')[1:]]


def test_importer_pages_through_45_articles(seeded: RunningSandbox, client: ReparoWeChatClient):
    first = client.freepublish.batchget(offset=0, count=20)
    items = _all_pages(client)

    assert first["total_count"] == 45
    assert first["item_count"] == 20
    assert len({item["article_id"] for item in items}) == 45
    times = [item["update_time"] for item in items]
    assert times == sorted(times, reverse=True)


def test_list_carries_multi_item_and_deleted_articles(
    seeded: RunningSandbox, client: ReparoWeChatClient
) -> None:
    items = _all_pages(client)

    news_counts = {len(item["content"]["news_item"]) for item in items}
    deleted = [item for item in items if item["content"]["news_item"][0]["is_deleted"]]
    assert news_counts == {1, 3}
    assert len(deleted) == 4


def test_page_size_over_twenty_is_refused(seeded: RunningSandbox, client: ReparoWeChatClient):
    with pytest.raises(WeChatClientException) as refused:
        client.freepublish.batchget(offset=0, count=21)

    assert refused.value.errcode == 40097


def test_single_article_is_fetched_by_id(seeded: RunningSandbox, client: ReparoWeChatClient):
    article = client.freepublish.getarticle("art004")

    assert len(article["news_item"]) == 3
    with pytest.raises(WeChatClientException) as missing:
        client.freepublish.getarticle("nope")
    assert missing.value.errcode == 53600


def test_images_refuse_foreign_referer_and_one_fails(
    seeded: RunningSandbox, client: ReparoWeChatClient
) -> None:
    items = {item["article_id"]: item for item in _all_pages(client)}
    gif = _images(items["art001"])[0]
    broken = _images(items["art002"])[0]

    plain = httpx.get(gif)
    hotlinked = httpx.get(gif, headers={"Referer": "https://reparo.example/articles/1"})

    assert plain.status_code == 200
    assert plain.headers["content-type"] == "image/gif"
    assert plain.content.startswith(b"GIF89a")
    assert hotlinked.status_code == 403
    assert httpx.get(broken).status_code == 404


def test_article_page_can_be_read_by_url(seeded: RunningSandbox, client: ReparoWeChatClient):
    item = client.freepublish.getarticle("art003")["news_item"][0]

    page = httpx.get(item["url"])

    assert page.status_code == 200
    assert item["title"] in page.text
    assert 'id="js_content"' in page.text
