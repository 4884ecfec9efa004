"""Helpers for the deployment tests: paths, scratch PostgreSQL objects, the nginx template."""

import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx" / "reparo.conf"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

TEMPLATE_NAME = re.compile(r"\$\{(REPARO_[A-Z_]+)\}")


def render_nginx_template(values: dict[str, str]) -> str:
    """Fill the ``${REPARO_*}`` names as the nginx image's envsubst does, and only those."""
    template = NGINX_TEMPLATE.read_text(encoding="utf-8")
    missing = set(TEMPLATE_NAME.findall(template)) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return TEMPLATE_NAME.sub(lambda match: values[match.group(1)], template)


def nginx_main_config(prefix: Path, site_config: Path) -> str:
    """A main nginx.conf that keeps every path under ``prefix`` and includes the site file."""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp_paths}
    include {site_config};
}}
"""


def nginx_binary() -> str:
    # Debian installs nginx in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if found is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    return found


def run_script(script: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run one of the deploy scripts; return its output, failing the test with its errors."""
    result = subprocess.run(
        [str(script), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{script.name} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


class PostgresScratch:
    """Creates databases and roles with random names on the local server and drops them after."""

    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        self.engine = create_engine(
            admin_url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )
        self.databases: list[str] = []
        self.roles: list[str] = []

    def name(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:10]}"

    def execute(self, statement: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(text(statement))

    def role(self, prefix: str) -> str:
        role = self.name(prefix)
        self.execute(f'CREATE ROLE "{role}" LOGIN')
        self.roles.append(role)
        return role

    def database(self, prefix: str, owner: str | None = None) -> str:
        database = self.name(prefix)
        owner_clause = f' OWNER "{owner}"' if owner else ""
        self.execute(f'CREATE DATABASE "{database}"{owner_clause}')
        self.databases.append(database)
        return database

    def url(self, database: str, user: str | None = None) -> URL:
        url = self.admin_url.set(database=database)
        return url.set(username=user) if user else url

    def close(self) -> None:
        for database in self.databases:
            self.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in self.roles:
            self.execute(f'DROP ROLE IF EXISTS "{role}"')
        self.engine.dispose()


# --- Dockerfiles, read without a Docker engine ---------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(dockerfile: Path) -> list[Instruction]:
    """The instructions in order, with continuation lines joined and comments left out."""
    text = dockerfile.read_text(encoding="utf-8")
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    return [Instruction(*[*entry.split(None, 1), ""][:2]) for entry in logical]


def final_stage(steps: list[Instruction]) -> list[Instruction]:
    starts = [index for index, step in enumerate(steps) if step.keyword.upper() == "FROM"]
    return steps[starts[-1] :]
