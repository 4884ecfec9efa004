"""Administration through the console: nodes, teams, staff, addresses and sessions."""

import html
import re

import pytest
from sqlmodel import Session, select

from repair_service.errors import InvalidInput
from repair_service.orders.actors import Actor
from repair_service.orders.models import ReceivingAddress
from repair_service.process.models import Node, NodeGrant
from repair_service.staff.models import StaffAccount, Team
from repair_service.staff.service import create_team

from ..conftest import World
from .conftest import Console

NEW_PASSWORD = "a long new password"
ADMIN = Actor(kind="staff", id="1", label="staff:1", role="admin")


def team_id(world: World, code: str) -> int:
    with Session(world.engine) as session:
        team = session.exec(select(Team).where(Team.code == code)).one()
        return int(team.id)  # type: ignore[arg-type]


def account_id(world: World, username: str) -> int:
    with Session(world.engine) as session:
        account = session.exec(select(StaffAccount).where(StaffAccount.username == username)).one()
        return int(account.id)  # type: ignore[arg-type]


def test_member_is_refused_every_admin_page_and_post(console, world: World) -> None:
    member: Console = console("review")
    assert member.get("/console/admin/staff").status_code == 403
    response = member.post("/console/admin/teams", {"code": "sneaky", "name": "Sneaky"})
    assert response.status_code == 403
    with Session(world.engine) as session:
        assert session.exec(select(Team).where(Team.code == "sneaky")).first() is None


def test_admin_edits_a_node_names_estimate_and_grants(console, world: World) -> None:
    admin: Console = console("admin")
    qc_team = team_id(world, "qc")

    response = admin.post(
        "/console/admin/nodes/review",
        {
            "name_zh_hans": "审核",
            "name_en": "Review desk",
            "name_pt_br": "Análise",
            "estimated_days": "4",
            "team_ids": [str(qc_team)],
        },
    )

    assert response.status_code == 303
    with Session(world.engine) as session:
        node = session.get(Node, "review")
        assert node is not None
        assert (node.name_en, node.estimated_days) == ("Review desk", 4)
        grants = session.exec(select(NodeGrant.team_id).where(NodeGrant.node_code == "review"))
        assert list(grants) == [qc_team]
    refused = admin.post(
        "/console/admin/nodes/review",
        {
            "name_zh_hans": "审核",
            "name_en": "",
            "name_pt_br": "Análise",
            "estimated_days": "-1",
        },
    )
    assert refused.status_code == 422


def test_admin_creates_a_team_and_a_staff_member_who_then_signs_in(console, world: World) -> None:
    admin: Console = console("admin")
    assert (
        admin.post("/console/admin/teams", {"code": "field", "name": "Field service"}).status_code
        == 303
    )
    field_team = team_id(world, "field")

    created = admin.post(
        "/console/admin/staff",
        {
            "username": "li.lei",
            "display_name": "Li Lei",
            "password": NEW_PASSWORD,
            "role": "member",
            "team_ids": [str(field_team)],
        },
    )

    assert created.status_code == 303
    teams_page = admin.get("/console/admin/teams").text
    assert re.search(r"Field service</td>\s*<td[^>]*>Li Lei", teams_page)
    newcomer: Console = console()
    assert newcomer.sign_in("li.lei", NEW_PASSWORD).status_code == 303
    short = admin.post(
        "/console/admin/staff",
        {
            "username": "x",
            "display_name": "X",
            "password": "short",
            "role": "member",
        },
    )
    assert short.status_code == 422


def test_admin_resets_a_password_and_the_old_sessions_end(console, world: World) -> None:
    qc: Console = console("qc")
    admin: Console = console("admin")
    qc_id = account_id(world, "qc")

    response = admin.post(
        f"/console/admin/staff/{qc_id}",
        {
            "display_name": "Qc",
            "role": "member",
            "active": "1",
            "password": NEW_PASSWORD,
            "team_ids": [str(team_id(world, "qc"))],
        },
    )

    assert response.status_code == 303
    assert qc.get("/console/", follow_redirects=False).status_code == 303
    assert console().sign_in("qc", NEW_PASSWORD).status_code == 303


def test_admin_deactivates_an_account_and_it_can_no_longer_sign_in(console, world: World) -> None:
    admin: Console = console("admin")
    warehouse_id = account_id(world, "warehouse")

    response = admin.post(
        f"/console/admin/staff/{warehouse_id}",
        {
            "display_name": "Warehouse",
            "role": "member",
            "active": "0",
            "team_ids": [str(team_id(world, "warehouse"))],
        },
    )

    assert response.status_code == 303
    assert console().sign_in("warehouse").status_code == 401


def test_admin_cannot_deactivate_themself(console, world: World) -> None:
    admin: Console = console("admin")
    response = admin.post(
        f"/console/admin/staff/{account_id(world, 'admin')}",
        {
            "display_name": "Admin",
            "role": "admin",
            "active": "0",
        },
    )
    assert response.status_code == 422
    assert console().sign_in("admin").status_code == 303


