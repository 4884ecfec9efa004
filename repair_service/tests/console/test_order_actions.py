"""Every action through the console's forms, grants enforced on crafted posts, and conflicts."""

import re
from typing import Any

from sqlmodel import Session

from repair_service.models import Quote
from repair_service.orders.transitions import latest_quote

from ..conftest import World
from .conftest import Console


def new_order(world: World) -> tuple[dict[str, str], dict[str, Any]]:
    customer = world.new_customer()
    request = world.submit(customer)
    return customer, {"request_id": request["id"], **request["orders"][0]}


def node_of(world: World, order_id: int) -> str:
    return str(world.order(order_id)["node"]["code"])


def offered(person: Console, order_id: int) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', person.get(f"/console/orders/{order_id}").text)


def test_staff_take_an_order_from_review_to_completed_through_console_forms(
    console, world: World
) -> None:
    customer, order = new_order(world)
    oid = order["id"]
    review, logistics, repair, qc, warehouse, finance = (
        console(name) for name in ("review", "logistics", "repair", "qc", "warehouse", "finance")
    )

    assert (
        review.act(
            oid, "approve", receiving_address_id=world.address_id(), comment="ship to Shenzhen"
        ).status_code
        == 303
    )
    assert node_of(world, oid) == "customer_shipping"
    world.customer_act(customer, oid, "inbound-waybill", courier="SF", waybill="SF123456")
    assert (
        logistics.act(oid, "receive", condition="scratched case", accessories="cable").status_code
        == 303
    )
    received = world.client.get(f"/api/repair/orders/{oid}", headers=customer).json()
    assert received["accessories_received"] == "cable"
    receipt = [tick for tick in received["timeline"] if tick["node"]["code"] == "receiving"][-1]
    assert receipt["comment"] == "scratched case"
    page = logistics.get(f"/console/orders/{oid}").text
    assert "<dt>收到的配件</dt><dd>cable</dd>" in page  # the console speaks Chinese by default
    assert (
        repair.act(
            oid, "record_inspection", findings="burnt capacitor", under_warranty="no"
        ).status_code
        == 303
    )
    assert repair.act(oid, "send_quote", amount_yuan="120.50", note="board").status_code == 303
    with Session(world.engine) as session:
        quote = latest_quote(session, oid)
        assert quote is not None
        assert quote.amount_fen == 12_050
    assert review.act(oid, "agree_for_customer").status_code == 303
    assert node_of(world, oid) == "fee_collection"

    payment = world.pay_offline(customer, order["request_id"], [oid])
    assert offered(finance, oid) == ["confirm_payment", "reject_payment"]
    assert finance.act(oid, "confirm_payment").status_code == 303
    assert offered(repair, oid) == ["start_repair"]
    assert repair.act(oid, "start_repair").status_code == 303
    assert offered(repair, oid) == ["finish_repair"]
    assert repair.act(oid, "finish_repair", comment="board replaced").status_code == 303
    assert qc.act(oid, "pass_qc").status_code == 303
    assert warehouse.act(oid, "ship_back", courier="SF", waybill="SFBACK1").status_code == 303
    assert node_of(world, oid) == "invoicing"

    invoice = world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={"kind": "general", "title": "Acme Ltd"},
        headers=customer,
    )
    assert invoice.status_code == 200, invoice.text
    assert offered(finance, oid) == ["issue_invoice"]  # completing waits for the invoice
    issued = finance.act(oid, "issue_invoice", pdf_key=world.upload_pdf(world.staff("finance")))
    assert issued.status_code == 303

    final = world.order(oid)  # issuing the invoice completed the order
    assert final["status"] == "completed"
    assert final["invoice"]["pdf_key"]
    page = finance.get(f"/console/orders/{oid}").text
    assert page.count('class="done"') == len(final["timeline"])
    assert "Finance" in page  # the operator of the last ticks is named


def test_review_rejects_with_a_comment_and_the_order_closes(console, world: World) -> None:
    _customer, order = new_order(world)
    review: Console = console("review")

    assert review.act(order["id"], "reject", comment="not our product").status_code == 303

    detail = world.order(order["id"])
    assert detail["status"] == "rejected"
    assert detail["review_comment"] == "not our product"
    assert offered(review, order["id"]) == []


