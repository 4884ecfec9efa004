"""Logging set-up shared by every process: JSON in production, readable lines in development.

Every record carries the service name and the current correlation id, which the gateway creates
(or accepts from nginx) as ``X-Correlation-ID`` and which travels on calls and in event envelopes.
"""

import logging
import sys
import time
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

CORRELATION_HEADER = "X-Correlation-ID"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")


def correlation_id() -> str:
    """The correlation id of the work in progress, or ``-`` outside any."""
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> str:
    """Adopt ``value`` (or a new id when empty or implausible) for the current context."""
    if not value or len(value) > 64 or not value.replace("-", "").isalnum():
        value = uuid.uuid4().hex
    _correlation_id.set(value)
    return value


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.correlation_id = correlation_id()
        return True


PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(service)s %(name)s [%(correlation_id)s] %(message)s"


class _UtcFormatter(logging.Formatter):
    """Readable lines stamped in UTC, marked ``Z``, whatever the process's zone.

    The cms runs in its editors' zone (Django sets ``TZ`` from ``TIME_ZONE``), the other services in
    the machine's; lines from all of them side by side must read on one clock.
    """

    converter = staticmethod(time.gmtime)
    default_msec_format = "%s.%03dZ"


def configure_logging(service: str, json_logs: bool = False, level: str = "INFO") -> None:
    """Send every logger's records to stderr, formatted for the environment."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    if json_logs:
        handler.setFormatter(
            # The time in UTC with its zone: the cms sets the process's zone to its own.
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(_UtcFormatter(PLAIN_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn gives its own loggers their own plain-text handlers; route them (and Python's
    # warnings) through this one, so every line a container writes is in the same format. A
    # logger uvicorn silenced (no handler, not propagating: ``--no-access-log``) stays silent.
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        if uvicorn_logger.handlers:
            uvicorn_logger.handlers[:] = []
            uvicorn_logger.propagate = True
    logging.captureWarnings(True)
    # One line per outgoing HTTP call drowns the service's own events; keep their warnings only.
    for noisy in ("httpx", "httpcore", "pika"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
