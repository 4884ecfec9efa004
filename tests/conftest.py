"""Cross-service tests start the whole stack as real processes, exactly as ``make run`` does.

Each test session gets fresh databases (PostgreSQL when ``TEST_DATABASE_ADMIN_URL`` is set),
free loopback ports, its own RabbitMQ exchange name and its own data folder.
"""

import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reparo_shared.testing import free_port, fresh_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import devstack  # noqa: E402  (lives in scripts/, put on the path just above)


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]

    @property
    def gateway_url(self) -> str:
        return self.env["GATEWAY_PUBLIC_URL"]

    @property
    def repair_url(self) -> str:
        return self.env["REPAIR_URL"]

    @property
    def cms_url(self) -> str:
        return self.env["CMS_URL"]

    @property
    def sandbox_url(self) -> str:
        return self.env["WECHAT_SANDBOX_URL"]

    @property
    def data_dir(self) -> Path:
        return Path(self.env["REPARO_DATA_DIR"])


def django_database_url(sqlalchemy_url: str) -> str:
    """dj-database-url spells PostgreSQL without SQLAlchemy's driver suffix."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("stack")
    with fresh_database("xrepair") as repair_db, fresh_database("xcms") as cms_db:
        overrides = {
            "GATEWAY_PORT": str(free_port()),
            "REPAIR_PORT": str(free_port()),
            "CMS_PORT": str(free_port()),
            "SANDBOX_PORT": str(free_port()),
            "REPAIR_DATABASE_URL": repair_db,
            "CMS_DATABASE_URL": django_database_url(cms_db),
            "EVENTS_EXCHANGE": f"reparo.events.test-{uuid.uuid4().hex[:8]}",
            "EVENTS_QUEUE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        }
        environment = devstack.prepare_environment(data_dir, overrides)
        devstack.run_setup_steps(environment)
        processes = [devstack.start(p, environment) for p in devstack.process_table(environment)]
        try:
            if not devstack.wait_until_ready(processes, threading.Event()):
                pytest.fail("the stack did not become ready; see the process output above")
            yield Stack(environment)
        finally:
            devstack.stop_all(processes)
