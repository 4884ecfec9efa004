"""Health, readiness and the API documentation paths the gateway forwards."""

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from repair_service.db import utcnow
from repair_service.observability import worker_queues
from repair_service.wechat_pay.models import AttemptStatus, WeChatPayAttempt

from .conftest import World


def test_health_and_readiness_answer_at_the_root_and_under_the_api_prefix(world: World) -> None:
    for prefix in ("", "/api/repair"):
        assert world.client.get(f"{prefix}/healthz").json() == {"status": "ok"}
        ready = world.client.get(f"{prefix}/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": True}


def test_health_and_readiness_answer_head_for_uptime_probes(world: World) -> None:
    for path in ("/healthz", "/readyz", "/api/repair/healthz"):
        response = world.client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""


def test_openapi_is_served_under_the_api_prefix(world: World) -> None:
    schema = world.client.get("/api/repair/openapi.json").json()
    assert "/api/repair/requests" in schema["paths"]
    assert "/api/repair/staff/orders/{order_id}/approve" in schema["paths"]
    assert world.client.get("/api/repair/docs").status_code == 200


def test_correlation_id_is_echoed(world: World) -> None:
    response = world.client.get("/healthz", headers={"X-Correlation-ID": "abc123"})
    assert response.headers["x-correlation-id"] == "abc123"


def test_metrics_report_requests_outbox_and_pending_payments(world) -> None:  # type: ignore[no-untyped-def]
    world.client.get("/api/repair/healthz")

    metrics = world.client.get("/metrics").text

    assert "reparo_http_requests_total" in metrics
    assert "reparo_outbox_backlog" in metrics
    assert "reparo_pending_payments" in metrics
    assert "reparo_failed_notifications" in metrics


def test_pending_payments_count_open_wechat_attempts_and_offline_proofs_awaiting_finance(
    world: World,
) -> None:
    customer = world.new_customer()
    request = world.submit(customer)
    order_id = request["orders"][0]["id"]
    world.drive_to_quote(customer, order_id)
    assert world.customer_act(customer, order_id, "agree").status_code == 200
    payment = world.pay_offline(customer, request["id"], [order_id])
    with Session(world.engine) as session:
        session.add(
            WeChatPayAttempt(
                payment_id=payment["id"],
                out_trade_no="R-METRICS-1",
                amount_fen=12_000,
                expires_at=utcnow() + timedelta(minutes=30),
            )
        )
        session.add(
            WeChatPayAttempt(
                payment_id=payment["id"],
                out_trade_no="R-METRICS-0",
                amount_fen=12_000,
                status=AttemptStatus.CLOSED,
                expires_at=utcnow(),
            )
        )
        session.commit()

    metrics = world.client.get("/metrics").text

    assert sample(metrics, "reparo_pending_payments", method="offline") == 1
    assert sample(metrics, "reparo_pending_payments", method="wechat") == 1


def test_metrics_report_the_worker_queues_from_the_broker(world: World) -> None:
    metrics = world.client.get("/metrics").text

    for queue in worker_queues():
        assert sample(metrics, "reparo_queue_consumers", queue=queue) is not None
        assert sample(metrics, "reparo_dead_letters", queue=f"{queue}.dead") is not None
    assert "reparo_state_gauge_errors{" not in metrics


def sample(page: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(page):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None
