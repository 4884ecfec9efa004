"""The content cache on its own: time limit, size bound, and no stale page stored after a drop."""

from unittest import mock

from gateway.content.cache import CachedPage, ContentCache


def page(body: bytes, at: float = 0.0) -> CachedPage:
    return CachedPage(200, body, "text/html", at)


def test_page_older_than_the_time_limit_is_not_served() -> None:
    cache = ContentCache(ttl_seconds=30, max_entries=10)
    with mock.patch("gateway.content.cache.time.monotonic", return_value=100.0):
        cache.put(("/a",), page(b"a", at=100.0), cache.generation)

    with mock.patch("gateway.content.cache.time.monotonic", return_value=129.0):
        assert cache.get(("/a",)) is not None
    with mock.patch("gateway.content.cache.time.monotonic", return_value=131.0):
        assert cache.get(("/a",)) is None


def test_least_recently_used_page_goes_first_when_full() -> None:
    cache = ContentCache(ttl_seconds=1e9, max_entries=2)
    cache.put(("/a",), page(b"a"), cache.generation)
    cache.put(("/b",), page(b"b"), cache.generation)
    cache.get(("/a",))

    cache.put(("/c",), page(b"c"), cache.generation)

    assert cache.get(("/b",)) is None
    assert cache.get(("/a",)) is not None
    assert cache.get(("/c",)) is not None


def test_page_rendered_across_a_drop_is_not_stored() -> None:
    cache = ContentCache(ttl_seconds=1e9, max_entries=10)
    generation = cache.generation  # rendering starts

    cache.clear()  # cms published meanwhile
    cache.put(("/a",), page(b"stale"), generation)

    assert cache.get(("/a",)) is None


def test_zero_time_limit_keeps_nothing() -> None:
    cache = ContentCache(ttl_seconds=0, max_entries=10)

    cache.put(("/a",), page(b"a"), cache.generation)

    assert len(cache) == 0
