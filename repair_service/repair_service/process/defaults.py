"""The default process: 13 nodes in the owner's wording, default teams and their grants.

``seed_defaults`` is idempotent: it adds what is missing and leaves administrators' edits alone.
"""

from typing import NamedTuple

from sqlmodel import Session, select

from repair_service.db import saved_id
from repair_service.process.models import Node, NodeActor, NodeGrant
from repair_service.staff.models import Team


class NodeDefault(NamedTuple):
    code: str
    zh_hans: str
    en: str
    pt_br: str
    estimated_days: int
    actor: NodeActor
    teams: tuple[str, ...]


STAFF, CUSTOMER, SYSTEM = NodeActor.STAFF, NodeActor.CUSTOMER, NodeActor.SYSTEM

DEFAULT_NODES: tuple[NodeDefault, ...] = (
    NodeDefault("submitted", "已提交", "Submitted", "Enviado", 0, CUSTOMER, ()),
    NodeDefault(
        "review", "申请审核", "Application review", "Análise da solicitação", 1, STAFF, ("review",)
    ),
    NodeDefault(
        "customer_shipping",
        "客户寄件",
        "Customer shipping",
        "Envio pelo cliente",
        3,
        CUSTOMER,
        ("logistics",),
    ),
    NodeDefault(
        "receiving",
        "收货验收",
        "Receiving and acceptance",
        "Recebimento e conferência",
        1,
        STAFF,
        ("logistics",),
    ),
    NodeDefault("reinspection", "复检", "Re-inspection", "Reinspeção", 2, STAFF, ("repair",)),
    NodeDefault(
        "quotation",
        "维修审核（报价）",
        "Repair review (quotation)",
        "Revisão do reparo (orçamento)",
        1,
        STAFF,
        ("repair",),
    ),
    NodeDefault(
        "customer_agreement",
        "客户确认",
        "Customer agreement",
        "Aprovação do cliente",
        3,
        CUSTOMER,
        ("review",),
    ),
    NodeDefault("fee_collection", "收费", "Fee collection", "Cobrança", 2, STAFF, ("finance",)),
    NodeDefault("repair", "维修", "Repair", "Reparo", 5, STAFF, ("repair",)),
    NodeDefault("qc", "质检", "Inspection (QC)", "Inspeção de qualidade", 1, STAFF, ("qc",)),
    NodeDefault(
        "warehouse_exit", "出库", "Warehouse exit", "Saída do armazém", 1, STAFF, ("warehouse",)
    ),
    NodeDefault("invoicing", "开票", "Invoicing", "Emissão de nota fiscal", 2, STAFF, ("finance",)),
    NodeDefault("completed", "已完成", "Completed", "Concluído", 0, SYSTEM, ()),
)

DEFAULT_TEAMS: dict[str, str] = {
    "review": "Review",
    "logistics": "Logistics",
    "repair": "Repair",
    "qc": "Quality control",
    "finance": "Finance",
    "warehouse": "Warehouse",
}


def seed_defaults(session: Session) -> None:
    """Create the default teams, nodes and grants that do not exist yet."""
    teams = {team.code: team for team in session.exec(select(Team)).all()}
    for code, name in DEFAULT_TEAMS.items():
        if code not in teams:
            teams[code] = Team(code=code, name=name)
            session.add(teams[code])
    session.flush()

    existing = set(session.exec(select(Node.code)).all())
    for position, default in enumerate(DEFAULT_NODES, start=1):
        if default.code in existing:
            continue
        session.add(
            Node(
                code=default.code,
                position=position,
                name_zh_hans=default.zh_hans,
                name_en=default.en,
                name_pt_br=default.pt_br,
                estimated_days=default.estimated_days,
                actor=default.actor,
            )
        )
        session.flush()
        for team_code in default.teams:
            session.add(NodeGrant(node_code=default.code, team_id=saved_id(teams[team_code])))
    session.flush()
