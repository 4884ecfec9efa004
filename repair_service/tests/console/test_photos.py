"""Photos taken at receiving, inspection and quotation: uploaded from the page, attached to the
node's visit, shown as thumbnails, and kept when the action is refused."""

import re

from ..conftest import World
from .conftest import Console
from .test_order_actions import new_order, node_of


def photo_key(world: World, who: str, name: str = "photo.jpg") -> str:
    return world.upload(world.staff(who), "condition_photo", name)["key"]


def test_logistics_records_receipt_with_condition_photos(console, world: World) -> None:
    customer, order = new_order(world)
    world.place_at(order["id"], "customer_shipping")
    world.customer_act(customer, order["id"], "inbound-waybill", courier="SF", waybill="SF3333")
    logistics: Console = console("logistics")
    page = logistics.get(f"/console/orders/{order['id']}").text
    assert 'data-photo-upload="photos-receive"' in page
    assert 'accept="image/*" multiple' in page
    keys = [photo_key(world, "logistics", f"box-{i}.jpg") for i in range(2)]

    response = logistics.act(order["id"], "receive", condition="dented corner", photo=keys)

    assert response.status_code == 303
    tick = next(t for t in world.order(order["id"])["timeline"] if t["outcome"] == "received")
    assert [(a["kind"], a["key"], a["name"]) for a in tick["attachments"]] == [
        ("condition_photo", keys[0], "box-0.jpg"),
        ("condition_photo", keys[1], "box-1.jpg"),
    ]
    page = logistics.get(f"/console/orders/{order['id']}").text
    assert f'src="/api/repair/files/{keys[0]}?variant=preview"' in page
    attachments = page.split("<h2>附件</h2>", 1)[1].split("</section>", 1)[0]
    condition = re.search(
        r'<h3>到货照片</h3>\s*<ul[^>]*data-kind="condition_photo">(.*?)</ul>', attachments, re.S
    )
    assert condition is not None, attachments
    assert re.findall(r'href="/api/repair/files/([^"?]+)"', condition.group(1)) == keys


def test_quote_carries_findings_photos_the_customer_can_open(console, world: World) -> None:
    customer, order = new_order(world)
    world.place_at(order["id"], "quotation")
    key = photo_key(world, "repair", "burnt.jpg")

    response = console("repair").act(order["id"], "send_quote", amount_yuan="80", photo=[key])

    assert response.status_code == 303
    detail = world.client.get(f"/api/repair/orders/{order['id']}", headers=customer).json()
    quoted = next(t for t in detail["timeline"] if t["outcome"] == "quoted")
    assert [(a["kind"], a["name"]) for a in quoted["attachments"]] == [
        ("findings_photo", "burnt.jpg")
    ]
    download = world.client.get(f"/api/repair/files/{key}", headers=customer)
    assert download.status_code == 200


def test_refused_inspection_keeps_its_photos_on_the_page(console, world: World) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "reinspection")
    repair: Console = console("repair")
    key = photo_key(world, "repair", "board.jpg")

    refused = repair.act(order["id"], "record_inspection", findings="burnt", photo=[key])

    assert refused.status_code == 422  # the warranty decision is missing
    form = re.search(r'data-action="record_inspection".*?</form>', refused.text, re.S)
    assert form
    assert f'name="photo" value="{key}"' in form.group(0)
    assert "board.jpg" in form.group(0)
    assert node_of(world, order["id"]) == "reinspection"


def test_a_pdf_or_a_customers_file_is_not_accepted_as_a_photo(console, world: World) -> None:
    customer, order = new_order(world)
    world.place_at(order["id"], "reinspection")
    repair: Console = console("repair")
    pdf = world.upload_pdf(world.staff("repair"))
    customers_photo = world.upload(customer, "fault_photo")["key"]

    for key in (pdf, customers_photo, "no-such-key"):
        refused = repair.act(
            order["id"], "record_inspection", findings="x", under_warranty="no", photo=[key]
        )
        assert refused.status_code == 422, key

    assert node_of(world, order["id"]) == "reinspection"
