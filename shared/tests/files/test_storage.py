import os

import pytest

from reparo_shared.files import (
    FileSettings,
    LocalDiskStorage,
    S3Storage,
    StoredFileMissing,
    storage_from_settings,
)
from reparo_shared.files.storage import is_valid_key

CONTENT = bytes(range(256)) * 1000  # 256,000 bytes, every offset recognisable


def test_storage_saves_a_stream_under_a_new_random_key(storage):
    first = storage.save_stream(iter([CONTENT[:1000], CONTENT[1000:]]))
    second = storage.save_stream([CONTENT])

    assert first != second
    assert is_valid_key(first)
    assert is_valid_key(second)
    assert storage.size(first) == len(CONTENT)
    with storage.open(first) as reader:
        assert reader.read() == CONTENT


def test_storage_reads_a_byte_range_with_exclusive_end(storage):
    key = storage.save_stream([CONTENT])

    assert b"".join(storage.read_range(key, 1000, 1010)) == CONTENT[1000:1010]
    assert b"".join(storage.read_range(key, 255_990, 256_000)) == CONTENT[-10:]
    assert b"".join(storage.read_range(key, 0, len(CONTENT))) == CONTENT


def test_storage_saves_a_local_file(storage, tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(CONTENT)

    key = storage.save_file(path)

    with storage.open(key) as reader:
        assert reader.read() == CONTENT


def test_storage_delete_removes_the_object_and_later_reads_say_missing(storage):
    key = storage.save_stream([b"gone soon"])

    storage.delete(key)
    storage.delete(key)  # deleting twice is harmless

    with pytest.raises(StoredFileMissing):
        storage.size(key)
    with pytest.raises(StoredFileMissing):
        storage.open(key)
    with pytest.raises(StoredFileMissing):
        storage.read_range(key, 0, 5)


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab/../../x", "/etc/passwd", "ab/cd"])
def test_storage_treats_keys_it_did_not_make_as_missing(storage, key):
    with pytest.raises(StoredFileMissing):
        storage.open(key)


def test_local_storage_leaves_nothing_behind_when_the_stream_fails(local_storage):
    def failing():
        yield b"part"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        local_storage.save_stream(failing())

    files = [name for _, _, names in os.walk(local_storage.root) for name in names]
    assert files == []


def test_s3_storage_uploads_large_streams_in_parts(s3_storage):
    chunk = os.urandom(1024 * 1024)
    key = s3_storage.save_stream(chunk for _ in range(20))  # beyond the 8 MB part size

    assert s3_storage.size(key) == 20 * len(chunk)
    assert b"".join(s3_storage.read_range(key, 9 * len(chunk), 9 * len(chunk) + 10)) == chunk[:10]


def test_storage_from_settings_defaults_to_local_disk_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REPARO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FILE_STORAGE", raising=False)

    storage = storage_from_settings()

    assert isinstance(storage, LocalDiskStorage)
    assert storage.root == tmp_path / "files"


def test_storage_from_settings_builds_s3_from_environment(moto_endpoint, monkeypatch):
    monkeypatch.setenv("FILE_STORAGE", "s3")
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("S3_BUCKET", "reparo-settings-test")
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "testing")

    storage = storage_from_settings(FileSettings())
    assert isinstance(storage, S3Storage)
    storage.ensure_bucket()
    key = storage.save_stream([b"through settings"])

    assert storage.size(key) == len(b"through settings")
