"""Customers get a WeChat message when their request is reviewed; failures are recorded."""

import time
import uuid
from typing import Any

import httpx

from tests.conftest import Stack, StaffApi
from tests.test_walking_skeleton import signed_in


def submit(client: httpx.Client) -> dict[str, Any]:
    response = client.post(
        "/api/repair/requests",
        json={
            "contact_name": "测试",
            "contact_phone": "13800000000",
            "ship_from_address": "上海",
            "items": [{"pn": "PN-1", "sn": f"SN-{uuid.uuid4().hex[:8]}", "fault_description": "x"}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["orders"][0])


def wait_for_messages(client: httpx.Client, order_id: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        messages = client.get(f"/api/repair/orders/{order_id}/messages").json()
        if messages and messages[0]["state"] != "retrying":
            return list(messages)
        time.sleep(0.5)
    raise AssertionError("no message was recorded within a minute")


def test_approval_reaches_the_customers_wechat_inbox(stack: Stack, staff) -> None:  # type: ignore[no-untyped-def]
    customer = signed_in(stack, "oSbx_lina")
    order = submit(customer)
    coordinator: StaffApi = staff("coordinator")
    address = coordinator.client.get("/staff/addresses").json()[0]["id"]

    coordinator.act(order["id"], "approve", receiving_address_id=address)

    messages = wait_for_messages(customer, order["id"])
    assert [(m["kind"], m["state"]) for m in messages] == [("review_approved", "sent")]
    inbox = httpx.get(f"{stack.sandbox_url}/sandbox/api/users/oSbx_lina/messages").json()
    assert any(order["number"] in str(message) for message in inbox)


def test_a_customer_who_does_not_follow_is_recorded_as_failed_not_retried(
    stack: Stack,
    staff,  # type: ignore[no-untyped-def]
) -> None:
    customer = signed_in(stack, "oSbx_wangfang")
    order = submit(customer)
    coordinator: StaffApi = staff("coordinator")
    address = coordinator.client.get("/staff/addresses").json()[0]["id"]

    coordinator.act(order["id"], "approve", receiving_address_id=address)

    messages = wait_for_messages(customer, order["id"])
    assert messages[0]["state"] == "failed"
    assert "43004" in (messages[0]["error"] or "")
    assert messages[0]["attempts"] == 1
