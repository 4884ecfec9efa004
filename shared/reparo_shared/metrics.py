"""Prometheus metrics every service exposes: HTTP traffic, and the backlogs an operator watches.

Three pieces:

- :class:`PrometheusMiddleware`, an ASGI middleware counting requests and timing them by method,
  route template and status. The label is the route's template (``/api/repair/orders/{number}``),
  never the raw path, so the number of series stays bounded however many orders exist; requests
  that match no route share the single label ``<unmatched>``.
- :func:`metrics_router`, the ``/metrics`` endpoint for a FastAPI app, and for the Django cms
  :class:`DjangoMetricsMiddleware` with :func:`django_metrics_view`.
- :class:`StateGauges`, gauges read at scrape time from callables the service registers (outbox
  backlog, dead letters, failed notifications, pending payments). They are computed when Prometheus
  asks, from the database or the broker, so every instance reports the same global figure; alerting
  rules should take ``max`` over instances, not ``sum``. :func:`watch_sqlalchemy_outbox`,
  :func:`watch_django_outbox` and :func:`watch_consumer_queues` (queue depths, attached workers
  and dead letters, from the broker) register the common ones.

Wiring, in a FastAPI ``create_app``: ``state = instrument_fastapi(app)`` then
``watch_sqlalchemy_outbox(state, engine)``; in the cms: ``DjangoMetricsMiddleware`` first in
``MIDDLEWARE`` and ``path("cms/metrics", django_metrics_view(state))``.

Several processes per container (``uvicorn --workers N``, gunicorn): prometheus-client keeps each
process's counters in memory, so a scrape would see one random worker. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty, writable folder *before* the process starts (the variable
is read when prometheus-client is imported) and empty that folder at every container start; the
endpoint then merges the files every worker writes. Our images run one server process per container
and scale by adding containers, which needs none of this.
"""

import logging
import os
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

UNMATCHED_ROUTE = "<unmatched>"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Seconds. Beyond the usual web buckets, long ones: uploads of 200 MB videos and 2 GB software
# packages stream for minutes and should land in a bucket rather than all in +Inf.
LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    1800.0,
)


# --- HTTP traffic -------------------------------------------------------------------------------


@dataclass
class _HttpMetrics:
    requests: Counter
    latency: Histogram
    in_progress: Gauge
    # The labelled children by (method, route, status): looking them up through ``labels()`` on
    # every request takes a lock and validates the labels, about three times the cost of recording.
    children: dict[tuple[str, str, str], tuple[Any, Any]] = field(default_factory=dict)

    def record(self, method: str, route: str, status: str, seconds: float) -> None:
        # Clients choose the method token freely; only known methods get a label of their own.
        method = method if method in KNOWN_METHODS else "OTHER"
        key = (method, route, status)
        children = self.children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, status),
                self.latency.labels(method, route),
            )
            self.children[key] = children
        children[0].inc()
        children[1].observe(seconds)


# One set of HTTP metrics per registry: an app built twice in one process (tests do this) must
# not register the same names twice, which prometheus-client refuses.
_http_metrics_by_registry: "weakref.WeakKeyDictionary[CollectorRegistry, _HttpMetrics]" = (
    weakref.WeakKeyDictionary()
)


