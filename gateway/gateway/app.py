"""The gateway application: routing to the services, customer sign-in and the customer pages."""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import httpx
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from gateway import pages, repair_pages, wechat_jssdk, wechat_signin
from gateway.content import routes as content_routes
from gateway.content.cache import ContentCache, dropped_on_content_events
from gateway.content.cms_client import CmsNotFound, CmsUnavailable
from gateway.content.rendering import not_found_page
from gateway.errors import error_page, upstream_unavailable, wants_json
from gateway.i18n import request_language, translations
from gateway.identity import customer_authorization
from gateway.proxy import forward
from gateway.refusals import refusal_text
from gateway.repair_client import RepairApiError, RepairUnavailable
from gateway.settings import GatewaySettings, get_settings
from reparo_shared.asgi import CorrelationIdMiddleware, health_router
from reparo_shared.files import FileSettings
from reparo_shared.identity import TokenSigner
from reparo_shared.logs import configure_logging
from reparo_shared.metrics import instrument_fastapi
from reparo_shared.wechat import WeChatSettings, WeChatSignIn

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
VENDOR_DIR = PACKAGE_DIR.parent / "node_modules"
INVALID_REQUEST = "Part of this address or form is not valid. Please check it and try again."
PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(
    settings: GatewaySettings | None = None, wechat: WeChatSettings | None = None
) -> FastAPI:
    """Build the gateway; both settings default to the environment's."""
    settings = settings or get_settings()
    configure_logging("gateway", json_logs=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(
            settings.upstream_read_timeout, connect=settings.upstream_connect_timeout
        )
        # aiohttp carries the proxied traffic: on this path it costs a third of httpx's time
        # per request (measured by bench/gateway_proxy.py); httpx serves the gateway's own calls.
        proxy_session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(
                sock_connect=settings.upstream_connect_timeout,
                sock_read=settings.upstream_read_timeout,
            ),
            connector=aiohttp.TCPConnector(limit=200),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )
        async with (
            httpx.AsyncClient(timeout=timeout) as client,
            proxy_session,
            dropped_on_content_events(app.state.content_cache, settings) as listener,
        ):
            app.state.content_listener = listener
            app.state.http = client
            app.state.proxy_session = proxy_session
            yield

    app = FastAPI(title="Reparo gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.wechat_settings = wechat or WeChatSettings()
    app.state.wechat_signin = WeChatSignIn(app.state.wechat_settings)
    app.state.wechat_client = None
    # repair_service's upload limits, read from the same FILE_LIMIT_* settings it enforces, so
    # the upload widgets refuse an oversized file before sending it.
    app.state.upload_limits = FileSettings().size_limits()
    app.state.content_cache = ContentCache(
        settings.content_cache_seconds, settings.content_cache_entries
    )
    app.state.signer = TokenSigner(
        settings.private_key_pem(), settings.customer_token_kid, settings.customer_token_ttl_seconds
    )

    _add_middleware(app, settings)
    instrument_fastapi(app)
    _add_proxy_routes(app, settings)
    app.include_router(health_router(lambda: _upstreams_ready(app)))
    app.include_router(wechat_signin.router)
    app.include_router(wechat_jssdk.router)
    app.include_router(pages.router)
    app.include_router(repair_pages.router)
    app.include_router(content_routes.router)
    app.mount("/static/vendor", StaticFiles(directory=VENDOR_DIR, check_dir=False), "vendor")
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), "static")
    _add_error_handlers(app)
    return app


def _add_middleware(app: FastAPI, settings: GatewaySettings) -> None:
    session_secret = settings.session_secret or secrets.token_urlsafe(32)
    if not settings.session_secret:
        logger.warning("gateway.session_secret_generated")
    # Also signs the refused-form cookie (``gateway.refused_forms``).
    app.state.session_secret = session_secret
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret,
        session_cookie="reparo_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    app.add_middleware(CorrelationIdMiddleware)


def _add_proxy_routes(app: FastAPI, settings: GatewaySettings) -> None:
    async def not_public(request: Request) -> Response:
        raise StarletteHTTPException(404)

    # The services' metrics are for Prometheus inside the network, never for the public.
    app.add_api_route("/cms/metrics", not_public, methods=PROXY_METHODS, include_in_schema=False)

    upstreams = {
        "cms": (settings.cms_url, ["/cms", "/cms/{path:path}"]),
        "repair_service": (
            settings.repair_url,
            ["/api/repair/{path:path}", "/console", "/console/{path:path}"],
        ),
    }
    for name, (url, paths) in upstreams.items():
        endpoint = _proxy_endpoint(name, url)
        for path in paths:
            app.add_api_route(path, endpoint, methods=PROXY_METHODS, include_in_schema=False)


def _proxy_endpoint(
    upstream_name: str, upstream_url: str
) -> Callable[[Request], Awaitable[Response]]:
    async def proxy(request: Request) -> Response:
        state = request.app.state
        extra = customer_authorization(request, state.signer)
        return await forward(request, state.proxy_session, upstream_name, upstream_url, extra)

    return proxy


async def _upstreams_ready(app: FastAPI) -> dict[str, bool]:
    settings: GatewaySettings = app.state.settings
    checks = {
        "repair_service": f"{settings.repair_url}/readyz",
        "cms": f"{settings.cms_url}/cms/readyz",
    }

    async def ready(url: str) -> bool:
        try:
            response = await app.state.http.get(url, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    results = await asyncio.gather(*(ready(url) for url in checks.values()))
    return dict(zip(checks, results, strict=True))


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        _ = translations(request_language(request)).gettext
        if exc.status_code == 404:
            return error_page(request, 404, _("Not found"), _("This page does not exist."))
        return error_page(request, exc.status_code, _("Something went wrong"), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A malformed address or form on a page (``/software/?product=abc``) gets the friendly
        page: not found when the path cannot name anything, else a bad request. API callers keep
        FastAPI's JSON list of problems."""
        if wants_json(request):
            return await request_validation_exception_handler(request, exc)
        _ = translations(request_language(request)).gettext
        if any(str(next(iter(problem.get("loc", ())), "")) == "path" for problem in exc.errors()):
            return error_page(request, 404, _("Not found"), _("This page does not exist."))
        return error_page(request, 400, _("Something went wrong"), _(INVALID_REQUEST))

    @app.exception_handler(RepairUnavailable)
    async def repair_unavailable(request: Request, exc: RepairUnavailable) -> Response:
        return upstream_unavailable(request, "repair_service", status_code=502)

    @app.exception_handler(CmsUnavailable)
    async def cms_unavailable(request: Request, exc: CmsUnavailable) -> Response:
        return upstream_unavailable(request, "cms", status_code=503)

    @app.exception_handler(CmsNotFound)
    async def cms_not_found(request: Request, exc: CmsNotFound) -> Response:
        return not_found_page(request)

    @app.exception_handler(RepairApiError)
    async def repair_refused(request: Request, exc: RepairApiError) -> Response:
        language = request_language(request)
        _ = translations(language).gettext
        message = refusal_text(language, exc)
        return error_page(request, exc.status_code, _("Something went wrong"), message)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        logger.exception("gateway.unexpected_error")
        _ = translations(request_language(request)).gettext
        return error_page(
            request, 500, _("Something went wrong"), _("Please try again in a moment.")
        )
