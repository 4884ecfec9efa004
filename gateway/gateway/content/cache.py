"""A short-lived cache of content pages rendered for anonymous visitors, per gateway instance.

Most customers read the same few article lists and pages; keeping the rendered page for a few
seconds spares cms and the templates the same work. Only anonymous GET answers are kept (a
signed-in customer's page shows their own state), keyed by path, query, interface language and
whether the page carries the WeChat JS-SDK. A page is kept at most ``content_cache_seconds``;
when cms publishes or withdraws any page, every instance hears ``content.page.*`` on a queue of
its own and drops everything, since one page appears in lists, related items, search results
and the home page alike. A missed event (broker down) therefore lasts at most the time limit.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from gateway.content.cms_client import CmsNotFound
from gateway.content.rendering import not_found_page
from gateway.i18n import request_language
from gateway.identity import current_customer
from gateway.pages import jssdk_url
from gateway.settings import GatewaySettings
from reparo_shared.events.broadcast import BroadcastListener
from reparo_shared.events.envelope import Envelope

logger = logging.getLogger(__name__)

CACHE_HEADER = "X-Content-Cache"
CACHED_STATUSES = frozenset({200, 404})
CONTENT_EVENTS = ("content.page.*",)


@dataclass(frozen=True)
class CachedPage:
    status_code: int
    body: bytes
    media_type: str | None
    stored_at: float


class ContentCache:
    """Rendered pages by key, each kept ``ttl_seconds`` at most, the least used dropped first.

    Safe to use from the event loop and the listener thread at once. ``generation`` grows on
    every ``clear``: a page rendered while a clear happened is not stored, since it may show
    what was just withdrawn.
    """

    def __init__(self, ttl_seconds: float, max_entries: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.generation = 0
        self._pages: OrderedDict[tuple[str, ...], CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if time.monotonic() - page.stored_at > self.ttl_seconds:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[str, ...], page: CachedPage, generation: int) -> None:
        if self.ttl_seconds <= 0 or self.max_entries <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def cache_key(request: Request, with_jssdk: bool) -> tuple[str, ...]:
    return (
        request.url.path,
        request.url.query,
        request_language(request),
        "jssdk" if with_jssdk else "-",
    )


async def cached_page(request: Request, render: Callable[[], Awaitable[Response]]) -> Response:
    """The page ``render`` makes, from the cache when an anonymous visitor asked it lately.

    Answers other than 200 and 404, and any marked ``Cache-Control: no-store`` (a page made
    while cms was partly unavailable, say), are never kept.
    """
    cache: ContentCache = request.app.state.content_cache
    if request.method != "GET" or current_customer(request) is not None:
        response = await render()
        response.headers[CACHE_HEADER] = "bypass"
        return response

    key = cache_key(request, jssdk_url(request) is not None)
    page = cache.get(key)
    if page is not None:
        return Response(
            page.body, page.status_code, {CACHE_HEADER: "hit"}, media_type=page.media_type
        )

    generation = cache.generation
    try:
        response = await render()
    except CmsNotFound:
        response = not_found_page(request)
    body = getattr(response, "body", None)
    keep = "no-store" not in response.headers.get("cache-control", "")
    if keep and response.status_code in CACHED_STATUSES and isinstance(body, bytes):
        stored = CachedPage(response.status_code, body, response.media_type, time.monotonic())
        cache.put(key, stored, generation)
    response.headers[CACHE_HEADER] = "miss"
    return response


@asynccontextmanager
async def dropped_on_content_events(
    cache: ContentCache, settings: GatewaySettings
) -> AsyncIterator[BroadcastListener | None]:
    """While the app runs, listen for cms's page events and drop the cache on each one."""
    if not settings.amqp_url:
        yield None
        return

    def on_event(envelope: Envelope) -> None:
        cache.clear()
        logger.info(
            "content_cache.dropped",
            extra={"event_type": envelope.type, "subject": envelope.subject},
        )

    listener = BroadcastListener(
        "gateway.content-cache",
        CONTENT_EVENTS,
        on_event,
        # Whatever was published while we were not listening may be cached: start afresh.
        on_connect=cache.clear,
        url=settings.amqp_url,
        exchange=settings.events_exchange,
    )
    stop = listener.start()
    try:
        yield listener
    finally:
        stop.set()
