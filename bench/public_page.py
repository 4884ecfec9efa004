"""The public order page through the gateway, and the weight of the customer pages.

Starts repair_service (on a fresh database: PostgreSQL when TEST_DATABASE_ADMIN_URL is set,
SQLite otherwise) and the real gateway as uvicorn processes on loopback, with one customer's
order and its QR token. Then:

1. requests per second of the public order page ``/p/{token}`` (gateway renders it from
   repair_service's masked view) beside the gateway's bare ``/healthz`` route, same processes,
   same run, same concurrency (target: the page at least half the bare route's rate). The
   gateway serves a rendering again for a second (``PUBLIC_PAGE_CACHE_SECONDS``), so with one
   QR code asked for over and over this is mostly that copy; a second gateway with the copy
   switched off shows the cost of rendering every request;
2. the CSS and JavaScript each customer page loads, compressed as nginx's ``gzip on`` does
   (level 1) (target: at most 150 KB per page). Scripts from other hosts (WeChat's JS-SDK) are
   listed apart: they are WeChat's, not ours.
"""

import asyncio
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psutil
from _processes import start

from reparo_shared.identity import generate_keypair
from reparo_shared.testing import free_port, fresh_database

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 16
# Short alternating rounds, so a change in the machine's load during the run hits both routes.
ROUNDS = 6
SECONDS = 3.0
PASSWORD = "bench password 1"
WECHAT_BROWSER = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50 NetType/WIFI"
ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+rel="stylesheet"[^>]+href)="([^"]+)"')


def uvicorn(app: str, port: int, factory: bool = False) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port)]
    return command + ["--no-access-log", "--log-level", "warning"] + (["--factory"] * factory)


def prepare_database(url: str, env: dict[str, str]) -> None:
    full_env = {**os.environ, **env, "REPAIR_DATABASE_URL": url}
    alembic = [sys.executable, "-m", "alembic", "-c", "repair_service/alembic.ini", "upgrade"]
    subprocess.run([*alembic, "head"], cwd=ROOT, env=full_env, check=True)
    seed = [sys.executable, "-m", "repair_service.cli", "seed-demo"]
    subprocess.run(seed, cwd=ROOT, env={**full_env, "DEMO_STAFF_PASSWORD": PASSWORD}, check=True)


