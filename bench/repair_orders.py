"""Benchmark of repair_service's staff lists and a transition on 100,000 orders in PostgreSQL.

    uv run python bench/repair_orders.py [--orders 100000] [--requests 200]

Creates a scratch database through ``BENCH_DATABASE_ADMIN_URL`` (default: the local PostgreSQL),
migrates it, bulk-loads orders spread over the nodes, starts repair_service under uvicorn on a
free port and times real HTTP calls; then counts SQL statements per list request in-process.
The database is dropped at the end. Targets: list p95 < 50 ms, transition p95 < 30 ms.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from repair_service.cli import demo_address
from repair_service.db import make_engine
from repair_service.models import (
    Customer,
    OrderSequence,
    RepairOrder,
    RepairRequest,
    Shipment,
    StaffAccount,
    Team,
    TeamMembership,
    Tick,
)
from repair_service.process.defaults import DEFAULT_NODES, seed_defaults
from repair_service.staff.models import StaffRole
from reparo_shared.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password"
OPEN_NODES = [n.code for n in DEFAULT_NODES if n.code not in ("submitted", "completed")]


@contextmanager
def scratch_database() -> Any:
    admin = make_url(
        os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    ).set(drivername="postgresql+psycopg")
    name = f"repair_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def migrate_and_seed(url: str) -> None:
    config = Config(str(ROOT / "repair_service" / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")
    engine = make_engine(url)
    with Session(engine) as session:
        seed_defaults(session)
        repair_team = session.exec(select(Team).where(Team.code == "repair")).one()
        account = StaffAccount(
            username="bench",
            display_name="Bench",
            role=StaffRole.MEMBER,
            password_hash=PasswordHasher().hash(PASSWORD),
        )
        session.add(account)
        session.add(demo_address())
        session.flush()
        session.add(TeamMembership(staff_id=account.id, team_id=repair_team.id))  # type: ignore[arg-type]
        session.commit()
    engine.dispose()


def load_orders(url: str, total: int) -> None:
    """Bulk-insert customers, requests (two orders each), orders, ticks and inbound waybills."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    engine = make_engine(url)
    customers = max(total // 10, 1)
    requests = (total + 1) // 2
    with engine.begin() as connection:
        connection.execute(
            insert(Customer),
            [
                {
                    "id": i,
                    "openid": f"o{i}",
                    "name": f"客户{i}",
                    "phone": "",
                    "company": "",
                    "created_at": now,
                }
                for i in range(1, customers + 1)
            ],
        )
        connection.execute(
            insert(RepairRequest),
            [
                {
                    "id": i,
                    "customer_id": rng.randint(1, customers),
                    "idempotency_key": f"k{i}",
                    "contact_name": "张三",
                    "contact_phone": "13800000000",
                    "ship_from_address": "深圳",
                    "created_at": now,
                }
                for i in range(1, requests + 1)
            ],
        )
        request_owner = dict(
            connection.execute(text("SELECT id, customer_id FROM repair_request")).all()
        )
        batch: list[dict[str, Any]] = []
        ticks: list[dict[str, Any]] = []
        shipments: list[dict[str, Any]] = []
        for i in range(1, total + 1):
            request_id = (i + 1) // 2
            created = now - timedelta(days=rng.uniform(0, 365))
            node = rng.choice(OPEN_NODES)
            entered = max(created, now - timedelta(days=rng.uniform(0, 10)))
            batch.append(
                {
                    "id": i,
                    "number": f"R2026-{i:06d}",
                    "year": 2026,
                    "sequence": i,
                    "request_id": request_id,
                    "customer_id": request_owner[request_id],
                    "pn": f"PN-{rng.randint(1, 200)}",
                    "sn": f"SN{i:08d}",
                    "pn_known": True,
                    "fault_description": "does not start",
                    "node_code": node,
                    "node_entered_at": entered,
                    "status": "OPEN",
                    "timezone": "Asia/Shanghai",
                    "quote_declined": False,
                    "version": 1,
                    "created_at": created,
                    "updated_at": entered,
                    "updated_by": "bench",
                }
            )
            ticks.append(
                {
                    "order_id": i,
                    "node_code": "submitted",
                    "entered_at": created,
                    "completed_at": created,
                    "outcome": "submitted",
                }
            )
            ticks.append(
                {
                    "order_id": i,
                    "node_code": node,
                    "entered_at": entered,
                    "completed_at": None,
                    "outcome": None,
                }
            )
            if i % 3 == 0:
                shipments.append(
                    {
                        "order_id": i,
                        "direction": "IN",
                        "courier": "SF",
                        "waybill": f"SF{i:010d}",
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            if len(batch) >= 10_000:
                _flush(connection, batch, ticks, shipments)
        _flush(connection, batch, ticks, shipments)
        connection.execute(insert(OrderSequence), [{"year": 2026, "last_value": total}])
        for table in ("customer", "repair_request", "repair_order"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    engine.dispose()
    # A database in service has been vacuumed by autovacuum; a freshly loaded one has not, and
    # its index-only scans would visit every heap page.
    vacuum = create_engine(
        make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with vacuum.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    vacuum.dispose()


def _flush(
    connection: Any,
    orders: list[dict[str, Any]],
    ticks: list[dict[str, Any]],
    shipments: list[dict[str, Any]],
) -> None:
    for model, rows in ((RepairOrder, orders), (Tick, ticks), (Shipment, shipments)):
        if rows:
            connection.execute(insert(model), rows)
            rows.clear()


@contextmanager
def serve(url: str) -> Any:
    port = free_port()
    env = {**os.environ, "REPAIR_DATABASE_URL": url, "LOG_JSON": "false"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "repair_service.app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def timed(client: httpx.Client, method: str, path: str, n: int, **kwargs: Any) -> list[float]:
    samples = []
    for i in range(n):
        body = kwargs.get("json")
        if callable(body):
            kwargs = {**kwargs, "json": body(i)}
        target = path(i) if callable(path) else path
        started = time.perf_counter()
        response = client.request(
            method,
            target,
            **{k: v for k, v in kwargs.items() if k != "json"},
            json=kwargs.get("json"),
        )
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {target}: {response.status_code} {response.text[:200]}")
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name:<44} n={len(ordered):<4} p50={p50:6.1f} ms  p95={p95:6.1f} ms")


def count_queries(url: str, token: str, order_id: int) -> None:
    """SQL statements per request (in-process), lists and one transition."""
    from fastapi.testclient import TestClient

    from repair_service.app import create_app
    from repair_service.settings import Settings
    from reparo_shared.identity import TokenVerifier

    engine = make_engine(url)
    app = create_app(Settings(repair_database_url=url), engine=engine, verifier=TokenVerifier({}))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with TestClient(app) as client:
        for query in ("", "?node=repair&pn=PN-7", "?overdue=true", "?q=SN00001234"):
            statements.clear()
            client.get(
                f"/api/repair/staff/orders{query}", headers={"Authorization": f"Bearer {token}"}
            )
            print(
                f"SQL statements for GET /api/repair/staff/orders{query or ''}: {len(statements)}"
            )
        statements.clear()
        client.post(
            f"/api/repair/staff/orders/{order_id}/start-repair",
            json={"expected_version": 1},
            headers={"Authorization": f"Bearer {token}"},
        )
        print(f"SQL statements for POST .../start-repair: {len(statements)}")
        for statement in statements:
            print("   ", " ".join(statement.split())[:110])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="print the URL and keep the database")
    args = parser.parse_args()
    with scratch_database() as url:
        migrate_and_seed(url)
        started = time.perf_counter()
        load_orders(url, args.orders)
        print(f"loaded {args.orders} orders in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        with engine.connect() as connection:
            at_repair = [
                row[0]
                for row in connection.execute(
                    text(
                        "SELECT id FROM repair_order WHERE node_code = 'repair' "
                        "ORDER BY id LIMIT :n"
                    ),
                    {"n": args.requests + 1},
                )
            ]
        engine.dispose()
        with serve(url) as base, httpx.Client(base_url=base, timeout=30) as client:
            token = client.post(
                "/api/repair/staff/session", json={"username": "bench", "password": PASSWORD}
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            n = args.requests
            timed(client, "GET", "/api/repair/staff/orders", 10)  # warm up
            report("baseline: GET /healthz (no database)", timed(client, "GET", "/healthz", n))
            report(
                "baseline: GET /staff/me (session check)",
                timed(client, "GET", "/api/repair/staff/me", n),
            )
            report(
                "staff list (page 1, 50 rows)", timed(client, "GET", "/api/repair/staff/orders", n)
            )
            report(
                "staff list, node=repair&pn=PN-7",
                timed(client, "GET", "/api/repair/staff/orders?node=repair&pn=PN-7", n),
            )
            report(
                "staff list, overdue=true",
                timed(client, "GET", "/api/repair/staff/orders?overdue=true", n),
            )
            report(
                "staff list, page 50", timed(client, "GET", "/api/repair/staff/orders?page=50", n)
            )
            report(
                "search q=<SN>", timed(client, "GET", "/api/repair/staff/orders?q=SN00001234", n)
            )
            report(
                "search q=<waybill>",
                timed(client, "GET", "/api/repair/staff/orders?q=SF0000001233", n),
            )
            report(
                "transition start-repair",
                timed(
                    client,
                    "POST",
                    lambda i: f"/api/repair/staff/orders/{at_repair[i]}/start-repair",
                    min(n, len(at_repair) - 1),
                    json=lambda _i: {"expected_version": 1},
                ),
            )
        count_queries(url, token, at_repair[-1])
        if args.keep:
            print(f"keeping {url}; press Enter to drop it")
            input()


if __name__ == "__main__":
    main()
