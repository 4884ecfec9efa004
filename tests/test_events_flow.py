"""The first real event flow: a product published in cms appears in repair_service's catalogue.

``make run`` seeds a demo product page in cms; its ``product.published`` event goes through the
cms outbox, the relay, RabbitMQ and repair_service's catalogue consumer.
"""

import time

import httpx

from tests.conftest import Stack


def catalogue(stack: Stack) -> list[dict[str, str]]:
    response = httpx.get(f"{stack.gateway_url}/api/repair/catalogue", timeout=10)
    response.raise_for_status()
    return list(response.json())


def test_a_product_published_in_cms_reaches_the_repair_catalogue(stack: Stack) -> None:
    deadline = time.monotonic() + 60
    while not catalogue(stack) and time.monotonic() < deadline:
        time.sleep(0.5)

    products = catalogue(stack)

    assert products, "no product reached repair_service's catalogue within a minute"
    assert all(product["pn"] and product["name"] for product in products)


def test_the_request_form_finds_the_product_by_part_number_or_chinese_name(stack: Stack) -> None:
    test_a_product_published_in_cms_reaches_the_repair_catalogue(stack)
    product = catalogue(stack)[0]

    by_pn = httpx.get(
        f"{stack.gateway_url}/api/repair/catalogue", params={"q": product["pn"][:4]}, timeout=10
    ).json()
    by_name = httpx.get(
        f"{stack.gateway_url}/api/repair/catalogue", params={"q": product["name"][-2:]}, timeout=10
    ).json()

    assert product["pn"] in [p["pn"] for p in by_pn]
    assert product["pn"] in [p["pn"] for p in by_name]
