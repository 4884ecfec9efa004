"""Every customer-facing page announces publishing and withdrawal, so gateways drop caches."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from reparo_cms.content.models import ArticlePage, ProductPage
from reparo_shared.events.django_outbox.models import OutboxEvent


def content_events() -> list[dict[str, Any]]:
    rows = OutboxEvent.objects.filter(event_type__startswith="content.page.").order_by("id")
    return [json.loads(row.envelope) for row in rows]


def test_publishing_an_article_records_content_page_published(
    make_article: Callable[..., ArticlePage],
) -> None:
    article = make_article("保养小窍门")

    (event,) = [e for e in content_events() if e["data"]["page_id"] == article.pk]

    assert event["type"] == "content.page.published"
    assert event["producer"] == "cms"
    assert event["data"] == {
        "page_id": article.pk,
        "page_type": "content.ArticlePage",
        "public_url": f"http://127.0.0.1:8000/articles/{article.slug}/",
    }


def test_unpublishing_an_article_records_content_page_withdrawn(
    make_article: Callable[..., ArticlePage],
) -> None:
    article = make_article("保养小窍门")

    article.unpublish()

    assert content_events()[-1]["type"] == "content.page.withdrawn"
    assert content_events()[-1]["data"] == {
        "page_id": article.pk,
        "page_type": "content.ArticlePage",
    }


def test_deleting_a_live_article_records_withdrawn_and_a_draft_records_nothing(
    make_article: Callable[..., ArticlePage],
) -> None:
    article = make_article("保养小窍门")
    article_id = article.pk
    draft = ArticlePage(title="草稿", slug="draft", category="little_known_tips", live=False)
    article.get_parent().add_child(instance=draft)
    before = len(content_events())

    draft.delete()
    assert len(content_events()) == before

    article.delete()
    assert content_events()[-1]["type"] == "content.page.withdrawn"
    assert content_events()[-1]["data"]["page_id"] == article_id


def test_publishing_a_product_records_both_catalogue_and_content_events(
    make_product: Callable[..., ProductPage],
) -> None:
    product = make_product("RP-100", ["RP-100"])

    product.save_revision().publish()

    types = set(
        OutboxEvent.objects.filter(subject__endswith=f":{product.pk}").values_list(
            "event_type", flat=True
        )
    )
    assert types == {"product.published", "content.page.published"}


def test_scheduled_publication_records_its_event_only_when_it_goes_live(
    make_article: Callable[..., ArticlePage],
) -> None:
    article = make_article("旧标题")
    article.title = "新标题"
    article.go_live_at = timezone.now() + timedelta(hours=1)
    before = len(content_events())
    article.save_revision().publish()
    assert len(content_events()) == before

    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=2)):
        call_command("publish_scheduled")

    assert content_events()[-1]["type"] == "content.page.published"
    assert content_events()[-1]["data"]["page_id"] == article.pk
