"""Customers searching Chinese content through the pages API."""

from collections.abc import Callable

from django.test import Client

from reparo_cms.content.models import ArticlePage, VideoPage
from reparo_cms.content.search import index_text, query_text
from tests.conftest import paragraph_body


def search(client: Client, query: str) -> list[int]:
    response = client.get("/cms/api/v2/pages/", {"search": query})
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_two_character_query_finds_article_containing_it_in_body(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    wanted = make_article(
        "设备日常维护", body=paragraph_body("<p>请每周清洁激光切割头的保护镜片。</p>")
    )
    make_article("付款说明", body=paragraph_body("<p>支持微信支付与对公转账。</p>"))

    assert search(client, "镜片") == [wanted.pk]
    assert search(client, "切割") == [wanted.pk]


def test_query_inside_a_longer_word_of_the_title_matches(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    wanted = make_article("大幅面光纤激光切割机选型指南")
    make_article("售后服务网点")

    assert search(client, "光纤") == [wanted.pk]
    assert search(client, "选型指南") == [wanted.pk]


def test_query_with_text_not_in_any_article_finds_nothing(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    make_article("激光切割机保养")

    assert search(client, "焊接") == []


def test_search_combines_with_category_filter(
    client: Client, make_article: Callable[..., ArticlePage]
) -> None:
    tips = make_article("切割小技巧", category="little_known_tips")
    make_article("切割方案", category="large_scale_processing")

    response = client.get(
        "/cms/api/v2/pages/",
        {"type": "content.ArticlePage", "category": "little_known_tips", "search": "切割"},
    )

    assert [item["id"] for item in response.json()["items"]] == [tips.pk]


def test_mixed_latin_and_chinese_query_finds_video(client: Client, video: VideoPage) -> None:
    assert search(client, "回零") == [video.pk]


def test_index_text_holds_words_characters_and_pairs() -> None:
    tokens = index_text(["激光切割 RP-100"]).split()

    assert {"激光", "切割", "光切", "激", "RP", "100"} <= set(tokens)


def test_query_text_turns_chinese_into_pairs_and_keeps_latin_words() -> None:
    assert query_text("激光切割 RP100").split() == ["激光", "光切", "切割", "RP100"]
