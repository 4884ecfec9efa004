"""Console test helpers: a browser-like client per staff member, signed in through the form."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ..conftest import PASSWORD, World

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    """One person's browser on the console: cookies, CSRF token and form posts."""

    def __init__(self, world: World, client: TestClient) -> None:
        self.world = world
        self.client = client
        self.csrf = ""

    def sign_in(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/console/login")
        token = CSRF.search(page.text)
        assert token, page.text
        response = self.client.post(
            "/console/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        if response.status_code == 303:
            self.csrf = self.token_of(self.client.get("/console/").text)
        return response

    @staticmethod
    def token_of(html: str) -> str:
        found = CSRF.search(html)
        assert found, html[:500]
        return found.group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        body = {"csrf_token": self.csrf, **(data or {})}
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(path, data=body, **kwargs)

    def version_on_page(self, order_id: int, action: str) -> str:
        page = self.get(f"/console/orders/{order_id}").text
        form = re.search(
            rf'data-action="{action}".*?name="expected_version" value="(\d+)"', page, re.S
        )
        assert form, f"{action} is not offered:\n{page}"
        return form.group(1)

    def act(self, order_id: int, action: str, **fields: Any) -> Any:
        """Post an action's form with the version the page shows."""
        if "expected_version" not in fields:
            fields["expected_version"] = self.version_on_page(order_id, action)
        return self.post(f"/console/orders/{order_id}/actions/{action}", fields)


@pytest.fixture
def console(world: World) -> Iterator[Any]:
    """``console("review")`` gives a signed-in browser for that person (each its own cookies)."""
    clients: list[TestClient] = []

    def open_console(username: str | None = None) -> Console:
        client = TestClient(world.client.app)
        clients.append(client)
        person = Console(world, client)
        if username:
            response = person.sign_in(username)
            assert response.status_code == 303, response.text
        return person

    yield open_console
    for client in clients:
        client.close()
