"""The customer repair pages: malformed addresses, product rows, codes in the page language."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.datastructures import FormData

from gateway.repair_pages import _items_from_form
from reparo_shared.testing import serve_in_thread

NODE = {"code": "review", "zh_hans": "申请审核", "en": "Application review", "pt_br": "Análise"}
TICK = {"node": NODE, "entered_at": "2026-05-01T02:00:00Z", "completed_at": None}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/repair/orders/abc"),
        ("GET", "/repair/requests/12x"),
        ("POST", "/repair/orders/abc/agree"),
        ("POST", "/repair/requests/abc/payments"),
        ("POST", "/repair/payments/abc/proof"),
        ("POST", "/repair/payments/1.5/invoice"),
    ],
)
def test_a_malformed_id_is_the_friendly_not_found_page(
    gateway_url: str, method: str, path: str
) -> None:
    answer = httpx.request(method, gateway_url + path, headers={"Accept-Language": "en"})

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "This page does not exist." in answer.text


def test_a_mistyped_page_number_is_not_a_validation_error(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/repair/mine?page=abc")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin")


def test_signing_in_from_the_request_form_comes_back_to_it_with_its_whole_query(
    gateway_url: str,
) -> None:
    # A part number with characters that mean something in a query string.
    form = "/repair/new?pn=" + quote("RP-100+A&B", safe="") + "&from=product"
    with httpx.Client(base_url=gateway_url) as client:
        sent_away = client.get(form)
        signin = urlsplit(sent_away.headers["location"])
        back_to = parse_qs(signin.query)["next"][0]
        signed_in = client.post("/signin/dev", data={"openid": "pn-reader", "next": back_to})
        page = client.get(signed_in.headers["location"])

    assert sent_away.status_code == 303
    assert signin.path == "/signin"
    assert back_to == form
    assert signed_in.headers["location"] == form
    assert 'value="RP-100+A&amp;B"' in page.text


def test_every_product_block_is_sent_even_a_blank_one() -> None:
    form = FormData(
        [
            ("items-0-pn", "PN-100"),
            ("items-0-sn", "SN-1"),
            ("items-0-fault_description", "dead"),
            ("items-1-pn", " "),
            ("items-1-sn", ""),
            ("items-1-fault_description", ""),
        ]
    )

    items = _items_from_form(form)

    assert [item["pn"] for item in items] == ["PN-100", ""]


@pytest.fixture
def gateway_with_timeline(gateway_to) -> Iterator[str]:  # type: ignore[no-untyped-def]
    outcomes = ["submitted", "approved", "invoiced", "in_warranty", "closed"]
    app = FastAPI()

    @app.get("/api/repair/public/orders/{token}")
    async def public_view(token: str) -> dict[str, Any]:
        return {
            "number": "R2026-000042", "pn": "PN-100", "product_name": None, "sn": "SN****42",
            "status": "open", "node": NODE, "contact_name": "王**",
            "contact_phone": "139****5678", "ship_from_address": "浙江省****", "eta": None,
            "timeline": [{**TICK, "outcome": code} for code in outcomes],
        }  # fmt: skip

    with serve_in_thread(app) as url, gateway_to(url) as gateway:
        yield gateway


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", ["已提交", "已通过", "已开票", "保修期内", "已关闭"]),
        ("pt-BR", ["enviado", "aprovado", "nota fiscal emitida", "encerrado"]),
        ("en", ["submitted", "approved", "invoiced", "under warranty", "closed"]),
    ],
)
def test_the_timeline_shows_each_outcome_in_the_page_language(
    gateway_with_timeline: str, language: str, expected: list[str]
) -> None:
    page = httpx.get(f"{gateway_with_timeline}/p/token", headers={"Accept-Language": language})

    shown = [part.split("<")[0].strip() for part in page.text.split("· ")[1:]]
    for text in expected:
        assert any(text in outcome for outcome in shown), (text, shown)
    if language != "en":
        assert not {"submitted", "approved", "invoiced", "closed"} & set(shown)
