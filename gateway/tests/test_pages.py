"""The page skeleton: languages chosen from the browser and switchable."""

import httpx
import pytest


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


def test_base_template_loads_weui_from_the_installed_package(gateway_url: str) -> None:
    home = httpx.get(f"{gateway_url}/")
    css = httpx.get(f"{gateway_url}/static/vendor/weui/dist/style/weui.min.css")

    assert "/static/vendor/weui/dist/style/weui.min.css" in home.text
    assert css.status_code == 200
    assert ".weui-btn" in css.text
