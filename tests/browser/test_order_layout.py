"""On a phone, a long value on a customer's order page wraps beside its label, never over it."""

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PHONE
from tests.conftest import Stack, StaffApi

LONG_FAULT = "Touch screen unresponsive after firmware update"
LONG_CONTACT = "Maria Aparecida dos Santos Oliveira"


def overlapping_rows(page: Page) -> list[str]:
    """Label/value rows whose value's box overlaps its label's box."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('.weui-cell')].flatMap(cell => {
                const label = cell.querySelector(':scope > .weui-cell__bd');
                const value = cell.querySelector(':scope > .weui-cell__ft');
                if (!label || !value || !value.textContent.trim()) return [];
                const a = label.getBoundingClientRect();
                // The text's own box: a label squeezed to nothing still draws its text.
                const range = document.createRange();
                range.selectNodeContents(label);
                const t = range.getBoundingClientRect();
                const b = value.getBoundingClientRect();
                const apart = box => box.right <= b.left || b.right <= box.left
                    || box.bottom <= b.top || b.bottom <= box.top;
                return apart(a) && apart(t) ? [] : [label.textContent.trim()];
            })"""
        )
    )


@pytest.mark.parametrize(("locale", "fault_label"), [("en-US", "Fault"), ("zh-CN", "故障描述")])
def test_a_long_fault_and_contact_wrap_beside_their_labels_at_390_px(
    stack: Stack, staff: Callable[[str], StaffApi], browser: Browser, locale: str, fault_label: str
) -> None:
    phone = browser.new_context(viewport=PHONE, locale=locale)
    page = phone.new_page()
    page.goto(f"{stack.gateway_url}/repair/new")
    page.click("button[value=oSbx_maria]")
    page.wait_for_url("**/repair/new")
    answer = page.request.post(
        f"{stack.gateway_url}/api/repair/requests",
        data={
            "contact_name": LONG_CONTACT,
            "contact_phone": "13800000000",
            "ship_from_address": "上海",
            "items": [
                {"pn": "PN-1", "sn": f"SN-{uuid.uuid4().hex[:8]}", "fault_description": LONG_FAULT}
            ],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status == 201, answer.text()
    order_id = answer.json()["orders"][0]["id"]
    coordinator = staff("coordinator")
    token = coordinator.post(f"/staff/orders/{order_id}/public-token")["public_token"]

    page.goto(f"{stack.gateway_url}/repair/orders/{order_id}")
    fault_row = page.locator(".weui-cell", has_text=LONG_FAULT)
    assert fault_row.locator(".weui-cell__bd").inner_text() == fault_label
    assert overlapping_rows(page) == []
    page.goto(f"{stack.gateway_url}/p/{token}")
    assert page.locator(".weui-cell__ft").count() >= 4
    assert overlapping_rows(page) == []
    phone.close()
