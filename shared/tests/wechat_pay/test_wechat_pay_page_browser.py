"""The sandbox pay page in a real browser: its buttons pay, cancel and send faulty notifications."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from reparo_shared.wechat_pay import WeChatPayClient, new_out_trade_no

from .conftest import Receiver, Record

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page()
    yield page
    page.close()


def open_pay_page(
    page: Page,
    client: WeChatPayClient,
    receiver: Receiver,
    sandbox_url: str,
    return_url: str | None = None,
) -> str:
    out_trade_no = new_out_trade_no()
    receiver.client = client
    receiver.records[out_trade_no] = Record(amount_fen=4_200)
    payment = client.create_jsapi_payment(
        out_trade_no, "Repair R-42", 4_200, "openid", datetime.now(UTC) + timedelta(hours=1)
    )
    query = f"?return_url={return_url}" if return_url else ""
    page.goto(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}{query}")
    return out_trade_no


def test_customer_presses_pay_and_the_notification_is_accepted(
    page: Page, certificate_client: WeChatPayClient, receiver: Receiver, sandbox_url: str
) -> None:
    out_trade_no = open_pay_page(page, certificate_client, receiver, sandbox_url)

    page.get_by_role("button", name="立即支付 Pay").click()

    page.get_by_text("notify answered 204").wait_for()
    assert page.locator("#state").inner_text() == "SUCCESS"
    assert [n.out_trade_no for n in receiver.accepted] == [out_trade_no]


def test_tester_sends_a_tampered_notification_from_the_page_and_sees_it_refused(
    page: Page, certificate_client: WeChatPayClient, receiver: Receiver, sandbox_url: str
) -> None:
    open_pay_page(page, certificate_client, receiver, sandbox_url)

    page.get_by_text("Sandbox: send a notification").click()
    page.get_by_role("button", name="Tampered body").click()

    page.get_by_text("tampered → merchant answered 401").wait_for()
    assert receiver.refused == ["bad_signature"]
    assert receiver.accepted == []


def test_customer_cancels_and_is_sent_back_with_the_cancel_result(
    page: Page, certificate_client: WeChatPayClient, receiver: Receiver, sandbox_url: str
) -> None:
    open_pay_page(page, certificate_client, receiver, sandbox_url, return_url="/docs")

    page.get_by_role("button", name="取消 Cancel").click()

    page.wait_for_url("**/docs?pay_result=cancel")
    assert receiver.accepted == []
