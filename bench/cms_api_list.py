"""Benchmark: the pages API listing articles of one category, with 10,000 articles.

Creates a throw-away PostgreSQL database (``TEST_DATABASE_ADMIN_URL``, default the local server),
migrates it, inserts 10,000 published articles spread over the seven categories, then times
``GET /cms/api/v2/pages/?type=content.ArticlePage&category=...`` through Django's test client
(in-process: no network or HTTP server time) and prints p50/p95/max. Target: p95 under 100 ms.

    uv run python bench/cms_api_list.py [--articles 10000] [--requests 300]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "cms"))
os.environ.setdefault("TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from reparo_shared.testing import fresh_database  # noqa: E402


def insert_articles(count: int) -> None:
    """Insert published articles straight into the tree: the admin path would take an hour."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from wagtail.models import Locale, Page

    from reparo_cms.content.models import (
        ArticleCategory,
        ArticleIndexPage,
        ArticlePage,
        HomePage,
    )

    home = HomePage.objects.get()
    index = ArticleIndexPage(title="文章", slug="articles")
    home.add_child(instance=index)
    content_type = ContentType.objects.get_for_model(ArticlePage)
    locale = Locale.objects.get()
    categories = list(ArticleCategory)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with transaction.atomic():
        pages = [
            Page(
                title=f"激光切割文章 {n}",
                draft_title=f"激光切割文章 {n}",
                slug=f"article-{n}",
                content_type=content_type,
                path=ArticlePage._get_path(index.path, index.depth + 1, n),
                depth=index.depth + 1,
                numchild=0,
                url_path=f"{index.url_path}article-{n}/",
                locale=locale,
                live=True,
                first_published_at=start + timedelta(minutes=n),
                last_published_at=start + timedelta(minutes=n),
            )
            for n in range(1, count + 1)
        ]
        Page.objects.bulk_create(pages, batch_size=1000)
        for n, page in enumerate(
            Page.objects.filter(depth=index.depth + 1, path__startswith=index.path).order_by(
                "path"
            ),
            start=1,
        ):
            article = ArticlePage(
                page_ptr_id=page.pk,
                category=categories[n % len(categories)],
                digest="定期清洁镜片、检查冷却水。",
                body="[]",
            )
            article.save_base(raw=True)
        Page.objects.filter(pk=index.pk).update(numchild=count)
    # A bulk load leaves the planner without statistics until autovacuum passes by; production
    # tables have them, and without them the count query alone takes hundreds of milliseconds.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(requests: int) -> list[float]:
    from django.test import Client

    from reparo_cms.content.models import ArticleCategory

    client = Client(HTTP_HOST="localhost")
    categories = list(ArticleCategory)
    timings = []
    for n in range(requests):
        query = (
            f"/cms/api/v2/pages/?type=content.ArticlePage&category={categories[n % 7]}"
            f"&fields=digest,category,cover,original_published_at&order=-first_published_at"
            f"&limit=20&offset={(n % 10) * 20}"
        )
        began = time.perf_counter()
        response = client.get(query)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.content
    return timings


def print_query_share() -> None:
    """How much of one request is SQL, to tell database cost from Python cost."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    query = "/cms/api/v2/pages/?type=content.ArticlePage&category=little_known_tips&limit=20"
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        Client(HTTP_HOST="localhost").get(query)
        total = (time.perf_counter() - began) * 1000
    sql = sum(float(item["time"]) for item in captured.captured_queries) * 1000
    print(f"one request: {len(captured)} queries, {sql:.1f} ms SQL of {total:.1f} ms in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    with fresh_database("cms_bench") as url:
        os.environ["CMS_DATABASE_URL"] = url.replace("postgresql+psycopg://", "postgresql://")
        os.environ["DJANGO_SETTINGS_MODULE"] = "reparo_cms.settings"
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        insert_articles(args.articles)
        print(f"inserted {args.articles} articles in {time.perf_counter() - began:.1f} s")

        measure(20)  # warm caches and connections
        timings = sorted(measure(args.requests))
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"API list by category, {args.requests} requests: "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (target p95 < 100 ms)"
        )
        print_query_share()
        connections.close_all()


if __name__ == "__main__":
    main()
