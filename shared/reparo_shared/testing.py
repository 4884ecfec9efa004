"""Helpers for the services' test suites: a fresh database per test session.

With ``TEST_DATABASE_ADMIN_URL`` set (CI points it at the local PostgreSQL), a new database with a
random name is created and dropped afterwards; otherwise an SQLite file in a temporary folder is
used. Either way the suite never touches a developer's own data.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_admin_url() -> str | None:
    """The admin URL tests may create databases through, if one is configured."""
    return os.environ.get("TEST_DATABASE_ADMIN_URL") or None


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty database that is removed on exit."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            yield f"sqlite:///{Path(folder) / 'test.sqlite3'}"
        return

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a loopback port in a thread; yield its base URL.

    Tests talk to it over real HTTP, exactly as the services talk to each other.
    """
    import threading
    import time

    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
