"""Invoicing and completion: an invoice waiting blocks completion and issuing it completes the
order; an order completed without an invoice still gets one the customer asks for later; an
invoice issued before an order reaches invoicing lets it pass through."""

from typing import Any

from .conftest import World


def paid_orders(world: World, count: int = 1) -> tuple[dict[str, str], list[int], dict[str, Any]]:
    """``count`` orders of one request, agreed and paid together offline, then confirmed."""
    customer = world.new_customer()
    items = [{"pn": "PN-100", "sn": f"INV-{i}", "fault_description": "x"} for i in range(count)]
    request = world.submit(customer, items)
    order_ids = [order["id"] for order in request["orders"]]
    for order_id in order_ids:
        world.drive_to_quote(customer, order_id)
        assert world.customer_act(customer, order_id, "agree").status_code == 200
    payment = world.pay_offline(customer, request["id"], order_ids)
    confirmed = world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/confirm",
        json={"expected_version": payment["version"]},
        headers=world.staff("finance"),
    )
    assert confirmed.status_code == 200, confirmed.text
    return customer, order_ids, confirmed.json()


def ship_back(world: World, order_id: int) -> dict[str, Any]:
    for action in ("start-repair", "finish-repair", "qc-pass"):
        who = "qc" if action == "qc-pass" else "repair"
        assert world.act(who, order_id, action).status_code == 200
    shipped = world.act(
        "warehouse", order_id, "ship-back", courier="SF", waybill=f"SFB{order_id:06d}"
    )
    assert shipped.status_code == 200, shipped.text
    return dict(shipped.json())


def request_invoice(world: World, customer: dict[str, str], payment_id: int) -> None:
    response = world.client.post(
        f"/api/repair/payments/{payment_id}/invoice",
        json={"kind": "general", "title": "Acme Ltd"},
        headers=customer,
    )
    assert response.status_code == 200, response.text


def issue_invoice(world: World, payment_id: int) -> Any:
    return world.client.post(
        f"/api/repair/staff/payments/{payment_id}/invoice",
        json={"pdf_key": world.upload_pdf(world.staff("finance"))},
        headers=world.staff("finance"),
    )


def test_finance_completes_an_order_whose_customer_asked_for_no_invoice(world: World) -> None:
    _customer, (order_id,), _payment = paid_orders(world)
    ship_back(world, order_id)
    assert world.order(order_id, "finance")["staff_actions"] == ["complete"]

    completed = world.act("finance", order_id, "complete")

    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"


def test_invoice_waiting_blocks_completion_and_issuing_it_completes_the_order(
    world: World,
) -> None:
    customer, (order_id,), payment = paid_orders(world)
    ship_back(world, order_id)
    request_invoice(world, customer, payment["id"])
    assert world.order(order_id, "finance")["staff_actions"] == ["issue_invoice"]
    assert world.act("finance", order_id, "complete").status_code == 409

    assert issue_invoice(world, payment["id"]).status_code == 200

    detail = world.order(order_id, "finance")
    assert detail["status"] == "completed"
    assert [t["outcome"] for t in detail["timeline"][-2:]] == ["invoiced", "completed"]
    assert detail["staff_actions"] == []


def test_customer_asking_for_an_invoice_after_completion_still_gets_it(world: World) -> None:
    customer, (order_id,), payment = paid_orders(world)
    ship_back(world, order_id)
    assert world.act("finance", order_id, "complete").status_code == 200

    request_invoice(world, customer, payment["id"])
    assert world.order(order_id, "finance")["staff_actions"] == ["issue_invoice"]
    assert world.order(order_id, "repair")["staff_actions"] == []  # not granted invoicing
    issued = issue_invoice(world, payment["id"])

    assert issued.status_code == 200, issued.text
    detail = world.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()
    assert detail["status"] == "completed"
    assert detail["invoice"]["issued_at"]
    assert "request_invoice" not in detail["customer_actions"]


def test_order_shipped_back_after_its_payments_invoice_was_issued_passes_through_invoicing(
    world: World,
) -> None:
    customer, (first, second), payment = paid_orders(world, 2)
    ship_back(world, first)
    request_invoice(world, customer, payment["id"])
    assert issue_invoice(world, payment["id"]).status_code == 200
    assert world.order(first)["status"] == "completed"
    assert world.order(second)["node"]["code"] == "repair"

    shipped = ship_back(world, second)

    assert shipped["status"] == "completed"
    ticks = world.order(second)["timeline"]
    assert [(t["node"]["code"], t["outcome"]) for t in ticks[-3:]] == [
        ("warehouse_exit", "shipped"),
        ("invoicing", "invoiced"),
        ("completed", "completed"),
    ]
    assert ticks[-2]["operator_kind"] == "system"


def test_staff_list_finds_the_orders_whose_invoice_waits(world: World) -> None:
    customer, (order_id,), payment = paid_orders(world)
    paid_orders(world)  # another paid order, no invoice asked
    ship_back(world, order_id)
    world.act("finance", order_id, "complete")
    request_invoice(world, customer, payment["id"])

    found = world.client.get(
        "/api/repair/staff/orders?invoice_waiting=true", headers=world.staff("finance")
    ).json()

    assert [row["id"] for row in found["items"]] == [order_id]


def test_finance_cannot_issue_a_photo_as_the_invoice_pdf_and_nothing_changes(
    world: World,
) -> None:
    customer, (order_id,), payment = paid_orders(world)
    ship_back(world, order_id)
    request_invoice(world, customer, payment["id"])
    # A JPEG named like a PDF: the stored file's sniffed type decides, not the name.
    photo = world.upload(world.staff("finance"), "invoice_pdf", "invoice.pdf")["key"]

    refused = world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/invoice",
        json={"pdf_key": photo},
        headers=world.staff("finance"),
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["message_id"] == "The invoice must be a PDF file"
    detail = world.order(order_id, "finance")
    assert (detail["status"], detail["node"]["code"]) == ("open", "invoicing")
    assert detail["invoice"]["issued_at"] is None
    assert detail["staff_actions"] == ["issue_invoice"]
