"""Two operators acting on one order at the same moment: exactly one wins (PostgreSQL)."""

import threading
import uuid

import pytest
from repair_service.errors import StaleVersion
from repair_service.orders import transitions
from repair_service.orders.actors import Actor
from sqlalchemy import Engine
from sqlmodel import Session

from .conftest import World


def test_two_operators_approving_at_once_one_wins_and_one_gets_a_conflict(
    world: World, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locking is exercised on PostgreSQL (set TEST_DATABASE_ADMIN_URL)")
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    version, address_id = world.version(order_id), world.address_id()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def operator(name: str) -> None:
        actor = Actor(kind="staff", id=name, label=name, role="coordinator")
        with Session(engine) as session:
            barrier.wait()
            try:
                transitions.approve_request(
                    session,
                    actor=actor,
                    order_id=order_id,
                    expected_version=version,
                    receiving_address_id=address_id,
                    comment=name,
                )
                # Hold the row lock a moment so the other UPDATE queues behind it.
                threading.Event().wait(0.2)
                session.commit()
                outcomes.append("won")
            except StaleVersion as error:
                session.rollback()
                outcomes.append(f"conflict: {error}")

    threads = [
        threading.Thread(target=operator, args=(f"op-{uuid.uuid4().hex[:4]}",)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"]
    order = world.order(order_id)
    assert order["version"] == version + 1
    ticks = [t for t in order["timeline"] if t["node"]["code"] == "customer_shipping"]
    assert len(ticks) == 1
