"""A customer reading the pages in Chinese is told in Chinese why something did not go through."""

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE
from tests.conftest import Stack, StaffApi


def sign_in(page: Page, stack: Stack, openid: str) -> None:
    page.goto(f"{stack.gateway_url}/repair/new")
    page.click(f"button[value={openid}]")
    page.wait_for_url("**/repair/new")


def fill_request(page: Page, contact_name: str) -> None:
    page.fill("input[name=contact_name]", contact_name)
    page.fill("input[name=contact_phone]", "13912345678")
    page.fill("textarea[name=ship_from_address]", "浙江省杭州市西湖区文三路 100 号")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", "SN-REFUSAL-1")
    page.fill("textarea[name=items-0-fault_description]", "无法开机")


def test_a_form_the_service_refuses_names_the_fields_in_chinese(
    stack: Stack, browser: Browser
) -> None:
    # Without scripts only the browser's own check runs, and a name of spaces passes it; the
    # service's refusal must still name the field in the page's language.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, stack, "oSbx_lina")
    fill_request(page, contact_name="   ")

    page.click("#submit-request")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile(r"请检查表单：\s*姓名：必填"))
    assert "contact_name" not in alert.inner_text()
    context.close()


def test_a_file_the_service_refuses_is_explained_in_chinese(
    stack: Stack, phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")

    page.locator("fieldset[data-index='0'] .app-upload-input").first.set_input_files(str(notes))

    expect(page.get_by_role("alert")).to_have_text("notes.txt: 此处不支持这种文件类型。")


def test_a_stale_page_is_refused_in_chinese_in_local_time(
    stack: Stack, staff: Callable[[str], StaffApi], phone: BrowserContext
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_maria")
    fill_request(page, contact_name="Maria")
    page.click("#submit-request")
    page.click("#review-confirm")
    page.wait_for_url(re.compile(r".*/repair/requests/\d+\?submitted=1$"))
    page.locator(".app-order-row").first.click()
    page.wait_for_url(re.compile(r".*/repair/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    coordinator: StaffApi = staff("coordinator")
    address = coordinator.client.get("/staff/addresses").json()[0]["id"]
    coordinator.act(order_id, "approve", receiving_address_id=address)
    page.reload()
    other_tab = phone.new_page()
    other_tab.goto(page.url)

    for tab, waybill in ((other_tab, "SF0000000001"), (page, "SF0000000002")):
        tab.fill("input[name=courier]", "顺丰")
        tab.fill("input[name=waybill]", waybill)
        tab.click("text=保存物流信息")
        tab.wait_for_load_state()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("操作未成功： 此工单已于")
    expect(alert).to_contain_text("（可能是在另一个窗口中）；请刷新后重试")
    assert "changed" not in alert.inner_text()
    # The time as the page writes every time (the order's local time), not repair_service's UTC.
    assert "UTC" not in alert.inner_text()
    assert re.search(r"已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 更改", alert.inner_text())
    # The page stands at the order's address, with the form as the customer filled it.
    assert page.url == f"{stack.gateway_url}/repair/orders/{order_id}"
    expect(page.locator("input[name=waybill]")).to_have_value("SF0000000002")
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator(".app-inbound-waybill")).to_have_text("SF0000000001")


def test_a_waybill_too_long_for_its_field_is_refused_and_the_courier_kept(
    stack: Stack, staff: Callable[[str], StaffApi], phone: BrowserContext
) -> None:
    # A page whose maxlength was lifted (an old page, a script) sends 5,000 characters. Carried
    # back in a cookie, that was over the 4 KB a browser keeps: the refusal and everything typed
    # vanished without a word. The field's maximum is now refused at once, by name.
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")
    fill_request(page, contact_name="李娜")
    page.click("#submit-request")
    page.click("#review-confirm")
    page.wait_for_url(re.compile(r".*/repair/requests/\d+\?submitted=1$"))
    page.locator(".app-order-row").first.click()
    page.wait_for_url(re.compile(r".*/repair/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    coordinator: StaffApi = staff("coordinator")
    address = coordinator.client.get("/staff/addresses").json()[0]["id"]
    coordinator.act(order_id, "approve", receiving_address_id=address)
    page.reload()
    courier = "顺丰速运" * 25  # the field's maximum, 100 characters
    page.fill("input[name=courier]", courier)
    page.evaluate("document.querySelector('input[name=waybill]').removeAttribute('maxlength')")
    page.fill("input[name=waybill]", "SF" * 2500)

    page.click("text=保存物流信息")
    page.wait_for_load_state()

    expect(page.get_by_role("alert")).to_have_text("操作未成功： 运单号：最多 100 个字符")
    assert page.url == f"{stack.gateway_url}/repair/orders/{order_id}"
    expect(page.locator("input[name=courier]")).to_have_value(courier)
    expect(page.locator("input[name=waybill]")).to_have_value("")
    assert coordinator.order(order_id)["shipments"] == []
