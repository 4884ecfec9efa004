from reparo_shared.files import kinds
from reparo_shared.files.kinds import FileKind, sniff

from .conftest import mp4_header


def test_sniff_recognises_photos_by_their_signature(sideways_jpeg, sideways_heic, transparent_png):
    assert sniff(sideways_jpeg) is kinds.JPEG
    assert sniff(transparent_png) is kinds.PNG
    assert sniff(sideways_heic) is kinds.HEIC
    assert sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") is kinds.WEBP


def test_sniff_tells_mp4_from_quicktime_by_the_ftyp_brand():
    assert sniff(mp4_header(b"isom")) is kinds.MP4
    assert sniff(mp4_header(b"mp42")) is kinds.MP4
    assert sniff(mp4_header(b"qt  ")) is kinds.MOV
    assert sniff(mp4_header(b"qt  ")).kind is FileKind.VIDEO


def test_sniff_accepts_pdf_marker_after_leading_junk_within_1024_bytes(small_pdf):
    assert sniff(small_pdf) is kinds.PDF
    assert sniff(b"\x00" * 1000 + small_pdf) is kinds.PDF
    assert sniff(b"\x00" * 1030 + small_pdf) is None


def test_sniff_refuses_executables_html_and_avif(fake_exe, html_page):
    avif = mp4_header(b"avif")
    assert sniff(fake_exe) is None
    assert sniff(b" " * 2000 + html_page) is None
    assert sniff(avif) is None
    assert sniff(b"") is None
