"""Content pages: the article list's pages per second through the gateway, and its weight.

Starts cms (on a throw-away PostgreSQL database, ``TEST_DATABASE_ADMIN_URL``, default the local
server) with articles in one category, and two real gateway processes in front of it: one as
deployed (anonymous pages cached, dropped on cms's events) and one with its cache off. Then, with
the same load generator and concurrency, in the same run:

1. requests per second of a bare route of the gateway (``/healthz``: no template, no cms call);
2. the article list of one category as an anonymous visitor sees it (target: at least half of
   the bare route's rate), and the same list with the gateway's cache off (what each cache miss
   costs: the cms API call and the template);
3. the page's weight: every stylesheet and script it loads, gzipped (target: at most 150 KB).

    uv run python bench/content_pages.py [--articles 60] [--seconds 15] [--rounds 5]
                                         [--concurrency 16]
"""

import argparse
import asyncio
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import pika

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

import devstack  # noqa: E402  (lives in scripts/)

from reparo_shared.testing import free_port, fresh_database  # noqa: E402

LIST_PATH = "/articles/?category=little_known_tips"
WEIGHT_TARGET_BYTES = 150 * 1024
WECHAT_BROWSER = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile MicroMessenger/8.0.50"

SEED = """
import json
from reparo_cms.content.demo import demo_image, seed_demo_content
from reparo_cms.content.models import ArticleIndexPage, ArticlePage
seed_demo_content()
index = ArticleIndexPage.objects.get(slug="articles")
cover = demo_image("bench-cover", (40, 120, 220))
for n in range({count}):
    page = ArticlePage(
        title=f"激光切割机保养要点 第{{n}}篇", slug=f"bench-{{n}}", category="little_known_tips",
        digest="定期清洁镜片、检查冷却水,让设备少停机。", cover=cover,
        body=json.dumps([{{"type": "paragraph", "value": "<p>镜片上的粉尘会降低功率。</p>"}}]),
    )
    index.add_child(instance=page)
    page.save_revision().publish()
"""


def gateway_process(name: str, port: int) -> devstack.Process:
    # fmt: off
    return devstack.Process(
        name,
        [devstack.PYTHON, "-m", "uvicorn", "gateway.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--app-dir", "gateway",
         "--no-access-log", "--log-level", "warning"],
        health_url=f"http://127.0.0.1:{port}/healthz",
    )
    # fmt: on


