"""Browser journeys in real headless Chromium against repair_service served by uvicorn.

A coordinator and a node operator work side by side in two browser contexts; the customer's
steps go through the customer API with tokens signed by the test key pair.
"""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from reparo_shared.testing import serve_in_thread

from ..conftest import PASSWORD, World

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
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
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live(world: World) -> Iterator[str]:
    with serve_in_thread(world.client.app) as base_url:
        yield base_url


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def signed_in(browser: Browser, live: str) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_as(
        username: str, locale: str = "en-US", viewport: dict[str, int] | None = None
    ) -> Page:
        context = browser.new_context(
            base_url=live, locale=locale, viewport=viewport or {"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/console/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live}/console/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def act(page: Page, order_id: int, action: str, **fields: str) -> None:
    """Open the order, fill the action's form and submit it; wait for the page to update."""
    page.goto(f"/console/orders/{order_id}")
    form = page.locator(f'form[data-action="{action}"]')
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]')
        if field.count() > 1:
            form.locator(f'[name="{name}"][value="{value}"]').check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator('[data-test="done"], [data-test="failure"]')).to_be_visible()
    expect(page.locator('[data-test="failure"]')).to_have_count(0)


def node_of(world: World, order_id: int) -> str:
    return str(world.order(order_id)["node"]["code"])


