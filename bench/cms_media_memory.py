"""Peak memory of the cms while a 200 MB software file streams out of ``/cms/media/``.

Starts the cms under uvicorn (the image's server) in a child process with its media on local
disk, and again with its media in an S3-compatible bucket (moto's server, in this process),
downloads a 200 MB document whole and resumed from its middle with a Range request, samples the
server's resident memory every 5 ms, and prints the peak above the idle figure. No target is set
for the cms; the gateway's own (under 64 MB above idle for a 200 MB stream) is the yardstick.

    uv run python bench/cms_media_memory.py [--megabytes 200]
"""

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import httpx
import psutil
from moto.server import ThreadedMotoServer

from reparo_shared.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
NAME = "documents/firmware-bench.bin"


def write_file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MB)
    with path.open("wb") as handle:
        for _ in range(size // MB):
            handle.write(block)


def start_cms(data_dir: Path, extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "REPARO_DATA_DIR": str(data_dir),
        "CMS_SECRET_KEY": "bench-only",
        "CMS_DATABASE_URL": f"sqlite:///{data_dir / 'cms.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    command = [sys.executable, "-m", "uvicorn", "reparo_cms.asgi:application", "--app-dir", "cms",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/cms/healthz", timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the cms did not start")


def peak_during(process: psutil.Process, work: threading.Thread) -> int:
    peak = 0
    work.start()
    while work.is_alive():
        peak = max(peak, process.memory_info().rss)
        time.sleep(0.005)
    return peak


def download(url: str, headers: dict[str, str], received: list[int]) -> None:
    with httpx.stream("GET", url, headers=headers, timeout=300) as response:
        received.append(sum(len(chunk) for chunk in response.iter_raw(256 * 1024)))


def measure(label: str, data_dir: Path, extra: dict[str, str], size: int) -> None:
    server, url = start_cms(data_dir, extra)
    try:
        process = psutil.Process(server.pid)
        httpx.get(f"{url}/cms/media/{NAME}", headers={"Range": "bytes=0-0"}, timeout=60)
        idle = process.memory_info().rss
        for what, headers in (("whole", {}), ("from the middle", {"Range": f"bytes={size // 2}-"})):
            received: list[int] = []
            work = threading.Thread(
                target=download, args=(f"{url}/cms/media/{NAME}", headers, received)
            )
            started = time.perf_counter()
            peak = peak_during(process, work)
            seconds = time.perf_counter() - started
            print(
                f"{label:>6} {what:<16} {received[0] / MB:6.0f} MB in {seconds:5.1f} s, "
                f"peak {(peak - idle) / MB:6.1f} MB above idle ({idle / MB:.0f} MB)"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    size = args.megabytes * MB
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the S3 server's request lines
    print(f"load average {os.getloadavg()[0]:.2f} (1 min)")

    with tempfile.TemporaryDirectory(prefix="cms-media-bench-") as folder:
        data_dir = Path(folder)
        write_file(data_dir / "cms-media" / NAME, size)
        measure("disk", data_dir, {}, size)

        port = free_port()
        store = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        store.start()
        try:
            endpoint = f"http://127.0.0.1:{port}"
            s3 = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",  # moto accepts any key
            )
            s3.create_bucket(Bucket="cms-bench")
            s3.upload_file(str(data_dir / "cms-media" / NAME), "cms-bench", NAME)
            bucket = {
                "CMS_S3_BUCKET": "cms-bench",
                "CMS_S3_ENDPOINT_URL": endpoint,
                "CMS_S3_ACCESS_KEY_ID": "bench",
                "CMS_S3_SECRET_ACCESS_KEY": "bench",
            }
            measure("bucket", data_dir, bucket, size)
        finally:
            store.stop()


if __name__ == "__main__":
    main()
