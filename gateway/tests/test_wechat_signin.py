"""Customers sign in through WeChat's OAuth (played by the sandbox over real HTTP)."""

from urllib.parse import parse_qs, urlsplit

import httpx


def authorize(client: httpx.Client, next_path: str, openid: str) -> httpx.Response:
    """Follow /signin to the sandbox's authorisation page and pick ``openid`` there."""
    start = client.get(f"/signin?next={next_path}")
    assert start.status_code == 302
    url = start.headers["location"].partition("#")[0]
    pick = httpx.get(f"{url}&sandbox_openid={openid}")
    assert pick.status_code in (302, 303), pick.text
    return pick


def test_customer_signs_in_silently_and_lands_where_they_were_going(oauth_gateway: str) -> None:
    with httpx.Client(base_url=oauth_gateway) as client:
        back = authorize(client, "/repair/mine", "oSbx_zhangwei")

        landed = client.get(back.headers["location"])

        assert landed.status_code == 303
        assert landed.headers["location"] == "/repair/mine"
        me = client.get("/api/repair/me")
        assert me.json()["openid"] == "oSbx_zhangwei"


def test_a_reused_code_starts_a_fresh_authorisation_not_an_error(oauth_gateway: str) -> None:
    with httpx.Client(base_url=oauth_gateway) as client:
        back = authorize(client, "/repair/mine", "oSbx_zhangwei")
        client.get(back.headers["location"])
        again = authorize(client, "/repair/mine", "oSbx_zhangwei")
        stale_callback = back.headers["location"].replace(
            parse_qs(urlsplit(back.headers["location"]).query)["state"][0],
            parse_qs(urlsplit(again.headers["location"]).query)["state"][0],
        )

        response = client.get(stale_callback)

        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=")


def test_a_forged_state_is_not_accepted(oauth_gateway: str) -> None:
    with httpx.Client(base_url=oauth_gateway) as client:
        back = authorize(client, "/repair/mine", "oSbx_zhangwei")
        forged = back.headers["location"].replace("state=", "state=x")

        response = client.get(forged)

        assert response.headers["location"].startswith("/signin")
        assert client.get("/api/repair/me").status_code == 401


def test_a_snapshot_user_is_asked_to_open_the_full_page_and_not_signed_in(
    oauth_gateway: str,
) -> None:
    with httpx.Client(base_url=oauth_gateway) as client:
        back = authorize(client, "/repair/mine", "__snapshot__")

        page = client.get(back.headers["location"], headers={"Accept-Language": "en"})

        assert page.status_code == 200
        assert "Open the full page" in page.text
        assert client.get("/api/repair/me").status_code == 401


def test_outside_wechat_without_sandbox_the_page_shows_its_own_qr_code(gateway_with) -> None:  # type: ignore[no-untyped-def]
    with gateway_with(wechat_sandbox_url="") as url:
        page = httpx.get(f"{url}/signin?next=/repair/new", headers={"User-Agent": "Firefox"})

    assert page.status_code == 200
    assert "<svg" in page.text
    assert "/repair/new" in page.text
