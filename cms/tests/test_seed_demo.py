"""A newcomer seeding the demo."""

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from reparo_cms.content import demo
from reparo_cms.content.models import (
    ArticlePage,
    ContentDocument,
    ProductPage,
    VideoCategoryPage,
    VideoPage,
)
from reparo_cms.wechat_import.models import WeChatSource


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_newcomer_gets_an_editor_with_printed_password_and_demo_pages(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CMS_ADMIN_PASSWORD", raising=False)

    output = seed()

    password = output.split("password: ")[1].split()[0]
    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password(password)
    assert editor.is_superuser
    assert ArticlePage.objects.live().count() == 2
    assert ProductPage.objects.live().get().pn_list() == ["RP-100", "RP-100-PRO"]


def test_seeding_again_changes_nothing(db: None) -> None:
    seed()

    output = seed()

    assert "already present" in output
    assert "password unchanged" in output
    assert ArticlePage.objects.count() == 2


def test_editor_signs_in_to_the_admin_with_the_seeded_password(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMS_ADMIN_PASSWORD", "demo-password-for-test")
    seed()
    client = Client(HTTP_HOST="localhost")

    response = client.post(
        "/cms/admin/login/", {"username": "editor", "password": "demo-password-for-test"}
    )

    assert response.status_code == 302
    assert client.get("/cms/admin/").status_code == 200


def test_the_services_own_account_is_added_for_import_once(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_APPID", "wxdemo0001")

    first = seed()
    seed()

    assert "account wxdemo0001 added" in first
    source = WeChatSource.objects.get()
    assert source.appid == "wxdemo0001"
    assert not source.schedule_enabled


def probe(path: str) -> dict[str, Any]:
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None
    shown = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
        check=True,
        capture_output=True,
    )
    return json.loads(shown.stdout)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the demo video is made with ffmpeg")
def test_the_demo_video_is_an_uploaded_phone_playable_file_with_a_poster(db: None) -> None:
    seed()

    video = VideoPage.objects.live().get(slug="power-on-and-homing")
    assert video.external_url == ""
    assert video.poster is not None
    assert video.video_url().endswith(".mp4")
    path = video.video_file.file.path
    streams = {stream["codec_type"]: stream for stream in probe(path)["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert streams["audio"]["codec_name"] == "aac"
    head = Path(path).read_bytes()
    assert head.index(b"moov") < head.index(b"mdat"), "index first, so playback starts at once"
    player = Client(HTTP_HOST="localhost")
    answer = player.get(video.video_url(), HTTP_RANGE="bytes=0-99")
    assert answer.status_code == 206
    assert answer["Content-Type"] == "video/mp4"
    assert ProductPage.objects.get().related_videos.get().pk == video.pk


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the demo video is made with ffmpeg")
def test_seeding_again_makes_no_second_video(db: None) -> None:
    seed()

    seed()

    assert VideoPage.objects.count() == 1
    assert ContentDocument.objects.filter(file__endswith=".mp4").count() == 1


def test_without_ffmpeg_the_demo_has_no_video_and_says_why(
    db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(demo.shutil, "which", lambda name: None)

    seed()

    assert not VideoPage.objects.exists()
    assert ArticlePage.objects.live().count() == 2
    assert "ffmpeg is not installed" in caplog.text


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the demo video is made with ffmpeg")
def test_a_demo_seeded_with_the_unplayable_address_gets_a_real_video(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as without_ffmpeg:
        without_ffmpeg.setattr(demo.shutil, "which", lambda name: None)
        seed()
    category = VideoCategoryPage.objects.get(slug="getting-started")
    old = VideoPage(
        title="开机与回零", slug="power-on-and-homing", external_url=demo.UNPLAYABLE_DEMO_URL
    )
    category.add_child(instance=old)

    seed()

    video = VideoPage.objects.get()
    assert video.external_url == ""
    assert video.live
    assert video.video_url().endswith(".mp4")
