"""Reparo started from its deployment files, as plain processes on loopback ports.

No Docker engine runs here, so this is as close to ``docker compose up`` as a test gets: every
command line comes from a Dockerfile's ``CMD`` or ``HEALTHCHECK`` or from a service's ``command``
in docker-compose.yml, and the image's ``ENV`` applies. Only the listening address and port of
the servers change (``--host``/``--port``, and the port in the health check's URL), the
interpreter is this virtual environment's (first on ``PATH``, as ``/app/.venv/bin`` is in the
images), and each process writes its output to a log file the tests read.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import devstack  # scripts/ is put on the path by tests/conftest.py
import yaml
from ops_support import DEPLOY, REPO_ROOT, final_stage, instructions

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
VENV_BIN = Path(sys.executable).parent
# Values naming places inside the container; the test's own environment supplies these.
CONTAINER_PATHS = ("/app", "/var/lib/reparo", "/run/secrets")
HEALTH_URL_PORT = re.compile(r"(http://127\.0\.0\.1:)\d+")


def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))[
        "services"
    ]
    return services


def image_of(service: str) -> str:
    """The ``deploy/`` folder of the Dockerfile a compose service's image is built from."""
    return Path(compose_services()[service]["build"]["dockerfile"]).parent.name


def _steps(image: str, keyword: str) -> list[str]:
    stage = final_stage(instructions(DEPLOY / image / "Dockerfile"))
    return [step.arguments for step in stage if step.keyword == keyword]


def image_command(image: str) -> list[str]:
    (command,) = _steps(image, "CMD")
    return list(json.loads(command))


def image_healthcheck(image: str, port: int) -> list[str]:
    """The image's ``HEALTHCHECK`` command, probing ``port`` instead of the image's own."""
    (check,) = _steps(image, "HEALTHCHECK")
    command = json.loads(check.split(" CMD ", 1)[1])
    return [HEALTH_URL_PORT.sub(rf"\g<1>{port}", part) for part in command]


def image_environment(image: str) -> dict[str, str]:
    """The image's ``ENV`` values, except ``PATH`` and those naming container paths."""
    values: dict[str, str] = {}
    for arguments in _steps(image, "ENV"):
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            values[name] = value
    return {
        name: value
        for name, value in values.items()
        if name != "PATH" and not value.startswith(CONTAINER_PATHS)
    }


def service_command(service: str) -> list[str]:
    """What a compose service runs: its ``command`` (where ``$$`` is compose's escape for a
    literal ``$``), else its image's ``CMD``."""
    command = compose_services()[service].get("command")
    if command is None:
        return image_command(image_of(service))
    return [part.replace("$$", "$") for part in command]


def on_loopback(command: list[str], port: int) -> list[str]:
    """A server command listening on 127.0.0.1:``port`` instead of all addresses."""
    changed = list(command)
    changed[changed.index("--host") + 1] = "127.0.0.1"
    changed[changed.index("--port") + 1] = str(port)
    return changed


@dataclass
class Started:
    """One running process of the deployed stack."""

    name: str
    service: str
    process: devstack.Process
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.popen is not None and self.process.popen.poll() is None

    def records(self) -> list[dict[str, Any]]:
        """The JSON log records this process wrote so far (other lines are left out)."""
        found = []
        for line in self.log.read_text("utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return found


@dataclass
class DeployedStack:
    """Starts compose services' commands with a shared environment; stops them all at the end."""

    environment: dict[str, str]
    log_dir: Path
    started: dict[str, Started] = field(default_factory=dict)

    def env_for(self, service: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
        """os.environ < the image's ENV < the stack's settings < this process's own."""
        image = image_of(service)
        return {
            **os.environ,
            **image_environment(image),
            **self.environment,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "SERVICE_NAME": service,
            **(overrides or {}),
        }

    def run_once(self, service: str, command: list[str] | None = None) -> str:
        """Run a one-shot command (a migration, a seed) in ``service``'s image; it must succeed.
        Returns what it printed."""
        command = command or service_command(service)
        log = self.log_dir / f"{service}-{len(list(self.log_dir.iterdir()))}.log"
        with log.open("wb") as output:
            result = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=self.env_for(service),
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=600,
            )
        printed = log.read_text("utf-8", errors="replace")
        if result.returncode != 0:
            raise AssertionError(f"{service}: {shlex.join(command)} failed:\n{printed[-3000:]}")
        return printed

    def start(
        self,
        name: str,
        service: str,
        *,
        port: int | None = None,
        health_path: str | None = None,
        overrides: dict[str, str] | None = None,
    ) -> Started:
        """Start ``service``'s command as ``name``; a server gets ``port`` on loopback."""
        command = service_command(service)
        if port is not None:
            command = on_loopback(command, port)
        health_url = f"http://127.0.0.1:{port}{health_path}" if health_path else None
        process = devstack.Process(name, command, health_url=health_url)
        log = self.log_dir / f"{name}.log"
        output = log.open("wb")
        process.popen = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=self.env_for(service, overrides),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        self.started[name] = Started(name, service, process, log, port)
        return self.started[name]

    def wait_until_ready(self) -> None:
        processes = [started.process for started in self.started.values()]
        if not devstack.wait_until_ready(processes, threading.Event()):
            logs = "\n".join(
                f"--- {s.name}\n{s.log.read_text('utf-8', errors='replace')[-2000:]}"
                for s in self.started.values()
                if not s.alive()
            )
            raise AssertionError(f"the deployed stack did not become ready\n{logs}")

    def stop(self) -> None:
        devstack.stop_all([started.process for started in self.started.values()])

    def of(self, service: str) -> list[Started]:
        return [started for started in self.started.values() if started.service == service]

    def __iter__(self) -> Iterator[Started]:
        return iter(self.started.values())
