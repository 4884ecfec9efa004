"""Importing the official account's articles from the WeChat sandbox, over real HTTP.

The sandbox's seed of 45: published articles newest first, three list pages of 20; every fourth
article has three news items (11 x 3 + 34 = 67 items); every tenth is deleted (articles 10, 20,
30 and 40: 8 items); article 1's image is an animated GIF, article 2's image fails (404) and
article 3's image address names no format. Tests that need less seed fewer, to stay quick.
"""

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image as PillowImage
from wagtail.images import get_image_model
from wagtail.models import Revision

from reparo_cms.content.models import ArticleCategory, ArticleIndexPage, ArticlePage
from reparo_cms.wechat_import.models import (
    ImportRun,
    PublishMode,
    RunKind,
    RunStatus,
    WeChatSource,
)
from reparo_cms.wechat_import.services import import_account, import_by_url
from reparo_shared.wechat import ReparoWeChatClient
from reparo_shared.wechat.testing import RunningSandbox

LIVE_ITEMS = 59
DELETED_ITEMS = 8


@pytest.fixture
def seeded(sandbox: RunningSandbox, request: pytest.FixtureRequest) -> RunningSandbox:
    """The sandbox with published articles: 45, or as many as ``@pytest.mark.articles(n)``."""
    marker = request.node.get_closest_marker("articles")
    count = marker.args[0] if marker else 45
    sandbox.control("POST", "/sandbox/freepublish/seed", json={"count": count})
    return sandbox


@pytest.fixture
def account(sandbox: RunningSandbox, article_index: ArticleIndexPage) -> WeChatSource:
    return WeChatSource.objects.create(
        name="Reparo 服务号", appid=sandbox.appid, article_index=article_index
    )


def page_of(article_id: str, index: int = 1) -> ArticlePage:
    return ArticlePage.objects.get(wechat_article_id=article_id, wechat_item_index=index)


def body_html(page: ArticlePage) -> str:
    return "".join(block.value.source for block in page.body)


def watch_progress(wechat_client: ReparoWeChatClient) -> list[tuple[int, int]]:
    """Record (articles read, pages created) from the run's row each time a list page is asked
    for, as the admin would see them."""
    seen: list[tuple[int, int]] = []
    batchget = wechat_client.freepublish.batchget

    def watching_batchget(offset: int, count: int) -> dict[str, Any]:
        row = ImportRun.objects.get()
        seen.append((row.articles_seen, row.created))
        return batchget(offset, count)

    wechat_client.freepublish.batchget = watching_batchget  # type: ignore[method-assign]
    return seen


