"""Console board: server time of the first page with 10,000 open orders (target: under 300 ms).

Creates a fresh database (PostgreSQL when TEST_DATABASE_ADMIN_URL is set, as in CI; SQLite
otherwise), migrates it, seeds the default process and 10,000 open orders spread over the staff
nodes (a sixth of them overdue), then times GET /console/ in-process for the coordinator (every
order) and for a member ("my work", their teams' nodes only). Server time is measured around the
ASGI call, so no network is counted.
"""

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, select

from reparo_shared.identity import TokenVerifier
from reparo_shared.testing import fresh_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "repair_service"))

from repair_service.app import create_app  # noqa: E402
from repair_service.cli import seed_demo  # noqa: E402
from repair_service.db import make_engine  # noqa: E402
from repair_service.models import Customer, RepairOrder, RepairRequest, Tick  # noqa: E402
from repair_service.process.models import Node  # noqa: E402
from repair_service.settings import Settings  # noqa: E402

ORDERS = 10_000
SAMPLES = 30
PASSWORD = "bench password 1"
STAFF_NODES = (
    "review",
    "receiving",
    "reinspection",
    "quotation",
    "fee_collection",
    "repair",
    "qc",
    "warehouse_exit",
    "invoicing",
    "customer_shipping",
    "customer_agreement",
)


def seed(url: str) -> None:
    config = Config(str(ROOT / "repair_service" / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")
    engine = make_engine(url)
    rng = random.Random(7)
    now = datetime.now(UTC)
    with Session(engine) as session:
        seed_demo(session, PASSWORD)
        estimates = {node.code: node.estimated_days for node in session.exec(select(Node))}
        customer = Customer(openid="bench-openid", name="张三丰")
        session.add(customer)
        session.flush()
        requests = [
            {
                "customer_id": customer.id,
                "idempotency_key": f"k{i}",
                "contact_name": "张三丰",
                "contact_phone": "13812345678",
                "ship_from_address": "广东省深圳市",
                "created_at": now,
            }
            for i in range(ORDERS // 2)
        ]
        session.execute(insert(RepairRequest), requests)
        request_ids = list(session.exec(select(RepairRequest.id)))
        orders = []
        for i in range(ORDERS):
            node = STAFF_NODES[i % len(STAFF_NODES)]
            late = i % 6 == 0
            entered = now - timedelta(days=estimates[node] + 1 if late else 0, hours=rng.random())
            orders.append(
                {
                    "number": f"R2026-{i + 1:06d}",
                    "year": 2026,
                    "sequence": i + 1,
                    "request_id": request_ids[i // 2],
                    "customer_id": customer.id,
                    "pn": f"PN-{i % 50}",
                    "sn": f"SN{i:08d}",
                    "pn_known": True,
                    "fault_description": "no power",
                    "node_code": node,
                    "node_entered_at": entered,
                    "status": "OPEN",
                    "timezone": "Asia/Shanghai",
                    "quote_declined": False,
                    "version": 1,
                    "created_at": entered - timedelta(days=1),
                    "updated_at": entered,
                    "updated_by": "bench",
                }
            )
        session.execute(insert(RepairOrder), orders)
        ids = session.exec(
            select(RepairOrder.id, RepairOrder.node_code, RepairOrder.node_entered_at)
        )
        session.execute(
            insert(Tick),
            [
                {"order_id": oid, "node_code": code, "entered_at": entered}
                for oid, code, entered in ids
            ],
        )
        session.commit()
    engine.dispose()


def time_board(client: TestClient, path: str) -> list[float]:
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]
    return timings


def sign_in(client: TestClient, username: str) -> None:
    page = client.get("/console/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/console/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]


def main() -> int:
    with fresh_database("bench_console") as url:
        started = time.perf_counter()
        seed(url)
        print(
            f"database: {url.split('://')[0]}; seeded {ORDERS} open orders in "
            f"{time.perf_counter() - started:.1f} s"
        )
        engine = make_engine(url)
        app = create_app(
            Settings(repair_database_url=url), engine=engine, verifier=TokenVerifier({})
        )
        results = {}
        for username, path in (
            ("coordinator", "/console/?mine=0"),
            ("repair", "/console/"),
            ("coordinator", "/console/?mine=0&overdue=1"),
        ):
            with TestClient(app) as client:
                sign_in(client, username)
                client.get(path)  # warm caches and templates
                timings = time_board(client, path)
            results[(username, path)] = timings
            print(
                f"{username:<12} {path:<28} p50 {statistics.median(timings):6.1f} ms   "
                f"p95 {sorted(timings)[int(0.95 * len(timings)) - 1]:6.1f} ms   "
                f"max {max(timings):6.1f} ms"
            )
        engine.dispose()
    worst_p50 = max(statistics.median(t) for t in results.values())
    print(f"target: first page under 300 ms -> {'met' if worst_p50 < 300 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
