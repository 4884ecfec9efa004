"""The documented set-up commands: migrate from the repository root, then seed the demo."""

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, func, select

from repair_service.cli import seed_demo
from repair_service.db import make_engine
from repair_service.process.defaults import seed_defaults
from repair_service.process.models import Node
from repair_service.staff.models import StaffAccount

from .conftest import World

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_then_seed_demo_prints_each_demo_login_once(tmp_path: Path) -> None:
    env = {**os.environ, "REPAIR_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    env.pop("DEMO_STAFF_PASSWORD", None)
    alembic = [
        sys.executable,
        "-m",
        "alembic",
        "-c",
        "repair_service/alembic.ini",
        "upgrade",
        "head",
    ]
    subprocess.run(alembic, cwd=ROOT, env=env, check=True, capture_output=True)
    seed = [sys.executable, "-m", "repair_service.cli", "seed-demo"]

    first = subprocess.run(seed, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    second = subprocess.run(seed, cwd=ROOT, env=env, check=True, capture_output=True, text=True)

    logins = [line for line in first.stdout.splitlines() if "password:" in line]
    assert len(logins) == 8
    assert any(line.split()[2] == "admin" for line in logins)
    assert "already exist" in second.stdout
    with Session(make_engine(env["REPAIR_DATABASE_URL"])) as session:
        names = {a.username: a.display_name for a in session.exec(select(StaffAccount))}
    assert names["qc"] == "Quality control"
    assert names["admin"] == "Admin"


def test_seeding_again_changes_nothing_an_administrator_edited(world: World) -> None:
    world.client.patch(
        "/api/repair/staff/nodes/repair", json={"estimated_days": 9}, headers=world.staff("admin")
    )
    with Session(world.engine) as session:
        seed_defaults(session)
        created = seed_demo(session, password="demo password 1")
        session.commit()
        nodes = session.exec(select(func.count()).select_from(Node)).one()
        repair = session.get(Node, "repair")

    assert created == []
    assert nodes == 13
    assert repair is not None
    assert repair.estimated_days == 9
