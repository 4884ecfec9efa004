"""Editors previewing a draft in the gateway's pages."""

from collections.abc import Callable

from django.test import Client

from reparo_cms.content.models import ArticlePage


def test_gateway_reads_draft_by_preview_token(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    article = make_article("已发布标题")
    article.title = "草稿标题"
    article.digest = "草稿摘要"
    preview = article.create_page_preview()

    response = client.get(
        "/cms/api/v2/page_preview/",
        {"content_type": "content.articlepage", "token": preview.token},
    )

    assert response.status_code == 200
    assert response.json()["title"] == "草稿标题"
    assert response.json()["digest"] == "草稿摘要"
    assert client.get(f"/cms/api/v2/pages/{article.pk}/").json()["title"] == "已发布标题"


def test_preview_with_unknown_token_is_not_found(client: Client, db: None) -> None:
    response = client.get(
        "/cms/api/v2/page_preview/", {"content_type": "content.articlepage", "token": "forged"}
    )

    assert response.status_code == 404


def test_preview_link_points_at_the_gateway_preview_page(
    make_article: Callable[..., ArticlePage],
) -> None:
    article = make_article("标题")
    preview = article.create_page_preview()
    request = Client().get("/cms/healthz").wsgi_request

    url = article.get_preview_url(request, preview.token)

    assert url.startswith("http://127.0.0.1:8000/preview/?")
    assert "content_type=content.articlepage" in url