def test_a_comment_too_long_or_with_control_characters_is_refused_saying_why(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    review: Console = console("review")

    too_long = review.act(order["id"], "reject", comment="长" * 2001)
    hidden = review.act(order["id"], "reject", comment="fine\x00text")

    assert too_long.status_code == 422
    assert "文字最多 2000 个字符" in too_long.text
    assert hidden.status_code == 422
    assert "不可见的控制字符" in hidden.text
    assert world.order(order["id"])["status"] != "rejected"


def test_a_rejected_order_is_headed_rejected_not_with_the_node_it_stopped_at(
    console, world: World
) -> None:
    customer, order = new_order(world)
    review: Console = console("review")
    review.post("/console/language", {"language": "en"})
    assert review.act(order["id"], "reject", comment="not our product").status_code == 303

    page = review.get(f"/console/orders/{order['id']}").text
    customer_view = world.client.get(f"/api/repair/orders/{order['id']}", headers=customer)

    heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert heading
    assert '<span class="badge closed rejected" data-test="state">Rejected</span>' in heading.group(
        1
    )
    assert "Application review" not in heading.group(1)
    assert customer_view.json()["status"] == "rejected"  # what the customer pages show


def test_finance_rejects_a_payment_proof_with_a_reason(console, world: World) -> None:
    customer, order = new_order(world)
    world.drive_to_quote(customer, order["id"])
    assert world.customer_act(customer, order["id"], "agree").status_code == 200
    world.pay_offline(customer, order["request_id"], [order["id"]])

    response = console("finance").act(order["id"], "reject_payment", reason="amount differs")

    assert response.status_code == 303
    detail = world.order(order["id"])
    assert detail["payment"]["status"] == "rejected"
    assert detail["payment"]["rejection_reason"] == "amount differs"


def test_decline_for_customer_sends_the_product_back(console, world: World) -> None:
    customer, order = new_order(world)
    world.drive_to_quote(customer, order["id"])

    assert console("coordinator").act(order["id"], "decline_for_customer").status_code == 303

    assert node_of(world, order["id"]) == "warehouse_exit"


def test_qc_failure_needs_a_reason_and_sends_the_order_back_to_repair(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "qc")
    qc: Console = console("qc")

    empty = qc.act(order["id"], "fail_qc", comment="  ")
    assert empty.status_code == 422
    assert node_of(world, order["id"]) == "qc"

    assert qc.act(order["id"], "fail_qc", comment="still noisy").status_code == 303
    assert node_of(world, order["id"]) == "repair"


def test_zero_quote_under_warranty_goes_straight_to_repair(console, world: World) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "reinspection")
    repair: Console = console("repair")
    assert (
        repair.act(
            order["id"], "record_inspection", findings="loose connector", under_warranty="yes"
        ).status_code
        == 303
    )

    assert repair.act(order["id"], "send_quote", amount_yuan="0").status_code == 303

    assert node_of(world, order["id"]) == "repair"


