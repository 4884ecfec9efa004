"""Detours off the main path: rejection at review, declined quote, QC failure, warranty at zero,
rejected payment proof, WeChat Pay, and staff deciding on the customer's behalf."""

from sqlmodel import Session, col, select

from repair_service.billing.service import record_wechat_payment
from repair_service.models import OutboxEvent, Tick

from .conftest import World


def event_types(world: World) -> list[str]:
    with Session(world.engine) as session:
        return list(session.exec(select(OutboxEvent.event_type).order_by(col(OutboxEvent.id))))


def test_reviewer_rejecting_a_request_closes_the_order_and_keeps_the_comment(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]

    rejected = world.act("review", order_id, "reject", comment="Product is out of our range")

    assert rejected.status_code == 200
    detail = world.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()
    assert detail["status"] == "rejected"
    assert detail["review_comment"] == "Product is out of our range"
    assert detail["timeline"][-1]["outcome"] == "rejected"
    assert detail["customer_actions"] == []
    assert detail["eta"] is None
    assert "repair.review.rejected" in event_types(world)
    again = world.act("review", order_id, "approve", receiving_address_id=world.address_id())
    assert again.status_code == 409


def test_customer_declining_the_quote_gets_the_product_back_unrepaired(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id)

    declined = world.customer_act(customer, order_id, "decline")
    assert declined.json()["node"]["code"] == "warehouse_exit"
    shipped = world.act("warehouse", order_id, "ship-back", courier="SF", waybill="SFBACK1")

    assert shipped.json()["status"] == "completed"
    nodes = [t["node"]["code"] for t in world.order(order_id)["timeline"]]
    assert "repair" not in nodes
    assert "fee_collection" not in nodes
    assert nodes[-3:] == ["customer_agreement", "warehouse_exit", "completed"]
    assert "repair.order.shipped_back" in event_types(world)


def test_qc_failure_sends_the_order_back_to_repair_with_a_new_visit_each_time(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=0, warranty=True)

    for _round in range(2):
        assert world.act("repair", order_id, "start-repair").status_code == 200
        assert world.act("repair", order_id, "finish-repair").status_code == 200
        failed = world.act("qc", order_id, "qc-fail", comment="still noisy")
        assert failed.json()["node"]["code"] == "repair"
    world.act("repair", order_id, "start-repair")
    world.act("repair", order_id, "finish-repair")
    world.act("qc", order_id, "qc-pass")

    with Session(world.engine) as session:
        repair_visits = session.exec(
            select(Tick).where(Tick.order_id == order_id, Tick.node_code == "repair")
        ).all()
    assert len(repair_visits) == 3
    assert [t.outcome for t in repair_visits] == ["repaired", "repaired", "repaired"]
    assert world.order(order_id)["node"]["code"] == "warehouse_exit"


def test_zero_quote_under_warranty_skips_agreement_and_fee_collection(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]

    world.drive_to_quote(customer, order_id, amount_fen=0, warranty=True)

    order = world.order(order_id)
    assert order["node"]["code"] == "repair"
    nodes = [t["node"]["code"] for t in order["timeline"]]
    assert "customer_agreement" not in nodes
    assert "fee_collection" not in nodes
    for action in ("start-repair", "finish-repair", "qc-pass"):
        world.act({"qc-pass": "qc"}.get(action, "repair"), order_id, action)
    shipped = world.act("warehouse", order_id, "ship-back", courier="SF", waybill="SFW1")
    assert shipped.json()["status"] == "completed"


def test_zero_quote_outside_warranty_still_asks_the_customer(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]

    world.drive_to_quote(customer, order_id, amount_fen=0, warranty=False)

    assert world.order(order_id)["node"]["code"] == "customer_agreement"


def test_agreeing_to_a_zero_quote_goes_straight_to_repair_without_fee_collection(
    world: World,
) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=0, warranty=False)

    agreed = world.customer_act(customer, order_id, "agree")

    assert agreed.status_code == 200, agreed.text
    order = world.order(order_id)
    assert order["node"]["code"] == "repair"
    assert "fee_collection" not in [t["node"]["code"] for t in order["timeline"]]
    for action in ("start-repair", "finish-repair", "qc-pass"):
        world.act({"qc-pass": "qc"}.get(action, "repair"), order_id, action)
    shipped = world.act("warehouse", order_id, "ship-back", courier="SF", waybill="SFW2")
    assert shipped.json()["status"] == "completed"


