"""Streaming reverse proxy from the gateway to the services.

Bodies are streamed both ways, chunk by chunk, so a 200 MB upload or a video download never sits
in the gateway's memory; Range headers and 206 answers pass through untouched. Paths are not
rewritten: each service serves its own prefix.
"""

import logging
from collections.abc import AsyncIterator

import aiohttp
import yarl
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from gateway.errors import upstream_unavailable
from reparo_shared.logs import CORRELATION_HEADER, correlation_id

logger = logging.getLogger(__name__)

# Connection-level headers that describe one hop and must not be forwarded (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def _forward_headers(request: Request, extra: dict[str, str]) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
    headers = [(k, v) for k, v in headers if k.lower() not in {n.lower() for n in extra}]
    client_host = request.client.host if request.client else ""
    forwarded_for = request.headers.get("x-forwarded-for")
    headers += [
        ("x-forwarded-for", f"{forwarded_for}, {client_host}" if forwarded_for else client_host),
        ("x-forwarded-proto", request.headers.get("x-forwarded-proto", request.url.scheme)),
        ("x-forwarded-host", request.headers.get("host", "")),
        (CORRELATION_HEADER, correlation_id()),
    ]
    if "content-length" in request.headers:
        headers.append(("content-length", request.headers["content-length"]))
    return headers + list(extra.items())


async def _request_body(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:
            yield chunk


async def forward(
    request: Request,
    session: aiohttp.ClientSession,
    upstream_name: str,
    upstream_url: str,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """Send ``request`` to ``upstream_url`` + the same path and stream the answer back."""
    target = (
        upstream_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    )
    has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
    try:
        upstream = await session.request(
            request.method,
            yarl.URL(target, encoded=True),
            headers=_forward_headers(request, extra_headers or {}),
            data=_request_body(request) if has_body else None,
            allow_redirects=False,
            auto_decompress=False,
        )
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as error:
        if isinstance(error, aiohttp.ServerTimeoutError):
            logger.warning("proxy.upstream_timeout", extra={"upstream": upstream_name})
            return upstream_unavailable(request, upstream_name, status_code=504)
        logger.warning(
            "proxy.upstream_unreachable",
            extra={"upstream": upstream_name, "error": type(error).__name__},
        )
        return upstream_unavailable(request, upstream_name, status_code=502)
    except TimeoutError:
        logger.warning("proxy.upstream_timeout", extra={"upstream": upstream_name})
        return upstream_unavailable(request, upstream_name, status_code=504)

    # The correlation id middleware adds its own header; the upstream's echo would duplicate it.
    skipped = HOP_BY_HOP | {CORRELATION_HEADER.lower()}
    raw_headers = [
        (name.lower(), value)
        for name, value in upstream.raw_headers
        if name.decode("latin-1").lower() not in skipped
    ]
    if upstream.content_length is not None and "transfer-encoding" not in upstream.headers:
        raw_headers.append((b"content-length", str(upstream.content_length).encode()))
    response = StreamingResponse(
        upstream.content.iter_any(),
        status_code=upstream.status,
        background=BackgroundTask(upstream.release),
    )
    response.raw_headers = raw_headers
    return response