def an_order_with_a_qr_token(repair_url: str, gateway: httpx.Client) -> tuple[int, int, str]:
    """A customer (signed in at the gateway) submits one product; staff approve it and issue
    the QR token. Returns the request id, the order id and the token."""
    response = gateway.post(
        "/api/repair/requests",
        json={
            "contact_name": "王小明",
            "contact_phone": "13912345678",
            "ship_from_address": "浙江省杭州市西湖区文三路 100 号",
            "items": [{"pn": "PN-100", "sn": "SN-BENCH-1", "fault_description": "无法开机"}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    response.raise_for_status()
    request_id, order_id = response.json()["id"], response.json()["orders"][0]["id"]
    with httpx.Client(base_url=f"{repair_url}/api/repair", timeout=30) as staff:
        session = staff.post(
            "/staff/session", json={"username": "coordinator", "password": PASSWORD}
        )
        staff.headers["Authorization"] = f"Bearer {session.json()['token']}"
        address = staff.get("/staff/addresses").json()[0]["id"]
        version = staff.get(f"/staff/orders/{order_id}").json()["version"]
        staff.post(
            f"/staff/orders/{order_id}/approve",
            json={"expected_version": version, "receiving_address_id": address},
        ).raise_for_status()
        token = staff.post(f"/staff/orders/{order_id}/public-token").json()["public_token"]
    return request_id, order_id, token


async def rate(url: str, watched: dict[str, psutil.Process], cpu: dict[str, float]) -> float:
    """Completed requests per second with CONCURRENCY clients for SECONDS; adds each watched
    process's CPU milliseconds per request to ``cpu``."""
    done = 0
    deadline = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                response = await client.get(url)
                response.raise_for_status()
                done += 1

        for _ in range(20):
            (await client.get(url)).raise_for_status()
        before = {name: _cpu_seconds(process) for name, process in watched.items()}
        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.monotonic() - started
    for name, process in watched.items():
        cpu[name] = cpu.get(name, 0.0) + (_cpu_seconds(process) - before[name]) * 1000 / done
    return done / elapsed


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _rounded(values: list[float]) -> list[int]:
    return [round(value) for value in values]


def page_weight(client: httpx.Client, path: str) -> tuple[int, int, list[str]]:
    """Raw and gzip-compressed bytes of the page's own CSS and JS, and other hosts' scripts."""
    html = client.get(path).raise_for_status().text
    raw = compressed = 0
    foreign = []
    for source in dict.fromkeys(ASSET.findall(html)):
        if source.startswith("http"):
            foreign.append(source)
            continue
        body = client.get(source).raise_for_status().content
        raw += len(body)
        compressed += len(gzip.compress(body, compresslevel=1))
    return raw, compressed, foreign


def main() -> None:
    repair_port, gateway_port, uncached_port = free_port(), free_port(), free_port()
    repair_url = f"http://127.0.0.1:{repair_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    uncached_url = f"http://127.0.0.1:{uncached_port}"
    private_pem, public_pem = generate_keypair()
    with tempfile.TemporaryDirectory() as folder, fresh_database("bench_public") as database:
        key_path = Path(folder) / "key.pem"
        key_path.write_text(private_pem)
        env = {
            "REPARO_DATA_DIR": folder,
            "REPAIR_DATABASE_URL": database,
            "CUSTOMER_TOKEN_PUBLIC_KEYS": json.dumps({"bench-1": public_pem}),
            "REPAIR_URL": repair_url,
            "CMS_URL": repair_url,
            "CUSTOMER_TOKEN_PRIVATE_KEY": str(key_path),
            "CUSTOMER_TOKEN_KID": "bench-1",
            "SESSION_SECRET": "bench",
            # Enables the development sign-in; the JS-SDK stays WeChat's own (res.wx.qq.com).
            "WECHAT_SANDBOX_URL": "http://127.0.0.1:9",
        }
        prepare_database(database, env)
        processes = [
            start(uvicorn("repair_service.app:app", repair_port), env, f"{repair_url}/healthz"),
            start(
                uvicorn("gateway.app:create_app", gateway_port, True), env, f"{gateway_url}/healthz"
            ),
            start(
                uvicorn("gateway.app:create_app", uncached_port, True),
                {**env, "PUBLIC_PAGE_CACHE_SECONDS": "0"},
                f"{uncached_url}/healthz",
            ),
        ]
        try:
            watched = {
                "gateway": psutil.Process(processes[1].pid),
                "repair_service": psutil.Process(processes[0].pid),
                "uncached gateway": psutil.Process(processes[2].pid),
            }
            measure(repair_url, gateway_url, uncached_url, watched)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)


def measure(
    repair_url: str, gateway_url: str, uncached_url: str, watched: dict[str, psutil.Process]
) -> None:
    headers = {"User-Agent": WECHAT_BROWSER}
    with httpx.Client(base_url=gateway_url, timeout=30, headers=headers) as customer:
        customer.post("/signin/dev", data={"openid": "oBench_customer", "next": "/"})
        request_id, order_id, token = an_order_with_a_qr_token(repair_url, customer)
        pages = [
            "/",
            "/repair/new",
            "/repair/mine",
            f"/repair/requests/{request_id}",
            f"/repair/orders/{order_id}",
            f"/p/{token}",
        ]
        weights = {path: page_weight(customer, path) for path in pages}

    load_before = os.getloadavg()
    bare, public, uncached, ratios, uncached_ratios = [], [], [], [], []
    cpu: dict[str, dict[str, float]] = {"bare": {}, "public": {}, "uncached": {}}
    for _ in range(ROUNDS):
        bare.append(asyncio.run(rate(f"{gateway_url}/healthz", watched, cpu["bare"])))
        public.append(asyncio.run(rate(f"{gateway_url}/p/{token}", watched, cpu["public"])))
        uncached.append(asyncio.run(rate(f"{uncached_url}/p/{token}", watched, cpu["uncached"])))
        ratios.append(public[-1] / bare[-1])
        uncached_ratios.append(uncached[-1] / bare[-1])
    upstream = asyncio.run(rate(f"{repair_url}/api/repair/public/orders/{token}", {}, {}))

    print(f"load average (1, 5, 15 min) before {load_before}, after {os.getloadavg()}")
    print(f"bare /healthz: median {statistics.median(bare):.0f} req/s {_rounded(bare)}")
    print(
        f"public page /p/<token>: median {statistics.median(public):.0f} req/s {_rounded(public)}"
    )
    print(
        f"the same page rendered for every request: median {statistics.median(uncached):.0f} "
        f"req/s {_rounded(uncached)}, {statistics.median(uncached_ratios):.2f} of the bare route"
    )
    print(f"(for comparison: repair_service's masked view alone, no gateway: {upstream:.0f} req/s)")
    print(
        f"public page / bare route, per round: {[round(r, 2) for r in ratios]}, "
        f"median {statistics.median(ratios):.2f} (target >= 0.50)"
    )
    for label, spent in cpu.items():
        shares = ", ".join(
            f"{name} {ms / ROUNDS:.2f} ms" for name, ms in spent.items() if ms / ROUNDS >= 0.05
        )
        print(f"CPU per request, {label}: {shares} (PostgreSQL's own time not counted)")
    for path, (raw, compressed, foreign) in weights.items():
        shown = re.sub(r"/p/.+", "/p/<token>", path)
        print(
            f"{shown:28s} CSS+JS {raw / 1024:6.1f} KB raw, {compressed / 1024:5.1f} KB gzip"
            + (f"  (+ WeChat's {', '.join(foreign)})" if foreign else "")
        )
    heaviest = max(compressed for _, compressed, _ in weights.values())
    print(f"heaviest page: {heaviest / 1024:.1f} KB of CSS+JS after gzip (target <= 150 KB)")


if __name__ == "__main__":
    main()
