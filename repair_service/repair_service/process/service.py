"""Administrators edit node names, estimates and grants (the order of nodes stays in code)."""

from sqlmodel import Session, col, delete, select

from repair_service.audit.service import write_audit
from repair_service.errors import Forbidden, InvalidInput, NotFound
from repair_service.orders.actors import Actor
from repair_service.process.models import Node, NodeGrant
from repair_service.staff.models import Team

# Node names label the board's tabs and the customer's progress: a few words, not a paragraph.
NODE_NAME_MAX = 50


def require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise Forbidden("Only an administrator may do this")


def list_nodes_with_grants(session: Session) -> list[tuple[Node, list[int]]]:
    grants: dict[str, list[int]] = {}
    for grant in session.exec(select(NodeGrant)):
        grants.setdefault(grant.node_code, []).append(grant.team_id)
    nodes = session.exec(select(Node).order_by(col(Node.position))).all()
    return [(node, sorted(grants.get(node.code, []))) for node in nodes]


def update_node(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name_zh_hans: str | None = None,
    name_en: str | None = None,
    name_pt_br: str | None = None,
    estimated_days: int | None = None,
    team_ids: list[int] | None = None,
) -> tuple[Node, list[int]]:
    """Change a node's names, estimate or granted teams; ETAs follow since they are computed."""
    require_admin(actor)
    node = session.get(Node, code)
    if node is None:
        raise NotFound("No such node")
    for name in (name_zh_hans, name_en, name_pt_br):
        if name is not None and not name.strip():
            raise InvalidInput("Every node needs a name in each language.")
        if name is not None and len(name) > NODE_NAME_MAX:
            raise InvalidInput("A node name may have at most {max} characters.", max=NODE_NAME_MAX)
    for field, value in (
        ("name_zh_hans", name_zh_hans),
        ("name_en", name_en),
        ("name_pt_br", name_pt_br),
        ("estimated_days", estimated_days),
    ):
        if value is not None:
            setattr(node, field, value)
    session.add(node)
    if team_ids is not None:
        _replace_grants(session, code, team_ids)
    write_audit(
        session,
        actor,
        "update_node",
        node=code,
        estimated_days=node.estimated_days,
        team_ids=team_ids,
    )
    session.flush()
    grants = session.exec(select(NodeGrant.team_id).where(NodeGrant.node_code == code)).all()
    return node, sorted(grants)


def _replace_grants(session: Session, code: str, team_ids: list[int]) -> None:
    unique_ids = sorted(set(team_ids))
    if len(session.exec(select(Team.id).where(col(Team.id).in_(unique_ids))).all()) != len(
        unique_ids
    ):
        raise InvalidInput("One of the teams does not exist")
    session.exec(delete(NodeGrant).where(col(NodeGrant.node_code) == code))
    for team_id in unique_ids:
        session.add(NodeGrant(node_code=code, team_id=team_id))
