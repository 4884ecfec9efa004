"""ETA: the current node's entry plus the estimates of the current and remaining nodes."""

from datetime import UTC, datetime, timedelta

from repair_service.models import RepairOrder
from repair_service.process.defaults import DEFAULT_NODES
from repair_service.process.eta import compute_eta
from repair_service.process.models import Node
from sqlmodel import Session

from .conftest import World


def default_nodes() -> list[Node]:
    return [
        Node(
            code=d.code,
            position=i,
            name_zh_hans=d.zh_hans,
            name_en=d.en,
            name_pt_br=d.pt_br,
            estimated_days=d.estimated_days,
            actor=d.actor,
        )
        for i, d in enumerate(DEFAULT_NODES, start=1)
    ]


def test_eta_sums_the_current_and_remaining_estimates_and_shows_local_time() -> None:
    entered = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 04:00 on 2 March in Shanghai
    now = entered + timedelta(days=3)

    eta = compute_eta(
        nodes=default_nodes(),
        current_code="repair",
        entered_at=entered,
        now=now,
        timezone="Asia/Shanghai",
    )

    assert eta is not None
    # repair 5 + qc 1 + warehouse_exit 1 + invoicing 2 + completed 0 = 9 days
    assert eta.expected_completion == entered + timedelta(days=9)
    assert eta.expected_completion.utcoffset() == timedelta(hours=8)
    assert eta.days_left == 6
    assert eta.overdue is False


def test_node_is_overdue_once_its_own_estimate_has_passed() -> None:
    entered = datetime(2026, 3, 1, tzinfo=UTC)

    eta = compute_eta(
        nodes=default_nodes(),
        current_code="qc",
        entered_at=entered,
        now=entered + timedelta(days=1, minutes=1),
        timezone="UTC",
    )

    assert eta is not None
    assert eta.overdue is True


def test_completed_order_has_no_eta() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert (
        compute_eta(
            nodes=default_nodes(), current_code="completed", entered_at=now, now=now, timezone="UTC"
        )
        is None
    )


def test_changing_a_node_estimate_changes_the_eta_of_orders_already_there(world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    before = world.order(order_id)["eta"]

    world.client.patch(
        "/api/repair/staff/nodes/review", json={"estimated_days": 4}, headers=world.staff("admin")
    )

    after = world.order(order_id)["eta"]
    shift = datetime.fromisoformat(after["expected_completion"]) - datetime.fromisoformat(
        before["expected_completion"]
    )
    assert shift == timedelta(days=3)
    assert after["node_estimated_days"] == 4


def test_overdue_filter_finds_orders_past_their_node_estimate(world: World) -> None:
    customer = world.new_customer()
    items = [{"pn": "PN-1", "sn": f"SN-{i}", "fault_description": "x"} for i in range(2)]
    late, fresh = (o["id"] for o in world.submit(customer, items)["orders"])
    with Session(world.engine) as session:
        order = session.get(RepairOrder, late)
        assert order is not None
        order.node_entered_at = datetime.now(UTC) - timedelta(days=2)
        session.add(order)
        session.commit()

    overdue = world.client.get("/api/repair/staff/orders?overdue=true", headers=world.staff("qc"))
    on_time = world.client.get("/api/repair/staff/orders?overdue=false", headers=world.staff("qc"))

    assert [o["id"] for o in overdue.json()["items"]] == [late]
    assert [o["id"] for o in on_time.json()["items"]] == [fresh]
    assert overdue.json()["items"][0]["eta"]["overdue"] is True
