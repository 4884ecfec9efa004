"""A customer reading content on a phone, and an editor previewing and publishing it.

Content is written through cms's own Python API (``cms_content``), so publishing goes through
Wagtail's revisions, the outbox, the relay and RabbitMQ to the gateways, as in production.
"""

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from reparo_shared.testing import free_port
from tests.browser.cms_content import in_cms
from tests.browser.conftest import screenshot
from tests.conftest import Stack, devstack


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_until_shown(url: str, text: str, timeout: float = 60.0) -> httpx.Response:
    """The page at ``url`` once it shows ``text`` (newly published content reaches the gateway
    through an event, a moment after cms commits)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, headers={"Accept-Language": "zh-CN"}, timeout=30)
        if text in response.text:
            return response
        assert time.monotonic() < deadline, f"{text!r} never appeared at {url}"
        time.sleep(0.5)


def test_customer_browses_a_category_and_reads_an_imported_article(
    stack: Stack, phone: BrowserContext
) -> None:
    slug = unique("history")
    title = "二〇一九年展会回顾"
    in_cms(
        stack,
        "publish_article",
        title=title,
        slug=slug,
        category="account_history",
        paragraph="我们在上海展出了新一代切割头。",
        original_published_at="2019-03-08T01:30:00Z",
        with_image=True,
    )
    wait_until_shown(f"{stack.gateway_url}/articles/?category=account_history", title)
    page = phone.new_page()

    page.goto(f"{stack.gateway_url}/")
    page.click(".content-nav >> text=文章")
    page.click(".content-tabs >> text=公众号历史文章")
    expect(page.locator(".content-tabs [aria-current=page]")).to_have_text("公众号历史文章")
    entry = page.locator(".content-item", has_text=title)
    expect(entry.locator(".weui-media-box__thumb")).to_be_visible()
    expect(entry).to_contain_text("2019-03-08")
    screenshot(page, "content-category")
    entry.click()

    page.wait_for_url(f"**/articles/{slug}/")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".content-byline")).to_contain_text("原文发布于 2019-03-08 09:30")
    expect(page.locator(".content-rich")).to_contain_text("新一代切割头")
    body_image = page.locator("figure.content-figure img").last
    expect(body_image).to_be_visible()
    assert body_image.bounding_box()["width"] <= 390  # type: ignore[index]
    screenshot(page, "content-article")


def test_empty_category_says_so(stack: Stack, phone: BrowserContext) -> None:
    page = phone.new_page()

    page.goto(f"{stack.gateway_url}/articles/?category=industry_plans")

    expect(page.locator(".content-empty")).to_contain_text("这个分类还没有文章")


def test_article_shares_its_card_inside_wechat(stack: Stack, phone: BrowserContext) -> None:
    page = phone.new_page()

    page.goto(f"{stack.gateway_url}/articles/laser-cutter-care-tips/")
    page.wait_for_function("document.documentElement.dataset.wxReady === '1'")

    card = page.evaluate("window.__wxSandbox.share.updateAppMessageShareData")
    assert card["title"] == "激光切割机日常保养的五个小窍门"
    assert card["desc"].startswith("定期清洁镜片")
    assert re.match(r"http://127\.0\.0\.1:\d+/cms/media/images/.+", card["imgUrl"])
    assert card["link"] == page.url


def test_customer_finds_an_article_with_a_two_character_chinese_query(
    stack: Stack, phone: BrowserContext
) -> None:
    slug = unique("lubrication")
    title = "主轴润滑的正确方法"
    in_cms(
        stack,
        "publish_article",
        title=title,
        slug=slug,
        category="little_known_tips",
        paragraph="每运行两百小时加注一次润滑脂。",
    )
    wait_until_shown(f"{stack.gateway_url}/search/?q=%E6%B6%A6%E6%BB%91", title)
    page = phone.new_page()
    page.goto(f"{stack.gateway_url}/")

    page.click(".content-nav >> text=搜索")
    page.fill("input[name=q]", "润滑")
    page.press("input[name=q]", "Enter")

    results = page.locator(".content-results[data-kind=articles]")
    expect(results).to_contain_text(title)
    screenshot(page, "content-search")
    results.locator(".content-item", has_text=title).click()
    page.wait_for_url(f"**/articles/{slug}/")


def test_customer_opens_a_product_and_asks_to_repair_it(
    stack: Stack, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(f"{stack.gateway_url}/")

    page.click(".content-products >> text=RP-100 激光切割机")
    page.wait_for_url("**/products/rp-100/")
    expect(page.locator(".content-related[data-related=videos]")).to_contain_text("开机与回零")
    expect(page.locator(".content-pn").first).to_have_text("RP-100")
    screenshot(page, "content-product")
    page.click("[data-testid=repair-this-product]")
    page.click("button[value=oSbx_lina]")  # WeChat's sign-in, played by the sandbox

    page.wait_for_url("**/repair/new?pn=RP-100")
    expect(page.locator("input[name=items-0-pn]")).to_have_value("RP-100")


def test_unknown_article_is_a_friendly_404(stack: Stack, phone: BrowserContext) -> None:
    page = phone.new_page()

    response = page.goto(f"{stack.gateway_url}/articles/{unique('missing')}/")

    assert response is not None
    assert response.status == 404
    expect(page.locator(".weui-msg__desc")).to_have_text("您访问的页面不存在。")


def test_editor_previews_a_draft_and_a_forged_token_is_refused(
    stack: Stack, phone: BrowserContext
) -> None:
    slug = unique("preview")
    in_cms(
        stack,
        "publish_article",
        title="已发布的标题",
        slug=slug,
        category="application_scenarios",
        paragraph="正文。",
    )
    preview_url = in_cms(stack, "preview_draft", slug=slug, draft_title="草稿里的新标题")
    page = phone.new_page()

    response = page.goto(preview_url)

    assert preview_url.startswith(f"{stack.gateway_url}/preview/?")
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    expect(page.locator("h1")).to_have_text("草稿里的新标题")
    expect(page.locator(".content-rich")).to_contain_text("正文。")
    screenshot(page, "content-preview")
    live = wait_until_shown(f"{stack.gateway_url}/articles/{slug}/", "已发布的标题")
    assert "草稿里的新标题" not in live.text

    forged = page.goto(re.sub(r"token=[^&]+", "token=id%3D1%3Aforged", preview_url))
    assert forged is not None
    assert forged.status == 404
    assert forged.headers["cache-control"] == "no-store"
    expect(page.locator("h1")).to_have_count(0)


@pytest.fixture
def slow_cache_gateway(stack: Stack) -> Iterator[str]:
    """A second gateway instance whose cache would keep pages ten minutes: only cms's event can
    make it show a new publication within the test."""
    port = str(free_port())
    env = {
        **stack.env,
        "GATEWAY_PORT": port,
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CONTENT_CACHE_SECONDS": "600",
    }
    # fmt: off
    process = devstack.Process(
        "gateway-2",
        [devstack.PYTHON, "-m", "uvicorn", "gateway.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", port, "--app-dir", "gateway", "--no-access-log"],
        health_url=f"http://127.0.0.1:{port}/healthz",
    )
    # fmt: on
    devstack.start(process, env)
    try:
        import threading

        assert devstack.wait_until_ready([process], threading.Event())
        yield f"http://127.0.0.1:{port}"
    finally:
        devstack.stop_all([process])


def test_publishing_drops_every_gateways_cached_page(
    stack: Stack, slow_cache_gateway: str, phone: BrowserContext
) -> None:
    category_page = f"{slow_cache_gateway}/articles/?category=technology_cases"
    for _ in range(2):
        cached = httpx.get(category_page, timeout=30)
    assert cached.headers["X-Content-Cache"] == "hit"
    page = phone.new_page()
    page.goto(category_page)
    title = f"光纤激光焊接案例 {uuid.uuid4().hex[:4]}"
    expect(page.locator(".content-list, .content-empty").first).not_to_contain_text(title)

    in_cms(
        stack,
        "publish_article",
        title=title,
        slug=unique("welding"),
        category="technology_cases",
        paragraph="焊缝均匀。",
    )

    wait_until_shown(category_page, title)
    wait_until_shown(f"{stack.gateway_url}/articles/?category=technology_cases", title)
    page.reload()
    expect(page.locator(".content-item", has_text=title)).to_be_visible()
