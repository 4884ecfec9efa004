"""A malformed address or form on the gateway's pages: the friendly page in the reader's
language, never FastAPI's JSON list of problems; API callers keep that JSON."""

import httpx
import pytest

NOT_FOUND = {
    "en": "This page does not exist.",
    "pt-BR": "Esta página não existe.",
    "zh-CN": "您访问的页面不存在。",
}
NOT_VALID = {
    "en": "Part of this address or form is not valid. Please check it and try again.",
    "pt-BR": "Parte deste endereço ou formulário não é válida. Verifique e tente novamente.",
    "zh-CN": "链接或表单中有无效的内容，请检查后重试。",
}


@pytest.mark.parametrize("language", ["en", "pt-BR", "zh-CN"])
@pytest.mark.parametrize(
    ("method", "path", "status", "texts"),
    [
        ("GET", "/software/?product=abc", 400, NOT_VALID),
        ("GET", "/software/some-tool/download/abc", 404, NOT_FOUND),
        ("POST", "/reactions/abc/like", 404, NOT_FOUND),
    ],
)
def test_a_malformed_address_gets_the_error_page_in_the_readers_language(
    gateway_url: str, method: str, path: str, status: int, texts: dict[str, str], language: str
) -> None:
    answer = httpx.request(
        method,
        f"{gateway_url}{path}",
        headers={"Accept": "text/html,application/xhtml+xml", "Accept-Language": language},
    )

    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert texts[language] in answer.text
    assert "int_parsing" not in answer.text


def test_a_script_asking_for_json_keeps_the_list_of_problems(gateway_url: str) -> None:
    answer = httpx.post(f"{gateway_url}/reactions/abc/like", headers={"Accept": "application/json"})

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["type"] == "int_parsing"
