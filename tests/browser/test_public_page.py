"""Whoever holds an order's QR code watches its progress move on without reloading the page."""

from playwright.sync_api import Browser, expect

from tests.conftest import Stack, StaffApi
from tests.test_notifications import submit
from tests.test_walking_skeleton import signed_in


def test_stranger_on_the_public_page_sees_a_transition_without_reloading(
    stack: Stack,
    staff,
    browser: Browser,  # type: ignore[no-untyped-def]
) -> None:
    customer = signed_in(stack, "oSbx_maria")
    order = submit(customer)
    coordinator: StaffApi = staff("coordinator")
    token = coordinator.post(f"/staff/orders/{order['id']}/public-token")["public_token"]
    stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = stranger.new_page()
    page.goto(f"{stack.gateway_url}/p/{token}")
    expect(page.locator(".app-timeline li.current")).to_contain_text("review")
    page.evaluate("window.sameDocument = true")  # a reload would forget it

    address = coordinator.client.get("/staff/addresses").json()[0]["id"]
    coordinator.act(order["id"], "approve", receiving_address_id=address)

    # The page asks for itself every three seconds; nobody reloads it.
    expect(page.locator(".app-timeline li.current")).to_contain_text("shipping")
    assert page.evaluate("window.sameDocument") is True
    stranger.close()
