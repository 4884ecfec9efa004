"""A customer inside WeChat is asked, at the moments that matter, to allow WeChat messages."""

import time
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_customer_journey import sign_in
from tests.conftest import Stack, StaffApi


def sandbox(stack: Stack, path: str) -> Any:
    response = httpx.get(f"{stack.sandbox_url}/sandbox/api{path}", timeout=10)
    response.raise_for_status()
    return response.json()


def allow_messages(page: Page, moment: str, answers: dict[str, str] | None = None) -> None:
    """The prompt appears once the JS-SDK is ready; tapping it opens WeChat's consent sheet,
    where the sandbox's stand-in allows every template listed, or answers as told per template."""
    expect(page.locator("#subscribe-prompt")).to_be_visible()
    if answers:
        page.evaluate("answers => { window.__wxSandbox.subscribeDecision = answers; }", answers)
    screenshot(page, f"customer-asked-to-allow-messages-{moment}")
    page.locator("#subscribe-button").click()
    expect(page.locator(".app-subscribe-done")).to_be_visible()


def received(stack: Stack, openid: str, template_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        inbox = sandbox(stack, f"/users/{openid}/messages")
        found = [m for m in inbox if m["template_id"] == template_id]
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{openid} received no {template_id} message within a minute")


def test_customer_allows_messages_after_submitting_and_after_agreeing(
    stack: Stack,
    staff,
    phone: BrowserContext,  # type: ignore[no-untyped-def]
) -> None:
    openid = "oSbx_zhangwei"
    page = phone.new_page()
    sign_in(page, stack, openid)
    page.fill("input[name=contact_name]", "张伟")
    page.fill("input[name=contact_phone]", "13700000000")
    page.fill("textarea[name=ship_from_address]", "深圳市南山区")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", f"SN-CONSENT-{time.time_ns() % 10**8}")
    page.fill("textarea[name=items-0-fault_description]", "无法开机")
    page.click("#submit-request")
    page.click("#review-confirm")
    page.wait_for_url("**/repair/requests/*?submitted=1")

    allow_messages(page, "submitted")

    assert sandbox(stack, f"/users/{openid}/consents") == {
        "TPL_REQUEST_REVIEWED": 1,
        "TPL_QUOTE_SENT": 1,
    }
    page.locator(".app-order-row").first.click()
    order_id = int(page.url.rsplit("/", 1)[1])
    coordinator: StaffApi = staff("coordinator")
    address = coordinator.client.get("/staff/addresses").json()[0]["id"]
    coordinator.act(order_id, "approve", receiving_address_id=address)
    (approval,) = received(stack, openid, "TPL_REQUEST_REVIEWED")
    assert approval["kind"] == "subscribe"

    page.reload()
    page.fill("input[name=courier]", "顺丰")
    page.fill("input[name=waybill]", "SF0000111222")
    page.click("text=保存物流信息")
    coordinator.act(order_id, "receive", condition="ok")
    coordinator.act(order_id, "inspection", findings="worn part", under_warranty=False)
    coordinator.act(order_id, "quote", amount_fen=8_800)
    (quote,) = received(stack, openid, "TPL_QUOTE_SENT")
    assert quote["kind"] == "subscribe"
    page.goto(f"{stack.gateway_url}/repair/orders/{order_id}")
    expect(page.locator("#subscribe-prompt")).to_have_count(0)
    page.click("text=同意报价")
    page.wait_for_url(f"**/repair/orders/{order_id}?agreed=1")

    allow_messages(
        page,
        "agreed",
        {
            "TPL_PAYMENT_CONFIRMED": "accept",
            "TPL_SHIPPED_BACK": "accept",
            "TPL_INVOICE_READY": "reject",
        },
    )

    assert sandbox(stack, f"/users/{openid}/consents") == {
        "TPL_PAYMENT_CONFIRMED": 1,
        "TPL_SHIPPED_BACK": 1,
    }
    expect(page.locator("#subscribe-prompt")).to_have_attribute(
        "data-consented", "TPL_PAYMENT_CONFIRMED,TPL_SHIPPED_BACK"
    )
