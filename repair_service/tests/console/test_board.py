"""The board: counts by node, filters, search, "my work", paging and a bounded query count."""

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, update
from sqlmodel import Session

from repair_service.customers.models import Customer
from repair_service.db import utcnow
from repair_service.orders.models import RepairOrder

from ..conftest import World
from .conftest import Console


def numbers_on(html: str) -> set[str]:
    return set(re.findall(r'data-order="([^"]+)"', html))


def submit_orders(world: World, count: int, **item: Any) -> list[dict[str, Any]]:
    customer = world.new_customer()
    items = [
        {
            "pn": item.get("pn", "PN-100"),
            "sn": f"{item.get('sn', 'SN')}-{i}",
            "fault_description": "no power",
        }
        for i in range(count)
    ]
    return world.submit(customer, items)["orders"]


@contextmanager
def counting_queries(world: World) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(world.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(world.engine, "before_cursor_execute", record)


def test_board_counts_open_orders_per_node_and_marks_overdue(console, world: World) -> None:
    orders = submit_orders(world, 3)
    assert (
        world.act(
            "review", orders[0]["id"], "approve", receiving_address_id=world.address_id()
        ).status_code
        == 200
    )
    with Session(world.engine) as session:  # the second order has waited at review for a week
        session.exec(
            update(RepairOrder)
            .where(RepairOrder.id == orders[1]["id"])  # type: ignore[call-overload]
            .values(node_entered_at=utcnow() - timedelta(days=7))
        )
        session.commit()

    page = console("coordinator").get("/console/").text

    assert re.search(r'data-node="review">.*?class="count">2<', page, re.S)
    assert re.search(r'data-node="customer_shipping">.*?class="count">1<', page, re.S)
    assert re.search(r'data-node="review">.*?badge overdue[^>]*>1<', page, re.S)
    overdue_row = re.search(rf'<tr class="overdue" data-order="{orders[1]["number"]}"', page)
    assert overdue_row


def test_board_filters_by_node_pn_sn_customer_overdue_and_search(console, world: World) -> None:
    first = submit_orders(world, 2, pn="PN-AAA", sn="SNA")
    second = submit_orders(world, 1, pn="PN-BBB", sn="SNB")
    assert (
        world.act(
            "review", second[0]["id"], "approve", receiving_address_id=world.address_id()
        ).status_code
        == 200
    )
    coordinator: Console = console("coordinator")

    def shown(query: str) -> set[str]:
        return numbers_on(coordinator.get(f"/console/?{query}").text)

    every = {o["number"] for o in first + second}
    assert shown("") == every
    assert shown("node=review") == {o["number"] for o in first}
    assert shown("pn=PN-BBB") == {second[0]["number"]}
    assert shown(f"sn={first[1]['sn']}") == {first[1]["number"]}
    assert shown(f"q={first[0]['number'].lower()}") == {first[0]["number"]}
    assert shown(f"q={first[0]['sn']}") == {first[0]["number"]}
    assert shown("customer=张三") == every
    assert shown("customer=nobody") == set()
    assert shown("overdue=1") == set()
    assert shown("status=completed") == set()


def test_search_ignores_case_and_finds_part_of_a_serial_product_or_number_and_customers(
    console, world: World
) -> None:
    wanted = world.submit(
        world.new_customer(), [{"pn": "PN-Laser", "sn": "SN-M-1", "fault_description": "x"}]
    )
    other = submit_orders(world, 1, pn="PN-OTHER", sn="ZZ")
    names = {
        wanted["orders"][0]["customer_id"]: ("张三丰", "Acme Robotics"),
        other[0]["customer_id"]: ("Wang Wu", ""),
    }
    with Session(world.engine) as session:
        for customer_id, (name, company) in names.items():
            session.exec(
                update(Customer)
                .where(Customer.id == customer_id)  # type: ignore[arg-type]
                .values(name=name, company=company)
            )
        session.commit()
    number = wanted["orders"][0]["number"]
    coordinator: Console = console("coordinator")

    def shown(q: str) -> set[str]:
        return numbers_on(coordinator.get("/console/", params={"q": q}).text)

    for q in ("SN-M-1", "sn-m-1", "M-1", "pn-laser", "laser", number.lower()[-6:], "acme"):
        assert shown(q) == {number}, q
    assert shown("wang") == {other[0]["number"]}
    assert shown("张三") == {number, other[0]["number"]}  # the requests' contact name
    assert shown("100%") == set()


def test_board_finds_an_order_by_its_inbound_waybill(console, world: World) -> None:
    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    world.act("review", order["id"], "approve", receiving_address_id=world.address_id())
    shipped = world.customer_act(
        customer, order["id"], "inbound-waybill", courier="SF", waybill="SF998877"
    )
    assert shipped.status_code == 200, shipped.text

    page = console("logistics").get("/console/?q=SF998877&mine=0").text

    assert numbers_on(page) == {order["number"]}


def test_member_sees_my_work_on_granted_nodes_and_coordinator_sees_everything(
    console, world: World
) -> None:
    orders = submit_orders(world, 2)
    world.act("review", orders[0]["id"], "approve", receiving_address_id=world.address_id())
    world.act("review", orders[1]["id"], "reject", comment="not our product")

    review_page = console("review").get("/console/").text  # still at review: none
    logistics_page = console("logistics").get("/console/").text
    coordinator_page = console("coordinator").get("/console/").text

    assert numbers_on(review_page) == set()
    assert numbers_on(logistics_page) == {orders[0]["number"]}  # customer_shipping is granted
    assert numbers_on(coordinator_page) == {orders[0]["number"]}  # the rejected one is closed
    assert numbers_on(console("review").get("/console/?mine=0&status=all").text) == {
        o["number"] for o in orders
    }


def test_board_pages_through_many_orders(console, world: World, monkeypatch) -> None:
    from repair_service.console import settings as console_settings

    monkeypatch.setattr(console_settings.get_console_settings(), "console_page_size", 5)
    orders = submit_orders(world, 12)
    coordinator: Console = console("coordinator")

    seen = set()
    for page in (1, 2, 3):
        html = coordinator.get(f"/console/?page={page}").text
        seen |= numbers_on(html)
        assert "Page" in html or "页" in html

    assert seen == {o["number"] for o in orders}
    assert len(numbers_on(coordinator.get("/console/?page=3").text)) == 2


def test_a_page_past_the_end_says_how_many_orders_there_are_and_links_to_the_last_page(
    console, world: World, monkeypatch
) -> None:
    from repair_service.console import settings as console_settings

    monkeypatch.setattr(console_settings.get_console_settings(), "console_page_size", 5)
    orders = submit_orders(world, 7, sn="SNP")
    coordinator: Console = console("coordinator")

    page = coordinator.get("/console/?q=snp&page=999").text

    assert "共 7 个工单" in page
    assert 'data-test="past-last-page"' in page
    assert "没有符合条件的工单" not in page
    last = re.search(r'href="([^"]+)" data-test="last-page"', page)
    assert last is not None
    target = coordinator.get(html.unescape(last.group(1))).text
    assert len(numbers_on(target)) == 2
    assert numbers_on(target) < {o["number"] for o in orders}


def test_board_query_count_does_not_grow_with_the_number_of_orders(console, world: World) -> None:
    coordinator: Console = console("coordinator")
    submit_orders(world, 2)
    with counting_queries(world) as few:
        assert coordinator.get("/console/?mine=0").status_code == 200

    submit_orders(world, 20, pn="PN-200")
    submit_orders(world, 20, pn="PN-300")
    with counting_queries(world) as many:
        assert coordinator.get("/console/?mine=0").status_code == 200

    assert len(many) == len(few)
    assert len(many) <= 8


def test_board_shows_the_customer_by_contact_name_and_company(console, world: World) -> None:
    from repair_service.customers.models import Customer

    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    with Session(world.engine) as session:  # WeChat gave no name; the customer has a company
        row = session.get(Customer, order["customer_id"])
        assert row is not None
        row.name, row.company = "", "Acme Robotics"
        session.add(row)
        session.commit()

    page = console("coordinator").get("/console/").text

    cell = re.search(r'data-test="customer">(.*?)</td>', page, re.S)
    assert cell
    assert "张三丰" in cell.group(1)  # the contact named on the request
    assert "Acme Robotics" in cell.group(1)
    assert numbers_on(console("coordinator").get("/console/?customer=acme").text) == {
        order["number"]
    }


def test_order_page_query_count_does_not_grow_with_its_history(console, world: World) -> None:
    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    world.place_at(order["id"], "qc")
    qc: Console = console("qc")

    def back_to_qc(times: int) -> None:
        for _ in range(times):  # a visit to repair and one more to QC, each with a comment
            world.act("qc", order["id"], "qc-fail", comment="still noisy")
            world.act("repair", order["id"], "start-repair")
            world.act("repair", order["id"], "finish-repair", comment="fixed")

    back_to_qc(1)
    with counting_queries(world) as short:
        assert qc.get(f"/console/orders/{order['id']}").status_code == 200
    back_to_qc(4)
    with counting_queries(world) as long:
        page = qc.get(f"/console/orders/{order['id']}")

    assert page.text.count("still noisy") == 5
    assert len(long) == len(short)
