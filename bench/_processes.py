"""Starting the processes a benchmark measures: one helper for every script in ``bench/``."""

import os
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start(
    command: list[str], env: dict[str, str], url: str, timeout: float = 60
) -> subprocess.Popen[bytes]:
    """Run ``command`` from the repository root and wait until ``url`` answers below 500."""
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command} did not start")
