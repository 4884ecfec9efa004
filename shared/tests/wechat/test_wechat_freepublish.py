"""Published articles through wechatpy's freepublish API, and the sandbox's image hosting."""

import html
import io
from typing import Any

import httpx
import pytest
from PIL import Image as PillowImage
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
    # WeChat escapes the "&" between query parameters in data-src.
    return [html.unescape(part.split('"')[0]) for part in content.split('data-src="')[1:]]


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
    assert PillowImage.open(io.BytesIO(plain.content)).n_frames == 2
    assert hotlinked.status_code == 403
    assert httpx.get(broken).status_code == 404


def test_article_page_can_be_read_by_url(seeded: RunningSandbox, client: ReparoWeChatClient):
    item = client.freepublish.getarticle("art003")["news_item"][0]

    page = httpx.get(item["url"])

    assert page.status_code == 200
    assert item["title"] in page.text
    assert 'id="js_content"' in page.text


def test_image_addresses_are_escaped_and_one_has_no_declared_format(
    seeded: RunningSandbox, client: ReparoWeChatClient
) -> None:
    items = {item["article_id"]: item for item in _all_pages(client)}
    raw = items["art005"]["content"]["news_item"][0]["content"]
    undeclared = _images(items["art003"])[0]

    assert "wx_fmt=png&amp;from=appmsg" in raw
    assert "wx_fmt" not in undeclared
    assert httpx.get(undeclared).headers["content-type"] == "image/png"


def test_editing_a_published_item_moves_its_update_time(
    seeded: RunningSandbox, client: ReparoWeChatClient
) -> None:
    before = client.freepublish.getarticle("art007")["news_item"][0]

    sandbox_answer = seeded.control(
        "POST", "/sandbox/freepublish/art007/edit", json={"title": "改过的标题"}
    )

    items = {item["article_id"]: item for item in _all_pages(client)}
    assert items["art007"]["content"]["news_item"][0]["title"] == "改过的标题"
    assert items["art007"]["update_time"] == sandbox_answer["update_time"]
    assert before["title"] != "改过的标题"


def test_a_fault_can_expire_every_token_after_some_calls(
    seeded: RunningSandbox, client: ReparoWeChatClient
) -> None:
    seeded.control(
        "POST",
        "/sandbox/faults",
        json={"path": "/cgi-bin/freepublish/batchget", "after": 1, "expire_tokens": True},
    )

    client.freepublish.batchget(offset=0, count=20)
    second = client.freepublish.batchget(offset=20, count=20)

    # The second call met an expired token (42001); the client renewed it once and retried.
    assert second["item_count"] == 20
    assert seeded.control("GET", "/sandbox/stats")["stable_token"] == 2


def test_deleting_one_item_marks_it_deleted_in_the_list(
    seeded: RunningSandbox, client: ReparoWeChatClient
) -> None:
    client.freepublish.delete("art008", 2)

    items = {item["article_id"]: item for item in _all_pages(client)}
    flags = [news["is_deleted"] for news in items["art008"]["content"]["news_item"]]
    assert flags == [False, True, False]
