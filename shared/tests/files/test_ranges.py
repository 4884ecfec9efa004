import pytest

from reparo_shared.files.ranges import ByteRange, RangeNotSatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 100)),
        ("bytes=100-", ByteRange(100, 1000)),
        ("bytes=-100", ByteRange(900, 1000)),
        ("bytes=-5000", ByteRange(0, 1000)),
        ("bytes=990-5000", ByteRange(990, 1000)),
        ("bytes=999-999", ByteRange(999, 1000)),
    ],
)
def test_parse_range_reads_single_ranges(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header", [None, "", "items=0-1", "bytes=0-1,5-6", "bytes=x-y", "bytes=5-1", "bytes=-"]
)
def test_parse_range_ignores_what_it_does_not_understand(header):
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0)]
)
def test_parse_range_refuses_ranges_outside_the_file(header, size):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


def test_byte_range_formats_content_range_inclusively():
    assert ByteRange(0, 100).content_range(1000) == "bytes 0-99/1000"
