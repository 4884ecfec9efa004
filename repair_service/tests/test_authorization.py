"""Who may call each write endpoint: anonymous, another customer, the owner, staff without the
node's grant, staff with it, a coordinator, an administrator. Refusals change nothing."""

from typing import Any

import pytest

from .conftest import World

ANONYMOUS: dict[str, str] = {}

# action -> (node the order stands at, team granted there, a team not granted, body)
STAFF_ACTIONS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "approve": ("review", "review", "warehouse", {"receiving_address_id": None}),
    "reject": ("review", "review", "finance", {"comment": "out of scope"}),
    "receive": ("receiving", "logistics", "repair", {"condition": "intact"}),
    "inspection": (
        "reinspection",
        "repair",
        "logistics",
        {"findings": "x", "under_warranty": False},
    ),
    "quote": ("quotation", "repair", "finance", {"amount_fen": 100}),
    "agree": ("customer_agreement", "review", "repair", {}),
    "decline": ("customer_agreement", "review", "qc", {}),
    "start-repair": ("repair", "repair", "qc", {}),
    "finish-repair": ("repair", "repair", "warehouse", {}),
    "qc-pass": ("qc", "qc", "repair", {}),
    "qc-fail": ("qc", "qc", "repair", {"comment": "scratches"}),
    "ship-back": (
        "warehouse_exit",
        "warehouse",
        "logistics",
        {"courier": "SF", "waybill": "SF999"},
    ),
    "complete": ("invoicing", "finance", "warehouse", {}),
}


def three_orders_at(
    world: World, owner: dict[str, str], node: str, started: bool = False
) -> list[int]:
    items = [{"pn": "PN-1", "sn": f"SN-{i}", "fault_description": "broken"} for i in range(3)]
    order_ids = [order["id"] for order in world.submit(owner, items)["orders"]]
    for order_id in order_ids:
        if node != "review":
            world.place_at(order_id, node, started=started)
    return order_ids


@pytest.mark.parametrize("action", sorted(STAFF_ACTIONS))
def test_staff_action_is_refused_to_all_but_granted_staff_coordinators_and_admins(
    world: World, action: str
) -> None:
    node, granted, not_granted, body = STAFF_ACTIONS[action]
    if "receiving_address_id" in body:
        body = {**body, "receiving_address_id": world.address_id()}
    owner, stranger = world.new_customer(), world.new_customer()
    first, second, third = three_orders_at(world, owner, node, action == "finish-repair")
    refused = [(ANONYMOUS, 401), (owner, 401), (stranger, 401), (world.staff(not_granted), 403)]

    for headers, status in refused:
        version = world.version(first)
        response = world.client.post(
            f"/api/repair/staff/orders/{first}/{action}",
            json={**body, "expected_version": version},
            headers=headers,
        )
        assert response.status_code == status, (action, status, response.text)
        assert world.version(first) == version

    for order_id, who in ((first, granted), (second, "coordinator"), (third, "admin")):
        response = world.act(who, order_id, action, **body)
        assert response.status_code == 200, (action, who, response.text)


def test_customer_order_actions_belong_to_the_owner_only(world: World) -> None:
    owner, stranger = world.new_customer(), world.new_customer()
    shipping = three_orders_at(world, owner, "customer_shipping")[0]
    agreement_ids = three_orders_at(world, owner, "customer_agreement")
    cases = [
        (shipping, "inbound-waybill", {"courier": "SF", "waybill": "SF1234"}),
        (agreement_ids[0], "agree", {}),
        (agreement_ids[1], "decline", {}),
    ]
    for order_id, action, body in cases:
        version = world.version(order_id)
        for headers, status in ((ANONYMOUS, 401), (stranger, 404), (world.staff("admin"), 401)):
            response = world.client.post(
                f"/api/repair/orders/{order_id}/{action}",
                json={**body, "expected_version": version},
                headers=headers,
            )
            assert response.status_code == status, (action, status, response.text)
            assert world.version(order_id) == version
        owned = world.customer_act(owner, order_id, action, **body)
        assert owned.status_code == 200, (action, owned.text)


