from django.test import Client


def test_orchestrator_sees_process_alive(client: Client) -> None:
    response = client.get("/cms/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_orchestrator_sees_ready_when_database_answers(client: Client, db: None) -> None:
    response = client.get("/cms/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True}


def test_gateway_correlation_id_is_echoed(client: Client) -> None:
    response = client.get("/cms/healthz", HTTP_X_CORRELATION_ID="abc123")

    assert response["X-Correlation-ID"] == "abc123"


def test_forwarded_https_is_trusted_behind_gateway(client: Client, db: None) -> None:
    response = client.get(
        "/cms/admin/login/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="localhost"
    )

    assert response.status_code == 200
    assert response.wsgi_request.is_secure()


def test_admin_speaks_chinese_by_default_and_portuguese_on_request(
    client: Client, db: None
) -> None:
    chinese = client.get("/cms/admin/login/").content.decode()
    portuguese = client.get("/cms/admin/login/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()

    assert 'lang="zh-hans"' in chinese
    assert 'lang="pt-br"' in portuguese
    assert "Entrar" in portuguese


def test_metrics_count_requests_and_the_outbox_backlog(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/cms/healthz")

    metrics = client.get("/cms/metrics").content.decode()

    assert "reparo_http_requests_total" in metrics
    assert "reparo_outbox_backlog" in metrics
