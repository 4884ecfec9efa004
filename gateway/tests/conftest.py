"""Gateway tests run the real gateway and a stand-in upstream over real HTTP on loopback."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse

from gateway.app import create_app
from gateway.settings import GatewaySettings
from reparo_shared.identity import InvalidToken, TokenVerifier, generate_keypair
from reparo_shared.identity.tokens import bearer_token
from reparo_shared.testing import free_port, serve_in_thread


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    private_pem, public_pem = generate_keypair()
    folder = tmp_path_factory.mktemp("keys")
    (folder / "private.pem").write_text(private_pem)
    return {"private_path": str(folder / "private.pem"), "public_pem": public_pem}


def upstream_app(public_pem: str, media_file: Path) -> FastAPI:
    """Plays repair_service and cms: echoes what reached it and checks tokens like they do."""
    app = FastAPI()
    verifier = TokenVerifier({"test-1": public_pem})

    def principal(authorization: str | None, kind: str):  # type: ignore[no-untyped-def]
        try:
            return verifier.verify(bearer_token(authorization), kind)  # type: ignore[arg-type]
        except InvalidToken as error:
            raise HTTPException(401, str(error)) from error

    @app.get("/readyz")
    @app.get("/cms/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.api_route("/api/repair/echo", methods=["GET", "POST", "PUT"])
    async def echo(request: Request) -> dict[str, object]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "body_size": size,
            "headers": dict(request.headers),
        }

    @app.post("/api/repair/customers/find-or-create")
    async def find_or_create(
        request: Request, authorization: str | None = Header(None)
    ) -> dict[str, object]:
        principal(authorization, "service")
        body = json.loads(await request.body())
        return {"customer_id": f"cust-{body['openid']}", "created": True}

    @app.get("/api/repair/me")
    @app.get("/cms/api/me")
    async def me(authorization: str | None = Header(None)) -> dict[str, str | None]:
        who = principal(authorization, "customer")
        return {"customer_id": who.subject, "openid": who.openid}

    @app.get("/cms/media/clip.bin")
    async def media() -> FileResponse:
        return FileResponse(media_file, media_type="application/octet-stream")

    @app.get("/api/repair/slow")
    async def slow() -> JSONResponse:
        import asyncio

        await asyncio.sleep(5)
        return JSONResponse({})

    return app


@pytest.fixture(scope="session")
def media_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "clip.bin"
    path.write_bytes(bytes(range(256)) * 4096)
    return path


@pytest.fixture(scope="session")
def upstream_url(keys: dict[str, str], media_file: Path) -> Iterator[str]:
    with serve_in_thread(upstream_app(keys["public_pem"], media_file)) as url:
        yield url


def gateway_settings(keys: dict[str, str], repair_url: str, cms_url: str) -> GatewaySettings:
    return GatewaySettings(
        repair_url=repair_url,
        cms_url=cms_url,
        customer_token_private_key=keys["private_path"],
        customer_token_kid="test-1",
        session_secret="test-session-secret",
        wechat_sandbox_url="http://127.0.0.1:9",
        upstream_read_timeout=1.0,
        amqp_url="",  # no cache-dropping listener: these tests declare no exchange
    )


@pytest.fixture(scope="session")
def gateway_url(keys: dict[str, str], upstream_url: str) -> Iterator[str]:
    app = create_app(gateway_settings(keys, upstream_url, upstream_url))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def gateway_to(keys: dict[str, str]):  # type: ignore[no-untyped-def]
    """Start another gateway pointing both upstreams at ``url``; use as a context manager."""

    def start(url: str):  # type: ignore[no-untyped-def]
        return serve_in_thread(create_app(gateway_settings(keys, url, url)))

    return start


@pytest.fixture(scope="session")
def sandbox():  # type: ignore[no-untyped-def]
    from reparo_shared.wechat.testing import running_sandbox

    with running_sandbox() as running:
        yield running


@pytest.fixture
def oauth_gateway(keys: dict[str, str], upstream_url: str, sandbox):  # type: ignore[no-untyped-def]
    """A gateway signing customers in through the sandbox's OAuth, as in WeChat."""
    port = free_port()
    settings = gateway_settings(keys, upstream_url, upstream_url).model_copy(
        update={
            "wechat_sandbox_url": sandbox.base_url,
            "gateway_public_url": f"http://127.0.0.1:{port}",
        }
    )
    with serve_in_thread(create_app(settings, sandbox.settings()), port=port) as url:
        yield url


@pytest.fixture
def gateway_with(keys: dict[str, str], upstream_url: str):  # type: ignore[no-untyped-def]
    """Start a gateway with some settings changed; use as a context manager."""

    def start(**changes: object):  # type: ignore[no-untyped-def]
        settings = gateway_settings(keys, upstream_url, upstream_url).model_copy(update=changes)
        return serve_in_thread(create_app(settings))

    return start
