"""Command line: ``uv run python -m repair_service.cli seed`` or ``seed-demo``.

``seed`` adds the default nodes, teams and grants. ``seed-demo`` also creates demo staff (an
admin, a coordinator and one member per team) and a receiving address, printing the passwords
once. Passwords come from ``DEMO_STAFF_PASSWORD`` when set, otherwise they are generated: none
is ever committed.
"""

import argparse
import os
import secrets
import sys

from sqlmodel import Session, select

from repair_service import models  # noqa: F401  (every table, so audit rows' keys resolve)
from repair_service.db import make_engine
from repair_service.orders.actors import Actor
from repair_service.orders.models import ReceivingAddress
from repair_service.process.defaults import DEFAULT_TEAMS, seed_defaults
from repair_service.settings import get_settings
from repair_service.staff.models import StaffAccount, StaffRole, Team
from repair_service.staff.service import create_staff_account


def _demo_display_name(username: str) -> str:
    """A team member is shown by their team's name ("Quality control", not "Qc")."""
    return DEFAULT_TEAMS.get(username, username.capitalize())


def demo_address() -> ReceivingAddress:
    return ReceivingAddress(
        label="Shenzhen repair centre",
        contact_name="Reparo Repair Centre",
        phone="0755-00000000",
        address="Demo Road 1, Nanshan District, Shenzhen, Guangdong",
    )


def seed_demo(session: Session, password: str | None = None) -> list[tuple[str, str, str]]:
    """Create missing demo staff and the demo address; returns (username, role, password) of the
    accounts created now."""
    seed_defaults(session)
    teams = {team.code: team.id for team in session.exec(select(Team))}
    wanted: list[tuple[str, StaffRole, list[int | None]]] = [
        ("admin", StaffRole.ADMIN, []),
        ("coordinator", StaffRole.COORDINATOR, []),
    ]
    wanted += [(code, StaffRole.MEMBER, [teams[code]]) for code in DEFAULT_TEAMS]
    created = []
    for username, role, team_ids in wanted:
        if session.exec(select(StaffAccount).where(StaffAccount.username == username)).first():
            continue
        secret = password or secrets.token_urlsafe(9)
        create_staff_account(
            session,
            actor=Actor.system("cli"),
            username=username,
            display_name=_demo_display_name(username),
            password=secret,
            role=role,
            team_ids=[team_id for team_id in team_ids if team_id is not None],
        )
        created.append((username, role.value, secret))
    if session.exec(select(ReceivingAddress)).first() is None:
        session.add(demo_address())
    session.flush()
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="repair_service.cli")
    parser.add_argument("command", choices=["seed", "seed-demo"])
    args = parser.parse_args(argv)
    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        if args.command == "seed":
            seed_defaults(session)
            session.commit()
            print("default nodes, teams and grants are in place")
            return 0
        created = seed_demo(session, os.environ.get("DEMO_STAFF_PASSWORD") or None)
        session.commit()
    if not created:
        print("demo staff already exist; passwords were printed when they were created")
    for username, role, password in created:
        print(f"demo staff  {username:<12} {role:<12} password: {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
