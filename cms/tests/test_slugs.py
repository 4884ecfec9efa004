"""Page addresses stay ASCII, so a shared link reads as words and not as %XX escapes."""

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, streamfield

from reparo_cms.content.models import ArticleIndexPage, ArticlePage


def editor_client() -> Client:
    editor = get_user_model().objects.create_superuser("slug-editor", "e@example.com", "pw")
    client = Client(HTTP_HOST="localhost")
    client.force_login(editor)
    return client


def test_an_editor_saving_a_chinese_titled_article_without_a_slug_gets_a_short_ascii_one(
    article_index: ArticleIndexPage,
) -> None:
    client = editor_client()
    form = nested_form_data(
        {
            "title": "试用测试文章冷却水更换指南",
            "slug": "",
            "category": "little_known_tips",
            "body": streamfield([]),
            "action-publish": "publish",
        }
    )

    answer = client.post(
        f"/cms/admin/pages/add/content/articlepage/{article_index.pk}/", form, HTTP_HOST="localhost"
    )

    assert answer.status_code == 302, answer.context["form"].errors
    article = ArticlePage.objects.get(title="试用测试文章冷却水更换指南")
    assert re.fullmatch(r"article-[0-9a-f]{6}", article.slug)
    assert article.live
    assert article.url_path.isascii()


def post_article(client: Client, parent: ArticleIndexPage, title: str, slug: str) -> Any:
    form = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "category": "little_known_tips",
            "body": streamfield([]),
            "action-publish": "publish",
        }
    )
    return client.post(
        f"/cms/admin/pages/add/content/articlepage/{parent.pk}/", form, HTTP_HOST="localhost"
    )


@pytest.mark.parametrize(
    ("title", "typed_slug"),
    [
        # What the admin's slug field holds after the editor typed these titles.
        ("试用文章 app_promotion 光纤切割 trialzeta0", "-app_promotion-trialzeta0"),
        ("换镜片培训 trialzeta-video", "-trialzeta-video"),
        ("培训 a  b 视频", "-a--b-"),
    ],
)
def test_a_slug_the_admin_made_from_a_mixed_title_loses_stray_hyphens(
    article_index: ArticleIndexPage, title: str, typed_slug: str
) -> None:
    answer = post_article(editor_client(), article_index, title, typed_slug)

    assert answer.status_code == 302, answer.context["form"].errors
    made = ArticlePage.objects.get(title=title).slug
    assert made == typed_slug.strip("-").replace("--", "-")
    assert not made.startswith("-")
    assert not made.endswith("-")
    assert "--" not in made


@pytest.mark.parametrize("typed_slug", ["", "-", "--"])
def test_an_all_chinese_title_gets_a_random_slug_whatever_hyphens_the_admin_typed(
    article_index: ArticleIndexPage, typed_slug: str
) -> None:
    client = editor_client()
    for title in ("冷却水 更换 指南", "冷却水 更换 步骤"):
        answer = post_article(client, article_index, title, typed_slug)
        assert answer.status_code == 302, answer.context["form"].errors

    slugs = [page.slug for page in ArticlePage.objects.child_of(article_index)]
    assert all(re.fullmatch(r"article-[0-9a-f]{6}", slug) for slug in slugs), slugs
    assert len(set(slugs)) == 2


def test_a_tidied_slug_a_sibling_holds_is_refused_in_the_form(
    article_index: ArticleIndexPage,
) -> None:
    article_index.add_child(
        instance=ArticlePage(title="视频", slug="trialzeta-video", category="little_known_tips")
    )
    client = editor_client()

    answer = post_article(client, article_index, "换镜片培训 trialzeta-video", "-trialzeta-video")

    assert answer.status_code == 200
    assert "slug" in answer.context["form"].errors
    assert ArticlePage.objects.child_of(article_index).count() == 1


def test_a_page_made_in_code_gets_a_tidy_slug(article_index: ArticleIndexPage) -> None:
    article = ArticlePage(title="x", slug="--rp-100--care-", category="little_known_tips")

    article_index.add_child(instance=article)

    assert article.slug == "rp-100-care"


def test_a_title_with_latin_letters_gives_its_own_slug(article_index: ArticleIndexPage) -> None:
    article = ArticlePage(title="RP-100 冷却水更换", category="little_known_tips")

    article_index.add_child(instance=article)

    assert article.slug == "rp-100"


def test_two_chinese_titled_pages_get_different_slugs(article_index: ArticleIndexPage) -> None:
    first, second = (ArticlePage(title="冷却水更换", category="little_known_tips") for _ in "ab")

    article_index.add_child(instance=first)
    article_index.add_child(instance=second)

    assert first.slug != second.slug
    assert Page.objects.child_of(article_index).count() == 2


def test_the_admin_slug_field_is_told_to_keep_slugs_ascii(
    article_index: ArticleIndexPage,
) -> None:
    answer = editor_client().get(f"/cms/admin/pages/add/content/articlepage/{article_index.pk}/")

    page = answer.content.decode()
    assert 'id="id_slug"' in page
    # Django leaves a False attribute out; with unicode allowed it would read "True".
    assert "data-w-slug-allow-unicode-value" not in page
