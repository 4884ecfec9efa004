"""The local stack: environment, set-up steps and processes of a running Reparo.

``scripts/run.py`` (``make run``) and the cross-service tests (``tests/conftest.py``) both start
Reparo through these functions, so the tests exercise exactly what a developer runs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pika
import pika.exceptions

from reparo_shared.identity.keys import write_demo_keys
from reparo_shared.wechat_pay.demo_keys import write_demo_merchant_keys

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("REPARO_DATA_DIR", ROOT / ".local"))
PYTHON = sys.executable


@dataclass
class Process:
    name: str
    command: list[str]
    cwd: Path = ROOT
    health_url: str | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def prepare_environment(
    data_dir: Path = DATA_DIR, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """Environment for every child: embedded defaults, demo keys and secrets made on first run.

    ``overrides`` win over variables already set in the environment, which win over defaults.
    """
    overrides = overrides or {}
    data_dir.mkdir(parents=True, exist_ok=True)
    private_key, public_keys = write_demo_keys(data_dir / "keys")
    merchant = write_demo_merchant_keys(data_dir / "keys")

    def demo_secret(name: str) -> str:
        return _demo_secret(data_dir, name)

    def setting(name: str, default: str) -> str:
        return overrides.get(name) or os.environ.get(name) or default

    gateway_port = setting("GATEWAY_PORT", "8000")
    repair_port = setting("REPAIR_PORT", "8001")
    cms_port = setting("CMS_PORT", "8002")
    sandbox = f"http://127.0.0.1:{setting('SANDBOX_PORT', '8009')}"
    defaults = {
        "REPARO_DATA_DIR": str(data_dir),
        "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
        "GATEWAY_PORT": gateway_port,
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{gateway_port}",
        "REPAIR_PORT": repair_port,
        "CMS_PORT": cms_port,
        "SANDBOX_PORT": setting("SANDBOX_PORT", "8009"),
        "REPAIR_URL": f"http://127.0.0.1:{repair_port}",
        "CMS_URL": f"http://127.0.0.1:{cms_port}",
        "REPAIR_DATABASE_URL": f"sqlite:///{data_dir / 'repair.sqlite3'}",
        "CMS_DATABASE_URL": f"sqlite:///{data_dir / 'cms.sqlite3'}",
        "CUSTOMER_TOKEN_PRIVATE_KEY": str(private_key),
        "CUSTOMER_TOKEN_PUBLIC_KEYS": str(public_keys),
        "CUSTOMER_TOKEN_KID": "demo-1",
        "SESSION_SECRET": demo_secret("session-secret"),
        "REPAIR_CONSOLE_SECRET": demo_secret("console-secret"),
        "CMS_SECRET_KEY": demo_secret("cms-secret-key"),
        "DEMO_STAFF_PASSWORD": demo_secret("demo-staff-password")[:16],
        "CMS_ADMIN_PASSWORD": demo_secret("demo-editor-password")[:16],
        "WECHAT_SANDBOX_URL": sandbox,
        "WECHAT_API_BASE": sandbox,
        "WECHAT_OPEN_BASE": sandbox,
        "WECHAT_PAY_BASE": sandbox,
        "WECHAT_JSSDK_URL": f"{sandbox}/sandbox/jweixin.js",
        "OFFLINE_PAYMENT_ACCOUNT": "Demo Bank Shenzhen · Reparo Demo Ltd · 6222 0000 0000 0000",
        "WECHAT_PAY_MCHID": "1900000109",
        "WECHAT_PAY_NOTIFY_URL": f"http://127.0.0.1:{gateway_port}/api/repair/payments/wechat/notify",
        "SANDBOX_PAY_PLATFORM_DIR": str(data_dir / "keys" / "wechat-pay-platform"),
        **merchant,
        "SANDBOX_STATE_FILE": str(data_dir / "wechat_sandbox.json"),
        "SANDBOX_LOG_LEVEL": "warning",
        "WECHAT_APPID": "wxsandbox0000001",
        "WECHAT_SECRET": demo_secret("wechat-app-secret"),
        "WECHAT_MESSAGES": demo_messages(),
    }
    return {key: setting(key, value) for key, value in {**defaults, **overrides}.items()}


def demo_messages() -> str:
    """The demo account sends each notice as a subscription message where the customer allowed
    it on the pages, else as a template message (the sandbox serves one set of ids for both)."""
    from repair_service.notifications.config import DEFAULT_NOTICES

    both = {
        notice.value: {"subscription": channels.template, "template": channels.template}
        for notice, channels in DEFAULT_NOTICES.items()
    }
    return json.dumps(
        {name: {k: v.model_dump() for k, v in pair.items() if v} for name, pair in both.items()}
    )


def _demo_secret(data_dir: Path, name: str) -> str:
    """A random secret kept under the data folder so restarts keep sessions; never committed."""
    path = data_dir / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def ensure_rabbitmq(amqp_url: str) -> bool:
    """RabbitMQ must answer; start a locally installed server if it does not."""
    if rabbitmq_answers(amqp_url):
        return True
    server = shutil.which("rabbitmq-server")
    if server is None:
        print(RABBITMQ_MISSING.format(url=amqp_url), file=sys.stderr)
        return False
    print("==> RabbitMQ does not answer; starting the local rabbitmq-server", flush=True)
    subprocess.run([server, "-detached"], check=False)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if rabbitmq_answers(amqp_url):
            return True
        time.sleep(2)
    print(f"RabbitMQ still does not answer at {amqp_url}.", file=sys.stderr)
    return False


RABBITMQ_MISSING = """
Reparo needs a RabbitMQ server and none answers at {url}.
Get one in any of these ways, then run `make run` again:
  - Debian/Ubuntu:  sudo apt-get install rabbitmq-server
  - macOS:          brew install rabbitmq && brew services start rabbitmq
  - Docker:         docker compose up -d rabbitmq
