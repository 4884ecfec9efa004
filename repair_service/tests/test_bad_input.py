"""Refusals with a clear error and nothing changed: wrong actor, wrong node, stale version,
duplicate SN, bad amounts, special invoice for WeChat Pay, bad tax id, no products or no serial,
the same waybill twice, agreeing twice."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from repair_service.models import AuditLog, OutboxEvent, RepairOrder, StaffAccount, Tick

from .conftest import World


def snapshot(world: World) -> tuple[int, int, int, list[tuple[int, str, int]]]:
    """Counts of audit rows, events and ticks, and every order's (id, node, version)."""
    with Session(world.engine) as session:
        return (
            session.exec(select(func.count()).select_from(AuditLog)).one(),
            session.exec(select(func.count()).select_from(OutboxEvent)).one(),
            session.exec(select(func.count()).select_from(Tick)).one(),
            [(o.id, o.node_code, o.version) for o in session.exec(select(RepairOrder))],  # type: ignore[misc]
        )


def test_stale_version_is_a_conflict_naming_who_changed_the_order_and_when(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    seen = world.version(order_id)
    assert (
        world.act(
            "review",
            order_id,
            "approve",
            receiving_address_id=world.address_id(),
            expected_version=seen,
        ).status_code
        == 200
    )
    before = snapshot(world)

    stale = world.act("coordinator", order_id, "reject", comment="no", expected_version=seen)

    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale_version"
    assert body["message_id"].startswith("Order {number} was changed by staff member {staff} at")
    assert body["params"]["staff"] == str(staff_id(world, "review"))
    assert body["params"]["when"].startswith("20")
    assert f"by staff member {body['params']['staff']} at 20" in body["detail"]
    assert "Review" not in str(body)  # the display name is personal; the account id is not
    assert snapshot(world) == before


def staff_id(world: World, username: str) -> int:
    with Session(world.engine) as session:
        account = session.exec(select(StaffAccount).where(StaffAccount.username == username)).one()
        assert account.id is not None
        return account.id


def test_action_at_the_wrong_node_is_an_illegal_move(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    before = snapshot(world)

    wrong = world.act("admin", order_id, "qc-pass")

    assert wrong.status_code == 409
    assert wrong.json()["code"] == "illegal_move"
    assert wrong.json()["params"]["node"] == "review"
    assert "at the step review" in wrong.json()["detail"]
    assert snapshot(world) == before


def test_a_refused_request_body_names_its_fields_without_echoing_the_values(world: World) -> None:
    customer = world.new_customer()
    before = snapshot(world)

    response = world.client.post(
        "/api/repair/requests",
        json={
            "contact_name": "王小明",
            "contact_phone": "1390",
            "ship_from_address": "",
            "items": [],
        },
        headers={**customer, "Idempotency-Key": "short-phone-0001"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["message_id"] == "Some fields are missing or not valid: {fields}"
    assert body["params"] == {"fields": "contact_phone, ship_from_address, items"}
    assert [problem["loc"] for problem in body["detail"]] == [
        ["body", "contact_phone"],
        ["body", "ship_from_address"],
        ["body", "items"],
    ]
    assert body["detail"][0]["ctx"] == {"min_length": 5}
    assert "1390" not in response.text
    assert snapshot(world) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("pn", "\x00TX-1"), ("sn", "SN-1\u202e9"), ("fault_description", "no power\x1b[2J")],
)
def test_a_request_with_invisible_control_characters_is_refused_naming_the_field(
    world: World, field: str, value: str
) -> None:
    customer = world.new_customer()
    item = {"pn": "PN-100", "sn": "SN-CLEAN", "fault_description": "no power\r\n\tat all"}
    before = snapshot(world)

    response = world.client.post(
        "/api/repair/requests",
        json={
            "contact_name": "王小明",
            "contact_phone": "13812345678",
            "ship_from_address": "深圳",
            "items": [{**item, field: value}],
        },
        headers={**customer, "Idempotency-Key": f"control-{field}"},
    )

    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "items", 0, field]
    assert problem["type"] == "text_control_character"
    assert snapshot(world) == before


@pytest.mark.parametrize("phone", ["not a phone ☎", "+86 ---", "138 0000 0000 ext"])
def test_a_contact_phone_that_is_not_a_number_is_refused(world: World, phone: str) -> None:
    customer = world.new_customer()
    before = snapshot(world)

    response = world.client.post(
        "/api/repair/requests",
        json={
            "contact_name": "王小明",
            "contact_phone": phone,
            "ship_from_address": "深圳",
            "items": [{"pn": "PN-100", "sn": "SN-PHONE", "fault_description": "no power"}],
        },
        headers={**customer, "Idempotency-Key": f"refused-phone-{len(phone):04d}"},
    )

    assert response.status_code == 422
    assert [problem["loc"] for problem in response.json()["detail"]] == [["body", "contact_phone"]]
    assert snapshot(world) == before


@pytest.mark.parametrize("phone", ["+86 138 1234 5678", "(0755) 8888-1234", "13812345678"])
def test_phone_numbers_as_people_write_them_are_accepted(world: World, phone: str) -> None:
    customer = world.new_customer()

    response = world.client.post(
        "/api/repair/requests",
        json={
            "contact_name": "王小明",
            "contact_phone": phone,
            "ship_from_address": "深圳",
            "items": [{"pn": "PN-100", "sn": f"SN-{len(phone)}", "fault_description": "坏了 🙁"}],
        },
        headers={**customer, "Idempotency-Key": f"phone-ok-{len(phone)}"},
    )

    assert response.status_code == 201, response.text


def test_customer_cannot_act_on_a_staff_node(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    before = snapshot(world)

    agree = world.customer_act(customer, order_id, "agree")

    assert agree.status_code == 409
    assert snapshot(world) == before


def test_duplicate_serial_number_within_one_request_is_refused(world: World) -> None:
    customer = world.new_customer()
    before = snapshot(world)
    items = [
        {"pn": "PN-1", "sn": "SN-SAME", "fault_description": "a"},
        {"pn": "PN-2", "sn": "sn-same ", "fault_description": "b"},
    ]

    response = world.client.post(
        "/api/repair/requests",
        json={
            "contact_name": "A",
            "contact_phone": "13800000000",
            "ship_from_address": "X",
            "items": items,
        },
        headers={**customer, "Idempotency-Key": "dup-sn-0001"},
    )

    assert response.status_code == 422
    assert "serial number" in response.json()["detail"]
    assert snapshot(world) == before


@pytest.mark.parametrize("amount", [-1, 12.5, 100.0, "100", True])
def test_quote_amount_must_be_a_non_negative_whole_number_of_fen(world: World, amount: Any) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.place_at(order_id, "quotation")
    before = snapshot(world)

    response = world.act("repair", order_id, "quote", amount_fen=amount)

    assert response.status_code == 422, response.text
    assert snapshot(world) == before


def test_special_invoice_for_a_wechat_payment_and_a_bad_tax_id_are_refused(world: World) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.place_at(order_id, "fee_collection")
    payment = world.pay_offline(customer, request["id"], [order_id])
    world.client.post(
        f"/api/repair/staff/payments/{payment['id']}/confirm",
        json={"expected_version": payment["version"]},
        headers=world.staff("finance"),
    )
    path = f"/api/repair/payments/{payment['id']}/invoice"
    special = {
        "kind": "special",
        "title": "Acme",
        "address": "a",
        "phone": "1",
        "bank": "b",
        "bank_account": "c",
    }

    bad_tax = world.client.post(
        path, json={**special, "tax_id": "91350100M000100Y44"}, headers=customer
    )
    missing = world.client.post(path, json={**special, "tax_id": ""}, headers=customer)
    saved_title = world.client.post(
        "/api/repair/me/invoice-titles", json={"title": "Acme", "tax_id": "123"}, headers=customer
    )

    assert bad_tax.status_code == 422
    assert "social credit code" in bad_tax.json()["detail"]
    assert missing.status_code == 422
    assert saved_title.status_code == 422
    good = world.client.post(
        path, json={**special, "tax_id": "91350100m000100y43"}, headers=customer
    )
    assert good.status_code == 200
    assert good.json()["tax_id"] == "91350100M000100Y43"


def test_paying_for_an_order_that_has_not_agreed_is_refused(world: World) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    before = snapshot(world)

    response = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "wechat", "order_ids": [order_id]},
        headers=customer,
    )

    assert response.status_code == 409
    assert snapshot(world) == before


