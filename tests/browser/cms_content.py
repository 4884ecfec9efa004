"""Content for the browser tests, written the way editors write it: through cms's own Python API.

Each helper runs ``cms/manage.py shell`` against the stack's cms database, so pages are created,
published and previewed by Wagtail itself, with its signals, revisions and outbox events; the
functions at the bottom are what runs inside that shell.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # cms imports this module too, where the test stack is not wanted
    from tests.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]


def in_cms(stack: "Stack", function: str, **arguments: Any) -> Any:
    """Call ``function`` of this module inside cms (a Django shell) and return its JSON answer."""
    # Loaded by path: inside cms the name ``tests`` is cms's own test package.
    code = (
        f"import json, runpy; c = runpy.run_path({str(Path(__file__))!r}); "
        f"print('RESULT=' + json.dumps(c[{function!r}](**json.loads({json.dumps(arguments)!r}))))"
    )
    env = {**os.environ, **stack.env, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "cms/manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT="))
    return json.loads(line.removeprefix("RESULT="))


# Run inside cms.


def publish_article(
    title: str,
    slug: str,
    category: str,
    paragraph: str,
    original_published_at: str | None = None,
    with_image: bool = False,
) -> int:
    """Publish an article under the article index, with a heading, a paragraph and a picture."""
    from reparo_cms.content.demo import demo_image
    from reparo_cms.content.models import ArticleIndexPage, ArticlePage

    body: list[dict[str, Any]] = [
        {"type": "heading", "value": "要点"},
        {"type": "paragraph", "value": f"<p>{paragraph}</p>"},
    ]
    if with_image:
        picture = demo_image(f"body-{slug}", (220, 120, 40))
        body.append({"type": "image", "value": {"image": picture.pk, "caption": "示意图"}})
    page = ArticlePage(
        title=title,
        slug=slug,
        category=category,
        digest=f"{paragraph[:20]}",
        cover=demo_image(f"cover-{slug}", (40, 120, 220)),
        original_published_at=original_published_at,
        body=json.dumps(body),
    )
    ArticleIndexPage.objects.get(slug="articles").add_child(instance=page)
    page.save_revision().publish()
    return int(page.pk)


def preview_draft(slug: str, draft_title: str) -> str:
    """Save a draft title for preview, as the editor's preview button does; the preview link
    the editor is sent to."""
    from django.test import RequestFactory

    from reparo_cms.content.models import ArticlePage

    page = ArticlePage.objects.get(slug=slug)
    page.title = draft_title
    preview = page.create_page_preview()
    return str(page.get_preview_url(RequestFactory(HTTP_HOST="localhost").get("/"), preview.token))
