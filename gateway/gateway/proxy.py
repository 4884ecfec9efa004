"""Streaming reverse proxy from the gateway to the services.

Bodies are streamed both ways, chunk by chunk, so a 200 MB upload or a video download never sits
in the gateway's memory; Range headers and 206 answers pass through untouched. Paths are not
rewritten: each service serves its own prefix.
"""

import logging
from collections.abc import AsyncIterator

import httpx
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
    client: httpx.AsyncClient,
    upstream_name: str,
    upstream_url: str,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """Send ``request`` to ``upstream_url`` + the same path and stream the answer back."""
    target = (
        httpx.URL(upstream_url)
        .join(request.url.path)
        .copy_with(query=request.url.query.encode("latin-1") or None)
    )
    has_body = request.method not in ("GET", "HEAD", "OPTIONS", "DELETE") or (
        "content-length" in request.headers or "transfer-encoding" in request.headers
    )
    upstream_request = client.build_request(
        request.method,
        target,
        headers=_forward_headers(request, extra_headers or {}),
        content=_request_body(request) if has_body else None,
    )
    try:
        upstream = await client.send(upstream_request, stream=True)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as error:
        logger.warning(
            "proxy.upstream_unreachable",
            extra={"upstream": upstream_name, "error": type(error).__name__},
        )
        return upstream_unavailable(request, upstream_name, status_code=502)
    except httpx.TimeoutException:
        logger.warning("proxy.upstream_timeout", extra={"upstream": upstream_name})
        return upstream_unavailable(request, upstream_name, status_code=504)

    # The correlation id middleware adds its own header; the upstream's echo would duplicate it.
    skipped = HOP_BY_HOP | {CORRELATION_HEADER.lower()}
    response_headers = [
        (k, v) for k, v in upstream.headers.multi_items() if k.lower() not in skipped
    ]
    if "content-length" in upstream.headers:
        response_headers.append(("content-length", upstream.headers["content-length"]))
    response = StreamingResponse(
        upstream.aiter_raw(),
        status_code=upstream.status_code,
        background=BackgroundTask(upstream.aclose),
    )
    response.raw_headers = [(k.lower().encode(), v.encode("latin-1")) for k, v in response_headers]
    return response
