"""Uploads on the request form: "submit" waits for running ones, a failed one is explained in the
page's language, and one over the size limit is refused before it is sent."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Request, Route, expect

from reparo_shared.files import FileSettings
from tests.browser.test_customer_journey import photo, sign_in
from tests.conftest import Stack, StaffApi


def test_submit_waits_for_running_uploads_and_the_request_keeps_its_photos(
    stack: Stack, staff: Callable[[str], StaffApi], phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    held: list[Route] = []  # uploads the "slow network" has not let through yet

    def slow_uploads(route: Route) -> None:
        if route.request.method == "PUT":
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/repair/files", slow_uploads)
    page.fill("input[name=contact_name]", "李娜")
    page.fill("input[name=contact_phone]", "13912345678")
    page.fill("textarea[name=ship_from_address]", "浙江省杭州市西湖区文三路 100 号")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", "SN-SLOW-UPLOAD")
    page.fill("textarea[name=items-0-fault_description]", "无法开机")
    names = ["one.jpg", "two.jpg", "three.jpg"]
    page.locator("fieldset[data-index='0'] .app-upload-input").first.set_input_files(
        [str(photo(tmp_path, name)) for name in names]
    )
    page.wait_for_function("window.reparoUploadsPending() === 3")

    page.click("#submit-request")

    expect(page.locator("#uploads-pending")).to_be_visible()
    expect(page.locator("#uploads-pending")).to_contain_text("照片仍在上传中")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert len(held) == 2, "two uploads at a time, the third waits its turn"
    released = 0
    for _ in range(200):  # the third upload reaches the route once one of the first two ends
        if released == len(names):
            break
        if held:
            held.pop(0).continue_()
            released += 1
        page.wait_for_timeout(50)
    review = page.locator("#request-review")
    expect(review.get_by_role("dialog")).to_be_visible()
    expect(review.locator(".app-review-files")).to_have_text("3")
    expect(page.locator("#uploads-pending")).to_be_hidden()
    page.click("#review-confirm")
    page.wait_for_url(re.compile(r".*/repair/requests/\d+\?submitted=1$"))
    page.locator(".app-order-row").first.click()
    order = staff("coordinator").order(int(page.url.rsplit("/", 1)[1]))

    sent = sorted(attachment["name"] for attachment in order["attachments"])
    assert sent == sorted(names)


def test_an_upload_the_server_fails_shows_the_translated_message(
    stack: Stack, phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    page.route(
        "**/api/repair/files",
        lambda route: route.fulfill(status=500, body="Internal Server Error"),
    )

    page.locator("fieldset[data-index='0'] .app-upload-input").first.set_input_files(
        str(photo(tmp_path, "broken.jpg"))
    )

    expect(page.get_by_role("alert")).to_have_text("broken.jpg: 上传失败，请重试。")
    assert "Internal Server Error" not in page.content()


@pytest.mark.parametrize(
    ("name", "kind", "widget"),
    [("huge.jpg", "image", 0), ("huge.mp4", "video", 1)],
)
def test_a_file_over_the_size_limit_is_refused_before_it_is_sent(
    stack: Stack, phone: BrowserContext, tmp_path: Path, name: str, kind: str, widget: int
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    sent: list[str] = []

    def uploads_only(request: Request) -> None:
        if request.url.endswith("/api/repair/files"):
            sent.append(request.method)

    page.on("request", uploads_only)
    settings = {key.lower(): value for key, value in stack.env.items() if key.startswith("FILE_")}
    limit = getattr(FileSettings(**settings).size_limits(), kind)
    huge = tmp_path / name
    with huge.open("wb") as sparse:  # one byte over the limit, without writing the bytes
        sparse.truncate(limit + 1)

    uploader = page.locator("fieldset[data-index='0'] .app-uploader").nth(widget)
    uploader.locator(".app-upload-input").set_input_files(str(huge))

    expect(uploader.get_by_role("alert")).to_have_text(
        f"{name}: 文件太大：最大 {limit // (1024 * 1024)} MB。"
    )
    expect(uploader.locator(".app-upload-item")).to_have_count(0)
    assert page.evaluate("window.reparoUploadsPending()") == 0
    assert sent == []


def test_files_are_listed_in_the_order_chosen_whichever_finishes_first(
    stack: Stack, phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    held: list[Route] = []

    def slow_uploads(route: Route) -> None:
        if route.request.method == "PUT":
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/repair/files", slow_uploads)
    uploader = page.locator("fieldset[data-index='0'] .app-uploader").first
    names = ["first.jpg", "second.jpg", "third.jpg"]
    uploader.locator(".app-upload-input").set_input_files(
        [str(photo(tmp_path, name)) for name in names]
    )
    page.wait_for_function("window.reparoUploadsPending() === 3")
    # The last-chosen upload ends first, the first-chosen one last.
    for _ in range(100):
        if len(held) == 2:
            break
        page.wait_for_timeout(50)
    second = held.pop(1)
    second.continue_()
    page.wait_for_function("window.reparoUploadsPending() === 2")
    for _ in range(100):
        if len(held) == 2:
            break
        page.wait_for_timeout(50)
    held.pop(1).continue_()  # the third
    page.wait_for_function("window.reparoUploadsPending() === 1")
    held.pop(0).continue_()  # the first
    page.wait_for_function("window.reparoUploadsPending() === 0")

    expect(uploader.locator(".app-upload-item[data-key] .app-upload-name")).to_have_text(names)
    hidden = uploader.locator("input[type=hidden]").input_value()
    assert [ref["name"] for ref in json.loads(hidden)] == names
    # The browser's own "No file chosen" is not drawn beside the list; the label is the picker.
    box = uploader.locator(".app-upload-input").bounding_box()
    assert box is not None
    assert box["width"] <= 1
    assert box["height"] <= 1
    expect(uploader.locator(".app-upload-label")).to_be_visible()
