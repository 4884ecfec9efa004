"""Demo content for a newcomer's first run: one of each page type, in Chinese.

Used by ``manage.py seed_demo``; running it again changes nothing.
"""

import io
import json
import logging
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from wagtail.images.models import Image
from wagtail.models import Page

from reparo_cms.content.models import (
    ArticleCategory,
    ArticleIndexPage,
    ArticlePage,
    ContentDocument,
    HomePage,
    ProductIndexPage,
    ProductPage,
    ProductPartNumber,
    SoftwareIndexPage,
    SoftwarePage,
    SoftwareVersion,
    VideoCategoryPage,
    VideoIndexPage,
    VideoPage,
)

logger = logging.getLogger(__name__)


def demo_image(title: str, colour: tuple[int, int, int]) -> Image:
    """A plain coloured picture, so the demo needs no image files in the repository."""
    buffer = io.BytesIO()
    PillowImage.new("RGB", (1200, 800), colour).save(buffer, format="PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


def _child(parent: Page, page: Page) -> Page:
    """Add ``page`` under ``parent`` and publish it through a revision, as an editor would."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _index(home: HomePage, model: type[Page], title: str, slug: str) -> Page:
    existing = model.objects.child_of(home).filter(slug=slug).first()
    return existing or _child(home, model(title=title, slug=slug))


def seed_demo_content() -> bool:
    """Create the index pages and a little content under the home page; False if already there."""
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("no home page: run migrate first")
    articles = _index(home, ArticleIndexPage, "文章", "articles")
    videos = _index(home, VideoIndexPage, "视频", "videos")
    software = _index(home, SoftwareIndexPage, "软件下载", "software")
    products = _index(home, ProductIndexPage, "产品", "products")
    if ArticlePage.objects.exists():
        return False

    cover = demo_image("demo-cover", (30, 110, 200))
    tips = _child(
        articles,
        ArticlePage(
            title="激光切割机日常保养的五个小窍门",
            slug="laser-cutter-care-tips",
            category=ArticleCategory.LITTLE_KNOWN_TIPS,
            digest="定期清洁镜片、检查冷却水,让设备少停机。",
            author="售后服务部",
            cover=cover,
            body=json.dumps(
                [
                    {"type": "heading", "value": "为什么要保养"},
                    {
                        "type": "paragraph",
                        "value": "<p>镜片上的粉尘会降低功率。每周清洁一次,切割质量更稳定。</p>",
                    },
                ]
            ),
        ),
    )
    _child(
        articles,
        ArticlePage(
            title="汽车零部件的大批量加工方案",
            slug="automotive-batch-processing",
            category=ArticleCategory.LARGE_SCALE_PROCESSING,
            digest="自动上下料与产线集成。",
        ),
    )

    category = _child(videos, VideoCategoryPage(title="操作培训", slug="training"))
    subcategory = _child(category, VideoCategoryPage(title="入门", slug="getting-started"))
    video = _child(
        subcategory,
        VideoPage(
            title="开机与回零",
            slug="power-on-and-homing",
            external_url="https://example.com/videos/power-on.mp4",
            poster=demo_image("demo-poster", (200, 80, 40)),
            duration_seconds=185,
            notes="<p>第一次开机前请阅读安全手册。</p>",
        ),
    )

    firmware = ContentDocument.objects.create(
        title="控制器固件 2.1.0", file=ContentFile(b"\x7fFW demo firmware", name="fw-2.1.0.bin")
    )
    tool = SoftwarePage(title="控制器固件", slug="controller-firmware", summary="控制器主板固件。")
    tool.versions.add(
        SoftwareVersion(
            version="2.1.0", released_on=date(2026, 11, 1), file=firmware, part_numbers="RP-100"
        )
    )
    tool = _child(software, tool)

    product = ProductPage(
        title="RP-100 激光切割机",
        slug="rp-100",
        summary="适用于薄板切割的光纤激光切割机。",
        image=demo_image("demo-product", (60, 160, 90)),
        related_videos=[video],
        related_software=[tool],
        related_articles=[tips],
    )
    product.part_numbers.add(ProductPartNumber(pn="RP-100", label="标准版"))
    product.part_numbers.add(ProductPartNumber(pn="RP-100-PRO", label="专业版"))
    _child(products, product)
    logger.info("cms.demo.seeded")
    return True
