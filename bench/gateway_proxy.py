"""Gateway overhead: peak memory while a 200 MB upload streams through, and proxied latency.

Starts a bare upstream and the real gateway as separate uvicorn processes on loopback, then:
1. samples the gateway's resident memory while a 200 MB body streams through it to the upstream
   (target: under 64 MB above idle);
2. times small GET requests straight to the upstream and through the gateway (target: proxied p50
   at most 1.15 x direct p50).
"""

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
from _processes import start

from reparo_shared.identity import generate_keypair
from reparo_shared.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
UPLOAD_BYTES = 200 * 1024 * 1024
LATENCY_SAMPLES = 1000


def uvicorn(app: str, port: int, app_dir: str, factory: bool = False) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--app-dir", app_dir]
    return command + ["--no-access-log", "--log-level", "warning"] + (["--factory"] * factory)


def body() -> Iterator[bytes]:
    chunk = b"r" * (256 * 1024)
    for _ in range(UPLOAD_BYTES // len(chunk)):
        yield chunk


def peak_memory_during_upload(gateway: subprocess.Popen[bytes], url: str) -> tuple[float, float]:
    process = psutil.Process(gateway.pid)
    idle = process.memory_info().rss
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    response = httpx.put(f"{url}/api/repair/upload", content=body(), timeout=120)
    done.set()
    sampler.join()
    assert response.json()["size"] == UPLOAD_BYTES, response.text
    return idle / 2**20, (peak - idle) / 2**20


def p50_ms(url: str) -> float:
    timings = []
    with httpx.Client() as client:
        for _ in range(50):
            client.get(url)
        for _ in range(LATENCY_SAMPLES):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    upstream_port, gateway_port = free_port(), free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    with tempfile.TemporaryDirectory() as folder:
        key_path = Path(folder) / "key.pem"
        key_path.write_text(generate_keypair()[0])
        env = {
            "REPAIR_URL": upstream_url,
            "CMS_URL": upstream_url,
            "CUSTOMER_TOKEN_PRIVATE_KEY": str(key_path),
            "SESSION_SECRET": "bench",
        }
        upstream = start(uvicorn("gateway_upstream:app", upstream_port, "bench"), {}, upstream_url)
        gateway = start(
            uvicorn("gateway.app:create_app", gateway_port, "gateway", factory=True),
            env,
            f"{gateway_url}/healthz",
        )
        try:
            idle, above_idle = peak_memory_during_upload(gateway, gateway_url)
            direct = p50_ms(f"{upstream_url}/api/repair/ping")
            proxied = p50_ms(f"{gateway_url}/api/repair/ping")
        finally:
            gateway.terminate()
            upstream.terminate()

    print(f"gateway idle RSS: {idle:.1f} MB")
    print(f"gateway peak RSS above idle while 200 MB streams through: {above_idle:.1f} MB")
    print(f"small GET p50 direct {direct:.2f} ms, through gateway {proxied:.2f} ms")
    print(f"proxied/direct p50 ratio: {proxied / direct:.2f} (target <= 1.15)")


if __name__ == "__main__":
    main()
