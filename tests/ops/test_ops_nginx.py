"""nginx in front of the gateway: the configuration loads, and behaves as the services need.

The template is filled as the nginx image fills it at start, with a certificate from
deploy/nginx/self_signed_cert.py; the live tests run nginx on loopback ports in front of a
recording upstream standing in for the gateway.
"""

import re
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from ops_support import (
    DEPLOY,
    NGINX_TEMPLATE,
    nginx_binary,
    nginx_main_config,
    render_nginx_template,
)

from reparo_shared.testing import free_port, serve_in_thread

CERT_SCRIPT = DEPLOY / "nginx" / "self_signed_cert.py"
MB = 1024 * 1024
CHUNK = b"\x5a" * (256 * 1024)
DOWNLOAD_CHUNKS = 64  # 16 MB


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingUpstream:
    """An ASGI app that answers 200 and keeps every request it saw, body included."""

    requests: list[Received] = field(default_factory=list)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.requests.append(Received(scope["method"], scope["path"], headers, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"].startswith("/downloads/"):
            # A large answer, sent as fast as nginx takes it.
            for _ in range(DOWNLOAD_CHUNKS - 1):
                await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
            await send({"type": "http.response.body", "body": CHUNK})
            return
        await send({"type": "http.response.body", "body": b"ok"})


@dataclass
class RunningNginx:
    https: str
    http: str
    http_port: int
    https_port: int
    upstream: RecordingUpstream
    object_store: RecordingUpstream
    tls: ssl.SSLContext
    prefix: Path


def make_certificate(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, str(CERT_SCRIPT), str(folder), "localhost", "127.0.0.1"], check=True
    )
    return folder


def write_config(prefix: Path, values: dict[str, str]) -> Path:
    site = prefix / "reparo.conf"
    site.write_text(render_nginx_template(values), encoding="utf-8")
    main = prefix / "nginx.conf"
    main.write_text(nginx_main_config(prefix, site), encoding="utf-8")
    return main


def template_values(
    tls_dir: Path, gateway: str, http_port: int, https_port: int, objects: str = "127.0.0.1:9"
) -> dict[str, str]:
    return {
        "REPARO_SERVER_NAME": "localhost 127.0.0.1",
        "REPARO_PUBLIC_PORT": str(https_port),
        "REPARO_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "REPARO_HTTPS_LISTEN": f"127.0.0.1:{https_port}",
        "REPARO_GATEWAY": gateway,
        "REPARO_OBJECT_STORE": objects,
        "REPARO_CMS_BUCKET": "reparo-cms",
        "REPARO_TLS_DIR": str(tls_dir),
    }


def nginx_test(main_config: Path, prefix: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            nginx_binary(),
            "-t",
            "-p",
            str(prefix),
            "-c",
            str(main_config),
            "-e",
            str(prefix / "error.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_configuration_passes_nginx_t(tmp_path: Path) -> None:
    tls = make_certificate(tmp_path / "tls")
    main = write_config(tmp_path, template_values(tls, "127.0.0.1:8000", free_port(), free_port()))

    result = nginx_test(main, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_t_refuses_the_configuration_without_its_certificate(tmp_path: Path) -> None:
    main = write_config(
        tmp_path, template_values(tmp_path / "no-tls", "127.0.0.1:8000", free_port(), free_port())
    )

    result = nginx_test(main, tmp_path)

    assert result.returncode != 0
    assert "reparo.crt" in result.stderr


def test_every_name_in_the_template_is_documented_in_its_header() -> None:
    template = NGINX_TEMPLATE.read_text(encoding="utf-8")
    header = "".join(line for line in template.splitlines(keepends=True) if line.startswith("#"))
    body = "".join(line for line in template.splitlines(keepends=True) if not line.startswith("#"))

    used = set(re.findall(r"\$\{(REPARO_[A-Z_]+)\}", body))

    assert used
    assert used <= set(re.findall(r"(REPARO_[A-Z_]+)", header))


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNginx]:
    prefix = tmp_path_factory.mktemp("nginx")
    tls = make_certificate(prefix / "tls")
    upstream, object_store = RecordingUpstream(), RecordingUpstream()
    http_port, https_port = free_port(), free_port()
    with serve_in_thread(upstream) as upstream_url, serve_in_thread(object_store) as store_url:
        gateway, objects = upstream_url.removeprefix("http://"), store_url.removeprefix("http://")
        values = template_values(tls, gateway, http_port, https_port, objects)
        main = write_config(prefix, values)
        process = subprocess.Popen(
            [
                nginx_binary(),
                "-p",
                str(prefix),
                "-c",
                str(main),
                "-e",
                str(prefix / "error.log"),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(https_port, process)
            context = ssl.create_default_context(cafile=str(tls / "reparo.crt"))
            yield RunningNginx(
                https=f"https://127.0.0.1:{https_port}",
                http=f"http://127.0.0.1:{http_port}",
                http_port=http_port,
                https_port=https_port,
                upstream=upstream,
                object_store=object_store,
                tls=context,
                prefix=prefix,
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start listening")


def last_request(nginx: RunningNginx, path: str) -> Received:
    matching = [request for request in nginx.upstream.requests if request.path == path]
    assert matching, f"the upstream never saw {path}"
    return matching[-1]


def test_a_wechat_pay_notification_reaches_the_gateway_byte_for_byte(nginx: RunningNginx) -> None:
    # Bytes a careless proxy would change: a BOM, CRLF, non-UTF-8, trailing spaces, no newline.
    body = b'\xef\xbb\xbf{"id":"EV-2018", "resource":{"ciphertext":"a+b/c="}}\r\n\xff\xfe  '
    headers = {
        "Content-Type": "application/json",
        "Wechatpay-Signature": "c2lnbmF0dXJl+/=",
        "Wechatpay-Timestamp": "1764720000",
        "Wechatpay-Nonce": "n0nce",
        "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    }
    with httpx.Client(verify=nginx.tls) as client:
        response = client.post(
            f"{nginx.https}/api/repair/payments/wechat/notify", content=body, headers=headers
        )

    received = last_request(nginx, "/api/repair/payments/wechat/notify")
    assert response.status_code == 200
    assert received.body == body
    assert received.headers["content-length"] == str(len(body))
    for name, value in headers.items():
        assert received.headers[name.lower()] == value


def test_the_gateway_learns_the_scheme_the_client_and_a_correlation_id(nginx: RunningNginx) -> None:
    with httpx.Client(verify=nginx.tls) as client:
        client.get(f"{nginx.https}/orders", headers={"X-Forwarded-Proto": "http"})

    received = last_request(nginx, "/orders")
    assert received.headers["x-forwarded-proto"] == "https"
    assert received.headers["x-forwarded-host"] == f"127.0.0.1:{nginx.https_port}"
    assert received.headers["x-real-ip"] == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", received.headers["x-correlation-id"])


def test_metrics_pages_are_not_served_to_the_public(nginx: RunningNginx) -> None:
    with httpx.Client(verify=nginx.tls) as client:
        statuses = [
            client.get(f"{nginx.https}{path}").status_code for path in ("/metrics", "/cms/metrics")
        ]

    assert statuses == [404, 404]
    assert not [r for r in nginx.upstream.requests if r.path.endswith("metrics")]


def test_plain_http_is_redirected_to_https_on_the_public_port(nginx: RunningNginx) -> None:
    response = httpx.get(f"{nginx.http}/console/orders?page=2")

    assert response.status_code == 301
    assert (
        response.headers["location"]
        == f"https://127.0.0.1:{nginx.https_port}/console/orders?page=2"
    )


def test_a_video_above_the_general_limit_streams_through_to_the_repair_api(
    nginx: RunningNginx,
) -> None:
    video = b"\x00" * (25 * MB)

    with httpx.Client(verify=nginx.tls, timeout=60) as client:
        accepted = client.post(f"{nginx.https}/api/repair/uploads", content=video)
        refused = client.post(f"{nginx.https}/account/avatar", content=video)

    assert accepted.status_code == 200
    assert len(last_request(nginx, "/api/repair/uploads").body) == len(video)
    assert refused.status_code == 413


def test_an_oversized_payment_notification_is_refused(nginx: RunningNginx) -> None:
    with httpx.Client(verify=nginx.tls) as client:
        response = client.post(
            f"{nginx.https}/api/repair/payments/wechat/notify", content=b"x" * (80 * 1024)
        )

    assert response.status_code == 413


def test_cms_media_is_read_from_its_bucket_without_credentials_and_never_written(
    nginx: RunningNginx,
) -> None:
    nginx.object_store.requests.clear()
    with httpx.Client(verify=nginx.tls) as client:
        read = client.get(
            f"{nginx.https}/cms/media/documents/%E5%9B%BA%E4%BB%B6%201.bin",
            headers={
                "Authorization": "AWS4-HMAC-SHA256 Credential=stolen",
                "Cookie": "sessionid=editor",
                "Range": "bytes=100-199",
            },
        )
        written = client.put(f"{nginx.https}/cms/media/images/pump.jpg", content=b"x")
        listing = client.get(f"{nginx.https}/cms/media/")
        api = client.get(f"{nginx.https}/cms/api/v2/pages/")

    (received,) = nginx.object_store.requests
    assert read.status_code == 200
    assert read.headers["x-content-type-options"] == "nosniff"
    assert received.path == "/reparo-cms/documents/固件 1.bin"
    assert received.headers["range"] == "bytes=100-199"
    assert "authorization" not in received.headers
    assert "cookie" not in received.headers
    assert written.status_code == 403
    assert listing.status_code == 404
    # Everything else under /cms/ is the cms's, through the gateway.
    assert api.status_code == 200
    assert last_request(nginx, "/cms/api/v2/pages/").method == "GET"


def test_a_large_answer_from_the_gateway_reaches_a_slow_client_without_a_copy_on_disk(
    nginx: RunningNginx,
) -> None:
    spool = nginx.prefix / "proxy"
    with (
        httpx.Client(verify=nginx.tls, timeout=60) as client,
        client.stream("GET", f"{nginx.https}/downloads/firmware.bin") as response,
    ):
        chunks = response.iter_raw(64 * 1024)
        received = len(next(chunks))
        time.sleep(1.5)  # a phone on a slow line; nginx has long had the rest on offer
        spooled = [path for path in spool.rglob("*") if path.is_file()]
        received += sum(len(chunk) for chunk in chunks)

    assert response.status_code == 200
    assert received == DOWNLOAD_CHUNKS * len(CHUNK)
    assert spooled == []