def test_under_warranty_the_console_offers_a_free_repair_and_says_what_a_quote_does(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    _other_customer, paying = new_order(world)
    world.place_at(order["id"], "reinspection")
    world.place_at(paying["id"], "quotation")
    repair: Console = console("repair")
    repair.post("/console/language", {"language": "en"})
    repair.act(order["id"], "record_inspection", findings="loose connector", under_warranty="yes")

    page = repair.get(f"/console/orders/{order['id']}").text
    refused = repair.act(
        paying["id"], "confirm_free_repair", expected_version=world.version(paying["id"])
    )
    free = repair.act(order["id"], "confirm_free_repair", note="connector reseated")

    assert offered(repair, paying["id"]) == ["send_quote"]
    assert re.findall(r'data-action="([a-z_]+)"', page) == ["confirm_free_repair", "send_quote"]
    assert ">Confirm free repair</button>" in page
    assert "straight to repair" in page  # what ¥0 under warranty does is said on the page
    assert refused.status_code == 409
    assert node_of(world, paying["id"]) == "quotation"
    assert free.status_code == 303
    detail = world.order(order["id"])
    assert detail["node"]["code"] == "repair"
    assert detail["quote"]["amount_fen"] == 0
    assert detail["timeline"][-2]["outcome"] == "warranty_free"


def test_quote_with_three_decimals_is_refused_and_the_typed_values_are_kept(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "quotation")
    repair: Console = console("repair")

    for typed in ("12.345", "-3"):
        response = repair.act(order["id"], "send_quote", amount_yuan=typed, note="new fan")
        assert response.status_code == 422
        assert f'value="{typed}"' in response.text
        assert "new fan</textarea>" in response.text

    assert node_of(world, order["id"]) == "quotation"
    with Session(world.engine) as session:
        assert session.get(Quote, 1) is None


def test_member_crafting_a_post_for_a_node_not_granted_is_refused_and_nothing_changes(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    qc: Console = console("qc")
    before = world.order(order["id"])
    assert offered(qc, order["id"]) == []

    response = qc.post(
        f"/console/orders/{order['id']}/actions/approve",
        {"expected_version": before["version"], "receiving_address_id": world.address_id()},
    )

    assert response.status_code == 403
    assert 'data-test="failure"' in response.text
    after = world.order(order["id"])
    assert (after["node"]["code"], after["version"]) == ("review", before["version"])


def test_member_cannot_confirm_a_payment_without_the_fee_collection_grant(
    console, world: World
) -> None:
    customer, order = new_order(world)
    world.drive_to_quote(customer, order["id"])
    world.customer_act(customer, order["id"], "agree")
    payment = world.pay_offline(customer, order["request_id"], [order["id"]])

    response = console("repair").post(
        f"/console/orders/{order['id']}/actions/confirm_payment",
        {"expected_version": payment["version"]},
    )

    assert response.status_code == 403
    assert world.order(order["id"])["payment"]["status"] == "submitted"


def test_coordinator_may_act_on_any_node(console, world: World) -> None:
    _customer, order = new_order(world)
    coordinator: Console = console("coordinator")
    assert "approve" in offered(coordinator, order["id"])

    response = coordinator.act(order["id"], "approve", receiving_address_id=world.address_id())

    assert response.status_code == 303
    assert node_of(world, order["id"]) == "customer_shipping"


def test_second_operator_sees_who_acted_first_and_keeps_the_typed_text(
    console, world: World
) -> None:
    customer, order = new_order(world)
    world.place_at(order["id"], "customer_shipping")
    world.customer_act(customer, order["id"], "inbound-waybill", courier="SF", waybill="SF1111")
    logistics: Console = console("logistics")
    seen_version = logistics.version_on_page(order["id"], "receive")

    coordinator: Console = console("coordinator")
    assert coordinator.act(order["id"], "receive", condition="fine").status_code == 303

    late = logistics.act(
        order["id"],
        "receive",
        expected_version=seen_version,
        condition="dented corner",
        accessories="charger",
    )

    assert late.status_code == 409
    assert "Coordinator" in late.text
    assert 'data-test="failure"' in late.text
    assert "dented corner" in late.text
    assert "charger" in late.text
    assert node_of(world, order["id"]) == "reinspection"


def test_pressing_approve_twice_says_you_already_did_it_not_that_someone_else_did(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    review: Console = console("review")
    seen_version = review.version_on_page(order["id"], "approve")
    fields = {"receiving_address_id": world.address_id(), "expected_version": seen_version}

    first = review.act(order["id"], "approve", **fields)
    second = review.act(order["id"], "approve", **fields)

    assert first.status_code == 303
    assert second.status_code == 409
    assert "您已修改过此工单" in second.text
    assert "其他人已先行操作" not in second.text


def test_conflicting_post_on_a_still_offered_form_refills_it_with_the_new_version(
    console, world: World
) -> None:
    customer, order = new_order(world)
    world.place_at(order["id"], "customer_shipping")
    world.customer_act(customer, order["id"], "inbound-waybill", courier="SF", waybill="SF1111")
    logistics: Console = console("logistics")
    seen_version = logistics.version_on_page(order["id"], "receive")
    # The customer corrects the waybill: the order stays at receiving with a new version.
    world.customer_act(customer, order["id"], "inbound-waybill", courier="SF", waybill="SF2222")

    late = logistics.act(
        order["id"], "receive", expected_version=seen_version, condition="dented corner"
    )

    assert late.status_code == 409
    assert "dented corner</textarea>" in late.text
    new_version = str(world.order(order["id"])["version"])
    assert re.search(rf'data-action="receive".*?value="{new_version}"', late.text, re.S)
    assert logistics.act(order["id"], "receive", condition="dented corner").status_code == 303


def test_qr_link_is_issued_revoked_and_reissued_from_the_order_page(console, world: World) -> None:
    _customer, order = new_order(world)
    review: Console = console("review")
    path = f"/console/orders/{order['id']}"

    assert review.post(f"{path}/qr/reissue", {"confirmed": "yes"}).status_code == 303
    token = world.order(order["id"])["public_token"]
    page = review.get(path).text
    assert f"/p/{token}" in page
    assert 'data-test="qr"><svg' in page

    unconfirmed = review.post(f"{path}/qr/revoke")
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"] == f"{path}?confirm=qr_revoke#qr"
    assert world.order(order["id"])["public_token"] == token  # nothing happens unconfirmed
    asking = review.get(unconfirmed.headers["location"]).text
    assert 'data-test="qr-confirm"' in asking
    assert 'name="confirmed" value="yes"' in asking
    assert review.post(f"{path}/qr/revoke", {"confirmed": "yes"}).status_code == 303
    assert world.order(order["id"])["public_token"] is None
    assert 'data-test="qr-none"' in review.get(path).text

    assert review.post(f"{path}/qr/reissue").status_code == 303
    fresh = world.order(order["id"])["public_token"]
    assert fresh
    assert fresh != token
    assert f"/p/{fresh}" in review.get(path).text


def test_finance_issues_a_mailed_paper_invoice_with_courier_and_waybill(
    console, world: World
) -> None:
    customer, order = new_order(world)
    world.drive_to_quote(customer, order["id"])
    world.customer_act(customer, order["id"], "agree")
    payment = world.pay_offline(customer, order["request_id"], [order["id"]])
    finance: Console = console("finance")
    assert finance.act(order["id"], "confirm_payment").status_code == 303
    world.place_at(order["id"], "invoicing")
    requested = world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={
            "kind": "special",
            "title": "Acme Ltd",
            "tax_id": "91350100M000100Y43",
            "address": "Shenzhen",
            "phone": "0755-1",
            "bank": "ICBC",
            "bank_account": "6222",
        },
        headers=customer,
    )
    assert requested.status_code == 200, requested.text

    missing = finance.act(order["id"], "issue_invoice", courier="EMS")
    assert missing.status_code == 422
    issued = finance.act(order["id"], "issue_invoice", courier="EMS", waybill="EMS123456")

    assert issued.status_code == 303
    invoice = world.order(order["id"])["invoice"]
    assert (invoice["courier"], invoice["waybill"]) == ("EMS", "EMS123456")
    assert invoice["issued_at"]


def test_finance_issues_an_invoice_asked_for_after_completion_from_the_board(
    console, world: World
) -> None:
    customer, order = new_order(world)
    world.drive_to_quote(customer, order["id"])
    world.customer_act(customer, order["id"], "agree")
    payment = world.pay_offline(customer, order["request_id"], [order["id"]])
    finance: Console = console("finance")
    finance.post("/console/language", {"language": "en"})
    assert finance.act(order["id"], "confirm_payment").status_code == 303
    world.place_at(order["id"], "invoicing")
    assert offered(finance, order["id"]) == ["complete"]
    assert "Complete without invoice" in finance.get(f"/console/orders/{order['id']}").text
    assert finance.act(order["id"], "complete").status_code == 303
    world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={"kind": "general", "title": "Acme Ltd"},
        headers=customer,
    )

    board = finance.get("/console/").text
    assert "Invoices to issue: 1" in board
    waiting = finance.get("/console/?mine=0&status=all&invoice=waiting").text
    assert re.findall(r'data-order="([^"]+)"', waiting) == [order["number"]]
    assert offered(finance, order["id"]) == ["issue_invoice"]
    assert offered(console("repair"), order["id"]) == []
    issued = finance.act(
        order["id"], "issue_invoice", pdf_key=world.upload_pdf(world.staff("finance"))
    )

    assert issued.status_code == 303
    detail = world.order(order["id"])
    assert (detail["status"], bool(detail["invoice"]["issued_at"])) == ("completed", True)
    assert 'data-test="invoices-waiting"' not in finance.get("/console/").text


def test_done_notice_says_what_happened(console, world: World) -> None:
    _customer, order = new_order(world)
    review: Console = console("review")
    review.post("/console/language", {"language": "en", "next": "/console/"})

    done = review.act(order["id"], "approve", receiving_address_id=world.address_id())
    page = review.get(done.headers["location"]).text

    notice = re.search(r'data-test="done">([^<]+)<', page)
    assert notice
    assert notice.group(1) == "Approved: the customer is told where to ship the product."


def test_refusal_pages_are_titled_for_what_went_wrong(console, world: World) -> None:
    member: Console = console("qc")
    member.post("/console/language", {"language": "en", "next": "/console/"})

    refused = member.get("/console/admin/nodes")
    missing = member.get("/console/orders/999999")

    assert refused.status_code == 403
    assert "<title>Not allowed · Reparo</title>" in refused.text
    assert missing.status_code == 404
    assert "<title>Not found · Reparo</title>" in missing.text


def test_finance_is_refused_a_photo_as_invoice_pdf_and_sees_the_issued_pdf_linked(
    console, world: World
) -> None:
    customer, order = new_order(world)
    world.drive_to_quote(customer, order["id"])
    world.customer_act(customer, order["id"], "agree")
    payment = world.pay_offline(customer, order["request_id"], [order["id"]])
    finance: Console = console("finance")
    finance.post("/console/language", {"language": "en"})
    assert finance.act(order["id"], "confirm_payment").status_code == 303
    world.place_at(order["id"], "invoicing")
    world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={"kind": "general", "title": "Acme Ltd"},
        headers=customer,
    )
    photo = world.upload(world.staff("finance"), "invoice_pdf", "invoice.jpg")["key"]

    refused = finance.act(order["id"], "issue_invoice", pdf_key=photo)

    assert refused.status_code == 422
    assert "The invoice must be a PDF file" in refused.text
    assert world.order(order["id"])["invoice"]["issued_at"] is None
    pdf = world.upload_pdf(world.staff("finance"))
    assert finance.act(order["id"], "issue_invoice", pdf_key=pdf).status_code == 303
    page = finance.get(f"/console/orders/{order['id']}").text
    assert re.search(
        rf'<a[^>]+href="/api/repair/files/{re.escape(pdf)}"[^>]*data-test="invoice-pdf"', page
    )


