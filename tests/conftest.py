"""Cross-service tests start the whole stack as real processes, exactly as ``make run`` does.

Each test session gets fresh databases (PostgreSQL when ``TEST_DATABASE_ADMIN_URL`` is set),
free loopback ports, its own RabbitMQ exchange name and its own data folder.
"""

import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from reparo_shared.testing import free_port, fresh_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import devstack  # noqa: E402  (lives in scripts/, put on the path just above)

DEMO_STAFF_PASSWORD = "stack-test-password"


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
            "DEMO_STAFF_PASSWORD": DEMO_STAFF_PASSWORD,
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


class StaffApi:
    """Staff actions through the gateway, as the console or a staff API client makes them."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.client = httpx.Client(base_url=f"{stack.gateway_url}/api/repair", timeout=30)
        response = self.client.post(
            "/staff/session", json={"username": username, "password": DEMO_STAFF_PASSWORD}
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        self.client.cookies.clear()

    def order(self, order_id: int) -> dict[str, Any]:
        response = self.client.get(f"/staff/orders/{order_id}")
        response.raise_for_status()
        return dict(response.json())

    def act(self, order_id: int, action: str, **body: Any) -> dict[str, Any]:
        body.setdefault("expected_version", self.order(order_id)["version"])
        response = self.client.post(f"/staff/orders/{order_id}/{action}", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())


@pytest.fixture
def staff(stack: Stack) -> Callable[[str], StaffApi]:
    return lambda username: StaffApi(stack, username)
