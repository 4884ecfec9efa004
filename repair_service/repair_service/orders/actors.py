"""Who acts: a staff member with role and teams, a customer, or the system itself."""

import re
from dataclasses import dataclass, field
from typing import Literal, cast

ActorKind = Literal["staff", "customer", "system"]
# The labels ``Actor`` writes into ``updated_by``: "Name (staff 4)", "customer 7", "system (x)".
_LABEL_ID = re.compile(r"\((staff) (\d+)\)$|^(customer) (\d+)$|^(system) \((.+)\)$")


@dataclass(frozen=True)
class Actor:
    """The acting person (or process) every state change takes explicitly."""

    kind: ActorKind
    id: str
    label: str
    role: str | None = None
    team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_customer(self) -> bool:
        return self.kind == "customer"

    @property
    def operates_every_node(self) -> bool:
        """Admins and coordinators may act on any node; the system acts where code sends it."""
        return self.kind == "system" or self.role in ("admin", "coordinator")

    @property
    def numeric_id(self) -> int:
        return int(self.id)

    @classmethod
    def customer(cls, customer_id: int) -> "Actor":
        return cls(kind="customer", id=str(customer_id), label=f"customer {customer_id}")

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(kind="system", id=name, label=f"system ({name})")


def label_actor(label: str | None) -> tuple[ActorKind, str] | None:
    """Who an ``updated_by`` label names, as (kind, id); None for a label of another shape."""
    found = _LABEL_ID.search(label or "")
    if found is None:
        return None
    kind, actor_id = [part for part in found.groups() if part is not None]
    # The pattern captures only the three kinds' own words, so the cast cannot lie.
    return cast(ActorKind, kind), actor_id