def test_a_failed_qc_reads_failed_in_english_and_is_not_marked_as_a_success(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "qc")
    qc: Console = console("qc")
    qc.post("/console/language", {"language": "en"})
    failed = qc.act(order["id"], "fail_qc", comment="still no power")
    assert failed.status_code == 303, failed.text[-3000:]

    page = qc.get(f"/console/orders/{order['id']}").text

    ticks = re.findall(r'<li class="([^"]+)">\s*<strong>([^<]+)</strong>\s*(.*?)\n', page)
    qc_tick = next(tick for tick in ticks if tick[1] == "Inspection (QC)")
    assert qc_tick[0] == "done setback"
    assert '<span class="badge setback">failed</span>' in qc_tick[2]
    assert "not delivered" not in page


def test_a_member_whose_team_does_not_hold_the_order_cannot_touch_its_public_link(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "repair")
    token = world.order(order["id"])["public_token"]
    warehouse: Console = console("warehouse")
    path = f"/console/orders/{order['id']}"

    refused = warehouse.post(f"{path}/qr/revoke", {"confirmed": "yes"})
    page = warehouse.get(f"{path}?confirm=qr_revoke").text

    assert refused.status_code == 403
    assert world.order(order["id"])["public_token"] == token
    assert "/qr/revoke" not in page
    assert "/qr/reissue" not in page
    assert 'data-test="qr"><svg' in page  # the QR itself still shows for printing


def test_a_conflict_names_who_acted_first_by_name_not_by_internal_id(console, world: World) -> None:
    customer, order = new_order(world)
    world.place_at(order["id"], "customer_shipping")
    coordinator: Console = console("coordinator")
    coordinator.post("/console/language", {"language": "en"})
    path = f"/console/orders/{order['id']}/actions/assign"
    seen = world.version(order["id"])
    assert console("admin").act(order["id"], "assign", assignee_id="").status_code == 303

    by_staff = coordinator.post(path, {"expected_version": seen, "assignee_id": ""})
    seen = world.version(order["id"])
    world.customer_act(customer, order["id"], "inbound-waybill", courier="SF", waybill="SF1")
    by_customer = coordinator.post(path, {"expected_version": seen, "assignee_id": ""})

    assert by_staff.status_code == 409
    assert "Admin changed this order at" in by_staff.text
    assert "(staff" not in by_staff.text
    assert by_customer.status_code == 409
    assert "The customer changed this order at" in by_customer.text
    assert f"customer {order['customer_id']}" not in by_customer.text
