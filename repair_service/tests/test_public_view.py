"""The QR view: unguessable token, masked personal data, revocable and re-issuable."""

from .conftest import World


def test_anyone_with_the_token_sees_progress_with_personal_data_masked(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.act(
        "review",
        order_id,
        "approve",
        receiving_address_id=world.address_id(),
        comment="Ship to 张三丰 at 13812345678",
    )
    token = world.order(order_id)["public_token"]
    assert len(token) >= 32

    response = world.client.get(f"/api/repair/public/orders/{token}")

    assert response.status_code == 200
    view = response.json()
    assert view["contact_name"] == "张**"
    assert view["contact_phone"] == "138****5678"
    assert view["ship_from_address"] == "广东省深圳市****"
    assert view["node"]["code"] == "customer_shipping"
    assert view["eta"]["expected_completion"]
    body = response.text
    assert "13812345678" not in body
    assert "张三丰" not in body
    assert "科技园" not in body


def test_revoked_token_is_not_found_and_a_reissued_one_works(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    old = world.order(order_id)["public_token"]
    path = f"/api/repair/staff/orders/{order_id}/public-token"

    world.client.delete(path, headers=world.staff("review"))
    assert world.client.get(f"/api/repair/public/orders/{old}").status_code == 404

    new = world.client.post(path, headers=world.staff("review")).json()["public_token"]
    assert new != old
    assert world.client.get(f"/api/repair/public/orders/{new}").status_code == 200
    assert world.client.get(f"/api/repair/public/orders/{old}").status_code == 404
    assert world.client.get("/api/repair/public/orders/not-a-token").status_code == 404


def test_only_those_steering_the_order_may_revoke_or_reissue_its_public_link(
    world: World,
) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.place_at(order_id, "repair")
    token = world.order(order_id)["public_token"]
    path = f"/api/repair/staff/orders/{order_id}/public-token"

    by_warehouse = world.client.delete(path, headers=world.staff("warehouse"))
    reissued_by_review = world.client.post(path, headers=world.staff("review"))

    assert by_warehouse.status_code == 403
    assert reissued_by_review.status_code == 403
    assert world.order(order_id)["public_token"] == token
    # The team holding the order's current node, and coordinators, may.
    assert world.client.post(path, headers=world.staff("repair")).status_code == 200
    assert world.client.delete(path, headers=world.staff("coordinator")).status_code == 200
    assert world.order(order_id)["public_token"] is None
