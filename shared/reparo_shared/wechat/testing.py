"""Start the local WeChat sandbox as a real process for a test session (never in production)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reparo_shared.testing import free_port
from reparo_shared.wechat.settings import WeChatSettings

SANDBOX_APPID = "wx5a4db0c0ffee0001"
SANDBOX_SECRET = "sandbox-secret-for-tests"  # noqa: S105 - accepted only by the sandbox


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str
    appid: str
    secret: str

    def settings(self, **overrides: Any) -> WeChatSettings:
        """Client settings pointing every WeChat host at this sandbox."""
        values: dict[str, Any] = {
            "api_base": self.base_url,
            "open_base": self.base_url,
            "jssdk_url": f"{self.base_url}/sandbox/jweixin.js",
            "appid": self.appid,
            "secret": self.secret,
            "timeout_seconds": 5.0,
        }
        return WeChatSettings(**{**values, **overrides})

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call one of the sandbox's ``/sandbox/...`` hooks and return its JSON answer."""
        response = httpx.request(method, f"{self.base_url}{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()


def _repo_root() -> Path:
    for folder in [Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents]:
        if (folder / "tests" / "wechat_sandbox" / "app.py").exists():
            return folder
    raise RuntimeError("tests/wechat_sandbox not found above the working folder")


@contextmanager
def running_sandbox(
    startup_seconds: float = 60.0, extra_env: dict[str, str] | None = None
) -> Iterator[RunningSandbox]:
    """Run ``python -m tests.wechat_sandbox`` on a free port until the block ends."""
    port = free_port()
    sandbox = RunningSandbox(f"http://127.0.0.1:{port}", SANDBOX_APPID, SANDBOX_SECRET)
    env = {
        **os.environ,
        "SANDBOX_PORT": str(port),
        "WECHAT_APPID": sandbox.appid,
        "WECHAT_SECRET": sandbox.secret,
        "SANDBOX_LOG_LEVEL": "warning",
    }
    env.pop("SANDBOX_STATE_FILE", None)
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.wechat_sandbox"], cwd=_repo_root(), env=env
    )
    try:
        _wait_until_up(sandbox, process, startup_seconds)
        yield sandbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(sandbox: RunningSandbox, process: subprocess.Popen[bytes], limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"WeChat sandbox exited with {process.returncode}")
        try:
            httpx.get(f"{sandbox.base_url}/sandbox/stats", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("WeChat sandbox did not start in time")
