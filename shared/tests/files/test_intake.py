import pytest

from reparo_shared.files import (
    FileKind,
    FileTooLarge,
    SizeLimits,
    UnsupportedFile,
    UploadSpool,
    kinds,
    spool_chunks,
)

from .conftest import mp4_header

KB = 1024
LIMITS = SizeLimits(image=100 * KB, video=300 * KB, pdf=50 * KB)


class CountingChunks:
    """Chunks of an upload that remember how many bytes were taken from them."""

    def __init__(self, head: bytes, total: int, chunk: int = 16 * KB) -> None:
        self.head, self.total, self.chunk, self.taken = head, total, chunk, 0

    def __iter__(self):
        data = self.head + b"\x00" * (self.total - len(self.head))
        for start in range(0, len(data), self.chunk):
            piece = data[start : start + self.chunk]
            self.taken += len(piece)
            yield piece


def spool(tmp_path, **options) -> UploadSpool:
    options.setdefault("limits", LIMITS)
    return UploadSpool(original_name="x", spool_dir=tmp_path, **options)


def test_intake_spools_an_allowed_upload_with_its_format_size_and_hash(tmp_path, sideways_jpeg):
    upload = spool_chunks([sideways_jpeg[:10], sideways_jpeg[10:]], spool(tmp_path))

    with upload:
        assert upload.format is kinds.JPEG
        assert upload.size == len(sideways_jpeg)
        assert upload.path.read_bytes() == sideways_jpeg
        assert len(upload.sha256) == 64
    assert not upload.path.exists()


def test_intake_stops_reading_once_the_kind_limit_is_passed(tmp_path, sideways_jpeg):
    chunks = CountingChunks(sideways_jpeg, total=10 * 1024 * KB)

    with pytest.raises(FileTooLarge) as refused:
        spool_chunks(chunks, spool(tmp_path))

    assert refused.value.limit_bytes == 100 * KB
    assert refused.value.kind is FileKind.IMAGE
    assert "image files may be at most" in str(refused.value)
    assert chunks.taken <= 100 * KB + chunks.chunk
    assert list(tmp_path.iterdir()) == []


def test_intake_applies_the_video_limit_to_videos(tmp_path):
    fits = spool_chunks(CountingChunks(mp4_header(), total=250 * KB), spool(tmp_path))
    fits.discard()

    with pytest.raises(FileTooLarge) as refused:
        spool_chunks(CountingChunks(mp4_header(), total=400 * KB), spool(tmp_path))

    assert fits.format is kinds.MP4
    assert refused.value.kind is FileKind.VIDEO


def test_intake_refuses_a_declared_length_above_every_limit_before_reading(tmp_path):
    with pytest.raises(FileTooLarge):
        spool(tmp_path, declared_size=301 * KB)

    assert list(tmp_path.iterdir()) == []


def test_intake_refuses_a_renamed_executable_from_its_first_bytes(tmp_path, fake_exe):
    chunks = CountingChunks(fake_exe, total=5 * 1024 * KB)

    with pytest.raises(UnsupportedFile, match="not accepted"):
        spool_chunks(chunks, spool(tmp_path))

    assert chunks.taken <= 16 * KB
    assert list(tmp_path.iterdir()) == []


def test_intake_refuses_an_html_page_sent_as_pdf(tmp_path, html_page):
    with pytest.raises(UnsupportedFile):
        spool_chunks([html_page], spool(tmp_path, allowed={FileKind.PDF}))


def test_intake_refuses_a_video_where_only_photos_are_allowed(tmp_path):
    with pytest.raises(UnsupportedFile, match=r"Accepted: photos"):
        spool_chunks([mp4_header()], spool(tmp_path, allowed={FileKind.IMAGE}))


def test_intake_refuses_an_empty_upload(tmp_path):
    with pytest.raises(UnsupportedFile, match="empty"):
        spool_chunks([], spool(tmp_path))


def test_intake_keeps_a_safe_display_name(tmp_path, small_pdf):
    upload = UploadSpool(original_name="../../发票 2026.pdf", spool_dir=tmp_path)
    with spool_chunks([small_pdf], upload) as spooled:
        assert spooled.display_name == "发票 2026.pdf"