def test_payment_actions_belong_to_the_owner_and_to_finance(world: World) -> None:
    owner, stranger = world.new_customer(), world.new_customer()
    items = [{"pn": "PN-1", "sn": f"SN-{i}", "fault_description": "broken"} for i in range(3)]
    request = world.submit(owner, items)
    order_ids = [order["id"] for order in request["orders"]]
    for order_id in order_ids:
        world.place_at(order_id, "fee_collection")

    path = f"/api/repair/requests/{request['id']}/payments"
    for headers, status in ((ANONYMOUS, 401), (stranger, 404), (world.staff("admin"), 401)):
        body = {"method": "offline", "order_ids": [order_ids[0]]}
        assert world.client.post(path, json=body, headers=headers).status_code == status
    payments = [world.pay_offline(owner, request["id"], [order_id]) for order_id in order_ids]
    for headers, status in ((ANONYMOUS, 401), (stranger, 404)):
        proof = world.client.post(
            f"/api/repair/payments/{payments[0]['id']}/proof",
            json={
                "expected_version": payments[0]["version"],
                "proofs": [world.upload(owner, "payment_proof")],
            },
            headers=headers,
        )
        assert proof.status_code == status

    confirm = f"/api/repair/staff/payments/{payments[0]['id']}/confirm"
    for headers, status in ((ANONYMOUS, 401), (owner, 401), (world.staff("repair"), 403)):
        body = {"expected_version": payments[0]["version"]}
        assert world.client.post(confirm, json=body, headers=headers).status_code == status
    for payment, who in zip(payments, ("finance", "coordinator", "admin"), strict=True):
        response = world.client.post(
            f"/api/repair/staff/payments/{payment['id']}/confirm",
            json={"expected_version": payment["version"]},
            headers=world.staff(who),
        )
        assert response.status_code == 200, (who, response.text)

    invoice_body = {"kind": "general", "title": "Acme"}
    invoice_path = f"/api/repair/payments/{payments[0]['id']}/invoice"
    assert world.client.post(invoice_path, json=invoice_body, headers=stranger).status_code == 404
    assert world.client.post(invoice_path, json=invoice_body, headers=owner).status_code == 200
    issue = f"/api/repair/staff/payments/{payments[0]['id']}/invoice"
    pdf = {"pdf_key": world.upload_pdf(world.staff("finance"))}
    assert world.client.post(issue, json=pdf, headers=owner).status_code == 401
    refused = world.client.post(issue, json=pdf, headers=world.staff("qc"))
    assert refused.status_code == 403
    issued = world.client.post(issue, json=pdf, headers=world.staff("finance"))
    assert issued.status_code == 200


ADMIN_CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("PATCH", "/api/repair/staff/nodes/review", {"estimated_days": 2}),
    ("POST", "/api/repair/staff/teams", {"code": "field", "name": "Field service"}),
    (
        "POST",
        "/api/repair/staff/accounts",
        {
            "username": "newbie",
            "display_name": "New",
            "password": "long enough pw",
            "role": "member",
        },
    ),
    ("PATCH", "/api/repair/staff/accounts/3", {"display_name": "Renamed"}),
    (
        "POST",
        "/api/repair/staff/addresses",
        {"label": "Beijing", "contact_name": "BJ", "phone": "010-1234", "address": "Beijing 1"},
    ),
    ("PATCH", "/api/repair/staff/addresses/1", {"label": "Shenzhen main"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_administration_is_for_administrators_only(
    world: World, method: str, path: str, body: dict[str, Any]
) -> None:
    customer = world.new_customer()
    if path.endswith("/addresses/1"):
        path = path.replace("/1", f"/{world.address_id()}")
    for headers, status in (
        (ANONYMOUS, 401),
        (customer, 401),
        (world.staff("review"), 403),
        (world.staff("coordinator"), 403),
    ):
        assert world.client.request(method, path, json=body, headers=headers).status_code == status
    allowed = world.client.request(method, path, json=body, headers=world.staff("admin"))
    assert allowed.status_code in (200, 201), allowed.text


def test_staff_steering_the_order_may_reissue_or_revoke_a_qr_token_but_customers_may_not(
    world: World,
) -> None:
    owner = world.new_customer()
    order_id = world.submit(owner)["orders"][0]["id"]
    path = f"/api/repair/staff/orders/{order_id}/public-token"

    for headers in (ANONYMOUS, owner):
        assert world.client.post(path, headers=headers).status_code == 401
        assert world.client.delete(path, headers=headers).status_code == 401
    assert world.client.post(path, headers=world.staff("qc")).status_code == 403
    assert world.client.post(path, headers=world.staff("review")).status_code == 200
    assert world.client.delete(path, headers=world.staff("coordinator")).status_code == 200


def test_revoked_staff_session_is_refused(world: World) -> None:
    headers = world.staff("review")
    assert world.client.delete("/api/repair/staff/session", headers=headers).status_code == 204
    assert world.client.get("/api/repair/staff/orders", headers=headers).status_code == 401


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(world: World) -> None:
    wrong_user = world.client.post(
        "/api/repair/staff/session", json={"username": "nobody", "password": "x"}
    )
    wrong_pass = world.client.post(
        "/api/repair/staff/session", json={"username": "admin", "password": "x"}
    )
    assert wrong_user.status_code == wrong_pass.status_code == 401
    assert wrong_user.json() == wrong_pass.json()
