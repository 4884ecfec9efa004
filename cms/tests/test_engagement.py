"""Customers liking and favouriting content, and the gateway counting software downloads."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from reparo_cms.content.models import ArticlePage, SoftwarePage, VideoPage
from reparo_shared.identity import TokenSigner, TokenVerifier, generate_keypair
from tests.conftest import KEY_ID

Auth = Callable[[str], dict[str, str]]


def react(client: Client, method: str, page_id: int, kind: str, auth: dict[str, str]) -> Any:
    call = client.put if method == "PUT" else client.delete
    return call(f"/cms/api/engagement/pages/{page_id}/{kind}/", **auth)


def test_customer_liking_twice_counts_once(
    client: Client, video: VideoPage, customer_auth: Auth
) -> None:
    first = react(client, "PUT", video.pk, "like", customer_auth("c-1"))
    second = react(client, "PUT", video.pk, "like", customer_auth("c-1"))

    assert first.status_code == second.status_code == 200
    assert second.json() == {
        "page_id": video.pk,
        "likes": 1,
        "favourites": 0,
        "liked": True,
        "favourited": False,
    }


def test_likes_of_different_customers_add_up(
    client: Client, video: VideoPage, customer_auth: Auth
) -> None:
    react(client, "PUT", video.pk, "like", customer_auth("c-1"))
    react(client, "PUT", video.pk, "like", customer_auth("c-2"))

    response = client.get(f"/cms/api/engagement/pages/{video.pk}/")

    assert response.json()["likes"] == 2
    assert response.json()["liked"] is False


def test_customer_taking_back_a_like_twice_is_harmless(
    client: Client, video: VideoPage, customer_auth: Auth
) -> None:
    react(client, "PUT", video.pk, "like", customer_auth("c-1"))

    first = react(client, "DELETE", video.pk, "like", customer_auth("c-1"))
    second = react(client, "DELETE", video.pk, "like", customer_auth("c-1"))

    assert first.status_code == second.status_code == 200
    assert second.json()["likes"] == 0
    assert second.json()["liked"] is False


def test_customer_sees_own_favourites_newest_first(
    client: Client,
    video: VideoPage,
    make_article: Callable[..., ArticlePage],
    customer_auth: Auth,
) -> None:
    article = make_article("收藏的文章")
    react(client, "PUT", video.pk, "favourite", customer_auth("c-1"))
    react(client, "PUT", article.pk, "favourite", customer_auth("c-1"))
    react(client, "PUT", video.pk, "favourite", customer_auth("c-2"))
    react(client, "PUT", article.pk, "like", customer_auth("c-1"))

    response = client.get("/cms/api/engagement/me/favourites/", **customer_auth("c-1"))

    assert response.status_code == 200
    assert response.json()["count"] == 2
    items = response.json()["results"]
    assert [item["page_id"] for item in items] == [article.pk, video.pk]
    assert items[0]["type"] == "content.ArticlePage"
    assert items[0]["title"] == "收藏的文章"
    assert items[1]["path"] == "/videos/training/basics/homing/"


def test_list_page_gets_counts_for_many_pages_at_once(
    client: Client,
    video: VideoPage,
    make_article: Callable[..., ArticlePage],
    customer_auth: Auth,
) -> None:
    article = make_article("文章")
    react(client, "PUT", video.pk, "like", customer_auth("c-1"))
    react(client, "PUT", video.pk, "favourite", customer_auth("c-2"))

    response = client.get(
        f"/cms/api/engagement/pages/?ids={video.pk},{article.pk}", **customer_auth("c-1")
    )

    assert response.json()["items"] == [
        {"page_id": video.pk, "likes": 1, "favourites": 1, "liked": True, "favourited": False},
        {"page_id": article.pk, "likes": 0, "favourites": 0, "liked": False, "favourited": False},
    ]


def test_anonymous_visitor_cannot_like(client: Client, video: VideoPage) -> None:
    response = react(client, "PUT", video.pk, "like", {})

    assert response.status_code == 401
    assert client.get(f"/cms/api/engagement/pages/{video.pk}/").json()["likes"] == 0


def test_anonymous_visitor_has_no_favourites_list(client: Client, db: None) -> None:
    assert client.get("/cms/api/engagement/me/favourites/").status_code == 401


def test_token_signed_with_another_key_is_refused(
    client: Client, video: VideoPage, token_signer: TokenSigner
) -> None:
    forger_private_key, _ = generate_keypair()
    forged = TokenSigner(forger_private_key, KEY_ID).sign_customer("c-1")

    response = react(client, "PUT", video.pk, "like", {"HTTP_AUTHORIZATION": f"Bearer {forged}"})

    assert response.status_code == 401
    assert client.get(f"/cms/api/engagement/pages/{video.pk}/").json()["likes"] == 0


def test_expired_token_is_refused(client: Client, video: VideoPage, settings: Any) -> None:
    private_pem, public_pem = generate_keypair()
    settings.REPARO_TOKEN_VERIFIER = TokenVerifier({KEY_ID: public_pem})
    expired = TokenSigner(private_pem, KEY_ID, ttl_seconds=-60).sign_customer("c-1")

    response = react(client, "PUT", video.pk, "like", {"HTTP_AUTHORIZATION": f"Bearer {expired}"})

    assert response.status_code == 401


def test_service_token_cannot_like_for_a_customer(
    client: Client, video: VideoPage, token_signer: TokenSigner
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_signer.sign_service('gateway')}"}

    assert react(client, "PUT", video.pk, "like", auth).status_code == 401


def test_software_cannot_be_liked(
    client: Client, software: SoftwarePage, customer_auth: Auth
) -> None:
    assert react(client, "PUT", software.pk, "like", customer_auth("c-1")).status_code == 404


def post_download(client: Client, version_id: int, key: str, auth: dict[str, str]) -> Any:
    return client.post(
        "/cms/api/engagement/software-downloads/",
        data=json.dumps({"version_id": version_id, "idempotency_key": key}),
        content_type="application/json",
        **auth,
    )


def test_gateway_retrying_a_download_record_counts_once(
    client: Client, software: SoftwarePage, customer_auth: Auth
) -> None:
    version = software.versions.get()

    first = post_download(client, version.pk, "download-key-1", customer_auth("c-1"))
    retry = post_download(client, version.pk, "download-key-1", customer_auth("c-1"))
    other = post_download(client, version.pk, "download-key-2", customer_auth("c-2"))

    assert (first.status_code, retry.status_code, other.status_code) == (201, 200, 201)
    assert retry.json()["download_id"] == first.json()["download_id"]
    counts = client.get(f"/cms/api/engagement/software/{software.pk}/downloads/").json()
    assert counts["versions"] == [{"version_id": version.pk, "version": "2.1.0", "downloads": 2}]


def test_gateway_may_record_download_with_its_service_token(
    client: Client, software: SoftwarePage, token_signer: TokenSigner
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_signer.sign_service('gateway')}"}

    response = post_download(client, software.versions.get().pk, "download-key-3", auth)

    assert response.status_code == 201


@pytest.mark.parametrize("auth", [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}])
def test_download_record_without_valid_token_is_refused(
    client: Client, software: SoftwarePage, auth: dict[str, str]
) -> None:
    response = post_download(client, software.versions.get().pk, "download-key-4", auth)

    assert response.status_code == 401