def test_same_idempotency_key_makes_one_request(world: World) -> None:
    customer = world.new_customer()

    first = world.submit(customer, key="submit-once-123")
    second = world.submit(customer, key="submit-once-123")

    assert first["id"] == second["id"]
    listed = world.client.get("/api/repair/requests", headers=customer).json()
    assert listed["total"] == 1


def test_unknown_customer_id_in_a_valid_token_is_refused(world: World) -> None:
    token = world.signer.sign_customer("999999", "ghost")
    response = world.client.get("/api/repair/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_forged_token_is_refused(world: World) -> None:
    from reparo_shared.identity import TokenSigner, generate_keypair

    forger = TokenSigner(generate_keypair()[0], "test-1")
    headers = {"Authorization": f"Bearer {forger.sign_service('gateway')}"}
    response = world.client.post(
        "/api/repair/customers/find-or-create", json={"openid": "x"}, headers=headers
    )
    assert response.status_code == 401


def test_two_finance_decisions_on_one_proof_the_second_is_refused_as_a_conflict(
    world: World,
) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.place_at(order_id, "fee_collection")
    payment = world.pay_offline(customer, request["id"], [order_id])
    path = f"/api/repair/staff/payments/{payment['id']}"

    confirmed = world.client.post(
        f"{path}/confirm",
        json={"expected_version": payment["version"]},
        headers=world.staff("finance"),
    )
    late = world.client.post(
        f"{path}/reject",
        json={"expected_version": payment["version"], "reason": "blurry"},
        headers=world.staff("coordinator"),
    )

    assert confirmed.status_code == 200
    assert late.status_code == 409
    assert world.client.get(path, headers=world.staff("qc")).json()["status"] == "confirmed"


def test_a_pdf_is_refused_as_an_offline_payment_proof_and_the_payment_keeps_waiting(
    world: World,
) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.place_at(order_id, "fee_collection")
    payment = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "offline", "order_ids": [order_id]},
        headers=customer,
    ).json()
    not_a_photo = {"kind": "payment_proof", "key": world.upload_pdf(customer), "name": "a.pdf"}
    before = snapshot(world)

    refused = world.client.post(
        f"/api/repair/payments/{payment['id']}/proof",
        json={"expected_version": payment["version"], "proofs": [not_a_photo]},
        headers=customer,
    )

    assert refused.status_code == 422
    assert refused.json()["message_id"] == "A payment proof must be a photo or screenshot"
    assert snapshot(world) == before
    assert world.submit_proof(customer, payment)["status"] == "submitted"


