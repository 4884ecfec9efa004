"""What the gateway gets from the pages API for each page type."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reparo_cms.content.demo import demo_image
from reparo_cms.content.files import looks_like_page_or_script
from reparo_cms.content.models import (
    ArticlePage,
    HomePage,
    ProductPage,
    SoftwarePage,
    VideoCategoryPage,
    VideoPage,
)
from tests.conftest import paragraph_body, publish_child


def api(client: Client, query: str) -> dict[str, Any]:
    response = client.get(f"/cms/api/v2/pages/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_gateway_reads_home_page(client: Client, home: HomePage) -> None:
    data = api(client, f"{home.pk}/")

    assert data["meta"]["type"] == "content.HomePage"
    assert data["public_url"] == "http://127.0.0.1:8000/"


def test_gateway_reads_article_with_every_field_and_plain_html(
    client: Client, make_article: Callable[..., ArticlePage], image: Any
) -> None:
    other = make_article("另一篇")
    article = make_article(
        "切割技巧",
        digest="摘要",
        cover=image,
        author="服务部",
        source_url="https://mp.weixin.qq.com/s/abc",
        wechat_article_id="wx-1",
        wechat_item_index=0,
        body=paragraph_body(f'<p>见 <a linktype="page" id="{other.pk}">另一篇</a></p>'),
    )

    data = api(client, f"{article.pk}/")

    assert data["category"] == "little_known_tips"
    # Labels follow the request's language (the gateway passes the customer's), zh-Hans first.
    assert data["category_label"] == "冷知识小技巧"
    english = client.get(f"/cms/api/v2/pages/{article.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["category_label"] == "Little-known tips"
    assert data["digest"] == "摘要"
    assert data["author"] == "服务部"
    assert data["wechat_article_id"] == "wx-1"
    assert data["cover"]["phone"]["width"] == 750
    assert data["cover"]["phone"]["url"].startswith("/cms/media/images/")
    html = data["body"][0]["value"]
    assert "linktype" not in html
    assert 'href="/cms/pages/articles/' in html
    assert data["public_url"] == f"http://127.0.0.1:8000/articles/{article.slug}/"


def test_gateway_lists_articles_of_one_category_newest_first(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    make_article("场景一", category="application_scenarios")
    older = make_article("技巧一")
    newer = make_article("技巧二")

    data = api(
        client,
        "?type=content.ArticlePage&category=little_known_tips&order=-first_published_at"
        "&fields=digest,category",
    )

    assert [item["id"] for item in data["items"]] == [newer.pk, older.pk]
    assert {item["category"] for item in data["items"]} == {"little_known_tips"}


def test_unknown_category_is_refused_at_save(make_article: Callable[..., ArticlePage]) -> None:
    with pytest.raises(ValidationError):
        ArticlePage(title="x", slug="x", category="gossip").full_clean()


def test_second_import_of_same_wechat_article_is_refused(
    make_article: Callable[..., ArticlePage],
) -> None:
    make_article("原文", wechat_article_id="wx-9", wechat_item_index=1)

    with pytest.raises(ValidationError):
        make_article("重复", wechat_article_id="wx-9", wechat_item_index=1)


def test_gateway_reads_video_with_poster_and_category(client: Client, video: VideoPage) -> None:
    data = api(client, f"{video.pk}/")

    assert data["video_url"] == "https://videos.example.com/homing.mp4"
    assert data["duration_seconds"] == 125
    assert data["poster"]["thumbnail"]["width"] == 360
    assert data["notes"] == "<p>先回零。</p>"
    assert data["category"]["title"] == "入门"


def test_video_from_uploaded_file_points_at_the_file(
    video_category: VideoCategoryPage, make_document: Callable[..., Any], client: Client
) -> None:
    video = publish_child(
        video_category,
        VideoPage(title="上传", slug="upload", video_file=make_document("a.mp4", b"\0\0\0 ftyp")),
    )

    assert api(client, f"{video.pk}/")["video_url"].startswith("/cms/media/documents/a")


def test_video_needs_exactly_one_source(video_category: VideoCategoryPage) -> None:
    with pytest.raises(ValidationError):
        VideoPage(title="无源", slug="none").clean()


def test_video_categories_stop_at_two_levels(
    client: Client, video_category: VideoCategoryPage
) -> None:
    first_level = video_category.get_parent().specific

    assert not VideoCategoryPage.can_create_at(video_category)
    assert VideoCategoryPage.can_create_at(first_level)
    data = api(client, f"?type=content.VideoCategoryPage&fields=level&child_of={first_level.pk}")
    assert [item["level"] for item in data["items"]] == [2]


def test_gateway_reads_software_versions_with_checksum(
    client: Client, software: SoftwarePage
) -> None:
    data = api(client, f"{software.pk}/")

    (version,) = data["versions"]
    assert version["version"] == "2.1.0"
    assert version["size_bytes"] == 1000
    assert len(version["sha256"]) == 64
    assert version["pn_list"] == ["RP-100", "RP-100-PRO"]
    assert version["notes"] == "<p>修复回零问题。</p>"
    assert version["file"]["url"].startswith("/cms/media/documents/fw")
    assert version["file"]["key"].startswith("documents/fw")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("manual.bin", b"<!DOCTYPE html><html><body>x</body></html>"),
        ("setup.zip", b"  <script>alert(1)</script>"),
        ("install.bin", b"#!/bin/sh\nrm -rf /\n"),
        ("readme.html", b"plain words"),
        ("logo.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
)
def test_editor_cannot_upload_page_or_script_as_download(
    make_document: Callable[..., Any], name: str, content: bytes
) -> None:
    document = make_document(name, content)

    with pytest.raises(ValidationError):
        document.full_clean()


def test_editor_can_upload_firmware_binary(make_document: Callable[..., Any]) -> None:
    make_document("fw.bin", b"\x7fELF\x02\x01\x01" + b"\0" * 100).full_clean()


def test_gateway_reads_product_with_pns_and_related_content(
    client: Client,
    make_product: Callable[..., ProductPage],
    make_article: Callable[..., ArticlePage],
    video: VideoPage,
    software: SoftwarePage,
) -> None:
    article = make_article("保养")
    product = make_product(
        "RP-100",
        ["RP-100", "RP-100-PRO"],
        related_videos=[video],
        related_software=[software],
        related_articles=[article],
        specs='[{"type": "spec", "value": {"name": "功率", "value": "1000 W"}}]',
    )
    product.save_revision().publish()

    data = api(client, f"{product.pk}/")

    assert data["pn_list"] == ["RP-100", "RP-100-PRO"]
    assert data["image"]["phone"]["width"] == 750
    assert data["specs"][0]["value"] == {"name": "功率", "value": "1000 W"}
    assert [page["id"] for page in data["related_videos"]] == [video.pk]
    assert [page["id"] for page in data["related_software"]] == [software.pk]
    assert [page["id"] for page in data["related_articles"]] == [article.pk]


def test_gateway_finds_product_by_part_number(
    client: Client, make_product: Callable[..., ProductPage]
) -> None:
    wanted = make_product("RP-100", ["RP-100"])
    wanted.save_revision().publish()
    make_product("RP-200", ["RP-200"]).save_revision().publish()

    data = api(client, "?type=content.ProductPage&pn=rp-100")

    assert [item["id"] for item in data["items"]] == [wanted.pk]


def test_gateway_lists_only_content_related_to_a_product(
    client: Client,
    make_product: Callable[..., ProductPage],
    make_article: Callable[..., ArticlePage],
) -> None:
    related = make_article("相关")
    make_article("无关")
    product = make_product("RP-100", ["RP-100"], related_articles=[related])
    product.save_revision().publish()

    data = api(client, f"?type=content.ArticlePage&product={product.pk}")

    assert [item["id"] for item in data["items"]] == [related.pk]


def test_unpublished_pages_stay_out_of_the_api(
    client: Client, make_product: Callable[..., ProductPage]
) -> None:
    draft = make_product("草稿", ["X-1"])

    response = client.get(f"/cms/api/v2/pages/{draft.pk}/")

    assert response.status_code == 404
    assert api(client, "?type=content.ProductPage")["meta"]["total_count"] == 0


@pytest.mark.parametrize(
    ("name", "head", "refused"),
    [
        ("a.bin", b"\xef\xbb\xbf<html>", True),
        ("a.zip", b"PK\x03\x04", False),
        ("a.txt", b"<?xml version='1.0'?><note/>", False),
        ("a.pdf", b"%PDF-1.7", False),
        ("a.PHP", b"", True),
    ],
)
def test_page_or_script_is_recognised_by_content_and_name(
    name: str, head: bytes, refused: bool
) -> None:
    assert looks_like_page_or_script(name, head) is refused


def test_article_list_costs_the_same_queries_for_one_or_many_articles(
    client: Client, make_article: Callable[..., ArticlePage], image: Any
) -> None:
    query = "?type=content.ArticlePage&fields=digest,cover,category"
    make_article("第一篇", cover=image)
    client.get(f"/cms/api/v2/pages/{query}")  # renditions are created on first use
    with CaptureQueriesContext(connection) as one:
        client.get(f"/cms/api/v2/pages/{query}")
    for n in range(4):
        make_article(f"更多 {n}", cover=demo_image(f"cover-{n}", (n, n, n)))
    client.get(f"/cms/api/v2/pages/{query}")

    with CaptureQueriesContext(connection) as many:
        data = api(client, query)

    assert data["meta"]["total_count"] == 5
    assert len(many.captured_queries) == len(one.captured_queries)


def test_editor_cannot_upload_a_pdf_over_its_limit(
    make_document: Callable[..., Any], settings: Any
) -> None:
    settings.CMS_UPLOAD_LIMITS = {**settings.CMS_UPLOAD_LIMITS, "pdf": 100}
    small = make_document("manual.pdf", b"%PDF-1.7" + b"0" * 50)
    large = make_document("big.pdf", b"%PDF-1.7" + b"0" * 200)

    small.full_clean()
    with pytest.raises(ValidationError):
        large.full_clean()


def test_software_lists_the_products_it_serves_and_version_ids(
    client: Client, software: SoftwarePage, make_product: Callable[..., ProductPage]
) -> None:
    product = make_product("RP-100 激光切割机", ["RP-100"], related_software=[software])
    product.save_revision().publish()

    data = api(client, f"?type=content.SoftwarePage&fields=versions,products&product={product.pk}")

    (item,) = data["items"]
    assert item["products"] == [
        {"id": product.pk, "title": "RP-100 激光切割机", "type": "content.ProductPage"}
    ]
    assert item["versions"][0]["id"] == software.versions.get().pk


def test_gateway_finds_a_page_by_the_path_of_its_public_url(
    client: Client, video: VideoPage
) -> None:
    path = "/videos/training/basics/homing/"

    data = api(client, f"?path={path}&type=content.VideoPage&fields=public_url")

    assert [item["id"] for item in data["items"]] == [video.pk]
    assert data["items"][0]["public_url"].endswith(path)
    assert api(client, "?path=/videos/training/basics/nothing/")["items"] == []


def test_software_serves_the_products_whose_pns_its_versions_name(
    client: Client, software: SoftwarePage, make_product: Callable[..., ProductPage]
) -> None:
    # The fixture's version names RP-100 and RP-100-PRO; neither product page lists it.
    named = make_product("RP-100 激光切割机", ["rp-100"])
    named.save_revision().publish()
    longer_pn = make_product("RP-1000 切割机", ["RP-1000"])
    longer_pn.save_revision().publish()

    data = api(client, "?type=content.SoftwarePage&fields=products")
    for_named = api(client, f"?type=content.SoftwarePage&product={named.pk}")
    for_longer = api(client, f"?type=content.SoftwarePage&product={longer_pn.pk}")
    named_page = api(client, f"{named.pk}/")
    longer_page = api(client, f"{longer_pn.pk}/")

    (item,) = data["items"]
    assert [product["id"] for product in item["products"]] == [named.pk]
    assert [item["id"] for item in for_named["items"]] == [software.pk]
    assert for_longer["items"] == []
    assert [page["id"] for page in named_page["related_software"]] == [software.pk]
    assert longer_page["related_software"] == []
