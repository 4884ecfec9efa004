"""The console's order page shows the messages sent to the customer and WeChat Pay attempts."""

import json
from datetime import timedelta

from sqlmodel import Session

from repair_service.customers.models import Customer
from repair_service.db import utcnow
from repair_service.notifications.models import CustomerMessage, DeliveryState
from repair_service.wechat_pay.models import AttemptStatus, WeChatPayAttempt

from ..conftest import World


def test_staff_see_each_message_with_its_delivery_state_and_reason(console, world: World) -> None:  # type: ignore[no-untyped-def]
    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    with Session(world.engine) as session:
        session.add(
            CustomerMessage(
                event_id="e1", customer_id=order["customer_id"], order_id=order["id"],
                kind="review_approved", template_id="T", fields_json=json.dumps({}),
                state=DeliveryState.FAILED, error="43004 user not following", attempts=1,
            )
        )  # fmt: skip
        session.commit()

    page = console("coordinator").get(f"/console/orders/{order['id']}").text

    assert 'id="customer-messages"' in page
    assert 'data-state="failed"' in page
    assert "43004 user not following" in page


def test_staff_see_wechat_pay_attempts_with_their_references(console, world: World) -> None:  # type: ignore[no-untyped-def]
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=8_800)
    world.customer_act(customer, order_id, "agree")
    payment = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "wechat", "order_ids": [order_id]},
        headers=customer,
    ).json()
    with Session(world.engine) as session:
        session.add(
            WeChatPayAttempt(
                payment_id=payment["id"], out_trade_no="RP20261203ABC", amount_fen=8_800,
                status=AttemptStatus.PAID, transaction_id="4200000001",
                expires_at=utcnow() + timedelta(minutes=15), needs_staff=True,
            )
        )  # fmt: skip
        session.commit()

    page = console("finance").get(f"/console/orders/{order_id}").text

    assert "RP20261203ABC" in page
    assert "4200000001" in page
    assert 'class="badge"' in page


def test_finance_sees_the_payment_proof_as_a_link_to_the_file(console, world: World) -> None:  # type: ignore[no-untyped-def]
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=1_000)
    world.customer_act(customer, order_id, "agree")
    world.pay_offline(customer, request["id"], [order_id])

    page = console("finance").get(f"/console/orders/{order_id}").text

    assert 'data-test="proofs"' in page
    assert 'href="/api/repair/files/' in page
    assert "proof.jpg" in page


def test_the_order_page_names_the_customer_by_the_contact_when_wechat_gave_no_name(  # type: ignore[no-untyped-def]
    console, world: World
) -> None:
    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    with Session(world.engine) as session:
        row = session.get(Customer, order["customer_id"])
        assert row is not None
        row.name, row.company = "", "杭州示例科技"
        session.add(row)
        session.commit()

    page = console("coordinator").get(f"/console/orders/{order['id']}").text

    assert 'data-test="customer">张三丰 · 杭州示例科技</dd>' in page
