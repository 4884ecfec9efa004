"""Product pages announce themselves to repair_service through ``emit_product_event``."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from reparo_cms.content.models import ProductPage


@pytest.fixture
def emitted() -> Iterator[mock.MagicMock]:
    with mock.patch("reparo_cms.content.signals.emit_product_event") as emit:
        yield emit


def test_editor_publishing_product_emits_published_with_catalogue_facts(
    make_product: Callable[..., ProductPage], emitted: mock.MagicMock
) -> None:
    product = make_product("RP-100 激光切割机", ["RP-100", "RP-100-PRO"])

    product.save_revision().publish()

    emitted.assert_called_once()
    event_type, payload = emitted.call_args.args
    assert event_type == "product.published"
    assert payload["product_page_id"] == product.pk
    assert payload["name"] == "RP-100 激光切割机"
    assert payload["pn_list"] == ["RP-100", "RP-100-PRO"]
    assert payload["image_url"].startswith("http://127.0.0.1:8000/cms/media/images/")
    assert payload["page_url"] == f"http://127.0.0.1:8000/products/{product.slug}/"


def test_editor_unpublishing_product_emits_withdrawn(
    make_product: Callable[..., ProductPage], emitted: mock.MagicMock
) -> None:
    product = make_product("RP-100", ["RP-100"])
    product.save_revision().publish()
    product.refresh_from_db()

    product.unpublish()

    event_type, payload = emitted.call_args.args
    assert event_type == "product.withdrawn"
    assert payload["pn_list"] == ["RP-100"]


def test_editor_deleting_live_product_emits_withdrawn(
    make_product: Callable[..., ProductPage], emitted: mock.MagicMock
) -> None:
    product = make_product("RP-100", ["RP-100"])
    product.save_revision().publish()
    product_id = product.pk

    product.get_parent().delete()

    event_type, payload = emitted.call_args.args
    assert event_type == "product.withdrawn"
    assert payload["product_page_id"] == product_id


def test_deleting_a_never_published_product_emits_nothing(
    make_product: Callable[..., ProductPage], emitted: mock.MagicMock
) -> None:
    make_product("草稿", ["X-1"]).delete()

    emitted.assert_not_called()


def test_scheduled_publishing_emits_published_when_the_command_runs(
    make_product: Callable[..., ProductPage], emitted: mock.MagicMock
) -> None:
    product = make_product("RP-300", ["RP-300"])
    product.go_live_at = timezone.now() + timedelta(hours=1)
    product.save_revision().publish()
    emitted.assert_not_called()

    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=2)):
        call_command("publish_scheduled")

    product.refresh_from_db()
    assert product.live
    assert emitted.call_args.args[0] == "product.published"
