"""The main path end to end through the HTTP API: submit, review, ship, receive, inspect, quote,
agree, pay offline, repair, QC, ship back, invoice (which completes)."""

from sqlmodel import Session, select

from repair_service.audit.models import AuditLog
from repair_service.models import OutboxEvent

from .conftest import World

TAX_ID = "91350100M000100Y43"


def test_customer_and_staff_take_an_order_from_submission_to_completion(world: World) -> None:
    customer = world.new_customer()
    request = world.submit(
        customer,
        [
            {
                "pn": "PN-100",
                "sn": "SN-A1",
                "fault_description": "no power",
                "attachments": [world.upload(customer, "fault_photo", "fault.jpg")],
            },
            {"pn": "PN-200", "sn": "SN-B2", "fault_description": "noisy fan"},
        ],
    )
    assert len(request["orders"]) == 2
    first, second = (order["id"] for order in request["orders"])
    assert request["orders"][0]["number"].startswith("R20")
    assert request["orders"][0]["node"]["code"] == "review"

    for order_id in (first, second):
        world.drive_to_quote(customer, order_id, amount_fen=12_000)
        assert world.customer_act(customer, order_id, "agree").status_code == 200

    detail = world.client.get(f"/api/repair/orders/{first}", headers=customer).json()
    assert detail["node"]["code"] == "fee_collection"
    assert detail["needs_from_customer"] == "pay"
    assert "choose_payment_method" in detail["customer_actions"]
    assert detail["receiving_address"]["label"]

    payment = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "offline", "order_ids": [first, second]},
        headers=customer,
    ).json()
    assert payment["amount_fen"] == 24_000
    proof = world.client.post(
        f"/api/repair/payments/{payment['id']}/proof",
        json={
            "expected_version": payment["version"],
            "proofs": [world.upload(customer, "payment_proof", "p.jpg")],
        },
        headers=customer,
    )
    assert proof.status_code == 200, proof.text
    confirmed = world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/confirm",
        json={"expected_version": proof.json()["version"]},
        headers=world.staff("finance"),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"

    for order_id in (first, second):
        assert world.act("repair", order_id, "start-repair").status_code == 200
        assert world.act("repair", order_id, "finish-repair").status_code == 200
        assert world.act("qc", order_id, "qc-pass").status_code == 200
        shipped = world.act(
            "warehouse", order_id, "ship-back", courier="SF", waybill=f"SFOUT{order_id}"
        )
        assert shipped.json()["node"]["code"] == "invoicing"

    invoice = world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={
            "kind": "special",
            "title": "Acme Ltd",
            "tax_id": TAX_ID,
            "address": "Shenzhen",
            "phone": "0755-1",
            "bank": "ICBC",
            "bank_account": "6222",
        },
        headers=customer,
    )
    assert invoice.status_code == 200, invoice.text
    blocked = world.act("finance", first, "complete")
    assert blocked.status_code == 409
    issued = world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/invoice",
        json={"courier": "EMS", "waybill": "EMS123"},
        headers=world.staff("finance"),
    )
    assert issued.status_code == 200, issued.text
    for order_id in (first, second):  # issuing the invoice completed both orders waiting for it
        assert world.order(order_id)["status"] == "completed"
        assert world.act("finance", order_id, "complete").status_code == 409

    final = world.client.get(f"/api/repair/orders/{first}", headers=customer).json()
    visited = [tick["node"]["code"] for tick in final["timeline"]]
    assert visited == [
        "submitted",
        "review",
        "customer_shipping",
        "receiving",
        "reinspection",
        "quotation",
        "customer_agreement",
        "fee_collection",
        "repair",
        "qc",
        "warehouse_exit",
        "invoicing",
        "completed",
    ]
    assert all(tick["completed_at"] for tick in final["timeline"])
    assert final["eta"] is None
    assert final["invoice"]["issued_at"]

    with Session(world.engine) as session:
        types = [e.event_type for e in session.exec(select(OutboxEvent))]
        audits = session.exec(select(AuditLog)).all()
    for expected in (
        "repair.request.submitted",
        "repair.review.approved",
        "repair.quote.sent",
        "repair.payment.confirmed",
        "repair.order.shipped_back",
        "repair.invoice.issued",
        "repair.order.completed",
    ):
        assert expected in types
    assert types.count("repair.order.completed") == 2
    assert len(audits) > 20
    with Session(world.engine) as session:
        envelopes = " ".join(e.envelope for e in session.exec(select(OutboxEvent)))
    for personal in ("13812345678", "张三丰", "科技园"):
        assert personal not in envelopes
