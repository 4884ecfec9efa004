"""The request form on a phone: a half-filled form survives a reload and a language switch, and a
sent one is gone from the next visit."""

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.test_customer_journey import photo, sign_in
from tests.conftest import Stack


def fill_two_products(page: Page, tmp_path: Path) -> None:
    page.fill("input[name=contact_name]", "张伟")
    page.fill("input[name=contact_phone]", "13800138000")
    page.fill("textarea[name=ship_from_address]", "上海市浦东新区张江路 100 号")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", "SN-DRAFT-1")
    page.fill("textarea[name=items-0-fault_description]", "激光不出光")
    page.locator("fieldset[data-index='0'] .app-upload-input").first.set_input_files(
        str(photo(tmp_path, "front.jpg"))
    )
    expect(page.locator("fieldset[data-index='0'] .app-upload-item[data-key]")).to_contain_text(
        "front.jpg"
    )
    thumbnail = page.locator("fieldset[data-index='0'] .app-upload-item img.app-upload-thumb")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("image => image.naturalWidth") > 0
    page.click("#add-product")
    page.fill("input[name=items-1-pn]", "PN-200")
    page.fill("input[name=items-1-sn]", "SN-DRAFT-2")
    page.fill("textarea[name=items-1-fault_description]", "冷却水报警")


def expect_two_products(page: Page) -> None:
    expect(page.locator("input[name=contact_name]")).to_have_value("张伟")
    expect(page.locator("textarea[name=ship_from_address]")).to_have_value(
        "上海市浦东新区张江路 100 号"
    )
    expect(page.locator("input[name=items-0-sn]")).to_have_value("SN-DRAFT-1")
    expect(page.locator("textarea[name=items-0-fault_description]")).to_have_value("激光不出光")
    expect(page.locator("fieldset[data-index='0'] .app-upload-item[data-key]")).to_contain_text(
        "front.jpg"
    )
    expect(page.locator(".app-product")).to_have_count(2)
    expect(page.locator("input[name=items-1-pn]")).to_have_value("PN-200")
    expect(page.locator("textarea[name=items-1-fault_description]")).to_have_value("冷却水报警")


def test_a_half_filled_request_survives_a_reload_and_a_language_switch_until_it_is_sent(
    stack: Stack, phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    fill_two_products(page, tmp_path)

    page.reload()
    expect_two_products(page)
    page.click("a[hreflang=en]")
    page.wait_for_url("**/repair/new")
    expect_two_products(page)
    screenshot(page, "request-form-draft-restored")

    page.click("#submit-request")
    page.click("#review-confirm")
    page.wait_for_url(re.compile(r".*/repair/requests/\d+\?submitted=1$"))
    order = page.locator(".app-order-row").first
    order.click()
    page.wait_for_url(re.compile(r".*/repair/orders/\d+$"))
    own = page.locator(".app-own-files img")
    expect(own).to_have_count(1)
    expect(own).to_have_js_property("complete", True)
    assert own.evaluate("image => image.naturalWidth") > 0
    screenshot(page, "order-shows-own-photos")
    page.goto(f"{stack.gateway_url}/repair/new")

    expect(page.locator("input[name=contact_name]")).to_have_value("")
    expect(page.locator("input[name=items-0-sn]")).to_have_value("")
    expect(page.locator(".app-product")).to_have_count(1)
    expect(page.locator(".app-upload-item")).to_have_count(0)


def test_the_review_labels_every_value_and_its_buttons_sit_inside_the_dialog(
    stack: Stack, phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_maria")
    page.evaluate("localStorage.clear()")
    page.reload()
    fill_two_products(page, tmp_path)

    page.click("#submit-request")

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    terms = dialog.locator("dt").all_inner_texts()
    assert terms == ["姓名", "电话", "寄出地址"] + ["PN", "SN", "故障描述", "照片和视频"] * 2, terms
    expect(dialog.locator(".app-review-product")).to_have_text(["产品 1", "产品 2"])
    expect(dialog.locator(".app-review-sn")).to_have_text(["SN-DRAFT-1", "SN-DRAFT-2"])
    expect(dialog.locator(".app-review-files")).to_have_text(["1", "0"])
    ARTIFACTS.mkdir(exist_ok=True)
    dialog.screenshot(path=str(ARTIFACTS / "request-review-dialog.png"))  # fixed: not full-page
    box = dialog.bounding_box()
    edit = page.locator("#review-edit").bounding_box()
    confirm = page.locator("#review-confirm").bounding_box()
    assert box is not None
    assert edit is not None
    assert confirm is not None
    assert edit["height"] == confirm["height"]
    assert edit["y"] == confirm["y"]
    for button in (edit, confirm):
        assert box["x"] <= button["x"]
        assert button["x"] + button["width"] <= box["x"] + box["width"] + 0.5
        assert button["y"] + button["height"] <= box["y"] + box["height"] + 0.5
    native = page.eval_on_selector(
        "#review-confirm",
        "b => [getComputedStyle(b).borderTopWidth, getComputedStyle(b).appearance]",
    )
    assert native == ["0px", "none"]


def test_fields_holding_only_spaces_count_as_missing_before_the_review(
    stack: Stack, phone: BrowserContext
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_maria")
    page.evaluate("localStorage.clear()")
    page.reload()
    page.fill("input[name=contact_name]", "   ")
    page.fill("input[name=contact_phone]", " 13912345678 ")
    page.fill("textarea[name=ship_from_address]", "浙江省杭州市西湖区文三路 100 号")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", "SN-BLANK-1")
    page.fill("textarea[name=items-0-fault_description]", " \n ")

    page.click("#submit-request")

    expect(page.get_by_role("dialog")).to_be_hidden()
    name = page.locator("input[name=contact_name]")
    expect(name).to_have_value("")
    assert name.evaluate("field => field.validity.valueMissing")
    assert page.evaluate("document.activeElement.name") == "contact_name"
    expect(page.locator("input[name=contact_phone]")).to_have_value("13912345678")
    fault = page.locator("textarea[name=items-0-fault_description]")
    expect(fault).to_have_value("")
    page.fill("input[name=contact_name]", "Maria")
    page.click("#submit-request")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert page.evaluate("document.activeElement.name") == "items-0-fault_description"
    page.fill("textarea[name=items-0-fault_description]", "无法开机")
    page.click("#submit-request")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text("Maria")


def test_a_double_tap_on_submit_leaves_the_review_open_and_sends_nothing(
    stack: Stack, phone: BrowserContext
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_maria")
    page.evaluate("localStorage.clear()")
    page.reload()
    page.fill("input[name=contact_name]", "张伟")
    page.fill("input[name=contact_phone]", "13800138000")
    page.fill("textarea[name=ship_from_address]", "上海市浦东新区张江路 100 号")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", "SN-DOUBLE-TAP")
    page.fill("textarea[name=items-0-fault_description]", "激光不出光")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)

    page.locator("#submit-request").dblclick()
    # Whatever sits where the second tap lands, a tap on "Confirm" right away is one too.
    confirm = page.locator("#review-confirm")
    box = confirm.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)

    expect(page.get_by_role("dialog")).to_be_visible()
    assert sent == []
    assert page.url.endswith("/repair/new")
    confirm.click()  # waits until it takes taps again
    page.wait_for_url(re.compile(r".*/repair/requests/\d+\?submitted=1$"))
