"""Content for browser tests, made at test time: a short video, a poster and a software file,
put into the running stack's cms through its own models (``manage.py shell``), as the Wagtail
admin would store them. Nothing generated here is committed."""

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT, Stack

RESULT_MARK = "SEEDED "

SEED_SCRIPT = r"""
import json, os
from datetime import date
from django.core.files import File
from reparo_cms.content.demo import demo_image
from reparo_cms.content.models import (
    ContentDocument, ProductIndexPage, ProductPage, ProductPartNumber, SoftwareIndexPage,
    SoftwarePage, SoftwareVersion, VideoCategoryPage, VideoIndexPage, VideoPage,
)

def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page

def document(title, path, name):
    with open(path, "rb") as handle:
        return ContentDocument.objects.create(title=title, file=File(handle, name=name))

videos = VideoIndexPage.objects.get(slug="videos")
first = publish(videos, VideoCategoryPage(title="浏览器测试", slug="browser-tests"))
second = publish(first, VideoCategoryPage(title="播放", slug="playback"))
clip = publish(second, VideoPage(
    title="测试视频", slug="test-clip", duration_seconds=4,
    video_file=document("测试视频", os.environ["SEED_VIDEO"], "test-clip.mp4"),
    poster=demo_image("test-clip-poster", (20, 40, 160)), notes="<p>四秒的测试画面。</p>",
))

tool = SoftwarePage(title="调试工具", slug="debug-tool", summary="串口调试工具。")
tool.versions.add(SoftwareVersion(
    version="1.4.0", released_on=date(2026, 12, 1), notes="<p>支持断点续传测试。</p>",
    file=document("调试工具 1.4.0", os.environ["SEED_FIRMWARE"], "debug-tool-1.4.0.bin"),
    part_numbers="RP-BT-1",
))
tool = publish(SoftwareIndexPage.objects.get(slug="software"), tool)
product = ProductPage(title="RP-BT 测试机", slug="rp-bt", related_software=[tool])
product.part_numbers.add(ProductPartNumber(pn="RP-BT-1"))
publish(ProductIndexPage.objects.get(slug="products"), product)
# Tied to the product only by its version's PNs, as editors usually do it.
firmware = SoftwarePage(title="RP-BT 控制器固件", slug="rp-bt-firmware", summary="控制器固件。")
firmware.versions.add(SoftwareVersion(
    version="2.0.0", released_on=date(2026, 12, 2),
    file=document("RP-BT 控制器固件 2.0.0", os.environ["SEED_FIRMWARE"], "rp-bt-fw-2.0.0.bin"),
    part_numbers="rp-bt-1",
))
publish(SoftwareIndexPage.objects.get(slug="software"), firmware)

print("SEEDED " + json.dumps({
    "video_id": clip.pk, "software_id": tool.pk, "version_id": tool.versions.get().pk,
}))
"""


@dataclass(frozen=True)
class MediaContent:
    video_id: int
    video_path: str
    video_file: Path
    software_id: int
    software_path: str
    version_id: int
    firmware: bytes

    @property
    def firmware_sha256(self) -> str:
        return hashlib.sha256(self.firmware).hexdigest()


def make_clip(folder: Path) -> Path:
    """Four seconds of ffmpeg's test picture, H.264 with the index first, as phones record."""
    path = folder / "test-clip.mp4"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc=size=320x240:rate=25", "-t", "4", "-pix_fmt", "yuv420p",
         "-c:v", "libx264", "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    return path


def seed_media_content(stack: Stack, folder: Path) -> MediaContent:
    video = make_clip(folder)
    firmware = os.urandom(3 * 1024 * 1024 + 123)
    firmware_path = folder / "debug-tool-1.4.0.bin"
    firmware_path.write_bytes(firmware)
    environment = {
        **os.environ, **stack.env, "SEED_VIDEO": str(video), "SEED_FIRMWARE": str(firmware_path),
    }  # fmt: skip
    finished = subprocess.run(
        [sys.executable, "cms/manage.py", "shell", "-c", SEED_SCRIPT],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [line for line in finished.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(f"seeding cms failed:\n{finished.stdout}\n{finished.stderr}")
    ids = json.loads(lines[-1][len(RESULT_MARK) :])
    return MediaContent(
        video_id=ids["video_id"],
        video_path="/videos/browser-tests/playback/test-clip/",
        video_file=video,
        software_id=ids["software_id"],
        software_path="/software/debug-tool/",
        version_id=ids["version_id"],
        firmware=firmware,
    )
