"""The registry of event types and their payload schemas.

Each payload model is declared once, in ``reparo_shared.events.types``, with ``@event_type``. A
payload carries ids and non-personal facts only: no names, phone numbers or addresses ride the
broker; a consumer that needs them reads its own database.
"""

from collections.abc import Callable
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from reparo_shared.events.envelope import Envelope
from reparo_shared.logs import correlation_id


class EventPayload(BaseModel):
    """Base class of every event payload; ``event_name`` and ``event_version`` are set by
    ``@event_type``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_name: ClassVar[str]
    event_version: ClassVar[int]


P = TypeVar("P", bound=type[EventPayload])

_REGISTRY: dict[tuple[str, int], type[EventPayload]] = {}


def event_type(name: str, version: int = 1) -> Callable[[P], P]:
    """Register a payload model under an event type name and version."""

    def register(model: P) -> P:
        key = (name, version)
        if key in _REGISTRY and _REGISTRY[key] is not model:
            raise ValueError(f"event type {name} v{version} is declared twice")
        model.event_name = name
        model.event_version = version
        _REGISTRY[key] = model
        return model

    return register


def payload_model(name: str, version: int = 1) -> type[EventPayload]:
    """The payload model of a registered event type; KeyError if unknown."""
    _load_types()
    return _REGISTRY[(name, version)]


def known_event_types() -> list[tuple[str, int]]:
    _load_types()
    return sorted(_REGISTRY)


def make_envelope(payload: EventPayload, *, producer: str, subject: str) -> Envelope:
    """Wrap a payload in a new envelope carrying the current correlation id."""
    return Envelope(
        type=payload.event_name,
        version=payload.event_version,
        producer=producer,
        correlation_id=correlation_id(),
        subject=subject,
        data=payload.model_dump(mode="json"),
    )


def parse_payload(envelope: Envelope) -> EventPayload:
    """Validate an envelope's data against its registered schema (raises on unknown/invalid)."""
    return payload_model(envelope.type, envelope.version).model_validate(envelope.data)


def _load_types() -> None:
    # The catalogue module registers its models on import; importing here keeps lookups complete
    # even when the caller never imported the catalogue itself.
    import reparo_shared.events.types  # noqa: F401
