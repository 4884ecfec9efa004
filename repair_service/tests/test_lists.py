"""Staff and customer lists: filters, search, paging, and a bounded number of SQL queries."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from repair_service.catalogue.models import CatalogueProduct
from repair_service.orders import selectors
from sqlalchemy import Engine, event
from sqlmodel import Session

from .conftest import World


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def submit_many(world: World, customer: dict[str, str], count: int, prefix: str) -> list[int]:
    items = [
        {"pn": f"PN-{i % 3}", "sn": f"{prefix}-{i}", "fault_description": "x"} for i in range(count)
    ]
    return [o["id"] for o in world.submit(customer, items)["orders"]]


def test_staff_list_runs_the_same_number_of_queries_for_any_page_size(world: World) -> None:
    customer = world.new_customer()
    submit_many(world, customer, 3, "A")
    headers = world.staff("coordinator")
    world.client.get("/api/repair/staff/orders", headers=headers)

    with count_queries(world.engine) as small:
        world.client.get("/api/repair/staff/orders", headers=headers)
    submit_many(world, customer, 15, "B")
    with count_queries(world.engine) as large:
        response = world.client.get("/api/repair/staff/orders?page_size=50", headers=headers)

    assert response.json()["total"] == 18
    assert len(large) == len(small)
    assert len(large) <= 6  # session lookup, nodes, count, page (+ transaction statements)


def test_customer_lists_run_a_bounded_number_of_queries(world: World) -> None:
    customer = world.new_customer()
    for _ in range(2):
        submit_many(world, customer, 2, "C" + str(_))
    with count_queries(world.engine) as few:
        world.client.get("/api/repair/requests", headers=customer)
    for _ in range(4):
        submit_many(world, customer, 3, "D" + str(_))
    with count_queries(world.engine) as many:
        requests = world.client.get("/api/repair/requests", headers=customer).json()

    assert requests["total"] == 6
    assert len(many) == len(few)


def test_staff_filters_by_node_team_pn_sn_customer_and_dates(world: World) -> None:
    alice, bob = world.new_customer(), world.new_customer()
    alice_ids = submit_many(world, alice, 3, "AL")
    bob_ids = submit_many(world, bob, 2, "BO")
    world.place_at(alice_ids[0], "repair")
    headers = world.staff("coordinator")

    def ids(query: str) -> list[int]:
        response = world.client.get(f"/api/repair/staff/orders?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return sorted(o["id"] for o in response.json()["items"])

    alice_id = world.client.get(f"/api/repair/orders/{alice_ids[0]}", headers=alice).json()[
        "customer_id"
    ]
    repair_team = next(
        t["id"]
        for t in world.client.get("/api/repair/staff/teams", headers=headers).json()
        if t["code"] == "repair"
    )
    assert ids("node=repair") == [alice_ids[0]]
    assert ids(f"team_id={repair_team}") == [alice_ids[0]]
    assert ids("pn=PN-1") == sorted([alice_ids[1], bob_ids[1]])
    assert ids("sn=BO-0") == [bob_ids[0]]
    assert ids(f"customer_id={alice_id}") == sorted(alice_ids)
    assert ids("customer=张三") == sorted(alice_ids + bob_ids)
    assert ids("created_from=2000-01-01&created_to=2000-12-31") == []
    assert len(ids("created_from=2000-01-01")) == 5
    assert ids("status=open&page_size=2&page=3") == [min(alice_ids)]


def test_staff_search_finds_an_order_by_number_sn_or_waybill(world: World) -> None:
    customer = world.new_customer()
    order_id = submit_many(world, customer, 2, "SR")[1]
    world.act("review", order_id, "approve", receiving_address_id=world.address_id())
    world.customer_act(customer, order_id, "inbound-waybill", courier="SF", waybill="SF-FIND-ME")
    number = world.order(order_id)["number"]
    headers = world.staff("qc")

    for q in (number, number.lower(), "SR-1", "SF-FIND-ME"):
        found = world.client.get(
            "/api/repair/staff/orders", params={"q": q}, headers=headers
        ).json()
        assert [o["id"] for o in found["items"]] == [order_id], q


def test_order_shows_earlier_repairs_of_the_same_serial_and_flags_a_repeat(world: World) -> None:
    customer = world.new_customer()
    with Session(world.engine) as session:
        session.add(CatalogueProduct(pn="PN-KNOWN", name="Laser cutter L1"))
        session.commit()
    first = world.submit(customer, [{"pn": "PN-KNOWN", "sn": "SER-1", "fault_description": "x"}])
    first_id = first["orders"][0]["id"]
    world.place_at(first_id, "warehouse_exit")
    world.act("warehouse", first_id, "ship-back", courier="SF", waybill="SF1")

    second = world.submit(
        customer, [{"pn": "PN-NEW?", "sn": "SER-1", "fault_description": "again"}]
    )
    detail = world.order(second["orders"][0]["id"])

    assert first["orders"][0]["pn_known"] is True
    assert first["orders"][0]["product_name"] == "Laser cutter L1"
    assert detail["pn_known"] is False
    assert [h["order_id"] for h in detail["serial_history"]] == [first_id]
    assert detail["repeat_repair"] is True


def test_broad_staff_list_stops_counting_at_the_cap_and_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    customer = world.new_customer()
    submit_many(world, customer, 3, "CAP")

    broad = world.client.get("/api/repair/staff/orders", headers=world.staff("qc")).json()
    narrow = world.client.get("/api/repair/staff/orders?sn=CAP-1", headers=world.staff("qc")).json()

    assert (broad["total"], broad["total_is_exact"], len(broad["items"])) == (2, False, 3)
    assert (narrow["total"], narrow["total_is_exact"]) == (1, True)