def test_a_wechat_payment_of_zero_is_refused_with_a_clear_message(world: World) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    # An order that reached fee collection with a ¥0 quote before agreement skipped it.
    world.place_at(order_id, "fee_collection", quote_fen=0)

    refused = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "wechat", "order_ids": [order_id]},
        headers=customer,
    )

    assert refused.status_code == 409, refused.text
    assert "nothing to pay with WeChat Pay" in refused.text
    assert world.order(order_id)["node"]["code"] == "fee_collection"


def test_finance_rejecting_a_proof_sends_the_customer_back_to_pay_with_the_reason(
    world: World,
) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.drive_to_quote(customer, order_id)
    world.customer_act(customer, order_id, "agree")
    payment = world.pay_offline(customer, request["id"], [order_id])

    rejected = world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/reject",
        json={"expected_version": payment["version"], "reason": "Amount on the slip is wrong"},
        headers=world.staff("finance"),
    )

    assert rejected.status_code == 200, rejected.text
    detail = world.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()
    assert detail["node"]["code"] == "fee_collection"
    assert detail["payment"]["status"] == "rejected"
    assert detail["payment"]["rejection_reason"] == "Amount on the slip is wrong"
    assert detail["needs_from_customer"] == "resubmit_payment_proof"
    assert "submit_offline_proof" in detail["customer_actions"]
    assert "repair.payment.proof_rejected" in event_types(world)

    resubmitted = world.submit_proof(customer, rejected.json())
    confirmed = world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/confirm",
        json={"expected_version": resubmitted["version"]},
        headers=world.staff("finance"),
    )
    assert confirmed.status_code == 200
    assert world.order(order_id)["node"]["code"] == "repair"


def test_wechat_payment_confirms_once_and_allows_only_a_general_invoice(world: World) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=9_900)
    world.customer_act(customer, order_id, "agree")
    payment = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "wechat", "order_ids": [order_id]},
        headers=customer,
    ).json()

    for _delivery in range(2):  # WeChat Pay may notify more than once
        with Session(world.engine) as session:
            record_wechat_payment(
                session, payment_id=payment["id"], transaction_id="4200001", amount_fen=9_900
            )
            session.commit()

    assert event_types(world).count("repair.payment.confirmed") == 1
    assert world.order(order_id)["node"]["code"] == "repair"
    special = world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={
            "kind": "special",
            "title": "Acme",
            "tax_id": "91350100M000100Y43",
            "address": "a",
            "phone": "1",
            "bank": "b",
            "bank_account": "c",
        },
        headers=customer,
    )
    assert special.status_code == 422
    assert "general" in special.json()["detail"]
    general = world.client.post(
        f"/api/repair/payments/{payment['id']}/invoice",
        json={"kind": "general", "title": "Acme"},
        headers=customer,
    )
    assert general.status_code == 200


def test_staff_may_agree_on_the_customers_behalf(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id)

    agreed = world.act("review", order_id, "agree")

    assert agreed.status_code == 200
    assert agreed.json()["node"]["code"] == "fee_collection"
    last = [
        t for t in world.order(order_id)["timeline"] if t["node"]["code"] == "customer_agreement"
    ]
    assert last[0]["operator_kind"] == "staff"
    assert "on the customer's behalf" in last[0]["comment"]


def test_customer_may_correct_the_waybill_until_the_product_is_received(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.act("review", order_id, "approve", receiving_address_id=world.address_id())
    world.customer_act(customer, order_id, "inbound-waybill", courier="SF", waybill="WRONG1")

    corrected = world.customer_act(
        customer, order_id, "inbound-waybill", courier="JD", waybill="JD777"
    )
    assert corrected.status_code == 200
    assert corrected.json()["shipments"] == [
        {"direction": "in", "courier": "JD", "waybill": "JD777"}
    ]

    world.act("logistics", order_id, "receive", condition="ok")
    late = world.customer_act(customer, order_id, "inbound-waybill", courier="SF", waybill="LATE1")
    assert late.status_code == 409


def test_logistics_may_receive_a_parcel_whose_waybill_the_customer_never_entered(
    world: World,
) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.act("review", order_id, "approve", receiving_address_id=world.address_id())

    received = world.act("logistics", order_id, "receive", condition="box dented")

    assert received.json()["node"]["code"] == "reinspection"
    outcomes = [(t["node"]["code"], t["outcome"]) for t in world.order(order_id)["timeline"]]
    assert ("customer_shipping", "arrived_unannounced") in outcomes
    assert ("receiving", "received") in outcomes