def test_first_import_makes_one_live_page_per_news_item_and_records_the_run(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    progress = watch_progress(wechat_client)

    run = import_account(account, client=wechat_client)

    assert run.status == RunStatus.WITH_ERRORS  # the one image that fails
    assert (run.list_pages_read, run.articles_total, run.articles_seen) == (3, 45, 45)
    assert (run.items_seen, run.created, run.skipped) == (LIVE_ITEMS + DELETED_ITEMS, LIVE_ITEMS, 8)
    assert (run.updated, run.unpublished, run.error_count) == (0, 0, 1)
    assert run.images_imported == LIVE_ITEMS * 2 - 1  # a cover and a body image each
    assert run.finished_at is not None
    assert run.duration() is not None
    pages = ArticlePage.objects.exclude(wechat_article_id="")
    assert pages.count() == LIVE_ITEMS
    assert pages.filter(live=True).count() == LIVE_ITEMS
    keys = set(pages.values_list("wechat_article_id", "wechat_item_index"))
    assert ("art004", 3) in keys
    assert ("art010", 1) not in keys
    # Before each list page, the run's row already showed what the previous pages did.
    assert [articles for articles, _ in progress] == [0, 20, 40]
    assert 0 < progress[1][1] < progress[2][1]


@pytest.mark.articles(5)
def test_imported_page_keeps_author_digest_cover_and_original_time(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    item = wechat_client.freepublish.getarticle("art005")["news_item"][0]
    created = next(
        article["content"]["create_time"]
        for article in wechat_client.freepublish.batchget(0, 20)["item"]
        if article["article_id"] == "art005"
    )

    import_account(account, client=wechat_client)

    page = page_of("art005")
    assert page.title == item["title"]
    assert page.author == "Reparo 服务号"
    assert page.digest == item["digest"]
    assert page.category == ArticleCategory.ACCOUNT_HISTORY
    assert int(page.original_published_at.timestamp()) == created
    assert int(page.first_published_at.timestamp()) == created
    assert page.source_url == item["url"]
    assert page.cover is not None
    assert page.cover.file.name.endswith(".jpg")


@pytest.mark.articles(5)
def test_body_images_are_rehosted_in_the_library_and_the_body_uses_them(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    import_account(account, client=wechat_client)

    html = body_html(page_of("art005"))
    assert 'embedtype="image"' in html
    assert 'format="phone"' in html
    assert "mmbiz" not in html
    assert "data-src" not in html
    assert "style=" not in html
    assert "<strong>Fim do artigo</strong> / 完" in html
    undeclared = body_html(page_of("art003"))
    image_id = int(undeclared.split('id="')[1].split('"')[0])
    assert get_image_model().objects.get(pk=image_id).file.name.endswith(".png")


@pytest.mark.articles(5)
def test_animated_gif_is_stored_as_received_and_delivered_from_its_original_file(
    seeded: RunningSandbox,
    account: WeChatSource,
    wechat_client: ReparoWeChatClient,
    client: Client,
) -> None:
    import_account(account, client=wechat_client)

    page = page_of("art001")
    image_id = int(body_html(page).split('id="')[1].split('"')[0])
    image = get_image_model().objects.get(pk=image_id)
    with image.file.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"GIF89a")
    assert PillowImage.open(io.BytesIO(stored)).n_frames == 2
    delivered = client.get(f"/cms/api/v2/pages/{page.pk}/").json()["body"][0]["value"]
    assert f'src="{image.file.url}"' in delivered
    assert "images/" not in delivered.split(image.file.url)[0].rsplit("<img", 1)[-1]


@pytest.mark.articles(5)
def test_failing_image_is_recorded_and_its_article_still_imported(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    run = import_account(account, client=wechat_client)

    assert run.errors == [
        {"where": "art002#1 image 2", "message": run.errors[0]["message"]},
    ]
    assert "HTTP 404" in run.errors[0]["message"]
    page = page_of("art002")
    assert page.live
    assert "embed" not in body_html(page)
    assert "第 2 篇文章" in body_html(page)


def test_rerun_imports_nothing_new(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    import_account(account, client=wechat_client)
    revisions = Revision.objects.count()
    images = get_image_model().objects.count()

    rerun = import_account(account, client=wechat_client)

    assert (rerun.created, rerun.updated, rerun.unpublished, rerun.images_imported) == (0, 0, 0, 0)
    assert rerun.unchanged == LIVE_ITEMS
    assert rerun.skipped == DELETED_ITEMS
    assert rerun.error_count == 1  # the failing image is tried again, and fails again
    assert Revision.objects.count() == revisions
    assert get_image_model().objects.count() == images
    assert ArticlePage.objects.count() == LIVE_ITEMS


@pytest.mark.articles(8)
def test_edited_article_updates_and_deleted_one_is_unpublished_on_the_next_run(
    seeded: RunningSandbox,
    account: WeChatSource,
    wechat_client: ReparoWeChatClient,
    client: Client,
) -> None:
    import_account(account, client=wechat_client)
    seeded.control(
        "POST",
        "/sandbox/freepublish/art007/edit",
        json={"title": "改过的标题", "append_html": "<p>补充一段。</p>"},
    )
    wechat_client.freepublish.delete("art005", 0)

    run = import_account(account, client=wechat_client)

    assert (run.created, run.updated, run.unpublished) == (0, 1, 1)
    edited = page_of("art007")
    assert edited.live
    assert edited.title == "改过的标题"
    assert "补充一段。" in body_html(edited)
    assert not page_of("art005").live
    api = client.get("/cms/api/v2/pages/?type=content.ArticlePage&limit=100").json()
    titles = [item["title"] for item in api["items"]]
    assert "改过的标题" in titles
    assert len(titles) == 12 - 1


@pytest.mark.articles(6)
def test_draft_account_imports_pages_that_stay_unpublished(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    account.publish_mode = PublishMode.DRAFT
    account.category = ArticleCategory.LITTLE_KNOWN_TIPS
    account.save()

    import_account(account, client=wechat_client)

    page = page_of("art006")
    assert not page.live
    assert page.has_unpublished_changes
    assert page.category == ArticleCategory.LITTLE_KNOWN_TIPS


@pytest.mark.articles(25)
def test_expired_token_mid_run_is_renewed_once_and_the_run_goes_on(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    wechat_client.freepublish.batchget(0, 1)  # the client holds a token
    seeded.control(
        "POST",
        "/sandbox/faults",
        json={"path": "/cgi-bin/freepublish/batchget", "after": 1, "expire_tokens": True},
    )

    run = import_account(account, client=wechat_client)

    # 25 articles: 37 news items, 4 of them deleted.
    assert run.list_pages_read == 2
    assert run.created == 33
    stats = seeded.control("GET", "/sandbox/stats")
    assert stats["stable_token"] == 2  # the first token, and one renewal
    assert "stable_token.force" not in stats


@pytest.mark.articles(25)
def test_token_refused_again_after_the_renewal_fails_the_run_and_keeps_what_was_imported(
    seeded: RunningSandbox, account: WeChatSource, wechat_client: ReparoWeChatClient
) -> None:
    seeded.control(
        "POST",
        "/sandbox/faults",
        json={"path": "/cgi-bin/freepublish/batchget", "after": 1, "count": 5, "errcode": 40001},
    )

    run = import_account(account, client=wechat_client)

    assert run.status == RunStatus.FAILED
    assert run.list_pages_read == 1
    assert run.created > 0
    assert "40001" in run.errors[-1]["message"]
    # One try with the old token and one with the renewed one: no third.
    assert seeded.control("GET", "/sandbox/stats")["fault:/cgi-bin/freepublish/batchget"] == 2


@pytest.mark.articles(9)
def test_one_article_is_imported_by_url_and_the_account_import_adopts_it(
    seeded: RunningSandbox,
    account: WeChatSource,
    wechat_client: ReparoWeChatClient,
    django_user_model: Any,
) -> None:
    editor = django_user_model.objects.create_user("ed", password="x")
    item = wechat_client.freepublish.getarticle("art009")["news_item"][0]

    run = import_by_url(account, item["url"], actor=editor)

    assert (run.kind, run.status, run.created, run.images_imported) == (
        RunKind.URL,
        RunStatus.SUCCEEDED,
        1,
        2,
    )
    assert WeChatSource.objects.get().lease_until is None  # scheduled imports are not held up
    page = ArticlePage.objects.get(source_url=item["url"])
    assert page.live
    assert page.title == item["title"]
    assert page.author == "Reparo 服务号"
    assert page.digest == item["digest"]
    assert page.original_published_at is not None
    assert page.cover is not None
    assert 'embedtype="image"' in body_html(page)

    import_account(account, client=wechat_client)

    assert ArticlePage.objects.filter(title=item["title"]).count() == 1
    assert page_of("art009").pk == page.pk


def test_import_by_url_refuses_other_hosts_and_records_nothing(
    sandbox: RunningSandbox, account: WeChatSource, django_user_model: Any
) -> None:
    editor = django_user_model.objects.create_user("ed", password="x")

    with pytest.raises(ValidationError):
        import_by_url(account, "http://169.254.169.254/latest/meta-data", actor=editor)

    assert not ImportRun.objects.exists()


def test_account_without_a_configured_secret_is_refused(
    sandbox: RunningSandbox, article_index: ArticleIndexPage
) -> None:
    source = WeChatSource(name="其他", appid="wx-unknown", article_index=article_index)

    with pytest.raises(ValidationError) as refused:
        source.full_clean()

    assert "appid" in refused.value.message_dict