def test_admin_adds_and_deactivates_a_receiving_address(console, world: World) -> None:
    admin: Console = console("admin")
    fields = {
        "label": "Chengdu centre",
        "contact_name": "Wang",
        "phone": "028-1234567",
        "address": "1 Tianfu Road, Chengdu",
    }

    assert admin.post("/console/admin/addresses", fields).status_code == 303
    with Session(world.engine) as session:
        address = session.exec(
            select(ReceivingAddress).where(ReceivingAddress.label == "Chengdu centre")
        ).one()
    assert (
        admin.post(f"/console/admin/addresses/{address.id}", {**fields, "active": "0"}).status_code
        == 303
    )
    with Session(world.engine) as session:
        refreshed = session.get(ReceivingAddress, address.id)
        assert refreshed is not None
        assert refreshed.active is False


def test_admin_lists_sessions_and_revokes_one_device(console, world: World) -> None:
    phone: Console = console("finance")
    desktop: Console = console("finance")
    admin: Console = console("admin")
    page = admin.get("/console/admin/sessions").text
    session_ids = re.findall(r'data-session="(\d+)"', page)
    assert len(session_ids) == 3
    finance_sessions = sorted(
        int(i) for i in session_ids if re.search(rf'data-session="{i}">\s*<td[^>]*>Finance', page)
    )
    assert len(finance_sessions) == 2

    response = admin.post(f"/console/admin/sessions/{finance_sessions[0]}/revoke")

    assert response.status_code == 303
    assert phone.get("/console/", follow_redirects=False).status_code == 303
    assert desktop.get("/console/").status_code == 200


def test_staff_changes_are_audited_and_self_lockout_is_refused_by_the_api_too(
    console, world: World
) -> None:
    from repair_service.audit.models import AuditLog

    admin: Console = console("admin")
    admin.post("/console/admin/teams", {"code": "field", "name": "Field service"})
    admin.post(
        "/console/admin/staff",
        {
            "username": "li",
            "display_name": "Li",
            "password": NEW_PASSWORD,
            "role": "member",
            "team_ids": [team_id(world, "field")],
        },
    )
    demoted = world.client.patch(
        f"/api/repair/staff/accounts/{account_id(world, 'admin')}",
        json={"role": "member"},
        headers=world.staff("admin"),
    )

    assert demoted.status_code == 422
    with Session(world.engine) as session:
        actions = [row.action for row in session.exec(select(AuditLog))]
    assert {"create_team", "create_staff_account"} <= set(actions)


def admin_error(page: str) -> str:
    found = re.search(r'data-test="admin-error">([^<]*)<', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def test_form_problems_read_as_sentences_naming_the_field_in_the_staff_language(
    console, world: World
) -> None:
    admin: Console = console("admin")
    bad = {"username": "x", "display_name": "X", "password": "short", "role": "member"}

    chinese = admin.post("/console/admin/staff", bad)
    admin.post("/console/language", {"language": "en", "next": "/console/"})
    english = admin.post("/console/admin/staff", {**bad, "username": "y" * 51, "role": "boss"})
    long_code = admin.post("/console/admin/teams", {"code": "UPPER", "name": "n" * 51})

    assert chinese.status_code == 422
    assert admin_error(chinese.text) == "“登录名”至少需要 2 个字符。 “密码”至少需要 10 个字符。"
    assert "String should" not in chinese.text
    assert admin_error(english.text) == (
        "“Sign-in name” may have at most 50 characters. “Password” needs at least 10 "
        "characters. Pick one of the offered choices for “Role”."
    )
    assert admin_error(long_code.text) == (
        "“Code” contains characters that are not allowed here. "
        "“Name” may have at most 50 characters."
    )
    with Session(world.engine) as session:
        assert (
            session.exec(select(StaffAccount).where(StaffAccount.username == "x")).first() is None
        )


def test_node_and_team_names_have_a_sensible_maximum(console, world: World) -> None:
    admin: Console = console("admin")
    admin.post("/console/language", {"language": "en", "next": "/console/"})
    names = {"name_zh_hans": "审核", "name_en": "R" * 500, "name_pt_br": "Análise"}

    refused = admin.post("/console/admin/nodes/review", {**names, "estimated_days": "2"})
    fits = admin.post(
        "/console/admin/nodes/review", {**names, "name_en": "R" * 50, "estimated_days": "2"}
    )

    assert refused.status_code == 422
    assert admin_error(refused.text) == "A node name may have at most 50 characters."
    assert fits.status_code == 303
    with Session(world.engine) as session:
        node = session.get(Node, "review")
        assert node is not None
        assert node.name_en == "R" * 50
        with pytest.raises(InvalidInput) as too_long:
            create_team(session, actor=ADMIN, code="long", name="T" * 51)
        assert too_long.value.template == "A team name may have at most {max} characters."
        session.rollback()
        assert session.exec(select(Team).where(Team.code == "long")).first() is None
