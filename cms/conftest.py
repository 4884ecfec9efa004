"""Test database set-up for the CMS suite.

Without ``TEST_DATABASE_ADMIN_URL`` pytest-django runs on SQLite (in memory). With it, the suite
points Django at that PostgreSQL server and pytest-django creates, through that admin connection,
a test database with a random name and drops it at the end, so parallel runs never meet.
"""

import contextlib
import uuid
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings
from django.db import connections
from reparo_shared.testing import postgres_admin_url


def pytest_configure(config: pytest.Config) -> None:
    admin_url = postgres_admin_url()
    database = settings.DATABASES["default"]
    if admin_url is None:
        database.update(dj_database_url.parse("sqlite://:memory:"))
    else:
        database.update(dj_database_url.parse(admin_url))
        database["TEST"]["NAME"] = f"test_cms_{uuid.uuid4().hex[:12]}"
    # No connection may survive from before the switch.
    connections.close_all()
    for alias in list(connections):
        with contextlib.suppress(AttributeError):
            del connections[alias]


@pytest.fixture(autouse=True)
def _media_in_temp_folder(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
