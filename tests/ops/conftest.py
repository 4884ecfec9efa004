"""Fixtures for the deployment tests: the local PostgreSQL and scratch objects on it."""

import os
import shutil
from collections.abc import Iterator

import pytest
from ops_support import DEFAULT_ADMIN_URL, PostgresScratch
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError


@pytest.fixture(scope="session")
def postgres_admin_url() -> URL:
    """The local PostgreSQL's admin URL; the backup tests need a real server and its tools."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    url = make_url(os.environ.get("TEST_DATABASE_ADMIN_URL") or DEFAULT_ADMIN_URL)
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect():
            pass
    except OperationalError:
        pytest.skip(f"no PostgreSQL answers at {url.render_as_string(hide_password=True)}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_scratch(postgres_admin_url: URL) -> Iterator[PostgresScratch]:
    scratch = PostgresScratch(postgres_admin_url)
    try:
        yield scratch
    finally:
        scratch.close()
