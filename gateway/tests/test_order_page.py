"""The signed-in customer's order page, with a stand-in repair_service: what it offers and says."""

import re
from collections.abc import Iterator

import httpx
import pytest
from repair_double import ORDER_ID, RepairDouble, an_order

from gateway.repair_pages import product_label
from reparo_shared.testing import serve_in_thread

ORDER_PAGE = f"/repair/orders/{ORDER_ID}"


@pytest.fixture
def repair() -> RepairDouble:
    return RepairDouble()


@pytest.fixture
def customer(repair: RepairDouble, gateway_to) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A customer signed in at a gateway whose repair_service is the stand-in, reading English."""
    with (
        serve_in_thread(repair.app()) as upstream,
        gateway_to(upstream) as gateway,
        httpx.Client(base_url=gateway, headers={"Accept-Language": "en"}) as client,
    ):
        signed_in = client.post("/signin/dev", data={"openid": "oCustomer", "next": "/"})
        assert signed_in.status_code == 303
        yield client


def text_of(html: str, css_class: str) -> str:
    """The text of the first element carrying ``css_class``, tags and spacing collapsed."""
    found = re.search(rf'class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</div>', html, re.S)
    assert found, f"no element with class {css_class}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.mark.parametrize(
    ("name", "pn", "shown"),
    [
        ("Widget Pro", "PN-123", "Widget Pro · PN-123"),
        (None, "PN-123", "PN-123"),
        ("", "PN-123", "PN-123"),
        ("PN-123", "PN-123", "PN-123"),
        ("pn-123", "PN-123", "pn-123"),
        ("Widget PN-123", "PN-123", "Widget PN-123"),
        ("Widget PN-1234", "PN-123", "Widget PN-1234 · PN-123"),
    ],
)
def test_a_product_is_named_once_with_its_part_number_once(
    name: str | None, pn: str, shown: str
) -> None:
    assert product_label(name, pn) == shown


@pytest.mark.parametrize(
    ("catalogue_name", "shown"),
    [("Widget Pro", "Widget Pro · PN-123"), ("PN-123", "PN-123"), (None, "PN-123")],
)
def test_the_order_page_shows_the_catalogue_name_and_the_part_number_once(
    repair: RepairDouble, customer: httpx.Client, catalogue_name: str | None, shown: str
) -> None:
    repair.order = an_order(product_name=catalogue_name)

    page = customer.get(ORDER_PAGE)

    assert page.status_code == 200
    assert text_of(page.text, "app-product-name") == shown


def test_the_order_page_leads_back_to_my_repairs(customer: httpx.Client) -> None:
    page = customer.get(ORDER_PAGE)

    back = re.search(r'<nav class="app-back"><a href="([^"]+)">‹ ([^<]+)</a>', page.text)
    assert back is not None
    assert back.groups() == ("/repair/mine", "My repairs")
    mine = customer.get(back.group(1))
    assert mine.status_code == 200
    assert "R2026-000011" in mine.text
