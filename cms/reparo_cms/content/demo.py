"""Demo content for a newcomer's first run: one of each page type, in Chinese.

Used by ``manage.py seed_demo``; running it again changes nothing.
"""

import io
import json
import logging
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

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

DEMO_VIDEO_SLUG = "power-on-and-homing"
DEMO_VIDEO_SECONDS = 4
# Where the first demo pointed its video, which never played; a database seeded then is mended.
UNPLAYABLE_DEMO_URL = "https://example.com/videos/power-on.mp4"


def demo_image(title: str, colour: tuple[int, int, int]) -> Image:
    """A plain coloured picture, so the demo needs no image files in the repository."""
    buffer = io.BytesIO()
    PillowImage.new("RGB", (1200, 800), colour).save(buffer, format="PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


def _ffmpeg(ffmpeg: str, *arguments: str) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *arguments],
        check=True,
        capture_output=True,
        timeout=120,
    )


def demo_video() -> tuple[ContentDocument, Image] | None:
    """A few seconds of test pattern and tone as a phone-playable MP4, with a poster from it.

    Made with ffmpeg at seed time, so the repository holds no media file; None (and a log line
    saying how to get a video) when ffmpeg is not installed or fails.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        logger.warning(
            "cms.demo.video_skipped: ffmpeg is not installed, so the demo has no video page; "
            "install ffmpeg and run seed_demo again to add it"
        )
        return None
    with tempfile.TemporaryDirectory(prefix="reparo-demo-") as folder:
        movie, still = Path(folder) / "power-on.mp4", Path(folder) / "power-on.png"
        try:
            _ffmpeg(
                ffmpeg,
                *("-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:d={DEMO_VIDEO_SECONDS}"),
                *("-f", "lavfi", "-i", f"sine=frequency=440:d={DEMO_VIDEO_SECONDS}"),
                # Baseline H.264 in yuv420p and AAC play in every phone browser, WeChat's too;
                # faststart puts the index first, so playback starts before the download ends.
                *("-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p"),
                *("-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart"),
                str(movie),
            )
            _ffmpeg(ffmpeg, "-ss", "1", "-i", str(movie), "-frames:v", "1", str(still))
        except (subprocess.SubprocessError, OSError) as error:
            logger.warning("cms.demo.video_failed: ffmpeg could not make the demo video: %r", error)
            return None
        document = ContentDocument.objects.create(
            title="开机与回零 演示视频",
            file=ContentFile(movie.read_bytes(), name="power-on.mp4"),
        )
        poster = Image.objects.create(
            title="demo-poster", file=ImageFile(io.BytesIO(still.read_bytes()), name="poster.png")
        )
    return document, poster


def demo_video_page(category: Page) -> VideoPage | None:
    """The demo's video page under ``category``, created or mended with a playable file.

    A page seeded with the old unplayable address gets the file; one already playable is left
    alone; without ffmpeg there is none.
    """
    page = VideoPage.objects.child_of(category).filter(slug=DEMO_VIDEO_SLUG).first()
    if page is not None and (page.video_file_id or page.external_url != UNPLAYABLE_DEMO_URL):
        return page
    made = demo_video()
    if made is None:
        return page
    video_file, poster = made
    if page is None:
        page = VideoPage(title="开机与回零", slug=DEMO_VIDEO_SLUG)
        page.notes = "<p>第一次开机前请阅读安全手册。</p>"
    page.video_file, page.poster, page.external_url = video_file, poster, ""
    page.duration_seconds = DEMO_VIDEO_SECONDS
    if page.pk is None:
        _child(category, page)
        return page
    page.save_revision().publish()
    logger.info("cms.demo.video_mended")
    return page


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
        getting_started = (
            VideoCategoryPage.objects.descendant_of(videos).filter(slug="getting-started").first()
        )
        if getting_started is not None:
            demo_video_page(getting_started)
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
    video = demo_video_page(subcategory)

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
        related_videos=[video] if video else [],
        related_software=[tool],
        related_articles=[tips],
    )
    product.part_numbers.add(ProductPartNumber(pn="RP-100", label="标准版"))
    product.part_numbers.add(ProductPartNumber(pn="RP-100-PRO", label="专业版"))
    _child(products, product)
    logger.info("cms.demo.seeded")
    return True
