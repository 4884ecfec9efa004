"""The public QR page through the gateway: what repair_service masked, kept a moment for crowds."""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from reparo_shared.testing import serve_in_thread

NODES = {
    "review": {
        "code": "review",
        "zh_hans": "申请审核",
        "en": "Application review",
        "pt_br": "Análise",
    },
    "receiving": {
        "code": "receiving",
        "zh_hans": "收货验收",
        "en": "Receiving",
        "pt_br": "Recebimento",
    },
}


def masked_view(node: str) -> dict[str, Any]:
    return {
        "number": "R2026-000042",
        "pn": "PN-100",
        "product_name": None,
        "sn": "SN****42",
        "status": "open",
        "node": NODES[node],
        "contact_name": "王**",
        "contact_phone": "139****5678",
        "ship_from_address": "浙江省杭州市****",
        "timeline": [],
        "eta": None,
    }


@pytest.fixture
def repair_service() -> Iterator[dict[str, Any]]:
    """Plays repair_service's public endpoint and counts the calls it gets."""
    state: dict[str, Any] = {"node": "review", "calls": 0}
    app = FastAPI()

    @app.get("/api/repair/public/orders/{token}")
    async def public_view(token: str) -> dict[str, Any]:
        if token != "good-token":
            raise HTTPException(404, "no such order")
        state["calls"] += 1
        return {**masked_view(state["node"]), **state.get("changes", {})}

    with serve_in_thread(app) as url:
        state["url"] = url
        yield state


@pytest.fixture
def gateway(gateway_to, repair_service: dict[str, Any]) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with gateway_to(repair_service["url"]) as url:
        yield url


def test_stranger_sees_the_masked_progress_and_an_unknown_token_is_a_plain_404(
    gateway: str,
) -> None:
    page = httpx.get(f"{gateway}/p/good-token", headers={"Accept-Language": "en"})
    unknown = httpx.get(f"{gateway}/p/made-up-token")

    assert page.status_code == 200
    assert "R2026-000042" in page.text
    assert "Application review" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert unknown.status_code == 404
    assert "R2026" not in unknown.text


def test_a_crowd_on_one_qr_code_is_served_one_rendering_until_it_is_a_second_old(
    gateway: str, repair_service: dict[str, Any]
) -> None:
    english = {"Accept-Language": "en"}
    first = [httpx.get(f"{gateway}/p/good-token", headers=english) for _ in range(5)]
    repair_service["node"] = "receiving"
    time.sleep(1.2)  # the default: a rendering is served for one second

    later = httpx.get(f"{gateway}/p/good-token", headers=english)

    assert all("Application review" in page.text for page in first)
    assert "Receiving" in later.text
    assert repair_service["calls"] == 2


@pytest.mark.parametrize(
    ("accept_language", "status", "shown"),
    [
        ("en", "completed", "Completed"),
        ("en", "rejected", "Not accepted"),
        ("pt-BR", "completed", "Concluída"),
        ("pt-BR", "rejected", "Não aceita"),
        ("zh-CN", "completed", "已完成"),
        ("zh-CN", "rejected", "申请未通过"),
    ],
)
def test_a_closed_order_shows_how_it_ended_written_like_the_step_names(
    gateway: str, repair_service: dict[str, Any], accept_language: str, status: str, shown: str
) -> None:
    repair_service["changes"] = {"status": status}

    page = httpx.get(f"{gateway}/p/good-token", headers={"Accept-Language": accept_language})

    assert page.status_code == 200
    assert f'<div class="weui-cell__ft">{shown}</div>' in page.text
