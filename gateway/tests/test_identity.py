"""A signed-in customer's token reaches the services; forged or missing tokens do not."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from reparo_shared.identity import TokenSigner, generate_keypair


@contextmanager
def signed_in_client(
    gateway_url: str, openid: str = "sandbox-customer-1"
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url) as client:
        response = client.post("/signin/dev", data={"openid": openid, "next": "/repair/mine"})
        assert response.status_code == 303
        assert response.headers["location"] == "/repair/mine"
        yield client


def test_signed_in_customer_reaches_repair_service_and_cms_as_themselves(gateway_url: str) -> None:
    with signed_in_client(gateway_url) as client:
        for path in ("/api/repair/me", "/cms/api/me"):
            response = client.get(path)

            assert response.status_code == 200
            assert response.json() == {
                "customer_id": "cust-sandbox-customer-1",
                "openid": "sandbox-customer-1",
            }


def test_anonymous_call_carries_no_token_and_is_refused(gateway_url: str) -> None:
    response = httpx.get(f"{gateway_url}/api/repair/me")

    assert response.status_code == 401


def test_a_token_signed_with_another_key_is_refused(gateway_url: str) -> None:
    forged = TokenSigner(generate_keypair()[0], "test-1").sign_customer("someone-else")

    response = httpx.get(
        f"{gateway_url}/api/repair/me", headers={"Authorization": f"Bearer {forged}"}
    )

    assert response.status_code == 401


def test_an_expired_token_is_refused(gateway_url: str, keys: dict[str, str]) -> None:
    signer = TokenSigner(Path(keys["private_path"]).read_text(), "test-1", ttl_seconds=-60)
    expired = signer.sign_customer("cust-x")

    response = httpx.get(
        f"{gateway_url}/api/repair/me", headers={"Authorization": f"Bearer {expired}"}
    )

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_tampered_session_cookie_is_ignored(gateway_url: str) -> None:
    with signed_in_client(gateway_url) as client:
        cookie = client.cookies["reparo_session"]
        client.cookies.set("reparo_session", cookie[:-4] + "AAAA")

        assert client.get("/api/repair/me").status_code == 401


def test_sign_in_refuses_a_redirect_to_another_host(gateway_url: str) -> None:
    response = httpx.post(
        f"{gateway_url}/signin/dev", data={"openid": "abc", "next": "//evil.example/x"}
    )

    assert response.headers["location"] == "/"


def test_sign_out_ends_the_session(gateway_url: str) -> None:
    with signed_in_client(gateway_url) as client:
        client.post("/signout")

        assert client.get("/api/repair/me").status_code == 401


def test_token_is_short_lived(keys: dict[str, str]) -> None:
    signer = TokenSigner(Path(keys["private_path"]).read_text(), "test-1")
    import jwt

    claims = jwt.decode(signer.sign_customer("c1"), options={"verify_signature": False})

    assert 0 < claims["exp"] - int(time.time()) <= 300
