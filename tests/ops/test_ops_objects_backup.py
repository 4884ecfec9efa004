"""Object store backups with deploy/scripts/objects_backup.py against an S3 endpoint on loopback."""

import importlib.util
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from ops_support import DEPLOY

from reparo_shared.testing import free_port

SCRIPT = DEPLOY / "scripts" / "objects_backup.py"
Runner = Callable[..., str]
CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(endpoint: str) -> tuple[Any, str]:
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    name = f"reparo-repair-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(
        Bucket=name, Key="orders/R1/fault.jpg", Body=b"\xff\xd8jpeg", ContentType="image/jpeg"
    )
    s3.put_object(
        Bucket=name, Key="invoices/R1/发票.pdf", Body=b"%PDF-1.7 ...", ContentType="application/pdf"
    )
    s3.put_object(
        Bucket=name,
        Key="documents/fw.bin",
        Body=b"\x7fELF",
        ContentType="application/octet-stream",
        ContentDisposition='attachment; filename="fw.bin"',
    )
    return s3, name


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("objects_backup", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


objects_backup = load_script()


@pytest.fixture
def run(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """Run the script's command line in this process, against the loopback endpoint."""
    for name, value in {**CREDENTIALS, "S3_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)

    def run_command(*args: str) -> str:
        objects_backup.main(list(args))
        return capsys.readouterr().out

    return run_command


def contents(s3: Any, bucket: str) -> dict[str, tuple[bytes, str, str | None]]:
    found = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = s3.get_object(Bucket=bucket, Key=item["Key"])
        found[item["Key"]] = (got["Body"].read(), got["ContentType"], got.get("ContentDisposition"))
    return found


def test_a_bucket_lost_after_a_backup_comes_back_with_its_content_types_and_dispositions(
    run: Runner, bucket: tuple[Any, str], tmp_path: Path
) -> None:
    s3, name = bucket
    before = contents(s3, name)

    run("backup", name, str(tmp_path))
    for key in before:
        s3.delete_object(Bucket=name, Key=key)
    restored = run("restore", str(tmp_path), name)

    assert "restored 3 objects" in restored
    assert contents(s3, name) == before
    assert before["documents/fw.bin"][2] == 'attachment; filename="fw.bin"'


def test_in_the_cms_container_the_script_reads_the_cms_bucket_settings(
    endpoint: str, bucket: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, name = bucket
    for variable in ("S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CMS_S3_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("CMS_S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("CMS_S3_SECRET_ACCESS_KEY", "testing")

    count = objects_backup.backup(objects_backup.client(), name, tmp_path)

    assert count == 3


def test_a_second_backup_downloads_only_what_changed(
    run: Runner, bucket: tuple[Any, str], tmp_path: Path
) -> None:
    s3, name = bucket
    run("backup", name, str(tmp_path))
    changed = b"\xff\xd8new"
    s3.put_object(Bucket=name, Key="orders/R1/fault.jpg", Body=changed, ContentType="image/jpeg")

    second = run("backup", name, str(tmp_path))

    assert "(1 objects downloaded)" in second
    assert (tmp_path / "objects" / "orders" / "R1" / "fault.jpg").read_bytes() == changed


def test_a_damaged_copy_stops_the_restore_before_anything_is_uploaded(
    run: Runner, bucket: tuple[Any, str], tmp_path: Path
) -> None:
    s3, name = bucket
    run("backup", name, str(tmp_path))
    for key in contents(s3, name):
        s3.delete_object(Bucket=name, Key=key)
    (tmp_path / "objects" / "invoices" / "R1" / "发票.pdf").write_bytes(b"tampered")

    with pytest.raises(SystemExit, match="does not match its checksum"):
        run("restore", str(tmp_path), name)

    assert contents(s3, name) == {}
