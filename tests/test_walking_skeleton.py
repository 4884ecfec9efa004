"""The whole stack as a newcomer meets it: every entry answers through the gateway, a signed-in
customer's token reaches both services, and a forged token reaches neither."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reparo_shared.identity import TokenSigner, generate_keypair
from tests.conftest import Stack


@pytest.mark.parametrize(
    ("path", "expected_text"),
    [("/", "Reparo"), ("/cms/admin/login/", "Wagtail"), ("/console/login", "<form")],
)
def test_each_entry_point_answers_through_the_gateway(
    stack: Stack, path: str, expected_text: str
) -> None:
    response = httpx.get(f"{stack.gateway_url}{path}", follow_redirects=True, timeout=30)

    assert response.status_code == 200
    assert expected_text in response.text


def test_gateway_reports_every_upstream_ready(stack: Stack) -> None:
    response = httpx.get(f"{stack.gateway_url}/readyz", timeout=30)

    assert response.status_code == 200
    assert response.json()["checks"] == {"repair_service": True, "cms": True}


def signed_in(stack: Stack, openid: str) -> httpx.Client:
    """Sign in through the sandbox's OAuth page exactly as the browser would."""
    client = httpx.Client(base_url=stack.gateway_url, timeout=30)
    start = client.get("/signin?next=/")
    authorize = start.headers["location"].partition("#")[0]
    picked = httpx.get(f"{authorize}&sandbox_openid={openid}", timeout=30)
    landed = client.get(picked.headers["location"])
    assert landed.status_code == 303
    return client


def test_signed_in_customer_reaches_repair_service_and_cms(stack: Stack) -> None:
    client = signed_in(stack, "oSbx_zhangwei")
    me = client.get("/api/repair/me")
    favourites = client.get("/cms/api/engagement/me/favourites/")
    client.close()

    assert me.status_code == 200
    assert isinstance(me.json()["id"], int)
    assert favourites.status_code == 200


@pytest.mark.parametrize("path", ["/api/repair/me", "/cms/api/engagement/me/favourites/"])
def test_a_forged_or_missing_token_reaches_neither_service(stack: Stack, path: str) -> None:
    forged = TokenSigner(generate_keypair()[0], "demo-1").sign_customer("1", "oSbx_zhangwei")

    with_forged = httpx.get(
        f"{stack.gateway_url}{path}", headers={"Authorization": f"Bearer {forged}"}, timeout=30
    )
    anonymous = httpx.get(f"{stack.gateway_url}{path}", timeout=30)

    assert with_forged.status_code == 401
    assert anonymous.status_code in (401, 403)


def test_a_documented_command_run_with_the_stack_settings_sets_the_menu_on_its_sandbox(
    stack: Stack,
) -> None:
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "scripts/devenv.py", sys.executable, "-m", "gateway.menu"]

    ran = subprocess.run(
        command, cwd=root, env={**os.environ, **stack.env}, capture_output=True, text=True
    )

    assert ran.returncode == 0, ran.stderr
    assert f"{stack.gateway_url}/repair/new" in ran.stdout  # the menu as the sandbox now holds it
