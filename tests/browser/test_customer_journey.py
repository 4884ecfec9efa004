"""A customer on a phone: sign in, submit two products with photos, follow them to an invoice."""

import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import Stack, StaffApi


def photo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "navy").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def order_id_number(page: Page) -> str:
    return page.locator(".app-order-number").first.inner_text()


def sign_in(page: Page, stack: Stack, openid: str, start: str = "/repair/new") -> None:
    """Open a page that needs sign-in and pick the WeChat user on the sandbox's OAuth page."""
    page.goto(f"{stack.gateway_url}{start}")
    page.click(f"button[value={openid}]")
    page.wait_for_url(f"**{start}")


def submit_two_products(page: Page, tmp_path: Path) -> list[str]:
    page.fill("input[name=contact_name]", "王小明")
    page.fill("input[name=contact_phone]", "13912345678")
    page.fill("textarea[name=ship_from_address]", "浙江省杭州市西湖区文三路 100 号")
    page.fill("input[name=items-0-pn]", "PN-100")
    page.fill("input[name=items-0-sn]", "SN-JOURNEY-1")
    page.fill("textarea[name=items-0-fault_description]", "无法开机")
    page.locator("fieldset[data-index='0'] .app-upload-input").first.set_input_files(
        str(photo(tmp_path, "front.jpg"))
    )
    expect(page.locator("fieldset[data-index='0'] .app-upload-item[data-key]")).to_contain_text(
        "front.jpg"
    )
    page.click("#add-product")
    page.fill("input[name=items-1-pn]", "PN-200")
    page.fill("input[name=items-1-sn]", "SN-JOURNEY-2")
    page.fill("textarea[name=items-1-fault_description]", "屏幕闪烁")
    page.click("#submit-request")
    review = page.locator("#request-review")
    expect(review.locator(".app-review-pn").nth(1)).to_have_text("PN-200")
    expect(review.locator(".app-review-sn").nth(1)).to_have_text("SN-JOURNEY-2")
    expect(review).to_contain_text("无法开机")
    screenshot(page, "customer-reviews-request")
    page.dblclick("#review-confirm")  # a double tap still sends one request
    page.wait_for_url(re.compile(r".*/repair/requests/\d+\?submitted=1$"))
    return page.locator(".app-order-number").all_inner_texts()


