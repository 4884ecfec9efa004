"""Benchmark: importing 200 published articles with their images from the WeChat sandbox.

Creates a throw-away PostgreSQL database (``TEST_DATABASE_ADMIN_URL``, default the local server),
migrates it, starts the WeChat sandbox as its own process, seeds it with 200 published articles
(every fourth with three news items: 300 pages, each with a cover and a body image, 600 images
in all, one of them an animated GIF), then times a full import over HTTP and a rerun that finds
nothing new. Images go to a temporary media folder.

    uv run python bench/cms_wechat_import.py [--articles 200]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "cms"))
os.environ.setdefault("TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from reparo_shared.testing import fresh_database  # noqa: E402
from reparo_shared.wechat import make_client  # noqa: E402
from reparo_shared.wechat.testing import running_sandbox  # noqa: E402


def timed_import(source: object, client: object) -> tuple[float, object]:
    from reparo_cms.wechat_import.services import import_account

    began = time.perf_counter()
    run = import_account(source, client=client)  # type: ignore[arg-type]
    return time.perf_counter() - began, run


def describe(label: str, seconds: float, run: object) -> None:
    counts = {
        name: getattr(run, name)
        for name in ("items_seen", "created", "updated", "unchanged", "images_imported")
    }
    print(f"{label}: {seconds:.1f} s, {counts}, errors {run.error_count}")  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()

    with (
        fresh_database("cms_import_bench") as url,
        running_sandbox() as sandbox,
        tempfile.TemporaryDirectory() as media,
    ):
        os.environ.update(
            {
                "CMS_DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
                "CMS_MEDIA_ROOT": media,
                "DJANGO_SETTINGS_MODULE": "reparo_cms.settings",
                "WECHAT_APPID": sandbox.appid,
                "WECHAT_SECRET": sandbox.secret,
                "WECHAT_SANDBOX_URL": sandbox.base_url,
            }
        )
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", verbosity=0)
        from reparo_cms.content.models import ArticleIndexPage, HomePage
        from reparo_cms.wechat_import.models import WeChatSource

        index = ArticleIndexPage(title="文章", slug="articles")
        HomePage.objects.get().add_child(instance=index)
        source = WeChatSource.objects.create(
            name="服务号", appid=sandbox.appid, article_index=index
        )
        seed = {"count": args.articles, "deleted_every": 0, "with_broken_image": False}
        sandbox.control("POST", "/sandbox/freepublish/seed", json=seed)
        client = make_client(sandbox.settings(timeout_seconds=30))

        seconds, run = timed_import(source, client)
        describe(f"first import of {args.articles} articles", seconds, run)
        print(
            f"  {run.created / seconds:.1f} pages/s, {seconds / run.created * 1000:.0f} ms a page"
        )  # type: ignore[attr-defined]
        seconds, run = timed_import(source, client)
        describe("rerun (nothing new)", seconds, run)
        connections.close_all()


if __name__ == "__main__":
    main()