def test_coordinator_and_operator_take_an_order_from_review_to_completed(
    signed_in, world: World
) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    oid = request["orders"][0]["id"]
    coordinator = signed_in("coordinator")
    operator = signed_in("repair")

    operator.goto(f"/console/orders/{oid}")
    expect(operator.locator('[data-test="no-actions"]')).to_be_visible()  # review not granted
    assert operator.locator("form[data-action]").count() == 0
    coordinator.goto("/console/?mine=0")
    expect(
        coordinator.locator(f'tr[data-order="{request["orders"][0]["number"]}"]')
    ).to_be_visible()
    assert coordinator.evaluate("typeof htmx") == "object"
    shot(coordinator, "board")

    act(
        coordinator,
        oid,
        "approve",
        receiving_address_id=str(world.address_id()),
        comment="please ship to Shenzhen",
    )
    expect(coordinator.locator('[data-test="done"]')).to_be_visible()
    world.customer_act(customer, oid, "inbound-waybill", courier="SF", waybill="SF10001")
    act(coordinator, oid, "receive", condition="intact", accessories="cable")
    act(operator, oid, "record_inspection", findings="burnt capacitor", under_warranty="no")
    act(operator, oid, "send_quote", amount_yuan="120.50", note="replace the board")
    shot(operator, "order-quoted")
    assert world.order(oid)["quote"]["amount_fen"] == 12_050

    assert world.customer_act(customer, oid, "agree").status_code == 200
    payment = world.pay_offline(customer, request["id"], [oid])
    operator.goto(f"/console/orders/{oid}")
    expect(operator.locator('[data-test="no-actions"]')).to_be_visible()  # fee collection
    act(coordinator, oid, "confirm_payment")
    act(operator, oid, "start_repair")
    act(operator, oid, "finish_repair", comment="board replaced")
    act(coordinator, oid, "pass_qc")
    act(coordinator, oid, "ship_back", courier="SF", waybill="SFBACK1")
    invoice = world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={"kind": "general", "title": "Acme"},
        headers=customer,
    )
    assert invoice.status_code == 200
    coordinator.goto(f"/console/orders/{oid}")
    coordinator.locator("#pdf_file").set_input_files(
        files=[{"name": "photo.pdf", "mimeType": "application/pdf", "buffer": jpeg("navy")}]
    )
    upload_status = coordinator.locator('[data-upload-status="pdf_key"]')
    expect(upload_status).to_have_text("The invoice must be a PDF file")
    expect(coordinator.locator("#pdf_key")).to_have_value("")
    coordinator.locator("#pdf_file").set_input_files(
        files=[{"name": "发票.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}]
    )  # fmt: skip
    expect(coordinator.locator('[data-upload-status="pdf_key"]')).to_contain_text("✓")
    assert coordinator.locator('form[data-action="complete"]').count() == 0  # invoice first
    coordinator.locator('form[data-action="issue_invoice"] button[type=submit]').click()
    expect(coordinator.locator('[data-test="done"]')).to_be_visible()

    assert world.order(oid)["status"] == "completed"  # issuing the invoice completed it
    expect(coordinator.locator('[data-test="no-actions"]')).to_be_visible()
    assert coordinator.locator("ol.timeline li.done").count() == 13
    shot(coordinator, "order-completed")


def test_two_people_act_on_one_order_and_the_second_sees_the_conflict(
    signed_in, world: World
) -> None:
    customer = world.new_customer()
    oid = world.submit(customer)["orders"][0]["id"]
    coordinator = signed_in("coordinator")
    reviewer = signed_in("review", locale="zh-CN")
    reviewer.goto(f"/console/orders/{oid}")
    reviewer.locator('form[data-action="reject"] textarea[name="comment"]').fill(
        "照片不清楚，请重新提交"
    )

    act(coordinator, oid, "approve", receiving_address_id=str(world.address_id()))
    reviewer.evaluate("window.__sameDocument = true")
    reviewer.locator('form[data-action="reject"] button[type=submit]').click()

    failure = reviewer.locator('[data-test="failure"]')
    expect(failure).to_be_visible()
    expect(failure).to_contain_text("Coordinator")
    expect(reviewer.locator('[data-test="kept-text"]')).to_contain_text("照片不清楚，请重新提交")
    assert node_of(world, oid) == "customer_shipping"
    assert reviewer.evaluate("window.__sameDocument") is True  # htmx swapped the 409 page in
    shot(reviewer, "conflict")


def test_overview_draws_its_charts(signed_in, world: World) -> None:
    customer = world.new_customer()
    world.submit(customer)
    coordinator = signed_in("coordinator")

    coordinator.goto("/console/overview")

    expect(coordinator.locator('canvas[data-chart="chart-open"][data-drawn="1"]')).to_be_attached()
    shot(coordinator, "overview")


def test_board_on_a_phone_sized_screen(browser: Browser, live: str, world: World) -> None:
    world.submit(world.new_customer())
    context = browser.new_context(
        base_url=live, locale="pt-BR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto("/console/login")
    page.fill("#username", "review")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/console/")
    page.goto("/console/?mine=0")

    expect(page.locator("table.rows tr[data-order]")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    shot(page, "board-phone")
    context.close()


def test_board_search_updates_the_results_in_place(signed_in, world: World) -> None:
    orders = world.submit(
        world.new_customer(),
        [{"pn": "PN-1", "sn": f"SN-FIND-{i}", "fault_description": "x"} for i in range(3)],
    )["orders"]
    coordinator = signed_in("coordinator")
    coordinator.goto("/console/?mine=0")
    expect(coordinator.locator("tr[data-order]")).to_have_count(3)
    coordinator.evaluate("window.__sameDocument = true")

    coordinator.fill("#q", "SN-FIND-1")
    coordinator.press("#q", "Enter")

    expect(coordinator.locator("tr[data-order]")).to_have_count(1)
    expect(coordinator.locator(f'tr[data-order="{orders[1]["number"]}"]')).to_be_visible()
    assert coordinator.evaluate("window.__sameDocument") is True  # swapped by htmx, no reload
    assert "q=SN-FIND-1" in coordinator.url


def jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def test_receiving_on_a_phone_uploads_condition_photos_with_thumbnails(
    signed_in, world: World
) -> None:
    customer = world.new_customer()
    oid = world.submit(customer)["orders"][0]["id"]
    world.place_at(oid, "customer_shipping")
    world.customer_act(customer, oid, "inbound-waybill", courier="SF", waybill="SF4444")
    phone = signed_in("logistics", viewport=PHONE)
    phone.goto(f"/console/orders/{oid}")
    form = phone.locator('form[data-action="receive"]')
    form.locator('[name="condition"]').fill("scratch on the lid")

    form.locator("input[type=file]").set_input_files(
        files=[
            {"name": "lid.jpg", "mimeType": "image/jpeg", "buffer": jpeg("teal")},
            {"name": "box.jpg", "mimeType": "image/jpeg", "buffer": jpeg("orange")},
        ]
    )
    thumbs = form.locator('[data-test="photos"] img.thumb')
    expect(thumbs).to_have_count(2)
    expect(form.locator("button[type=submit]")).to_be_enabled()
    for index in range(2):
        thumbs.nth(index).evaluate("img => img.decode()")
        assert thumbs.nth(index).evaluate("img => img.naturalWidth") > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "receive-photos-phone")
    form.locator('[data-test="photos"] li').nth(1).locator("[data-remove-photo]").click()
    form.locator("button[type=submit]").click()

    expect(phone.locator('[data-test="done"]')).to_be_visible()
    received = next(t for t in world.order(oid)["timeline"] if t["outcome"] == "received")
    assert [(a["kind"], a["name"]) for a in received["attachments"]] == [
        ("condition_photo", "lid.jpg")
    ]
    expect(phone.locator("ol.timeline img.thumb")).to_have_count(1)


@pytest.mark.parametrize("size", ["60x40", "100x70"])
def test_the_order_number_stays_on_one_line_on_the_label(
    signed_in, world: World, size: str
) -> None:
    order = world.submit(world.new_customer())["orders"][0]
    logistics = signed_in("logistics")

    logistics.goto(f"/console/orders/{order['id']}/label?size={size}")

    number = logistics.locator(".number")
    expect(number).to_have_text(order["number"])
    fits = number.evaluate(
        """el => {
            const box = el.getBoundingClientRect();
            const lineHeight = parseFloat(getComputedStyle(el).fontSize) * 1.6;
            const qr = document.querySelector('.qr svg').getBoundingClientRect();
            return box.height < lineHeight && el.scrollWidth <= el.clientWidth
                && box.right <= qr.left;
        }"""
    )
    shot(logistics, f"label-{size}")
    assert fits


def test_each_team_checkbox_stays_beside_its_team_name(signed_in) -> None:
    admin = signed_in("admin")

    for page in ("nodes", "staff"):
        admin.goto(f"/console/admin/{page}")
        labels = admin.locator("label:has(input[type=checkbox])")
        expect(labels.first).to_be_visible()
        apart = labels.evaluate_all(
            """labels => labels.filter(label => {
                const check = label.querySelector('input').getBoundingClientRect();
                const whole = label.getBoundingClientRect();
                return label.getClientRects().length !== 1 || check.top < whole.top - 1
                    || check.bottom > whole.bottom + 1;
            }).map(label => label.textContent.trim())"""
        )
        shot(admin, f"admin-{page}")
        assert apart == [], page
