"""SQLite settings that let several processes and threads share one demo database.

The local demo (``make run``) keeps each service's data in a SQLite file that the web server's
threads, the worker and the outbox relay all write. SQLite allows one writer at a time, so:

- connections wait up to ``BUSY_TIMEOUT_SECONDS`` for the write lock instead of failing at once;
- the journal is in WAL mode, so readers never block the writer nor the writer the readers;

Transactions stay deferred (the driver begins one before the first write): a request may read
through one session while another of its sessions writes, and ``BEGIN IMMEDIATE`` on every read
would make such a request wait for itself.
"""

from typing import Any

from sqlalchemy import Engine, event

BUSY_TIMEOUT_SECONDS = 30


def sqlite_connect_args(connect_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """``connect_args`` for a SQLite engine: shared across threads, waiting for the write lock."""
    return {"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS, **(connect_args or {})}


def make_sqlite_concurrent(engine: Engine) -> Engine:
    """Switch a SQLite engine to WAL with a busy timeout (see the module docstring)."""
    event.listen(engine, "connect", _on_connect)
    return engine


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()
