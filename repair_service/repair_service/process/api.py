"""Process nodes: every staff member reads them; administrators edit names, estimates, grants."""

from fastapi import APIRouter

from repair_service.deps import AdminStaff, CurrentStaff, SessionDep
from repair_service.process import service
from repair_service.process.models import Node
from repair_service.process.schemas import NodePublic, NodeUpdate

router = APIRouter(prefix="/staff/nodes", tags=["process"])


def _public(node: Node, team_ids: list[int]) -> NodePublic:
    return NodePublic(**node.model_dump(), team_ids=team_ids)


@router.get("", response_model=list[NodePublic])
def list_nodes(_actor: CurrentStaff, session: SessionDep) -> list[NodePublic]:
    """The nodes in process order with their granted teams."""
    return [_public(node, teams) for node, teams in service.list_nodes_with_grants(session)]


@router.patch("/{code}", response_model=NodePublic)
def update_node(code: str, body: NodeUpdate, actor: AdminStaff, session: SessionDep) -> NodePublic:
    """Edit a node's names, estimated days or granted teams (administrators only)."""
    node, teams = service.update_node(session, actor=actor, code=code, **body.model_dump())
    return _public(node, teams)
