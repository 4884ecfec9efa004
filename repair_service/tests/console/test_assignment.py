"""The coordinator divides the work: an order at a node is assigned to one person, shows in
their "my work" and leaves their team-mates', and returns to the team when it moves on."""

import re

from sqlmodel import Session, select

from repair_service.staff.models import StaffAccount, StaffRole, Team, TeamMembership

from ..conftest import _PASSWORD_HASH, World
from .conftest import Console
from .test_order_actions import new_order, offered


def add_repair_member(world: World, username: str) -> int:
    with Session(world.engine) as session:
        account = StaffAccount(
            username=username,
            display_name=username.capitalize(),
            role=StaffRole.MEMBER,
            password_hash=_PASSWORD_HASH,
        )
        session.add(account)
        session.flush()
        team = session.exec(select(Team).where(Team.code == "repair")).one()
        session.add(TeamMembership(staff_id=account.id, team_id=team.id))  # type: ignore[arg-type]
        session.commit()
        return int(account.id)  # type: ignore[arg-type]


def my_work(person: Console) -> set[str]:
    return set(re.findall(r'data-order="([^"]+)"', person.get("/console/").text))


def test_coordinator_assigns_an_order_to_one_technician(console, world: World) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "repair")
    wang = add_repair_member(world, "wang")
    coordinator: Console = console("coordinator")
    assert offered(coordinator, order["id"])[-1] == "assign"
    assert "assign" not in offered(console("repair"), order["id"])

    assert coordinator.act(order["id"], "assign", assignee_id=wang).status_code == 303

    assert my_work(console("wang")) == {order["number"]}
    assert my_work(console("repair")) == set()  # a team-mate no longer sees it
    board = coordinator.get("/console/?mine=0").text
    assert re.search(r'data-test="assignee">[^<]*Wang<', board)


def test_assignment_ends_when_the_order_moves_on(console, world: World) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "repair", started=True)
    wang = add_repair_member(world, "wang")
    console("coordinator").act(order["id"], "assign", assignee_id=wang)

    assert console("wang").act(order["id"], "finish_repair").status_code == 303

    assert world.order(order["id"])["assignee_id"] is None
    assert order["number"] in my_work(console("qc"))


def test_only_coordinators_assign_and_only_to_someone_who_may_operate_the_node(
    console, world: World
) -> None:
    _customer, order = new_order(world)
    world.place_at(order["id"], "repair")
    qc_id = world.client.get("/api/repair/staff/me", headers=world.staff("qc")).json()["id"]
    wang = add_repair_member(world, "wang")

    crafted = console("repair").post(
        f"/console/orders/{order['id']}/actions/assign",
        {"expected_version": world.version(order["id"]), "assignee_id": wang},
    )
    by_api = world.act("repair", order["id"], "assign", assignee_id=wang)
    wrong_team = world.act("coordinator", order["id"], "assign", assignee_id=qc_id)
    stale = world.act("coordinator", order["id"], "assign", assignee_id=wang, expected_version=0)

    assert (crafted.status_code, by_api.status_code) == (403, 403)
    assert wrong_team.status_code == 422
    assert stale.status_code == 409
    assert world.order(order["id"])["assignee_id"] is None
