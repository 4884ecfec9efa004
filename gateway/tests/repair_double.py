"""A stand-in repair_service for the customer order page tests: one order in memory.

It signs any customer in, answers the order, its request and the customer's lists in
repair_service's shapes, records every action the pages post (``posted``), and refuses an action
when the test puts a refusal in ``refusals`` under the action's path.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ORDER_ID = 11
REQUEST_ID = 3
PAYMENT_ID = 5


def node(code: str) -> dict[str, str]:
    return {"code": code, "zh_hans": code, "en": code, "pt_br": code}


def an_order(node_code: str = "customer_shipping", **changes: Any) -> dict[str, Any]:
    """An open order at ``node_code`` as repair_service describes it to its owner."""
    order = {
        "id": ORDER_ID, "number": "R2026-000011", "request_id": REQUEST_ID, "customer_id": 7,
        "pn": "PN-123", "sn": "SN-1", "pn_known": True, "product_name": "Widget Pro",
        "node": node(node_code), "status": "open", "version": 4,
        "created_at": "2026-05-01T02:00:00Z", "node_entered_at": "2026-05-01T02:00:00Z",
        "eta": None, "fault_description": "dead", "timezone": "Asia/Shanghai",
        "review_comment": None, "findings": None, "under_warranty": None,
        "quote_declined": False, "receiving_address": None, "needs_from_customer": None,
        "customer_actions": [], "timeline": [], "attachments": [], "quote": None,
        "payment": None, "wechat_paid_unexpectedly": False, "invoice": None, "shipments": [],
        "serial_history": [], "repeat_repair": False,
    }  # fmt: skip
    return {**order, **changes}


def a_payment(method: str = "wechat", status: str = "pending") -> dict[str, Any]:
    return {
        "id": PAYMENT_ID, "request_id": REQUEST_ID, "method": method, "amount_fen": 12345,
        "status": status, "rejection_reason": None, "order_ids": [ORDER_ID], "version": 2,
        "created_at": "2026-05-02T02:00:00Z", "confirmed_at": None,
    }  # fmt: skip


@dataclass
class RepairDouble:
    """What the stand-in serves and what reached it."""

    order: dict[str, Any] = field(default_factory=an_order)
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refusals: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/repair/customers/find-or-create")
        async def find_or_create(request: Request) -> dict[str, object]:
            openid = (await request.json()).get("openid")
            customer_id = "7" if openid == "oCustomer" else f"x-{openid}"
            return {"customer_id": customer_id, "created": False}

        @app.get("/api/repair/orders/{order_id}")
        async def order(order_id: int) -> dict[str, Any]:
            return self.order

        @app.get("/api/repair/orders/{order_id}/messages")
        @app.get("/api/repair/me/invoice-titles")
        async def nothing_yet() -> list[Any]:
            return []

        @app.get("/api/repair/requests")
        async def my_requests() -> dict[str, Any]:
            mine = {"id": REQUEST_ID, "created_at": "2026-05-01T02:00:00Z", "orders": [self.order]}
            return {"items": [mine], "total": 1, "page": 1, "page_size": 20}

        @app.get("/api/repair/requests/{request_id}")
        async def repair_request(request_id: int) -> dict[str, Any]:
            return {"id": REQUEST_ID, "orders": [self.order]}

        @app.post("/api/repair/{path:path}")
        async def action(path: str, request: Request) -> JSONResponse:
            self.posted.append((path, await request.json()))
            status, body = self.refusals.get(path, (200, {}))
            return JSONResponse(body, status_code=status)

        return app
