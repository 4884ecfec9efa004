"""The admin pulls nothing from hosts unreachable from mainland China."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from reparo_cms.content.models import HomePage


@pytest.mark.parametrize("path", ["/cms/admin/", "/cms/admin/account/"])
def test_admin_pages_reference_neither_wagtails_release_check_nor_gravatar(
    home: HomePage, path: str
) -> None:
    editor = get_user_model().objects.create_superuser("cn-editor", "editor@example.com", "pw")
    client = Client(HTTP_HOST="localhost")
    client.force_login(editor)

    answer = client.get(path)

    assert answer.status_code == 200
    page = answer.content.decode()
    # The release check lives in the admin's script, started by this panel's controller.
    assert "w-upgrade" not in page
    assert "releases.wagtail.org" not in page
    assert "gravatar" not in page.lower()