def _http_metrics(registry: CollectorRegistry) -> _HttpMetrics:
    metrics = _http_metrics_by_registry.get(registry)
    if metrics is None:
        metrics = _HttpMetrics(
            requests=Counter(
                "reparo_http_requests",
                "HTTP requests answered, by method, route template and status.",
                ["method", "route", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "reparo_http_request_duration_seconds",
                "Time from receiving a request to the end of its response body.",
                ["method", "route"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            in_progress=Gauge(
                "reparo_http_requests_in_progress",
                "HTTP requests being served right now.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
        )
        _http_metrics_by_registry[registry] = metrics
    return metrics


def route_template(scope: Scope, outer_root_path: str = "") -> str:
    """The template of the route that served ``scope``, prefixed by any mounts on the way.

    The router records the matched route in ``scope["route"]`` and each mount appends its prefix
    to ``scope["root_path"]``; ``outer_root_path`` is the root path before routing began. A path
    no route matched inside a mount is labelled ``<mount>/{path}``, still one series per mount.
    """
    root_path = scope.get("root_path", "")
    prefix = root_path[len(outer_root_path) :] if root_path.startswith(outer_root_path) else ""
    route = scope.get("route")
    if route is None or isinstance(route, Mount):
        # A mounted app without routes of its own (static files) leaves only its prefix behind;
        # FastAPI's router does not record the mount itself.
        return f"{prefix}/{{path}}" if prefix else UNMATCHED_ROUTE
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return f"{prefix}{template}" if template else UNMATCHED_ROUTE


class PrometheusMiddleware:
    """Count and time every HTTP request by method, route template and status.

    Add it with ``app.add_middleware(PrometheusMiddleware)``. The duration runs until the
    response body is complete, so a streamed download counts its whole transfer. An exception
    escaping the app is recorded as a 500 and raised on.
    """

    def __init__(self, app: ASGIApp, registry: CollectorRegistry | None = None) -> None:
        self.app = app
        self.metrics = _http_metrics(registry or REGISTRY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        outer_root_path = scope.get("root_path", "")
        status = 500
        started = time.perf_counter()

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            self.metrics.in_progress.dec()
            route = route_template(scope, outer_root_path)
            self.metrics.record(scope["method"], route, str(status), time.perf_counter() - started)


# --- backlogs read at scrape time ---------------------------------------------------------------

Reading = float | int | Mapping[str, float | int]
JointReader = Callable[[], Mapping[str, Reading]]


@dataclass(frozen=True)
class StateGauge:
    """A gauge whose value the service computes on demand; ``label`` when it reports several."""

    name: str
    documentation: str
    label: str | None = None


OUTBOX_BACKLOG = StateGauge(
    "reparo_outbox_backlog", "Events written to the outbox and not yet published to the broker."
)
OUTBOX_OLDEST_AGE = StateGauge(
    "reparo_outbox_oldest_age_seconds", "Age of the oldest event still waiting in the outbox."
)
DEAD_LETTERS = StateGauge(
    "reparo_dead_letters", "Messages waiting in a consumer's dead-letter queue.", label="queue"
)
FAILED_NOTIFICATIONS = StateGauge(
    "reparo_failed_notifications",
    "Customer notifications whose delivery failed, by channel.",
    label="channel",
)
PENDING_PAYMENTS = StateGauge(
    "reparo_pending_payments",
    "Payments waiting on someone, by method: WeChat Pay attempts still open, offline payment "
    "proofs waiting for finance.",
    label="method",
)
QUEUE_DEPTH = StateGauge(
    "reparo_queue_depth",
    "Messages ready in a consumer's queue and in each of its retry queues.",
    label="queue",
)
QUEUE_CONSUMERS = StateGauge(
    "reparo_queue_consumers",
    "Workers attached to a consumer's queue; 0 means nobody handles its events.",
    label="queue",
)


class StateGauges(Collector):
    """Gauges computed at scrape time from callables the service registers.

    ``watch(OUTBOX_BACKLOG, count_unsent)`` makes every scrape call ``count_unsent()``; a callable
    returns a number, or for a gauge with a label a mapping from label value to number. A callable
    that raises is logged and its gauge left out of that scrape (``reparo_state_gauge_errors``
    says which), so one unreachable dependency never empties the whole page.

    The callables run in the scraping thread (the endpoint is synchronous, so FastAPI runs it in
    its thread pool): a plain database query or a broker passive declare is fine.
    """

    def __init__(self) -> None:
        self._watched: list[tuple[tuple[StateGauge, ...], JointReader]] = []

    def watch(self, gauge: StateGauge, read: Callable[[], Reading]) -> None:
        """Report ``gauge`` from ``read()`` at every scrape."""
        self._watched.append(((gauge,), lambda: {gauge.name: read()}))

    def watch_together(self, gauges: Sequence[StateGauge], read: JointReader) -> None:
        """Report several gauges from one reading (one broker connection, one query) per
        scrape; ``read()`` returns each gauge's reading by gauge name."""
        self._watched.append((tuple(gauges), read))

    def describe(self) -> Iterable[Metric]:
        # Describing by collecting would call every callable at registration time.
        return []

    def collect(self) -> Iterator[Metric]:
        failures = GaugeMetricFamily(
            "reparo_state_gauge_errors",
            "1 for each state gauge whose reading failed at this scrape.",
            labels=["gauge"],
        )
        for gauges, read in self._watched:
            names = [gauge.name for gauge in gauges]
            try:
                readings = read()
            except Exception:
                logger.warning("metrics.state_gauge_failed", extra={"gauge": names}, exc_info=True)
                for name in names:
                    failures.add_metric([name], 1)
                continue
            for gauge in gauges:
                yield _gauge_family(gauge, readings[gauge.name])
        yield failures


def _gauge_family(gauge: StateGauge, reading: Reading) -> GaugeMetricFamily:
    if gauge.label is None:
        if isinstance(reading, Mapping):
            raise TypeError(f"{gauge.name} has no label; its reader must return a number")
        return GaugeMetricFamily(gauge.name, gauge.documentation, value=float(reading))
    family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
    values = reading if isinstance(reading, Mapping) else {"": reading}
    for label_value, value in sorted(values.items()):
        family.add_metric([label_value], float(value))
    return family


# --- ready-made readers -------------------------------------------------------------------------

# Both outbox implementations (SQLModel in repair_service, Django in cms) keep their rows in this
# table; a row waits while ``sent_at`` is empty.
OUTBOX_TABLE = "outbox_event"


def watch_sqlalchemy_outbox(state: StateGauges, engine: Any) -> None:
    """Report the outbox backlog and the age of its oldest waiting event from ``engine``."""
    from sqlalchemy import DateTime, column, func, select, table

    outbox = table(
        OUTBOX_TABLE,
        column("sent_at", DateTime(timezone=True)),
        column("created_at", DateTime(timezone=True)),
    )
    waiting = outbox.c.sent_at.is_(None)

    def backlog() -> int:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).where(waiting)).scalar_one())

    def oldest_age() -> float:
        with engine.connect() as connection:
            oldest = connection.execute(select(func.min(outbox.c.created_at)).where(waiting))
            return _age_seconds(oldest.scalar_one())

    state.watch(OUTBOX_BACKLOG, backlog)
    state.watch(OUTBOX_OLDEST_AGE, oldest_age)


def watch_django_outbox(state: StateGauges) -> None:
    """Report the cms's outbox backlog and oldest waiting event through Django's connection."""

    def query(sql: str) -> Any:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def backlog() -> int:
        return int(query(f"SELECT count(*) FROM {OUTBOX_TABLE} WHERE sent_at IS NULL"))  # noqa: S608

    def oldest_age() -> float:
        oldest = query(f"SELECT min(created_at) FROM {OUTBOX_TABLE} WHERE sent_at IS NULL")  # noqa: S608
        if isinstance(oldest, str):  # SQLite hands back text
            oldest = datetime.fromisoformat(oldest)
        return _age_seconds(oldest)

    state.watch(OUTBOX_BACKLOG, backlog)
    state.watch(OUTBOX_OLDEST_AGE, oldest_age)


def _age_seconds(oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite drops the zone; the outbox stores UTC
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - oldest).total_seconds())


def watch_consumer_queues(
    state: StateGauges,
    amqp_url: str,
    consumers: Iterable[str],
    retry_delays: Sequence[float] | None = None,
) -> None:
    """Report each consumer's queues from the broker: messages waiting in its queue and its retry
    queues (``reparo_queue_depth``), workers attached (``reparo_queue_consumers``) and dead
    letters (``reparo_dead_letters``).

    Each scrape opens one short broker connection and declares the queues passively, which reads
    them without creating them; a queue that does not exist yet counts as empty with nobody
    attached. ``retry_delays`` are the consumers' own (the consumer base's by default).
    """
    import pika
    import pika.exceptions

    from reparo_shared.events.consumer import DEFAULT_RETRY_DELAYS, dead_letter_queue, retry_queue

    delays = tuple(DEFAULT_RETRY_DELAYS if retry_delays is None else retry_delays)
    names = list(consumers)

    def read() -> dict[str, dict[str, int]]:
        parameters = pika.URLParameters(amqp_url)
        parameters.socket_timeout = 3
        parameters.blocked_connection_timeout = 3
        parameters.connection_attempts = 1
        connection = pika.BlockingConnection(parameters)
        depth: dict[str, int] = {}
        attached: dict[str, int] = {}
        dead: dict[str, int] = {}
        try:
            channel = connection.channel()

            def inspect(queue: str) -> tuple[int, int]:
                nonlocal channel
                try:
                    declared = channel.queue_declare(queue=queue, passive=True)
                except pika.exceptions.ChannelClosedByBroker:
                    # 404: not declared yet. The broker closed the channel; open another.
                    channel = connection.channel()
                    return 0, 0
                return declared.method.message_count, declared.method.consumer_count

            for name in names:
                depth[name], attached[name] = inspect(name)
                for delay in delays:
                    depth[retry_queue(name, delay)] = inspect(retry_queue(name, delay))[0]
                dead[dead_letter_queue(name)] = inspect(dead_letter_queue(name))[0]
        finally:
            connection.close()
        return {QUEUE_DEPTH.name: depth, QUEUE_CONSUMERS.name: attached, DEAD_LETTERS.name: dead}

    state.watch_together([QUEUE_DEPTH, QUEUE_CONSUMERS, DEAD_LETTERS], read)


# --- exposition ---------------------------------------------------------------------------------


def exposition(
    registry: CollectorRegistry | None = None, state: StateGauges | None = None
) -> bytes:
    """The text page Prometheus scrapes: the process's (or every worker's) metrics and the state.

    With ``PROMETHEUS_MULTIPROC_DIR`` set, counters come from every worker's files instead of
    this process's memory.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    pages = [generate_latest(registry or REGISTRY)]
    if state is not None:
        state_registry = CollectorRegistry(auto_describe=False)
        state_registry.register(state)
        pages.append(generate_latest(state_registry))
    return b"".join(pages)


def metrics_router(
    state: StateGauges | None = None,
    registry: CollectorRegistry | None = None,
    path: str = "/metrics",
) -> APIRouter:
    """A router serving the Prometheus page at ``path``.

    nginx refuses ``/metrics`` from outside; Prometheus scrapes each container directly on the
    internal network.
    """
    router = APIRouter(include_in_schema=False)

    # Synchronous on purpose: FastAPI runs it in a worker thread, so state callables that query
    # a database do not block the event loop.
    @router.get(path)
    def metrics() -> Response:
        return Response(exposition(registry, state), media_type=CONTENT_TYPE_LATEST)

    return router


def instrument_fastapi(
    app: Any, state: StateGauges | None = None, registry: CollectorRegistry | None = None
) -> StateGauges:
    """Add the request middleware and ``/metrics`` to a FastAPI app; return its state gauges."""
    state = state or StateGauges()
    app.add_middleware(PrometheusMiddleware, registry=registry)
    app.include_router(metrics_router(state, registry))
    return state


# --- Django (the cms) ---------------------------------------------------------------------------


class DjangoMetricsMiddleware:
    """Django middleware recording the same HTTP metrics, labelled by the URL pattern.

    The label is ``request.resolver_match.route`` (for example ``cms/api/v2/pages/<int:pk>/``),
    bounded like the FastAPI route templates. Put it first in ``MIDDLEWARE`` so it times the rest.
    It works in both of Django's modes, so under ASGI it adds no thread hop of its own.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        self.get_response = get_response
        self.metrics = _http_metrics(REGISTRY)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self._call_async(request)
        started = time.perf_counter()
        self.metrics.in_progress.inc()
        try:
            response = self.get_response(request)
        finally:
            self.metrics.in_progress.dec()
        self._record(request, response, started)
        return response

    async def _call_async(self, request: Any) -> Any:
        started = time.perf_counter()
        self.metrics.in_progress.inc()
        try:
            response = await self.get_response(request)
        finally:
            self.metrics.in_progress.dec()
        self._record(request, response, started)
        return response

    def _record(self, request: Any, response: Any, started: float) -> None:
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None and match.route else UNMATCHED_ROUTE
        elapsed = time.perf_counter() - started
        self.metrics.record(request.method, route, str(response.status_code), elapsed)


def django_metrics_view(state: StateGauges | None = None) -> Callable[[Any], Any]:
    """A Django view serving the Prometheus page (route it at ``cms/metrics``)."""
    from django.http import HttpResponse

    def metrics(request: Any) -> HttpResponse:
        return HttpResponse(exposition(None, state), content_type=CONTENT_TYPE_LATEST)

    return metrics
