"""A malformed console address gets the console's error page in the staff member's language,
never FastAPI's JSON list of problems; the API beside it keeps that JSON."""

import pytest

from ..conftest import World
from .conftest import Console

NOT_VALID = {
    "en": "Part of this address or form is not valid. Check it and try again.",
    "pt-BR": "Parte deste endereço ou formulário não é válida. Verifique e tente novamente.",
    "zh-Hans": "链接或表单中有无效的内容，请检查后重试。",
}
NOT_FOUND = {"en": "Not found.", "pt-BR": "Não encontrado.", "zh-Hans": "未找到。"}


@pytest.mark.parametrize("language", ["en", "pt-BR", "zh-Hans"])
def test_a_malformed_query_gets_the_not_valid_page_in_the_staff_members_language(
    console, world: World, language: str
) -> None:
    order = world.submit(world.new_customer())["orders"][0]
    person: Console = console("logistics")
    person.post("/console/language", {"language": language, "next": "/console/"})

    for path in ("/console/?page=abc", f"/console/orders/{order['id']}/label?size=1x1"):
        answer = person.get(path)

        assert answer.status_code == 400, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert NOT_VALID[language] in answer.text, path
        assert "int_parsing" not in answer.text, path
        assert "literal_error" not in answer.text, path


@pytest.mark.parametrize("language", ["en", "pt-BR", "zh-Hans"])
def test_a_malformed_id_in_the_path_gets_the_not_found_page(
    console, world: World, language: str
) -> None:
    person: Console = console("logistics")
    person.post("/console/language", {"language": language, "next": "/console/"})

    answer = person.get("/console/orders/abc/label")

    assert answer.status_code == 404
    assert NOT_FOUND[language] in answer.text


def test_the_api_keeps_its_json_problems(world: World) -> None:
    answer = world.client.get("/api/repair/requests?page=abc", headers=world.new_customer())

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
