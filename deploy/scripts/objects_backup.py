"""Back up and restore an S3 bucket to and from a local folder (MinIO or any S3-compatible store).

    python deploy/scripts/objects_backup.py backup  BUCKET FOLDER
    python deploy/scripts/objects_backup.py restore FOLDER BUCKET

The store and credentials come from S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and
S3_REGION (the repair service's names) or, when those are unset, the cms's CMS_S3_* names, so
running this inside a service's container with its environment reaches that service's bucket.
Needs only boto3, which every Reparo image has.

``backup`` copies every object into FOLDER/objects/<key> and writes FOLDER/manifest.json (key,
size, ETag, content type and disposition, SHA-256 of the copy). Run again into the same folder,
it downloads only objects whose ETag changed, so a nightly run over a large media bucket stays
short. ``restore`` uploads every object of the manifest with its content type and disposition
(software downloads are attachments), after checking each file against its SHA-256; it adds and
overwrites, and deletes nothing in the bucket.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import boto3

MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


def setting(name: str) -> str | None:
    """``S3_<name>``, else the cms's ``CMS_S3_<name>``."""
    return os.environ.get(f"S3_{name}") or os.environ.get(f"CMS_S3_{name}") or None


def client() -> Any:
    return boto3.client(
        "s3",
        endpoint_url=setting("ENDPOINT_URL"),
        aws_access_key_id=setting("ACCESS_KEY_ID"),
        aws_secret_access_key=setting("SECRET_ACCESS_KEY"),
        region_name=setting("REGION") or "us-east-1",
    )


def local_path(folder: Path, key: str) -> Path:
    """Where an object's copy lives; keys that would leave the folder are refused."""
    parts = PurePosixPath(key).parts
    if not parts or ".." in parts or PurePosixPath(key).is_absolute():
        raise ValueError(f"refusing object key {key!r}")
    return folder / "objects" / Path(*parts)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.exists():
        return {}
    return {entry["key"]: entry for entry in json.loads(path.read_text(encoding="utf-8"))}


def backup(s3: Any, bucket: str, folder: Path) -> int:
    """Copy the bucket into ``folder``; return how many objects were downloaded."""
    previous = read_manifest(folder)
    entries, downloaded = [], 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for summary in page.get("Contents", []):
            key, etag = summary["Key"], summary["ETag"]
            target = local_path(folder, key)
            known = previous.get(key)
            if known and known["etag"] == etag and target.exists():
                entries.append(known)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            s3.download_file(bucket, key, str(partial))
            partial.replace(target)
            head = s3.head_object(Bucket=bucket, Key=key)
            entries.append(
                {
                    "key": key,
                    "size": summary["Size"],
                    "etag": etag,
                    "content_type": head.get("ContentType", "application/octet-stream"),
                    "content_disposition": head.get("ContentDisposition"),
                    "sha256": sha256_of(target),
                }
            )
            downloaded += 1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps(entries, indent=1), encoding="utf-8")
    return downloaded


def restore(s3: Any, folder: Path, bucket: str) -> int:
    """Upload every object of the manifest; return how many. Damaged copies stop it first."""
    entries = list(read_manifest(folder).values())
    if not entries and not (folder / MANIFEST).exists():
        raise SystemExit(f"no {MANIFEST} in {folder}")
    for entry in entries:
        if sha256_of(local_path(folder, entry["key"])) != entry["sha256"]:
            raise SystemExit(f"the copy of {entry['key']} does not match its checksum")
    for entry in entries:
        headers = {"ContentType": entry["content_type"]}
        if entry.get("content_disposition"):
            headers["ContentDisposition"] = entry["content_disposition"]
        s3.upload_file(
            str(local_path(folder, entry["key"])), bucket, entry["key"], ExtraArgs=headers
        )
    return len(entries)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    backup_command = commands.add_parser("backup")
    backup_command.add_argument("bucket")
    backup_command.add_argument("folder", type=Path)
    restore_command = commands.add_parser("restore")
    restore_command.add_argument("folder", type=Path)
    restore_command.add_argument("bucket")
    args = parser.parse_args(argv)

    if args.command == "backup":
        count = backup(client(), args.bucket, args.folder)
        print(f"backed up {args.bucket} to {args.folder} ({count} objects downloaded)")
    else:
        count = restore(client(), args.folder, args.bucket)
        print(f"restored {count} objects from {args.folder} to {args.bucket}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
