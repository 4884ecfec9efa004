"""Prometheus metrics: request series labelled by route template, state gauges, the endpoint."""

import os
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pika
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel

from reparo_shared.events.outbox_sqlmodel import OutboxEvent
from reparo_shared.metrics import (
    DEAD_LETTERS,
    OUTBOX_BACKLOG,
    PENDING_PAYMENTS,
    UNMATCHED_ROUTE,
    StateGauges,
    exposition,
    instrument_fastapi,
    watch_consumer_queues,
    watch_sqlalchemy_outbox,
)
from reparo_shared.testing import free_port, fresh_database


def samples(page: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample called ``name`` on a Prometheus text page, keyed by its sorted labels."""
    found = {}
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def request_count(page: str, method: str, route: str, status: str) -> float:
    key = (("method", method), ("route", route), ("status", status))
    return samples(page, "reparo_http_requests_total").get(key, 0.0)


def build_app(registry: CollectorRegistry, static_dir: Path) -> tuple[FastAPI, StateGauges]:
    app = FastAPI()

    @app.get("/api/repair/orders/{number}")
    async def order(number: str) -> dict[str, str]:
        return {"number": number}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler failed")

    router = APIRouter(prefix="/api/repair/requests")

    @router.post("/{request_id}/orders")
    async def add_order(request_id: int) -> dict[str, int]:
        return {"request": request_id}

    app.include_router(router)

    console = FastAPI()

    @console.get("/orders/{number}")
    async def console_order(number: str) -> dict[str, str]:
        return {"number": number}

    app.mount("/console", console)
    app.mount("/static", StaticFiles(directory=static_dir), "static")
    state = instrument_fastapi(app, registry=registry)
    return app, state


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    (tmp_path / "app.css").write_text("body {}", encoding="utf-8")
    return tmp_path


def test_requests_for_many_orders_share_one_series_labelled_by_the_route_template(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, _ = build_app(registry, static_dir)
    client = TestClient(app)

    for number in ("R2026-0001", "R2026-0002", "R2026-0003"):
        assert client.get(f"/api/repair/orders/{number}").status_code == 200
    page = client.get("/metrics").text

    assert request_count(page, "GET", "/api/repair/orders/{number}", "200") == 3
    assert "R2026-0001" not in page
    latency = samples(page, "reparo_http_request_duration_seconds_count")
    assert latency[(("method", "GET"), ("route", "/api/repair/orders/{number}"))] == 3


def test_paths_matching_no_route_are_counted_under_one_label(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, _ = build_app(registry, static_dir)
    client = TestClient(app)

    for probe in ("/wp-login.php", "/.env", "/random/123"):
        assert client.get(probe).status_code == 404
    page = client.get("/metrics").text

    assert request_count(page, "GET", UNMATCHED_ROUTE, "404") == 3
    assert "wp-login" not in page


def test_invented_request_methods_share_one_label(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, _ = build_app(registry, static_dir)
    client = TestClient(app)

    for method in ("BREW", "XYZZY", "PROPFIND"):
        client.request(method, "/api/repair/orders/R1")
    page = client.get("/metrics").text

    assert request_count(page, "OTHER", "/api/repair/orders/{number}", "405") == 3
    assert "XYZZY" not in page


def test_a_handler_that_raises_is_recorded_as_a_server_error(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, _ = build_app(registry, static_dir)
    client = TestClient(app, raise_server_exceptions=False)

    assert client.get("/boom").status_code == 500
    page = client.get("/metrics").text

    assert request_count(page, "GET", "/boom", "500") == 1


def test_routes_under_routers_and_mounts_are_labelled_with_their_full_template(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, _ = build_app(registry, static_dir)
    client = TestClient(app)

    assert client.post("/api/repair/requests/7/orders").status_code == 200
    assert client.get("/console/orders/R1").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    page = client.get("/metrics").text

    assert request_count(page, "POST", "/api/repair/requests/{request_id}/orders", "200") == 1
    assert request_count(page, "GET", "/console/orders/{number}", "200") == 1
    assert request_count(page, "GET", "/static/{path}", "200") == 1


def test_building_the_app_twice_in_one_process_reuses_the_metrics(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    first, _ = build_app(registry, static_dir)
    second, _ = build_app(registry, static_dir)

    TestClient(first).get("/api/repair/orders/A")
    page = TestClient(second).get("/metrics").text

    assert request_count(page, "GET", "/api/repair/orders/{number}", "200") == 1


def test_state_gauges_are_read_at_every_scrape(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, state = build_app(registry, static_dir)
    backlog = [3]
    state.watch(OUTBOX_BACKLOG, lambda: backlog[0])
    state.watch(DEAD_LETTERS, lambda: {"repair.notifications": 2, "cms.catalogue": 0})
    client = TestClient(app)

    first = client.get("/metrics")
    backlog[0] = 0
    second = client.get("/metrics").text

    assert first.headers["content-type"].startswith("text/plain")
    assert samples(first.text, "reparo_outbox_backlog") == {(): 3}
    assert samples(second, "reparo_outbox_backlog") == {(): 0}
    assert samples(second, "reparo_dead_letters") == {
        (("queue", "cms.catalogue"),): 0,
        (("queue", "repair.notifications"),): 2,
    }


def test_a_failing_state_reader_is_reported_and_leaves_the_other_gauges_in_place(
    registry: CollectorRegistry, static_dir: Path
) -> None:
    app, state = build_app(registry, static_dir)

    def database_down() -> int:
        raise ConnectionError("database unavailable")

    state.watch(PENDING_PAYMENTS, database_down)
    state.watch(OUTBOX_BACKLOG, lambda: 5)
    response = TestClient(app).get("/metrics")

    assert response.status_code == 200
    assert samples(response.text, "reparo_pending_payments") == {}
    assert samples(response.text, "reparo_outbox_backlog") == {(): 5}
    errors = samples(response.text, "reparo_state_gauge_errors")
    assert errors == {(("gauge", "reparo_pending_payments"),): 1}


WORKER_SCRIPT = textwrap.dedent(
    """
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from reparo_shared.metrics import instrument_fastapi

    app = FastAPI()

    @app.get("/api/repair/orders/{number}")
    async def order(number: str) -> dict:
        return {}

    instrument_fastapi(app)
    client = TestClient(app)
    for number in range(3):
        client.get(f"/api/repair/orders/{number}")
    """
)

SCRAPE_SCRIPT = textwrap.dedent(
    """
    import sys
    from reparo_shared.metrics import exposition
    sys.stdout.write(exposition().decode())
    """
)


def test_in_multiprocess_mode_the_page_sums_every_worker(tmp_path: Path) -> None:
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER_SCRIPT], env=environment, check=True)
    scrape = subprocess.run(
        [sys.executable, "-c", SCRAPE_SCRIPT],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )

    assert request_count(scrape.stdout, "GET", "/api/repair/orders/{number}", "200") == 6


DJANGO_SCRIPT = textwrap.dedent(
    """
    import asyncio
    import sys
    import django
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import path

    from reparo_shared.metrics import StateGauges, django_metrics_view

    state = StateGauges()

    def page(request, slug):
        return HttpResponse("ok")

    urlpatterns = [
        path("cms/pages/<slug:slug>/", page),
        path("cms/metrics", django_metrics_view(state)),
    ]
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["reparo_shared.metrics.DjangoMetricsMiddleware"],
        INSTALLED_APPS=[],
    )
    django.setup()
    from django.db import connection
    from django.test import AsyncClient, Client

    from reparo_shared.metrics import watch_django_outbox

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE outbox_event (id integer primary key, created_at text, sent_at text)"
        )
        cursor.execute(
            "INSERT INTO outbox_event (created_at, sent_at) VALUES "
            "('2026-01-01 00:00:00+00:00', NULL), ('2026-01-01 00:00:01+00:00', NULL), "
            "('2025-12-31 00:00:00+00:00', '2025-12-31 00:00:01+00:00')"
        )
    watch_django_outbox(state)

    client = Client()
    client.get("/cms/pages/first-article/")
    client.get("/cms/nowhere")
    # Under ASGI (uvicorn) Django runs the middleware chain asynchronously.
    asyncio.run(AsyncClient().get("/cms/pages/second-article/"))
    sys.stdout.write(client.get("/cms/metrics").content.decode())
    """
)


def test_the_cms_records_requests_by_url_pattern_and_reports_its_outbox() -> None:
    result = subprocess.run(
        [sys.executable, "-c", DJANGO_SCRIPT], check=True, capture_output=True, text=True
    )
    page = result.stdout

    assert request_count(page, "GET", "/cms/pages/<slug:slug>/", "200") == 2
    assert request_count(page, "GET", UNMATCHED_ROUTE, "404") == 1
    assert "first-article" not in page
    assert samples(page, "reparo_outbox_backlog") == {(): 2}
    # The oldest waiting row is from 2026-01-01, eleven months before these tests were written.
    assert samples(page, "reparo_outbox_oldest_age_seconds")[()] > 300 * 24 * 3600


def test_the_outbox_gauges_count_only_events_still_waiting() -> None:
    with fresh_database("metrics") as url:
        engine = create_engine(url)
        SQLModel.metadata.create_all(engine, tables=[OutboxEvent.__table__])
        now = datetime.now(UTC)
        with Session(engine) as session:
            for number, sent in enumerate([None, None, now]):
                session.add(
                    OutboxEvent(
                        event_id=str(uuid.uuid4()),
                        event_type="repair.order.node_entered",
                        subject=f"R{number}",
                        envelope="{}",
                        created_at=now - timedelta(minutes=10 - number),
                        sent_at=sent,
                    )
                )
            session.commit()
        state = StateGauges()
        watch_sqlalchemy_outbox(state, engine)

        page = scrape(state)
        engine.dispose()

    assert samples(page, "reparo_outbox_backlog") == {(): 2}
    assert 600 <= samples(page, "reparo_outbox_oldest_age_seconds")[()] < 3600


def test_an_empty_outbox_reports_no_backlog_and_no_age() -> None:
    with fresh_database("metrics") as url:
        engine = create_engine(url)
        SQLModel.metadata.create_all(engine, tables=[OutboxEvent.__table__])
        state = StateGauges()
        watch_sqlalchemy_outbox(state, engine)

        page = scrape(state)
        engine.dispose()

    assert samples(page, "reparo_outbox_backlog") == {(): 0}
    assert samples(page, "reparo_outbox_oldest_age_seconds") == {(): 0}


def test_consumer_queues_report_depth_workers_attached_and_dead_letters_from_the_broker() -> None:
    amqp_url = os.environ.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/%2F"
    consumer = f"metrics-test-{uuid.uuid4().hex[:8]}"
    never_declared = f"metrics-test-{uuid.uuid4().hex[:8]}"
    retry = f"{consumer}.retry.5000ms"
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    for queue, messages in ((consumer, 3), (retry, 1), (f"{consumer}.dead", 2)):
        channel.queue_declare(queue=queue, durable=False, auto_delete=False)
        for _ in range(messages):
            channel.basic_publish(exchange="", routing_key=queue, body=b"{}")
    worker = connection.channel()
    worker.basic_qos(prefetch_count=1)
    worker.basic_consume(queue=consumer, on_message_callback=lambda *_: None)
    try:
        connection.process_data_events(time_limit=0.5)  # the worker takes one, unacked
        state = StateGauges()
        watch_consumer_queues(state, amqp_url, [consumer, never_declared], retry_delays=[5.0])

        page = scrape(state)
    finally:
        for queue in (consumer, retry, f"{consumer}.dead"):
            channel.queue_delete(queue=queue)
        connection.close()

    assert samples(page, "reparo_queue_depth") == {
        (("queue", consumer),): 2,
        (("queue", retry),): 1,
        (("queue", never_declared),): 0,
        (("queue", f"{never_declared}.retry.5000ms"),): 0,
    }
    assert samples(page, "reparo_queue_consumers") == {
        (("queue", consumer),): 1,
        (("queue", never_declared),): 0,
    }
    assert samples(page, "reparo_dead_letters") == {
        (("queue", f"{consumer}.dead"),): 2,
        (("queue", f"{never_declared}.dead"),): 0,
    }
    assert samples(page, "reparo_state_gauge_errors") == {}


def test_an_unreachable_broker_marks_each_queue_gauge_failed_and_keeps_the_others() -> None:
    state = StateGauges()
    state.watch(OUTBOX_BACKLOG, lambda: 4)
    watch_consumer_queues(state, f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F", ["x"])

    page = scrape(state)

    assert samples(page, "reparo_outbox_backlog") == {(): 4}
    assert "reparo_queue_depth{" not in page
    assert samples(page, "reparo_state_gauge_errors") == {
        (("gauge", name),): 1
        for name in ("reparo_queue_depth", "reparo_queue_consumers", "reparo_dead_letters")
    }


def scrape(state: StateGauges) -> str:
    return exposition(CollectorRegistry(), state).decode()