Or point AMQP_URL at a server you already have.
"""


def rabbitmq_answers(amqp_url: str) -> bool:
    parameters = pika.URLParameters(amqp_url)
    parameters.socket_timeout = 2
    parameters.blocked_connection_timeout = 2
    parameters.connection_attempts = 1
    try:
        pika.BlockingConnection(parameters).close()
    except (pika.exceptions.AMQPError, OSError):
        return False
    return True


def selected_services() -> set[str]:
    """``REPARO_SERVICES`` (comma-separated) starts a subset, e.g. ``repair,gateway``."""
    chosen = os.environ.get("REPARO_SERVICES", "")
    return {name.strip() for name in chosen.split(",") if name.strip()} or set(SERVICES)


SERVICES = ("sandbox", "repair", "cms", "gateway", "workers")


def setup_steps() -> list[list[str]]:
    """Migrations and demo data, in order; each command is idempotent."""
    steps = {
        "repair": [
            [PYTHON, "-m", "alembic", "-c", "repair_service/alembic.ini", "upgrade", "head"],
            [PYTHON, "-m", "repair_service.cli", "seed-demo"],
        ],
        "cms": [
            [PYTHON, "cms/manage.py", "migrate", "--noinput", "-v", "0"],
            [PYTHON, "cms/manage.py", "collectstatic", "--noinput", "-v", "0"],
            [PYTHON, "cms/manage.py", "seed_demo"],
        ],
    }
    chosen = selected_services()
    return [step for service, commands in steps.items() if service in chosen for step in commands]


def process_table(environment: dict[str, str]) -> list[Process]:
    chosen = selected_services()
    workers = {"relay-r", "relay-c", "worker-r", "worker-c"} if "workers" in chosen else set()
    return [p for p in _all_processes(environment) if p.name in chosen | workers]


def _all_processes(environment: dict[str, str]) -> list[Process]:
    # fmt: off
    def uvicorn(app: str, port: str, app_dir: str) -> list[str]:
        return [PYTHON, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", port,
                "--app-dir", app_dir, "--no-access-log"]
    # fmt: on

    sandbox_port = environment["SANDBOX_PORT"]
    # fmt: off
    return [
        Process(
            "sandbox",
            [PYTHON, "-m", "tests.wechat_sandbox"],
            health_url=f"http://127.0.0.1:{sandbox_port}/healthz",
        ),
        Process(
            "repair",
            uvicorn("repair_service.app:create_app", environment["REPAIR_PORT"], "repair_service"),
            health_url=f"{environment['REPAIR_URL']}/readyz",
        ),
        Process(
            "cms",
            [PYTHON, "-m", "uvicorn", "reparo_cms.asgi:application", "--app-dir", "cms",
             "--host", "127.0.0.1", "--port", environment["CMS_PORT"], "--no-access-log"],
            health_url=f"{environment['CMS_URL']}/cms/readyz",
        ),
        Process(
            "relay-r",
            [PYTHON, "-m", "reparo_shared.events.relay",
             "--database-url", environment["REPAIR_DATABASE_URL"]],
        ),
        Process("relay-c", [PYTHON, "cms/manage.py", "run_outbox_relay"]),
        Process("worker-r", [PYTHON, "-m", "repair_service.worker"]),
        # Scheduled publishing and WeChat article imports.
        Process("worker-c", [PYTHON, "cms/manage.py", "run_scheduler"]),
        Process(
            "gateway",
            uvicorn("gateway.app:create_app", environment["GATEWAY_PORT"], "gateway"),
            health_url=f"{environment['GATEWAY_PUBLIC_URL']}/healthz",
        ),
    ]
    # fmt: on


def run_setup_steps(environment: dict[str, str]) -> None:
    """Migrate and seed every database, stopping at the first failure."""
    for step in setup_steps():
        print(f"==> {' '.join(step[-3:])}", flush=True)
        subprocess.run(step, cwd=ROOT, check=True, env={**os.environ, **environment})


def start(process: Process, environment: dict[str, str] | None = None) -> Process:
    process.popen = subprocess.Popen(
        process.command,
        cwd=process.cwd,
        env={**os.environ, **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    threading.Thread(target=relay_output, args=(process,), daemon=True).start()
    return process


def relay_output(process: Process) -> None:
    assert process.popen is not None
    assert process.popen.stdout is not None
    for line in process.popen.stdout:
        sys.stdout.write(f"{process.name:>8} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def wait_until_ready(processes: list[Process], stop_event: threading.Event) -> bool:
    pending = [p for p in processes if p.health_url]
    deadline = time.monotonic() + 120
    while pending and not stop_event.is_set():
        for process in list(pending):
            assert process.popen is not None
            if process.popen.poll() is not None:
                print(f"{process.name} exited with {process.popen.returncode}", file=sys.stderr)
                return False
            if answers(process.health_url or ""):
                pending.remove(process)
        if time.monotonic() > deadline:
            print(f"not ready after 120 s: {[p.name for p in pending]}", file=sys.stderr)
            return False
        time.sleep(0.5)
    return not stop_event.is_set()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


DEMO_STAFF = ("admin", "coordinator", "review", "logistics", "repair", "qc", "finance", "warehouse")


def write_demo_logins(environment: dict[str, str]) -> Path:
    """The demo accounts ``seed-demo`` and ``seed_demo`` made, with their local passwords."""
    staff = environment["DEMO_STAFF_PASSWORD"]
    lines = [f"    staff console   {name:<12} {staff}" for name in DEMO_STAFF]
    lines.append(f"    Wagtail admin   {'editor':<12} {environment['CMS_ADMIN_PASSWORD']}")
    lines.append("    customer        sign in on the sandbox's WeChat page (pick any user)")
    path = Path(environment["REPARO_DATA_DIR"]) / "demo-logins.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def print_banner(environment: dict[str, str], seconds: float) -> None:
    logins = write_demo_logins(environment)
    url = environment["GATEWAY_PUBLIC_URL"]
    print(
        f"\n  Reparo is ready after {seconds:.1f} s: open {url}\n"
        f"    customer pages   {url}/   (sign in through the WeChat sandbox)\n"
        f"    staff console    {url}/console/\n"
        f"    Wagtail admin    {url}/cms/admin/\n"
        f"    WeChat sandbox   {environment['WECHAT_SANDBOX_URL']}/sandbox/\n"
        f"  Demo logins ({logins}):\n"
        + (logins.read_text(encoding="utf-8") if logins.exists() else "    (none recorded)\n")
        + "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )


def watch(processes: list[Process], stop_event: threading.Event) -> None:
    while not stop_event.wait(1):
        for process in processes:
            assert process.popen is not None
            if process.popen.poll() is not None:
                print(f"{process.name} stopped ({process.popen.returncode}); stopping all")
                return


def stop_all(processes: list[Process]) -> None:
    for process in processes:
        if process.popen and process.popen.poll() is None:
            os.killpg(process.popen.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
    print("all processes stopped")
