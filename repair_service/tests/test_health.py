"""Health, readiness and the API documentation paths the gateway forwards."""

from .conftest import World


def test_health_and_readiness_answer_at_the_root_and_under_the_api_prefix(world: World) -> None:
    for prefix in ("", "/api/repair"):
        assert world.client.get(f"{prefix}/healthz").json() == {"status": "ok"}
        ready = world.client.get(f"{prefix}/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": True}


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
