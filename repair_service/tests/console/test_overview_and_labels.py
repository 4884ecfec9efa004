"""The overview's figures and the order label in HTML and PDF."""

import re
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from repair_service.console.stats import percentile
from repair_service.db import utcnow
from repair_service.orders.models import RepairOrder, Tick

from ..conftest import World
from .conftest import Console


def test_percentile_takes_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.9) == 9.0
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([], 0.9) == 0.0


def test_overview_shows_open_counts_dwell_and_overdue_orders(console, world: World) -> None:
    customer = world.new_customer()
    orders = world.submit(
        customer, [{"pn": "PN-1", "sn": f"SN-O{i}", "fault_description": "x"} for i in range(3)]
    )["orders"]
    with Session(world.engine) as session:  # review of the first took 10 hours, then approved
        session.exec(
            update(Tick)
            .where(Tick.order_id == orders[0]["id"])  # type: ignore[call-overload]
            .values(entered_at=utcnow() - timedelta(hours=10))
        )
        session.exec(
            update(RepairOrder)
            .where(RepairOrder.id == orders[2]["id"])  # type: ignore[call-overload]
            .values(node_entered_at=utcnow() - timedelta(days=5))
        )
        session.commit()
    world.act("review", orders[0]["id"], "approve", receiving_address_id=world.address_id())

    page = console("coordinator").get("/console/overview?days=30").text

    review_row = re.search(
        r'<tr data-node="review"><td>[^<]+</td><td>(\d+)</td><td>(\d+)</td>'
        r"<td>([\d.]+)</td>",
        page,
    )
    assert review_row is not None
    assert review_row.groups() == ("2", "1", "10.0")
    assert f'data-order="{orders[2]["number"]}"' in page
    assert 'id="chart-open"' in page
    assert "chart.umd.min.js" in page
    long_ago = console("coordinator").get("/console/overview?start=2020-01-01&end=2020-12-31")
    old_row = re.search(
        r'<tr data-node="review"><td>[^<]+</td><td>\d+</td><td>(\d+)</td>', long_ago.text
    )
    assert old_row is not None
    assert old_row.group(1) == "0"  # the review visit was completed today, not in 2020
    assert 'value="2020-01-01"' in long_ago.text


def test_label_print_layout_has_the_page_size_number_and_qr(console, world: World) -> None:
    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    person: Console = console("logistics")
    person.post(f"/console/orders/{order['id']}/qr/reissue")
    token = world.order(order["id"])["public_token"]

    small = person.get(f"/console/orders/{order['id']}/label?size=60x40").text
    large = person.get(f"/console/orders/{order['id']}/label?size=100x70").text

    assert "size: 60mm 40mm" in small
    assert "size: 100mm 70mm" in large
    assert order["number"] in small
    assert order["sn"] in small
    assert "<svg" in small
    assert person.get(f"/console/orders/{order['id']}/label?size=1x1").status_code == 400
    assert token


def test_label_pdf_is_one_page_of_the_label_size(console, world: World) -> None:
    customer = world.new_customer()
    order = world.submit(customer)["orders"][0]
    person: Console = console("logistics")
    person.post(f"/console/orders/{order['id']}/qr/reissue")

    response = person.get(f"/console/orders/{order['id']}/label.pdf?size=100x70")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    media_box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", response.content)
    assert media_box is not None
    width, height = (float(v) for v in media_box.groups())
    assert round(width / 72 * 25.4) == 100
    assert round(height / 72 * 25.4) == 70
    assert order["number"].encode() in response.content