async def rate(url: str, seconds: float, concurrency: int) -> tuple[float, int]:
    """Good answers per second from ``concurrency`` clients asking ``url`` back to back, and
    how many answers were not 200."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for _ in range(concurrency):  # warm connections and the cache
            await client.get(url)
        done = failed = 0
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal done, failed
            while time.monotonic() < deadline:
                response = await client.get(url)
                if response.status_code == 200:
                    done += 1
                else:
                    failed += 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.monotonic() - began), failed


def page_weight(base_url: str) -> list[tuple[str, int, int]]:
    """Every stylesheet and script the list page loads inside WeChat: (address, bytes, gzipped
    bytes). WeChat's own JS-SDK comes from WeChat's servers and is listed but not fetched."""
    html = httpx.get(base_url + LIST_PATH, headers={"User-Agent": WECHAT_BROWSER}).text
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script src="([^"]+)"', html)
    weights = []
    for asset in assets:
        if not asset.startswith("/"):
            weights.append((asset, 0, 0))
            continue
        body = httpx.get(base_url + asset).raise_for_status().content
        weights.append((asset, len(body), len(gzip.compress(body, compresslevel=6))))
    weights.append(("(the HTML itself)", len(html.encode()), len(gzip.compress(html.encode()))))
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=15.0, help="per kind, all rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    exchange = f"reparo.events.bench-{uuid.uuid4().hex[:8]}"
    cached_port, uncached_port = free_port(), free_port()
    with fresh_database("content_bench") as database:
        data_dir = Path(tempfile.mkdtemp(prefix="reparo-bench-content-"))
        environment = devstack.prepare_environment(
            data_dir,
            {
                "CMS_PORT": str(free_port()),
                "CMS_DATABASE_URL": database.replace("postgresql+psycopg://", "postgresql://"),
                "EVENTS_EXCHANGE": exchange,
                "LOG_LEVEL": "WARNING",
            },
        )
        # As in production: no sandbox, and WeChat's own JS-SDK (listed, not fetched).
        environment["WECHAT_SANDBOX_URL"] = ""
        environment.pop("WECHAT_JSSDK_URL", None)
        env = {**os.environ, **environment}
        subprocess.run(
            [devstack.PYTHON, "cms/manage.py", "migrate", "-v", "0"], env=env, check=True
        )
        seed = SEED.format(count=args.articles)
        subprocess.run([devstack.PYTHON, "cms/manage.py", "shell", "-c", seed], env=env, check=True)
        cms = devstack.Process(
            "cms",
            [devstack.PYTHON, "-m", "uvicorn", "reparo_cms.asgi:application", "--app-dir", "cms",
             "--host", "127.0.0.1", "--port", environment["CMS_PORT"], "--no-access-log"],
            health_url=f"{environment['CMS_URL']}/cms/readyz",
        )  # fmt: skip
        processes = [
            devstack.start(cms, environment),
            devstack.start(gateway_process("gateway", cached_port), environment),
            devstack.start(
                gateway_process("gateway-nocache", uncached_port),
                {**environment, "CONTENT_CACHE_SECONDS": "0"},
            ),
        ]
        try:
            if not devstack.wait_until_ready(processes, threading.Event()):
                raise SystemExit("the processes did not start")
            report(args, f"http://127.0.0.1:{cached_port}", f"http://127.0.0.1:{uncached_port}")
        finally:
            devstack.stop_all(processes)
            _delete_exchange(environment["AMQP_URL"], exchange)


def report(args: argparse.Namespace, cached: str, uncached: str) -> None:
    targets = {
        "bare": f"{cached}/healthz",
        "cached": cached + LIST_PATH,
        "uncached": uncached + LIST_PATH,
    }
    # Short rounds in turn, so a change in the machine's load meets all three alike.
    rounds: dict[str, list[float]] = {name: [] for name in targets}
    failures = dict.fromkeys(targets, 0)
    for _ in range(args.rounds):
        for name, url in targets.items():
            per_second, failed = asyncio.run(
                rate(url, args.seconds / args.rounds, args.concurrency)
            )
            rounds[name].append(per_second)
            failures[name] += failed
    bare, listing, missing = (statistics.median(rounds[name]) for name in targets)
    print(f"load average: {os.getloadavg()}; medians of {args.rounds} rounds each")
    print(f"answers other than 200: {failures}")
    print(f"bare route /healthz:              {bare:7.0f} requests/s")
    print(
        f"article list, anonymous (cached): {listing:7.0f} pages/s = {listing / bare:.2f} of bare"
        " (target >= 0.5)"
    )
    print(
        f"article list, cache off:          {missing:7.0f} pages/s = {missing / bare:.2f} of bare"
    )
    weights = page_weight(cached)
    for asset, size, zipped in weights:
        print(f"  {asset:<48} {size / 1024:7.1f} KB  gzip {zipped / 1024:6.1f} KB")
    css_js = sum(zipped for asset, _, zipped in weights if asset.startswith("/"))
    print(
        f"CSS + JS after gzip: {css_js / 1024:.1f} KB (target <= {WEIGHT_TARGET_BYTES // 1024} KB)"
    )


def _delete_exchange(amqp_url: str, exchange: str) -> None:
    try:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        connection.channel().exchange_delete(exchange)
        connection.close()
    except (pika.exceptions.AMQPError, OSError):
        pass


if __name__ == "__main__":
    main()
