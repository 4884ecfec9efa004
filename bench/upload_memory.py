"""Peak memory of a service while a 200 MB video streams through the upload intake.

Starts a tiny FastAPI app under uvicorn in a child process (endpoints built from
``reparo_shared.files`` the way a service wires them), sends a 200 MB body to the raw and the
multipart endpoint, samples the server's resident memory every 5 ms, and prints the peak above
the idle figure. Target: under 64 MB above idle.

    uv run python bench/upload_memory.py [--megabytes 200]
"""

import argparse
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvicorn
from fastapi import FastAPI, Request

from reparo_shared.files import (
    FileKind,
    LocalDiskStorage,
    install_file_error_handlers,
    receive_multipart_upload,
    receive_raw_upload,
)

MB = 1024 * 1024
CHUNK = 256 * 1024


def build_app(root: Path) -> FastAPI:
    app = FastAPI()
    install_file_error_handlers(app)
    storage = LocalDiskStorage(root / "files")
    spool_dir = root / "spool"
    spool_dir.mkdir(exist_ok=True)

    @app.put("/raw")
    async def raw(request: Request) -> dict[str, object]:
        upload = await receive_raw_upload(request, allowed={FileKind.VIDEO}, spool_dir=spool_dir)
        with upload:
            key = storage.save_file(upload.path)
        return {"key": key, "size": upload.size}

    @app.post("/multipart")
    async def multipart(request: Request) -> dict[str, object]:
        form = await receive_multipart_upload(
            request, allowed={FileKind.VIDEO}, spool_dir=spool_dir
        )
        with form.upload:
            key = storage.save_file(form.upload.path)
        return {"key": key, "size": form.upload.size}

    return app


def serve(port: int, root: Path) -> None:

    uvicorn.run(build_app(root), host="127.0.0.1", port=port, log_level="warning")


def video_body(total: int, prefix: bytes = b"", suffix: bytes = b"") -> Iterator[bytes]:
    ftyp = b"ftypisom" + struct.pack(">I", 0x200) + b"isommp41"
    head = prefix + struct.pack(">I", len(ftyp) + 4) + ftyp
    yield head
    remaining = total - len(ftyp) - 4
    zeros = b"\x00" * CHUNK
    while remaining > 0:
        piece = zeros[: min(CHUNK, remaining)]
        remaining -= len(piece)
        yield piece
    yield suffix


class PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)


def measure(client: httpx.Client, pid: int, label: str, request: dict[str, Any]) -> None:
    idle = psutil.Process(pid).memory_info().rss
    sampler = PeakSampler(pid)
    sampler.start()
    started = time.perf_counter()
    response = client.request(**request)
    elapsed = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    response.raise_for_status()
    size = response.json()["size"]
    print(
        f"{label:10} {size / MB:6.0f} MB in {elapsed:5.1f} s: idle {idle / MB:6.1f} MB, "
        f"peak {sampler.peak / MB:6.1f} MB, above idle {(sampler.peak - idle) / MB:5.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.root)
        return

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    total = args.megabytes * MB
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--root", folder]
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=120) as client:
                for _ in range(200):
                    try:
                        client.get("/docs")
                        break
                    except httpx.TransportError:
                        time.sleep(0.05)
                # Warm up: first requests import and allocate what later ones reuse.
                client.put("/raw", content=video_body(MB))
                measure(client, server.pid, "raw PUT", {
                    "method": "PUT", "url": "/raw", "content": video_body(total),
                    "headers": {"Content-Type": "application/octet-stream", "X-File-Name": "a.mp4"},
                })  # fmt: skip
                boundary = "bench-boundary"
                prefix = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                    'filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
                ).encode()
                suffix = f"\r\n--{boundary}--\r\n".encode()
                measure(client, server.pid, "multipart", {
                    "method": "POST", "url": "/multipart",
                    "content": video_body(total, prefix, suffix),
                    "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
                })  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