@pytest.mark.parametrize(
    "items",
    [[], [{"pn": "PN-100", "sn": "", "fault_description": "no power"}]],
    ids=["no-products", "missing-sn"],
)
def test_request_without_products_or_serial_is_refused_and_nothing_recorded(
    world: World, items: list[dict[str, str]]
) -> None:
    customer = world.new_customer()
    before = snapshot(world)

    response = world.client.post(
        "/api/repair/requests",
        json={
            "contact_name": "张三丰",
            "contact_phone": "13812345678",
            "ship_from_address": "深圳",
            "items": items,
        },
        headers={**customer, "Idempotency-Key": "bad-request-1"},
    )

    assert response.status_code == 422
    assert response.json()["detail"]
    assert snapshot(world) == before


def test_the_same_waybill_entered_twice_is_kept_once(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.act("review", order_id, "approve", receiving_address_id=world.address_id())

    for _ in range(2):
        entered = world.customer_act(
            customer, order_id, "inbound-waybill", courier="SF", waybill="SF123456789"
        )
        assert entered.status_code == 200, entered.text

    assert entered.json()["shipments"] == [
        {"direction": "in", "courier": "SF", "waybill": "SF123456789"}
    ]


def test_agreeing_to_a_quote_twice_is_refused_the_second_time(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id)
    version = world.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()["version"]
    first = world.customer_act(customer, order_id, "agree", expected_version=version)
    after_first = snapshot(world)

    again = world.customer_act(customer, order_id, "agree", expected_version=version)
    fresh = world.customer_act(customer, order_id, "agree")

    assert first.status_code == 200
    assert again.status_code == fresh.status_code == 409
    assert again.json()["detail"]
    assert fresh.json()["detail"]
    assert snapshot(world) == after_first


def test_a_customer_acting_on_a_stale_order_is_not_told_the_customer_changed_it(
    world: World,
) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.place_at(order_id, "customer_shipping")
    seen = world.version(order_id)
    first = world.customer_act(
        customer, order_id, "inbound-waybill", courier="SF", waybill="SF1", expected_version=seen
    )
    assert first.status_code == 200

    stale = world.customer_act(
        customer, order_id, "inbound-waybill", courier="SF", waybill="SF2", expected_version=seen
    )

    assert stale.status_code == 409
    body = stale.json()
    assert body["message_id"] == (
        "This order changed at {when} (perhaps in another window); reload and try again"
    )
    assert "customer" not in body["detail"]
    changed = datetime.fromisoformat(body["params"]["when"])
    assert changed.utcoffset() == timedelta(0)
    assert body["params"]["when"].endswith("Z")
    assert set(body["params"]) == {"when"}
