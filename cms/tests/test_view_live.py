"""An editor's "View live" in the admin lands on the gateway's page for articles and products."""

from collections.abc import Callable

from django.test import Client

from reparo_cms.content.models import ArticlePage, ProductPage


def test_view_live_of_an_article_redirects_to_the_gateway_article_page(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    article = make_article("保养小窍门")

    response = client.get(article.url, HTTP_HOST="localhost")

    assert article.url == f"/cms/pages/articles/{article.slug}/"
    assert response.status_code == 302
    assert response["Location"] == f"http://127.0.0.1:8000/articles/{article.slug}/"


def test_view_live_of_a_product_redirects_to_the_gateway_product_page(
    client: Client, make_product: Callable[..., ProductPage]
) -> None:
    product = make_product("RP-100", ["RP-100"])
    product.save_revision().publish()
    product.refresh_from_db()

    response = client.get(product.url, HTTP_HOST="localhost")

    assert response.status_code == 302
    assert response["Location"] == f"http://127.0.0.1:8000/products/{product.slug}/"
