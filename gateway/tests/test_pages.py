"""The page skeleton: languages chosen from the browser and switchable."""

import io
import re

import httpx
import pytest
from PIL import Image


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [("zh-CN,zh;q=0.9", "我的维修"), ("en-US,en;q=0.8", "My repairs"), ("pt-BR", "Meus reparos")],
)
def test_home_speaks_the_browser_language(
    gateway_url: str, accept_language: str, expected: str
) -> None:
    response = httpx.get(f"{gateway_url}/", headers={"Accept-Language": accept_language})

    assert expected in response.text


def test_switching_language_is_remembered(gateway_url: str) -> None:
    with httpx.Client(base_url=gateway_url) as client:
        switch = client.get("/lang/pt-BR?next=/")
        assert switch.status_code == 303

        home = client.get("/", headers={"Accept-Language": "zh-CN"})

    assert "Meus reparos" in home.text
    assert 'lang="pt-BR"' in home.text


def test_the_language_switch_names_each_language_in_itself_as_the_console_does(
    gateway_url: str,
) -> None:
    home = httpx.get(f"{gateway_url}/", headers={"Accept-Language": "en"})

    header = home.text.partition("</header>")[0]
    switch = re.search(r'<nav class="app-languages".*?</nav>', header, re.S)
    assert switch is not None
    labels = re.findall(r'<(?:a|strong) [^>]*\blang="([^"]+)"[^>]*>([^<]+)<', switch.group(0))
    assert labels == [("zh-Hans", "中文"), ("en", "English"), ("pt-BR", "Português")]
    assert '<strong lang="en" aria-current="true">English</strong>' in switch.group(0)


def test_base_template_loads_weui_from_the_installed_package(gateway_url: str) -> None:
    home = httpx.get(f"{gateway_url}/")
    css = httpx.get(f"{gateway_url}/static/vendor/weui/dist/style/weui.min.css")

    assert "/static/vendor/weui/dist/style/weui.min.css" in home.text
    assert css.status_code == 200
    assert ".weui-btn" in css.text


@pytest.mark.parametrize(
    "path",
    ["/", "/favicon.ico", "/signin/dev", "/lang/en?next=/repair/mine", "/repair/mine", "/nowhere"],
)
def test_every_page_answers_head_as_it_answers_get_without_the_body(
    gateway_url: str, path: str
) -> None:
    with httpx.Client(base_url=gateway_url) as client:
        got = client.get(path)
        head = client.head(path)

    assert head.status_code == got.status_code
    assert head.status_code != 405
    assert head.headers.get("content-type") == got.headers.get("content-type")
    assert head.headers.get("location") == got.headers.get("location")
    assert head.content == b""


def test_head_is_not_taken_for_a_post_only_page(gateway_url: str) -> None:
    answer = httpx.head(f"{gateway_url}/signout")

    assert answer.status_code == 405


def test_the_site_icon_is_an_icon_file_with_the_usual_sizes(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/favicon.ico")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert "max-age" in answer.headers["cache-control"]
    icon = Image.open(io.BytesIO(answer.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= icon.info["sizes"]
