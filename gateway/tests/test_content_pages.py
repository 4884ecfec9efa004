"""Content pages rendered from cms: lists, pages, 404s, cms down, caching and previews."""

import html
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pika
import pytest
from conftest import gateway_settings
from content_support import PREVIEW_TOKEN, StandInCms, article, product
from fastapi import FastAPI

from gateway.app import create_app
from gateway.content.cache import ContentCache
from reparo_shared.events.broker import DEFAULT_AMQP_URL
from reparo_shared.events.catalogue import make_envelope
from reparo_shared.events.types import ContentPagePublished
from reparo_shared.testing import serve_in_thread


@dataclass
class ContentGateway:
    url: str
    app: FastAPI
    cms: StandInCms

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Accept-Language": "zh-CN"}
        return httpx.get(f"{self.url}{path}", headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def cms() -> Iterator[tuple[StandInCms, str]]:
    stand_in = StandInCms()
    with serve_in_thread(stand_in.app()) as url:
        yield stand_in, url


@pytest.fixture
def gateway(
    keys: dict[str, str], upstream_url: str, cms: tuple[StandInCms, str]
) -> Iterator[ContentGateway]:
    stand_in, cms_url = cms
    stand_in.pages = [
        article(1, "激光切割机保养", "little_known_tips"),
        article(2, "汽车零部件加工", "large_scale_processing"),
        product(10, "RP-100 激光切割机", ["RP-100", "RP 100/B"]),
    ]
    stand_in.failing, stand_in.listing_calls, stand_in.preview_page = False, 0, None
    settings = gateway_settings(keys, upstream_url, cms_url)
    app = create_app(settings)
    with serve_in_thread(app) as url:
        yield ContentGateway(url, app, stand_in)


def test_category_tab_lists_its_articles_with_cover_digest_and_date(
    gateway: ContentGateway,
) -> None:
    page = gateway.get("/articles/?category=little_known_tips")

    assert page.status_code == 200
    assert "激光切割机保养" in page.text
    assert "汽车零部件加工" not in page.text
    assert "激光切割机保养的摘要" in page.text
    assert "/cms/media/images/cover-1.fill.png" in page.text
    assert "2026-05-01" in page.text
    assert 'aria-current="page">冷知识小技巧' in page.text
    assert gateway.cms.seen[-1]["category"] == "little_known_tips"


def test_empty_category_shows_the_empty_state(gateway: ContentGateway) -> None:
    page = gateway.get("/articles/?category=industry_plans")

    assert page.status_code == 200
    assert "这个分类还没有文章。" in page.text


def test_unknown_category_slug_and_page_are_friendly_404s(gateway: ContentGateway) -> None:
    for path in ("/articles/?category=gossip", "/articles/no-such-article/", "/pages/999/"):
        page = gateway.get(path)

        assert page.status_code == 404, path
        assert "页面不存在" in page.text or "This page does not exist." in page.text


def test_imported_article_shows_its_original_publish_time(gateway: ContentGateway) -> None:
    gateway.cms.pages.append(
        article(3, "公众号旧文", "account_history", original_published_at="2019-03-08T01:30:00Z")
    )

    page = gateway.get("/articles/article-3/")

    assert page.status_code == 200
    assert "原文发布于" in page.text
    assert "2019-03-08 09:30" in page.text  # shown in China's time


def test_product_page_offers_repair_with_its_part_number(gateway: ContentGateway) -> None:
    page = gateway.get("/products/product-10/")

    assert 'href="/repair/new?pn=RP-100"' in page.text
    assert 'href="/repair/new?pn=RP%20100%2FB"' in page.text
    assert "1500 W" in page.text
    assert 'href="/pages/50/"' in page.text


def test_anonymous_pages_come_from_the_cache_until_it_is_dropped(
    gateway: ContentGateway,
) -> None:
    first = gateway.get("/articles/")
    second = gateway.get("/articles/")
    calls = gateway.cms.listing_calls
    gateway.app.state.content_cache.clear()
    third = gateway.get("/articles/")

    assert [first.headers["X-Content-Cache"], second.headers["X-Content-Cache"]] == [
        "miss",
        "hit",
    ]
    assert second.text == first.text
    assert third.headers["X-Content-Cache"] == "miss"
    assert gateway.cms.listing_calls == calls + 1


def test_signed_in_customer_never_gets_a_cached_page(gateway: ContentGateway) -> None:
    with httpx.Client(base_url=gateway.url) as browser:
        browser.post("/signin/dev", data={"openid": "content-reader", "next": "/"})
        browser.get("/articles/")
        again = browser.get("/articles/")

    assert again.headers["X-Content-Cache"] == "bypass"


def test_cms_down_gives_a_try_again_page_that_is_not_cached(gateway: ContentGateway) -> None:
    gateway.cms.failing = True
    down = gateway.get("/articles/")
    gateway.cms.failing = False
    back = gateway.get("/articles/")

    assert down.status_code == 503
    assert "重试" in down.text
    assert back.status_code == 200
    assert back.headers["X-Content-Cache"] == "miss"


def test_home_keeps_the_repair_links_while_cms_is_down(gateway: ContentGateway) -> None:
    gateway.cms.failing = True

    home = gateway.get("/")

    assert home.status_code == 200
    assert 'href="/repair/new"' in home.text
    assert "暂时无法显示" in home.text
    assert home.headers["Cache-Control"] == "no-store"


def test_preview_renders_the_draft_like_the_live_page_and_is_never_stored(
    gateway: ContentGateway,
) -> None:
    gateway.cms.preview_page = article(1, "草稿:新标题", "little_known_tips", slug="draft")

    preview = gateway.get(
        "/preview/", params={"content_type": "content.articlepage", "token": PREVIEW_TOKEN}
    )
    live = gateway.get("/articles/article-1/")

    assert preview.status_code == 200
    assert preview.headers["Cache-Control"] == "no-store"
    assert "<h1>草稿:新标题</h1>" in preview.text
    assert "<h1>激光切割机保养</h1>" in live.text


def test_preview_with_a_forged_token_is_refused_and_not_stored(gateway: ContentGateway) -> None:
    gateway.cms.preview_page = article(1, "草稿", "little_known_tips")

    refused = gateway.get(
        "/preview/", params={"content_type": "content.articlepage", "token": "forged"}
    )

    assert refused.status_code == 404
    assert refused.headers["Cache-Control"] == "no-store"
    assert "草稿" not in refused.text


def test_gateway_drops_its_cache_when_cms_announces_a_publication(
    keys: dict[str, str], upstream_url: str, cms: tuple[StandInCms, str]
) -> None:
    exchange = f"test.events.{uuid.uuid4().hex[:10]}"
    amqp_url = os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL
    settings = gateway_settings(keys, upstream_url, cms[1]).model_copy(
        update={"amqp_url": amqp_url, "events_exchange": exchange}
    )
    app = create_app(settings)
    cache: ContentCache = app.state.content_cache
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    try:
        with serve_in_thread(app) as url:
            assert app.state.content_listener.connected.wait(15), "the listener did not connect"
            httpx.get(f"{url}/articles/")
            assert len(cache) == 1
            envelope = make_envelope(
                ContentPagePublished(page_id=1, page_type="content.ArticlePage", public_url="/"),
                producer="cms",
                subject="page:1",
            )

            channel.basic_publish(exchange, envelope.type, envelope.model_dump_json())

            _wait_until(lambda: len(cache) == 0)
    finally:
        channel.exchange_delete(exchange)
        connection.close()


def _wait_until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the cache was not dropped"
        time.sleep(0.05)


def test_switching_language_keeps_the_category_tab(gateway: ContentGateway) -> None:
    with httpx.Client(base_url=gateway.url, follow_redirects=True) as browser:
        tab = browser.get("/articles/?category=little_known_tips")
        switch = re.search(r'href="(/lang/en\?next=[^"]+)"', tab.text)
        assert switch is not None

        english = browser.get(html.unescape(switch.group(1)))

    assert str(english.url).endswith("/articles/?category=little_known_tips")
    assert 'aria-current="page">Little-known tips' in english.text
