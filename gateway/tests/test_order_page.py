"""The signed-in customer's order page, with a stand-in repair_service: what it offers and says."""

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from repair_double import (
    ORDER_ID,
    PAYMENT_ID,
    REQUEST_ID,
    RepairDouble,
    a_payment,
    an_order,
    node,
)

from gateway.repair_pages import product_label
from reparo_shared.testing import serve_in_thread

ORDER_PAGE = f"/repair/orders/{ORDER_ID}"
UPLOAD_LIMITS_MB = {"image": 3, "video": 7, "pdf": 2}


@pytest.fixture
def repair() -> RepairDouble:
    return RepairDouble()


@pytest.fixture
def customer(repair: RepairDouble, gateway_to, monkeypatch) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A customer signed in at a gateway whose repair_service is the stand-in, reading English.

    The gateway reads repair_service's upload limits from the environment: these differ from the
    defaults, so a page that shows them has read them rather than repeated a number.
    """
    for kind, megabytes in UPLOAD_LIMITS_MB.items():
        monkeypatch.setenv(f"FILE_LIMIT_{kind.upper()}_MB", str(megabytes))
    with (
        serve_in_thread(repair.app()) as upstream,
        gateway_to(upstream) as gateway,
        httpx.Client(base_url=gateway, headers={"Accept-Language": "en"}) as client,
    ):
        signed_in = client.post("/signin/dev", data={"openid": "oCustomer", "next": "/"})
        assert signed_in.status_code == 303
        yield client


def text_of(html: str, css_class: str) -> str:
    """The text of the first element carrying ``css_class``, tags and spacing collapsed."""
    found = re.search(rf'class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</div>', html, re.S)
    assert found, f"no element with class {css_class}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.mark.parametrize(
    ("name", "pn", "shown"),
    [
        ("Widget Pro", "PN-123", "Widget Pro · PN-123"),
        (None, "PN-123", "PN-123"),
        ("", "PN-123", "PN-123"),
        ("PN-123", "PN-123", "PN-123"),
        ("pn-123", "PN-123", "pn-123"),
        ("Widget PN-123", "PN-123", "Widget PN-123"),
        ("Widget PN-1234", "PN-123", "Widget PN-1234 · PN-123"),
    ],
)
def test_a_product_is_named_once_with_its_part_number_once(
    name: str | None, pn: str, shown: str
) -> None:
    assert product_label(name, pn) == shown


@pytest.mark.parametrize(
    ("catalogue_name", "shown"),
    [("Widget Pro", "Widget Pro · PN-123"), ("PN-123", "PN-123"), (None, "PN-123")],
)
def test_the_order_page_shows_the_catalogue_name_and_the_part_number_once(
    repair: RepairDouble, customer: httpx.Client, catalogue_name: str | None, shown: str
) -> None:
    repair.order = an_order(product_name=catalogue_name)

    page = customer.get(ORDER_PAGE)

    assert page.status_code == 200
    assert text_of(page.text, "app-product-name") == shown


def test_the_order_page_leads_back_to_my_repairs(customer: httpx.Client) -> None:
    page = customer.get(ORDER_PAGE)

    back = re.search(r'<nav class="app-back"><a href="([^"]+)">‹ ([^<]+)</a>', page.text)
    assert back is not None
    assert back.groups() == ("/repair/mine", "My repairs")
    mine = customer.get(back.group(1))
    assert mine.status_code == 200
    assert "R2026-000011" in mine.text


SHIPPED = [{"direction": "in", "courier": "SF Express", "waybill": "SF1234567890"}]


def test_saving_the_waybill_sends_it_and_confirms_it_on_the_order_page(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order("customer_shipping", customer_actions=["set_inbound_waybill"])

    saved = customer.post(
        f"{ORDER_PAGE}/inbound-waybill",
        data={"version": "4", "courier": " SF Express ", "waybill": "SF1234567890"},
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"{ORDER_PAGE}?shipment_saved=1"
    assert repair.posted == [
        (
            f"orders/{ORDER_ID}/inbound-waybill",
            {"courier": "SF Express", "waybill": "SF1234567890", "expected_version": 4},
        )
    ]
    repair.order = an_order(
        "receiving", shipments=SHIPPED, customer_actions=["set_inbound_waybill"]
    )
    shown = customer.get(saved.headers["location"])
    assert text_of(shown.text, "app-notice") == (
        "Shipment saved. We will check your product when it arrives."
    )
    assert "app-notice" not in customer.get(ORDER_PAGE).text
    mangled = customer.get(f"{ORDER_PAGE}?shipment_saved=yes%22&agreed=x")
    assert mangled.status_code == 200
    assert "app-notice" not in mangled.text


def test_a_refused_waybill_shows_the_refusal_and_no_notice(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order("customer_shipping", customer_actions=["set_inbound_waybill"])
    repair.refusals[f"orders/{ORDER_ID}/inbound-waybill"] = (
        409,
        {
            "detail": "Order R2026-000011 is closed; nothing more can be done",
            "message_id": "Order {number} is closed; nothing more can be done",
            "params": {"number": "R2026-000011"},
        },
    )

    refused = customer.post(
        f"{ORDER_PAGE}/inbound-waybill", data={"version": "4", "courier": "SF", "waybill": "SF1"}
    )

    # Shown at the order's own address, so that reloading it does not send the form again.
    assert refused.status_code == 303
    assert refused.headers["location"] == ORDER_PAGE
    shown = customer.get(ORDER_PAGE)
    assert shown.status_code == 200
    assert "Order R2026-000011 is closed" in text_of(shown.text, "app-error")
    assert "app-notice" not in shown.text
    assert "app-error" not in main_of(customer.get(ORDER_PAGE).text).replace(
        'class="weui-cells__tips app-error" hidden', ""
    )


STALE_ORDER = (
    409,
    {
        "detail": "Order R2026-000011 was changed by the customer at 2026-12-04 16:45 UTC; "
        "reload and try again",
        "message_id": "Order {number} was changed by the customer at {when}; reload and try again",
        "params": {"number": "R2026-000011", "when": "2026-12-04 16:45 UTC"},
    },
)


@pytest.mark.parametrize("language", ["en", "zh-Hans", "pt-BR"])
def test_a_stale_waybill_form_keeps_what_was_typed_and_says_when_in_local_time(
    repair: RepairDouble, customer: httpx.Client, language: str
) -> None:
    customer.cookies.set("lang", language)
    repair.order = an_order(
        "receiving", shipments=SHIPPED, customer_actions=["set_inbound_waybill"]
    )
    repair.refusals[f"orders/{ORDER_ID}/inbound-waybill"] = STALE_ORDER

    refused = customer.post(
        f"{ORDER_PAGE}/inbound-waybill",
        data={"version": "3", "courier": "EMS", "waybill": "EMS0001"},
        follow_redirects=True,
    )

    assert str(refused.url).endswith(ORDER_PAGE)
    error = text_of(refused.text, "app-error")
    assert "2026-12-05 00:45" in error
    assert "16:45" not in error
    assert "UTC" not in error
    assert re.search(r'<details class="app-waybill-correction" open>', refused.text)
    assert field_value(refused.text, "courier") == "EMS"
    assert field_value(refused.text, "waybill") == "EMS0001"
    assert text_of(refused.text, "app-inbound-waybill") == "SF1234567890"


def test_before_shipping_the_page_asks_for_the_waybill(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order("customer_shipping", customer_actions=["set_inbound_waybill"])

    page = customer.get(ORDER_PAGE).text

    assert 'id="waybill-form"' in page
    assert "<details" not in page
    assert "app-inbound-parcel" not in page


def test_while_the_parcel_travels_the_saved_waybill_shows_and_its_correction_is_folded(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "receiving", shipments=SHIPPED, customer_actions=["set_inbound_waybill"]
    )

    page = customer.get(ORDER_PAGE).text

    assert text_of(page, "app-inbound-courier") == "SF Express"
    assert text_of(page, "app-inbound-waybill") == "SF1234567890"
    folded = re.search(r'<details class="app-waybill-correction">(.*?)</details>', page, re.S)
    assert folded is not None
    assert 'id="waybill-form"' in folded.group(1)


def test_once_received_the_waybill_is_shown_read_only_without_a_form(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order("reinspection", shipments=SHIPPED, customer_actions=[])

    page = customer.get(ORDER_PAGE).text

    assert text_of(page, "app-inbound-waybill") == "SF1234567890"
    assert "waybill-form" not in page
    assert 'name="waybill"' not in page


@pytest.mark.parametrize(("method", "then"), [("wechat", "?pay=wechat"), ("offline", "")])
def test_choosing_wechat_pay_comes_back_to_open_the_pay_sheet_at_once(
    repair: RepairDouble, customer: httpx.Client, method: str, then: str
) -> None:
    chosen = customer.post(
        f"/repair/requests/{REQUEST_ID}/payments",
        data={"back_to": str(ORDER_ID), "order_ids": str(ORDER_ID), "method": method},
    )

    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"{ORDER_PAGE}{then}"
    assert repair.posted == [
        (f"requests/{REQUEST_ID}/payments", {"method": method, "order_ids": [ORDER_ID]})
    ]


def main_of(html: str) -> str:
    """The page's own content, without the header and the footer's sign-out button."""
    return html.split('<main class="app-main">', 1)[1].split("</main>", 1)[0]


def pay_button(html: str) -> str:
    found = re.search(r'<button[^>]*id="wechat-pay"[^>]*>[^<]*</button>', html)
    assert found, "no WeChat Pay button"
    return found.group(0)


def test_a_created_wechat_payment_has_one_button_that_says_what_is_left(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "fee_collection", payment=a_payment("wechat"), customer_actions=["choose_payment_method"]
    )

    just_chosen = customer.get(f"{ORDER_PAGE}?pay=wechat").text
    later = customer.get(ORDER_PAGE).text

    assert 'value="wechat">Pay with WeChat Pay' not in just_chosen
    assert main_of(just_chosen).count('id="wechat-pay"') == 1
    assert ">Complete the WeChat payment ¥123.45<" in pay_button(just_chosen)
    assert 'data-open-at-once="1"' in pay_button(just_chosen)
    assert 'data-open-at-once="1"' not in pay_button(later)
    assert ">Complete the WeChat payment ¥123.45<" in pay_button(later)


def test_before_a_payment_the_order_page_offers_wechat_pay_and_offline_payment(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order("fee_collection", customer_actions=["choose_payment_method"])

    page = customer.get(ORDER_PAGE).text

    assert re.search(r'value="wechat">Pay with WeChat Pay</button>', page)
    assert 'id="wechat-pay"' not in page


def test_every_upload_widget_carries_the_upload_limits_repair_service_enforces(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "fee_collection",
        payment=a_payment("offline"),
        customer_actions=["choose_payment_method", "submit_offline_proof"],
    )
    expected = {kind: megabytes * 1024 * 1024 for kind, megabytes in UPLOAD_LIMITS_MB.items()}

    for path in ("/repair/new", ORDER_PAGE):
        page = customer.get(path).text

        widgets = re.findall(r'<div class="app-uploader[^>]*>', page)
        assert widgets, path
        limits = [re.search(r"data-limits='([^']*)'", widget) for widget in widgets]
        assert [json.loads(html.unescape(found.group(1))) for found in limits if found] == [
            expected
        ] * len(widgets)


WECHAT_MONEY_BEING_CHECKED = "We received a WeChat Pay payment for this order after you chose"


@pytest.mark.parametrize(
    ("payment_status", "told"), [("pending", True), ("submitted", True), ("confirmed", False)]
)
def test_money_for_a_replaced_wechat_payment_is_announced_while_payment_is_still_asked_for(
    repair: RepairDouble, customer: httpx.Client, payment_status: str, told: bool
) -> None:
    # The customer switched to an offline transfer, then paid on the old WeChat Pay page.
    repair.order = an_order(
        "fee_collection",
        payment=a_payment("offline", payment_status),
        wechat_paid_unexpectedly=True,
        customer_actions=["choose_payment_method", "submit_offline_proof"],
    )

    page = customer.get(ORDER_PAGE).text

    notice = re.search(r'data-test="wechat-paid-unexpectedly">([^<]*)<', page)
    assert bool(notice) == told
    if notice:
        assert WECHAT_MONEY_BEING_CHECKED in notice.group(1)
        assert "please do not pay again" in notice.group(1)


def test_no_notice_about_wechat_money_when_none_arrived_unexpectedly(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "fee_collection",
        payment=a_payment("offline"),
        customer_actions=["choose_payment_method", "submit_offline_proof"],
    )

    assert WECHAT_MONEY_BEING_CHECKED not in customer.get(ORDER_PAGE).text


TYPED_INVOICE = {
    "kind": "special",
    "title": 'ACME "Quotes" & Co',
    "tax_id": "91330106MA2B3C4D5D",
    "address": "1 Example Road, Hangzhou",
    "phone": "0571-88888888",
    "bank": "Example Bank",
    "bank_account": "6222000011112222",
}


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no input {name}"
    return html.unescape(found.group(1))


@pytest.mark.parametrize("save_title", [True, False])
def test_a_refused_invoice_request_keeps_what_the_customer_typed(
    repair: RepairDouble, customer: httpx.Client, save_title: bool
) -> None:
    repair.order = an_order(
        "repair", payment=a_payment("offline", "confirmed"), customer_actions=["request_invoice"]
    )
    repair.refusals[f"payments/{PAYMENT_ID}/invoice"] = (
        409,
        {
            "detail": "The tax ID is not a valid unified social credit code",
            "message_id": "The tax ID is not a valid unified social credit code",
            "params": {},
        },
    )
    form = {
        **TYPED_INVOICE,
        "back_to": str(ORDER_ID),
        **({"save_title": "1"} if save_title else {}),
    }

    refused = customer.post(f"/repair/payments/{PAYMENT_ID}/invoice", data=form)

    assert refused.status_code == 303
    assert refused.headers["location"] == ORDER_PAGE
    page = customer.get(ORDER_PAGE).text
    assert "The tax ID is not a valid unified social credit code" in text_of(page, "app-error")
    for name in ("title", "tax_id", "address", "phone", "bank", "bank_account"):
        assert field_value(page, name) == TYPED_INVOICE[name], name
    assert re.search(r'<option value="special" selected>', page)
    keep = re.search(r'<input type="checkbox"[^>]*name="save_title"[^>]*>', page)
    assert keep is not None
    assert ("checked" in keep.group(0)) is save_title
    assert [path for path, _ in repair.posted] == [f"payments/{PAYMENT_ID}/invoice"]


def test_a_fresh_invoice_form_is_empty_and_offers_to_keep_the_title(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "repair", payment=a_payment("wechat", "confirmed"), customer_actions=["request_invoice"]
    )

    page = customer.get(ORDER_PAGE).text

    assert field_value(page, "title") == ""
    assert "selected" not in page.split('name="kind"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<input type="checkbox"[^>]*name="save_title"[^>]*checked>', page)


def test_amounts_on_the_order_page_carry_thousands_separators(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    payment = {**a_payment("wechat"), "amount_fen": 128050}
    quote = {"amount_fen": 128050, "note": None, "decision": "agreed"}
    repair.order = an_order("fee_collection", quote=quote, payment=payment)

    page = customer.get(ORDER_PAGE).text

    assert text_of(page, "app-quote-amount") == "¥1,280.50"
    assert ">Complete the WeChat payment ¥1,280.50<" in pay_button(page)


def switch_form(html: str) -> str:
    found = re.search(r'<form[^>]*class="[^"]*app-switch-method[^"]*".*?</form>', html, re.S)
    assert found, "no way to change the payment method"
    return found.group(0)


@pytest.mark.parametrize(("method", "other"), [("wechat", "offline"), ("offline", "wechat")])
def test_an_unpaid_payment_says_so_and_the_customer_may_choose_the_other_method(
    repair: RepairDouble, customer: httpx.Client, method: str, other: str
) -> None:
    actions = ["choose_payment_method"] + (["submit_offline_proof"] if method == "offline" else [])
    repair.order = an_order("fee_collection", payment=a_payment(method), customer_actions=actions)

    page = customer.get(f"{ORDER_PAGE}?pay=wechat").text

    assert text_of(page, "app-payment-status") == "not paid yet"
    assert "waiting for confirmation" not in page
    form = switch_form(page)
    assert f'action="/repair/requests/{REQUEST_ID}/payments"' in form
    assert re.search(rf'<button[^>]*name="method" value="{other}"', form)
    chosen = customer.post(
        f"/repair/requests/{REQUEST_ID}/payments",
        data={"back_to": str(ORDER_ID), "order_ids": str(ORDER_ID), "method": other},
    )
    assert chosen.status_code == 303
    assert repair.posted == [
        (f"requests/{REQUEST_ID}/payments", {"method": other, "order_ids": [ORDER_ID]})
    ]


def test_a_proof_waiting_for_finance_offers_no_other_method(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "fee_collection",
        payment=a_payment("offline", "submitted"),
        customer_actions=["choose_payment_method"],
    )

    page = customer.get(ORDER_PAGE).text

    assert text_of(page, "app-payment-status") == "proof sent, waiting for confirmation"
    assert "app-switch-method" not in page
    assert 'name="method"' not in page


QUOTE = {"amount_fen": 12345, "note": None, "decision": None}


def test_declining_takes_a_second_tap_that_says_what_happens(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "customer_agreement", quote=QUOTE, customer_actions=["agree", "decline"]
    )

    page = customer.get(ORDER_PAGE).text

    folded = re.search(r'<details class="app-decline">(.*?)</details>', page, re.S)
    assert folded is not None, "declining is not behind a confirmation"
    assert "<summary" in folded.group(1)
    assert "ship it back to you as it is" in folded.group(1)
    assert f'action="/repair/orders/{ORDER_ID}/decline"' in folded.group(1)
    assert page.count(f'action="/repair/orders/{ORDER_ID}/decline"') == 1


def test_after_declining_the_page_says_the_quote_was_declined(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "customer_agreement", quote=QUOTE, customer_actions=["agree", "decline"]
    )

    declined = customer.post(f"{ORDER_PAGE}/decline", data={"version": "4"})

    assert declined.status_code == 303
    assert declined.headers["location"] == f"{ORDER_PAGE}?declined=1"
    assert repair.posted == [(f"orders/{ORDER_ID}/decline", {"expected_version": 4})]
    repair.order = an_order(
        "warehouse_exit", quote={**QUOTE, "decision": "declined"}, quote_declined=True
    )
    shown = customer.get(declined.headers["location"]).text
    assert text_of(shown, "app-notice") == (
        "You declined the quote. We will ship your product back to you."
    )
    assert text_of(shown, "app-quote-declined") == "You declined this quote."
    assert "app-notice" not in customer.get(ORDER_PAGE).text


def a_tick(node_code: str, outcome: str | None) -> dict[str, Any]:
    return {
        "id": 1, "node": node(node_code), "entered_at": "2026-05-01T02:00:00Z",
        "started_at": None, "completed_at": "2026-05-01T03:00:00Z", "dwell_seconds": 3600,
        "operator_kind": "staff", "outcome": outcome, "comment": None, "attachments": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("language", "to_us", "back_to_you"),
    [
        ("pt-BR", "enviado ao centro", "enviado de volta a você"),
        ("en", "shipped", "shipped back"),
        ("zh-Hans", "已寄出", "已寄回"),
    ],
)
def test_the_timeline_tells_the_parcel_to_us_from_the_parcel_back(
    repair: RepairDouble, customer: httpx.Client, language: str, to_us: str, back_to_you: str
) -> None:
    customer.cookies.set("lang", language)
    timeline = [a_tick("customer_shipping", "shipped"), a_tick("warehouse_exit", "shipped")]
    repair.order = an_order("completed", timeline=timeline)

    page = customer.get(ORDER_PAGE).text

    outcomes = re.findall(r'<span class="app-muted">· ([^<]*)</span>', page)
    assert outcomes == [to_us, back_to_you]


def test_the_tax_id_is_labelled_as_the_chinese_code_it_is_checked_as(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    customer.cookies.set("lang", "pt-BR")
    repair.order = an_order(
        "repair", payment=a_payment("offline", "confirmed"), customer_actions=["request_invoice"]
    )

    page = customer.get(ORDER_PAGE).text

    label = re.search(
        r'<span class="weui-label">([^<]*)</span></span><span class="weui-cell__bd">'
        r'<input class="weui-input" name="tax_id"',
        page,
    )
    assert label is not None
    assert label.group(1) == "Código de crédito social unificado (CN)"
    assert "CNPJ" not in page


def test_a_rejected_order_shows_that_it_was_not_accepted_rather_than_a_step(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "application_review", status="rejected", review_comment="Not our product"
    )

    page = customer.get(ORDER_PAGE).text
    mine = customer.get("/repair/mine").text

    assert text_of(page, "app-current-node") == "Not accepted"
    assert "Current step" not in page
    assert "application_review" not in page
    assert "Your request was not accepted" in page
    assert '<div class="weui-cell__ft">Not accepted</div>' in mine
    assert "application_review" not in mine


@pytest.mark.parametrize(
    ("accept_language", "shown"),
    [("en", "Completed"), ("pt-BR", "Concluída"), ("zh-CN", "已完成")],
)
def test_a_completed_order_is_listed_as_completed_written_like_the_step_names(
    repair: RepairDouble, customer: httpx.Client, accept_language: str, shown: str
) -> None:
    repair.order = an_order("completed", status="completed")

    mine = customer.get("/repair/mine", headers={"Accept-Language": accept_language}).text
    page = customer.get(ORDER_PAGE, headers={"Accept-Language": accept_language}).text

    assert f'<div class="weui-cell__ft">{shown}</div>' in mine
    assert text_of(page, "app-current-node") == shown


@pytest.mark.parametrize(("method", "offered"), [("wechat", False), ("offline", True)])
def test_a_special_invoice_is_offered_only_for_an_offline_payment(
    repair: RepairDouble, customer: httpx.Client, method: str, offered: bool
) -> None:
    repair.order = an_order(
        "repair", payment=a_payment(method, "confirmed"), customer_actions=["request_invoice"]
    )

    page = customer.get(ORDER_PAGE).text

    kinds = re.findall(r'<option value="(general|special)"', page)
    assert kinds == (["general", "special"] if offered else ["general"])


def test_the_order_page_shows_the_photos_and_videos_the_customer_sent(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        attachments=[
            {"kind": "product_photo", "key": "2026/05/front.jpg", "name": "front.jpg"},
            {"kind": "fault_video", "key": "2026/05/noise.mp4", "name": "noise.mp4"},
        ]
    )

    page = customer.get(ORDER_PAGE).text

    tiles = re.search(r'class="weui-cell app-own-files">(.*?)</div></div>', page, re.S)
    assert tiles is not None
    links = re.findall(r'<a href="([^"]+)"', tiles.group(1))
    assert links == ["/api/repair/files/2026/05/front.jpg", "/api/repair/files/2026/05/noise.mp4"]
    assert '<img src="/api/repair/files/2026/05/front.jpg?variant=preview"' in tiles.group(1)
    assert "noise.mp4" in tiles.group(1)


def test_an_order_without_files_shows_no_empty_file_section(customer: httpx.Client) -> None:
    assert "app-own-files" not in customer.get(ORDER_PAGE).text


# Browsers silently drop a cookie over 4096 bytes, and with it the refusal and everything typed.
BROWSER_COOKIE_BYTES = 4096
INVALID_TAX_ID = (
    409,
    {
        "detail": "The tax ID is not a valid unified social credit code",
        "message_id": "The tax ID is not a valid unified social credit code",
        "params": {},
    },
)


def assert_cookies_a_browser_keeps(answer: httpx.Response) -> None:
    for cookie in answer.headers.get_list("set-cookie"):
        assert len(cookie.encode()) <= BROWSER_COOKIE_BYTES, cookie[:80]


def rare_characters(count: int, seed: int) -> str:
    """Characters of four bytes each in UTF-8 that do not repeat in a way compression finds:
    every invoice field at its maximum in these cannot travel back whole."""
    return "".join(chr(0x20000 + (index * 7919 + seed * 104729) % 42000) for index in range(count))


def an_invoice_to_request(repair: RepairDouble) -> None:
    repair.order = an_order(
        "repair", payment=a_payment("offline", "confirmed"), customer_actions=["request_invoice"]
    )


def test_a_refused_invoice_with_long_chinese_values_keeps_the_refusal_and_every_value(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    an_invoice_to_request(repair)
    repair.refusals[f"payments/{PAYMENT_ID}/invoice"] = INVALID_TAX_ID
    typed = {
        "kind": "general",
        "title": "杭州某某精密机械设备有限公司" * 14 + "分公",  # 198 characters
        "tax_id": "91350100M000100Y4X",
        "address": "浙江省杭州市西湖区文三路一百号" * 19,  # 285
        "phone": "0571-88888888",
        "bank": "中国工商银行股份有限公司杭州分行" * 12,  # 192
        "bank_account": "6222000011112222",
    }

    refused = customer.post(
        f"/repair/payments/{PAYMENT_ID}/invoice", data={**typed, "back_to": str(ORDER_ID)}
    )

    assert refused.status_code == 303
    assert_cookies_a_browser_keeps(refused)
    page = customer.get(ORDER_PAGE).text
    assert "The tax ID is not a valid unified social credit code" in text_of(page, "app-error")
    for name in ("title", "tax_id", "address", "phone", "bank", "bank_account"):
        assert field_value(page, name) == typed[name], name
    assert "too long to keep" not in page
    # Shown once: a reload shows the order as it is.
    again = customer.get(ORDER_PAGE).text
    assert field_value(again, "title") == ""
    assert "The tax ID is not" not in again


def test_every_invoice_field_at_its_maximum_in_rare_characters_travels_back_whole(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    an_invoice_to_request(repair)
    repair.refusals[f"payments/{PAYMENT_ID}/invoice"] = INVALID_TAX_ID
    lengths = {"title": 200, "tax_id": 18, "address": 300, "phone": 32, "bank": 200}
    typed = {"kind": "general", "bank_account": rare_characters(64, 9)}
    typed |= {
        name: rare_characters(size, seed) for seed, (name, size) in enumerate(lengths.items())
    }

    refused = customer.post(
        f"/repair/payments/{PAYMENT_ID}/invoice", data={**typed, "back_to": str(ORDER_ID)}
    )

    assert_cookies_a_browser_keeps(refused)
    page = customer.get(ORDER_PAGE).text
    assert "The tax ID is not a valid unified social credit code" in text_of(page, "app-error")
    for name in [*lengths, "bank_account"]:
        assert field_value(page, name) == typed[name], name


def test_a_refused_proof_too_long_to_carry_back_keeps_the_refusal_and_asks_for_it_again(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    repair.order = an_order(
        "fee_collection",
        payment=a_payment("offline"),
        customer_actions=["choose_payment_method", "submit_offline_proof"],
    )
    repair.refusals[f"payments/{PAYMENT_ID}/proof"] = INVALID_TAX_ID
    proofs = [
        {"kind": "payment_proof", "key": f"k{index}", "name": rare_characters(200, index)}
        for index in range(30)
    ]

    refused = customer.post(
        f"/repair/payments/{PAYMENT_ID}/proof",
        data={"back_to": str(ORDER_ID), "version": "2", "proofs": json.dumps(proofs)},
    )

    assert refused.status_code == 303
    assert_cookies_a_browser_keeps(refused)
    page = customer.get(ORDER_PAGE).text
    assert "The tax ID is not a valid unified social credit code" in text_of(page, "app-error")
    assert "Some of what you typed was too long to keep" in page
    assert re.search(r'<input type="hidden" name="proofs" value="\[\]">', page)


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "Waybill: at most 100 characters"),
        ("zh-Hans", "运单号：最多 100 个字符"),
        ("pt-BR", "Código de rastreio: no máximo 100 caracteres"),
    ],
)
def test_a_waybill_longer_than_its_field_is_refused_at_once_naming_the_field(
    repair: RepairDouble, customer: httpx.Client, language: str, refusal: str
) -> None:
    repair.order = an_order("customer_shipping", customer_actions=["set_inbound_waybill"])
    customer.headers["Accept-Language"] = language

    refused = customer.post(
        f"{ORDER_PAGE}/inbound-waybill",
        data={"version": "4", "courier": "顺丰速运" * 20, "waybill": "SF" * 2500},
    )

    assert refused.status_code == 303
    assert_cookies_a_browser_keeps(refused)
    assert repair.posted == []
    page = customer.get(ORDER_PAGE).text
    assert refusal in text_of(page, "app-error")
    assert field_value(page, "courier") == "顺丰速运" * 20
    assert field_value(page, "waybill") == ""
    assert "too long to keep" not in page


def test_invoice_values_longer_than_their_fields_are_refused_at_once_naming_each(
    repair: RepairDouble, customer: httpx.Client
) -> None:
    an_invoice_to_request(repair)
    typed = {**TYPED_INVOICE, "title": "题" * 5000, "bank": "行" * 5000}

    refused = customer.post(
        f"/repair/payments/{PAYMENT_ID}/invoice", data={**typed, "back_to": str(ORDER_ID)}
    )

    assert_cookies_a_browser_keeps(refused)
    assert repair.posted == []
    page = customer.get(ORDER_PAGE).text
    error = text_of(page, "app-error")
    assert "Title: at most 200 characters" in error
    assert "Bank: at most 200 characters" in error
    assert field_value(page, "title") == ""
    assert field_value(page, "address") == TYPED_INVOICE["address"]


def test_a_refusal_is_shown_only_to_the_customer_it_was_for(
    repair: RepairDouble, customer: httpx.Client, gateway_to
) -> None:  # type: ignore[no-untyped-def]
    an_invoice_to_request(repair)
    repair.refusals[f"payments/{PAYMENT_ID}/invoice"] = INVALID_TAX_ID
    customer.post(
        f"/repair/payments/{PAYMENT_ID}/invoice", data={**TYPED_INVOICE, "back_to": str(ORDER_ID)}
    )
    carried = customer.cookies["reparo_refused"]

    customer.post("/signout")
    customer.post("/signin/dev", data={"openid": "oSomeoneElse", "next": "/"})
    customer.cookies.set("reparo_refused", carried, path="/repair/")
    page = customer.get(ORDER_PAGE).text

    assert "The tax ID is not" not in page
    assert field_value(page, "title") == ""
