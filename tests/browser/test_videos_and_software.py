"""A customer on a phone watches a training video, likes and favourites it, and downloads
software, with the whole stack running and content made at test time."""

import hashlib
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Response, expect

from tests.browser.cms_content import in_cms
from tests.browser.cms_media import MediaContent, seed_media_content
from tests.browser.conftest import screenshot
from tests.conftest import Stack


@pytest.fixture(scope="module")
def content(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> MediaContent:
    return seed_media_content(stack, tmp_path_factory.mktemp("media-content"))


def download_counts(stack: Stack, content: MediaContent) -> int:
    response = httpx.get(
        f"{stack.gateway_url}/cms/api/engagement/software/{content.software_id}/downloads/"
    )
    response.raise_for_status()
    (version,) = [
        row for row in response.json()["versions"] if row["version_id"] == content.version_id
    ]
    return int(version["downloads"])


def test_customer_finds_a_video_by_category_and_plays_it_in_the_page(
    stack: Stack, content: MediaContent, phone: BrowserContext
) -> None:
    page = phone.new_page()
    media_answers: list[Response] = []
    page.on(
        "response",
        lambda r: media_answers.append(r) if "/cms/media/documents/" in r.url else None,
    )

    page.goto(f"{stack.gateway_url}/videos")
    page.click(".app-chips >> text=浏览器测试")
    page.click(".app-chips_sub >> text=播放")
    screenshot(page, "video-category")
    page.click(".app-video-row >> text=测试视频")
    page.wait_for_url(f"**{content.video_path}")
    video = page.locator("video.app-player")
    expect(video).to_have_attribute("poster", re.compile(r"^/cms/media/images/"))
    player = "document.querySelector('video.app-player')"
    page.wait_for_function(f"{player}.readyState >= 1")  # metadata only: nothing plays by itself
    assert video.evaluate("v => v.paused && !v.autoplay && v.playsInline && v.currentTime === 0")

    video.click()
    page.wait_for_function(f"{player}.readyState >= 3 && {player}.currentTime > 0.5")

    screenshot(page, "video-playing")
    assert any(answer.status == 206 for answer in media_answers)
    assert video.evaluate("v => v.duration") == pytest.approx(4, abs=0.2)


def test_video_media_answers_range_requests_through_the_gateway(
    stack: Stack, content: MediaContent
) -> None:
    page = httpx.get(f"{stack.gateway_url}{content.video_path}").text
    source = page.split('src="', 1)[1].split('"', 1)[0]
    clip = content.video_file.read_bytes()

    response = httpx.get(f"{stack.gateway_url}{source}", headers={"Range": "bytes=1000-1999"})

    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 1000-1999/{len(clip)}"
    assert response.headers["content-type"] == "video/mp4"
    assert response.content == clip[1000:2000]


def test_signed_out_like_signs_in_and_comes_back_then_likes_and_favourites_count_at_once(
    stack: Stack, content: MediaContent, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(f"{stack.gateway_url}{content.video_path}")
    like = page.locator("form[data-reaction=like] button")
    favourite = page.locator("form[data-reaction=favourite] button")

    like.click()
    page.click("button[value=oSbx_maria]")
    page.wait_for_url(f"{stack.gateway_url}{content.video_path}")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".app-reaction-count")).to_have_text("1")
    favourite.click()
    expect(favourite.locator(".app-reaction-count")).to_have_text("1")
    page.wait_for_load_state("networkidle")
    page.reload()

    expect(like).to_have_attribute("aria-pressed", "true")
    expect(favourite).to_have_attribute("aria-pressed", "true")
    page.goto(f"{stack.gateway_url}/favourites")
    screenshot(page, "my-favourites")
    page.click(".app-favourite >> text=测试视频")
    page.wait_for_url(f"**{content.video_path}")


def test_customer_downloads_software_listed_under_its_product_and_checks_the_sha256(
    stack: Stack, content: MediaContent, phone: BrowserContext, tmp_path: Path
) -> None:
    before = download_counts(stack, content)
    page = phone.new_page()
    page.goto(f"{stack.gateway_url}/software")
    group = page.locator(".app-software-group", has_text="RP-BT 测试机")
    expect(group).to_be_visible()
    page.click(".app-software-row >> text=调试工具")
    page.wait_for_url(f"**{content.software_path}")
    shown_sha256 = page.locator(".app-sha256").first.inner_text().strip()
    screenshot(page, "software-page")

    with page.expect_download() as started:
        page.click(".app-download")
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)

    assert started.value.suggested_filename == "debug-tool-1.4.0.bin"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown_sha256
    assert shown_sha256 == content.firmware_sha256
    assert download_counts(stack, content) == before + 1


def test_software_whose_version_names_a_products_pn_is_listed_under_that_product(
    stack: Stack, content: MediaContent, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(f"{stack.gateway_url}/software")

    # Each group's title is followed by the list of its software.
    rows = page.locator(
        ".app-software-group:text-is('RP-BT 测试机') + .weui-cells .app-software-row"
    )
    expect(rows.filter(has_text="RP-BT 控制器固件")).to_have_count(1)
    expect(page.locator(".app-software-row", has_text="RP-BT 控制器固件")).to_have_count(1)


def test_resumed_download_continues_with_the_right_bytes_and_counts_once(
    stack: Stack, content: MediaContent
) -> None:
    url = f"{stack.gateway_url}{content.software_path}download/{content.version_id}"
    before = download_counts(stack, content)
    half = len(content.firmware) // 2

    first = httpx.get(url, headers={"Range": f"bytes=0-{half - 1}"})
    rest = httpx.get(url, headers={"Range": f"bytes={half}-", "If-Range": first.headers["etag"]})

    assert first.status_code == rest.status_code == 206
    assert rest.headers["content-range"] == (
        f"bytes {half}-{len(content.firmware) - 1}/{len(content.firmware)}"
    )
    assert rest.headers["content-disposition"].startswith("attachment;")
    assert rest.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(first.content + rest.content).hexdigest() == content.firmware_sha256
    assert download_counts(stack, content) == before + 1


def test_editor_previews_a_video_draft_that_plays_like_the_live_page(
    stack: Stack, content: MediaContent, phone: BrowserContext
) -> None:
    preview_url = in_cms(stack, "preview_draft", page_id=content.video_id, draft_title="草稿视频")
    page = phone.new_page()

    response = page.goto(preview_url)

    assert preview_url.startswith(f"{stack.gateway_url}/preview/?")
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    expect(page.locator("h1")).to_have_text("草稿视频")
    expect(page.locator("video.app-player")).to_have_attribute("src", re.compile(r"^/cms/media/"))
    expect(page.locator("form[data-reaction=like]")).to_have_count(1)
    live = httpx.get(f"{stack.gateway_url}{content.video_path}").text
    assert "草稿视频" not in live
