"""The gateway forwards by prefix, streams bodies, passes Range through and fails fast."""

from collections.abc import Iterator

import httpx
import pytest


def test_request_reaches_the_service_with_path_query_and_correlation_id(gateway_url: str) -> None:
    response = httpx.get(
        f"{gateway_url}/api/repair/echo?q=%E4%B8%AD&page=2",
        headers={"X-Correlation-ID": "abc123"},
    )

    assert response.status_code == 200
    echoed = response.json()
    assert echoed["path"] == "/api/repair/echo"
    assert echoed["query"] == "q=%E4%B8%AD&page=2"
    assert echoed["headers"]["x-correlation-id"] == "abc123"
    assert echoed["headers"]["x-forwarded-proto"] == "http"
    assert response.headers["x-correlation-id"] == "abc123"


def test_gateway_makes_a_correlation_id_when_the_caller_sends_none(gateway_url: str) -> None:
    response = httpx.get(f"{gateway_url}/api/repair/echo")

    forwarded = response.json()["headers"]["x-correlation-id"]
    assert len(forwarded) == 32
    assert response.headers["x-correlation-id"] == forwarded


def test_a_large_upload_streams_through_whole(gateway_url: str) -> None:
    chunk = b"x" * (1024 * 1024)

    def body() -> Iterator[bytes]:
        for _ in range(20):
            yield chunk

    response = httpx.put(f"{gateway_url}/api/repair/echo", content=body(), timeout=30)

    assert response.status_code == 200
    assert response.json()["body_size"] == 20 * len(chunk)


def test_range_requests_get_206_with_the_asked_bytes(gateway_url: str, media_file) -> None:  # type: ignore[no-untyped-def]
    data = media_file.read_bytes()

    response = httpx.get(f"{gateway_url}/cms/media/clip.bin", headers={"Range": "bytes=100-199"})

    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert response.content == data[100:200]


def test_a_down_service_gets_a_clear_502_json_for_api_callers(gateway_to, dead_url: str) -> None:  # type: ignore[no-untyped-def]
    with gateway_to(dead_url) as url:
        response = httpx.get(f"{url}/api/repair/orders")

    assert response.status_code == 502
    assert "repair_service" in response.json()["detail"]


def test_a_down_service_gets_a_friendly_page_for_people(gateway_to, dead_url: str) -> None:  # type: ignore[no-untyped-def]
    with gateway_to(dead_url) as url:
        response = httpx.get(f"{url}/console/", headers={"Accept": "text/html"})

    assert response.status_code == 502
    assert "text/html" in response.headers["content-type"]
    assert "<html" in response.text


def test_a_hanging_service_gets_a_504_not_a_hang(gateway_url: str) -> None:
    response = httpx.get(f"{gateway_url}/api/repair/slow", timeout=10)

    assert response.status_code == 504


def test_readyz_reports_each_upstream(gateway_url: str, gateway_to, dead_url: str) -> None:  # type: ignore[no-untyped-def]
    assert httpx.get(f"{gateway_url}/readyz").json()["checks"] == {
        "repair_service": True,
        "cms": True,
    }
    with gateway_to(dead_url) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"repair_service": False, "cms": False}


@pytest.mark.parametrize("path", ["/healthz", "/"])
def test_own_pages_answer(gateway_url: str, path: str) -> None:
    assert httpx.get(f"{gateway_url}{path}").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/"])
def test_own_pages_and_probes_answer_head(gateway_url: str, path: str) -> None:
    response = httpx.head(f"{gateway_url}{path}")

    assert response.status_code == 200
    assert response.content == b""


def test_unknown_page_is_a_friendly_404(gateway_url: str) -> None:
    response = httpx.get(f"{gateway_url}/no/such/page", headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert "<html" in response.text


def test_metrics_count_proxied_requests_by_route_template(gateway_url: str) -> None:
    httpx.get(f"{gateway_url}/api/repair/echo?x=1")

    metrics = httpx.get(f"{gateway_url}/metrics").text

    assert 'route="/api/repair/{path}"' in metrics
    assert "reparo_http_requests_total" in metrics


def test_the_services_metrics_are_not_served_publicly(gateway_url: str) -> None:
    assert httpx.get(f"{gateway_url}/cms/metrics").status_code == 404