def test_customer_submits_follows_pays_offline_and_downloads_the_invoice(
    stack: Stack,
    staff,
    phone: BrowserContext,
    browser,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_lina")

    numbers = submit_two_products(page, tmp_path)

    assert len(numbers) == 2
    screenshot(page, "customer-request-submitted")
    page.locator(".app-order-row").first.click()
    order_id = int(page.url.rsplit("/", 1)[1])

    coordinator: StaffApi = staff("coordinator")
    addresses = coordinator.client.get("/staff/addresses").json()
    coordinator.act(order_id, "approve", receiving_address_id=addresses[0]["id"])
    page.reload()
    expect(page.locator(".app-receiving-address")).to_be_visible()
    page.fill("input[name=courier]", "顺丰")
    page.fill("input[name=waybill]", "SF1234567890")
    page.click("text=保存物流信息")
    page.wait_for_url(f"**/repair/orders/{order_id}?shipment_saved=1")
    expect(page.locator(".app-notice")).to_have_text("物流信息已保存。我们收到产品后会尽快检查。")
    expect(page.locator(".app-inbound-waybill")).to_have_text("SF1234567890")
    expect(page.locator("#waybill-form")).to_be_hidden()  # folded away, still correctable
    screenshot(page, "customer-shipment-saved")

    coordinator.act(order_id, "receive", condition="外观完好", accessories="电源线")
    burnt = coordinator.client.put(
        "/files",
        content=photo(tmp_path, "burnt.jpg").read_bytes(),
        headers={"Content-Type": "application/octet-stream", "X-File-Name": "burnt.jpg"},
    ).json()
    coordinator.act(
        order_id,
        "inspection",
        findings="主板电容损坏",
        under_warranty=False,
        photos=[{"kind": "findings_photo", "key": burnt["key"], "name": "burnt.jpg"}],
    )
    coordinator.act(order_id, "quote", amount_fen=12345, note="更换主板电容")
    page.reload()
    expect(page.locator(".app-inbound-waybill")).to_have_text("SF1234567890")
    expect(page.locator("input[name=waybill]")).to_have_count(0)  # received: no form any more
    expect(page.locator(".app-quote-amount")).to_have_text("¥123.45")
    expect(page.locator(".app-accessories")).to_have_text("收到的配件: 电源线")
    expect(page.locator(".app-needs")).to_have_text("请同意或拒绝报价。")
    findings = page.locator(".app-findings-photos img")
    expect(findings).to_have_count(1)
    expect(findings).to_have_js_property("complete", True)
    assert findings.evaluate("image => image.naturalWidth") > 0
    page.click("text=同意报价")
    page.wait_for_url(f"**/repair/orders/{order_id}?agreed=1")

    page.click("text=线下付款（银行转账）")
    page.wait_for_url(f"**/repair/orders/{order_id}")
    expect(page.locator(".app-offline-account")).to_contain_text(order_id_number(page))
    statement = tmp_path / "statement.jpg"  # a PDF, whatever its name says
    statement.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.locator("#proof-form .app-upload-input").set_input_files(str(statement))
    expect(page.locator("#proof-form [role=alert]")).to_have_text(
        "statement.jpg: 此处不支持这种文件类型。"
    )
    expect(page.locator("#proof-form .app-upload-item")).to_have_count(0)
    page.locator("#proof-form .app-upload-input").set_input_files(
        str(photo(tmp_path, "transfer.jpg"))
    )
    expect(page.locator("#proof-form .app-upload-item[data-key]")).to_contain_text("transfer.jpg")
    page.click("text=提交凭证")
    page.wait_for_url(f"**/repair/orders/{order_id}")

    payment_id = coordinator.order(order_id)["payment"]["id"]
    finance: StaffApi = staff("finance")
    payment = finance.client.get(f"/staff/payments/{payment_id}").json()
    finance.post(f"/staff/payments/{payment_id}/confirm", expected_version=payment["version"])
    page.reload()
    expect(page.locator(".app-payment-status")).to_have_attribute("data-status", "confirmed")

    # "Keep this title" shows whether it is ticked: the icon looks different each way.
    keep = page.locator("label:has(input[name=save_title])")
    ticked = keep.locator(".weui-icon-checked").screenshot()
    keep.click()
    expect(page.locator("input[name=save_title]")).not_to_be_checked()
    unticked = keep.locator(".weui-icon-checked").screenshot()
    assert ticked != unticked
    screenshot(page, "customer-invoice-form-title-unticked")
    keep.click()
    expect(page.locator("input[name=save_title]")).to_be_checked()

    # Paid offline, so the customer asks for the special paper invoice, which needs every field.
    page.select_option("select[name=kind]", "special")
    page.fill("input[name=title]", "杭州示例科技有限公司")
    page.fill("input[name=tax_id]", "91330106MA2B3C4D5D")
    page.fill("input[name=address]", "杭州市西湖区示例路 1 号")
    page.fill("input[name=phone]", "0571-88888888")
    page.fill("input[name=bank]", "示例银行杭州分行")
    page.fill("input[name=bank_account]", "6222000011112222")
    page.click("button:has-text('申请发票')")
    page.wait_for_url(f"**/repair/orders/{order_id}")
    saved = page.request.get(f"{stack.gateway_url}/api/repair/me/invoice-titles").json()
    assert [title["tax_id"] for title in saved] == ["91330106MA2B3C4D5D"]
    pdf = finance.client.put(
        "/files",
        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        headers={"Content-Type": "application/octet-stream", "X-File-Name": "invoice.pdf"},
    ).json()
    finance.post(
        f"/staff/payments/{payment_id}/invoice",
        pdf_key=pdf["key"],
        courier="SF",
        waybill="SF1234567890",
    )
    page.reload()
    expect(page.locator("body")).to_contain_text("SF1234567890")
    with page.expect_download() as download_info:
        page.click(".app-invoice-download")
    assert download_info.value.suggested_filename == "invoice.pdf"
    screenshot(page, "customer-invoice-ready")

    token = coordinator.post(f"/staff/orders/{order_id}/public-token")["public_token"]
    stranger = browser.new_context(viewport={"width": 390, "height": 844})
    public_page = stranger.new_page()
    public_page.goto(f"{stack.gateway_url}/p/{token}")
    html = public_page.content()
    for personal in ("王小明", "13912345678", "文三路"):
        assert personal not in html
    assert numbers[0] in html or numbers[1] in html
    stranger.close()


def test_customer_pays_two_orders_with_wechat_pay_inside_wechat(
    stack: Stack,
    staff,
    phone: BrowserContext,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    page = phone.new_page()
    sign_in(page, stack, "oSbx_maria")
    submit_two_products(page, tmp_path)
    order_ids = [
        int(href.rsplit("/", 1)[1])
        for href in page.locator(".app-order-row").evaluate_all("rows => rows.map(r => r.href)")
    ]
    coordinator: StaffApi = staff("coordinator")
    address = coordinator.client.get("/staff/addresses").json()[0]["id"]
    for order_id, amount in zip(order_ids, (20_000, 5_500), strict=True):
        coordinator.act(order_id, "approve", receiving_address_id=address)
        page.goto(f"{stack.gateway_url}/repair/orders/{order_id}")
        page.fill("input[name=courier]", "EMS")
        page.fill("input[name=waybill]", f"EMS{order_id:08d}")
        page.click("text=保存物流信息")
        page.wait_for_url(f"**/repair/orders/{order_id}?shipment_saved=1")
        coordinator.act(order_id, "receive", condition="ok")
        coordinator.act(order_id, "inspection", findings="worn part", under_warranty=False)
        coordinator.act(order_id, "quote", amount_fen=amount)
        page.goto(f"{stack.gateway_url}/repair/orders/{order_id}")
        page.click("text=同意报价")
        page.wait_for_url(f"**/repair/orders/{order_id}?agreed=1")

    page.goto(f"{stack.gateway_url}/repair/orders/{order_ids[0]}")
    page.click(f"label:has(input[name=order_ids][value='{order_ids[1]}'])")
    page.click("button[name=method][value=wechat]")  # one tap: the pay sheet opens by itself
    page.wait_for_url("**/sandbox/pay/**")
    screenshot(page, "customer-wechat-pay-sheet")
    page.click("button[data-action=pay]")
    page.wait_for_url(re.compile(rf".*/repair/orders/{order_ids[0]}$"))

    expect(page.locator(".app-payment-status")).to_have_attribute("data-status", "confirmed")
    for order_id in order_ids:
        assert coordinator.order(order_id)["node"]["code"] == "repair"
